/**
 * A small dense convex QP solver on the host (float64):
 *   minimise ½ λᵀGλ + cᵀλ  subject to  λ ≥ 0,
 * G symmetric positive (semi)definite, m×m with m the number of tasks (small). This is the
 * Lawson–Hanson active-set method (NNLS) written for a general quadratic: the passive set P
 * grows by the coordinate with the most negative gradient; the unconstrained minimiser on P is
 * found by a linear solve, and a step back to the feasible region drops coordinates that would
 * turn negative. It terminates in finitely many steps for positive definite G and returns the
 * exact minimiser up to rounding (checked against the KKT conditions in the tests).
 */

import { solveLinear } from '../linalg/host.js';

/** Solution and diagnostics of `solveNonnegativeQp`. */
export interface NonnegativeQpResult {
  readonly x: Float64Array;
  /** Outer iterations used. */
  readonly iterations: number;
}

const gradientAt = (g: readonly (readonly number[])[], c: ArrayLike<number>, x: Float64Array): Float64Array =>
  Float64Array.from(g.map((row, i) => row.reduce((s, v, j) => s + v * x[j], c[i])));

/** The minimiser of the quadratic restricted to the passive set (other coordinates 0). */
function passiveMinimiser(g: readonly (readonly number[])[], c: ArrayLike<number>, passive: readonly number[]): Float64Array {
  const z = new Float64Array(c.length);
  if (passive.length === 0) return z;
  const sub = passive.map((i) => passive.map((j) => g[i][j]));
  const sol = solveLinear(sub, passive.map((i) => -c[i]));
  passive.forEach((i, k) => { z[i] = sol[k]; });
  return z;
}

/**
 * Minimise ½ xᵀGx + cᵀx over x ≥ 0 (see the module comment). `tol` bounds the KKT residual:
 * on return every coordinate has x_i ≥ 0, gradient_i ≥ −tol·scale, and gradient_i = 0 (up to
 * rounding) where x_i > 0, with scale = max(1, max|G|, max|c|).
 */
export function solveNonnegativeQp(g: readonly (readonly number[])[], c: ArrayLike<number>, tol = 1e-12): NonnegativeQpResult {
  const m = c.length;
  if (g.length !== m || g.some((row) => row.length !== m)) throw new RangeError(`solveNonnegativeQp: G must be ${m}×${m}`);
  const scale = Math.max(1, ...Array.from(c, Math.abs), ...g.flatMap((row) => row.map(Math.abs)));
  let x: Float64Array = new Float64Array(m);
  const passive: number[] = [];
  const maxIterations = 3 * m + 10;
  for (let it = 1; it <= maxIterations; it++) {
    const grad = gradientAt(g, c, x);
    let j = -1;
    for (let i = 0; i < m; i++) if (!passive.includes(i) && grad[i] < -tol * scale && (j < 0 || grad[i] < grad[j])) j = i;
    if (j < 0) return { x, iterations: it - 1 };
    passive.push(j);
    for (;;) {
      const z = passiveMinimiser(g, c, passive);
      const negative = passive.filter((i) => z[i] <= 0);
      if (negative.length === 0) { x = z; break; }
      // Step from x toward z as far as feasibility allows, then free the coordinates that hit 0.
      const alpha = Math.min(...negative.map((i) => x[i] / (x[i] - z[i])));
      x = x.map((xi, i) => xi + alpha * (z[i] - xi));
      for (let k = passive.length - 1; k >= 0; k--) {
        const i = passive[k];
        if (x[i] <= tol * scale) { x[i] = 0; passive.splice(k, 1); }
      }
    }
  }
  return { x, iterations: maxIterations };
}
