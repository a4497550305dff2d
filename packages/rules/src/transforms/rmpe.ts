import type { Tensor } from '@opt/core';
import { axpby, dot, mul } from '@opt/core';
import { solveLinear } from '../linalg/host.js';
import { readForHost } from '../linalg/matrix.js';

/** Number of entries of the upper triangle of an r×r symmetric matrix, r(r + 1)/2. */
const triangleSize = (r: number): number => (r * (r + 1)) / 2;

/**
 * The RMPE weights from the upper triangle of a Gram matrix G (row by row, `gram[k]` for i ≤ j):
 * solve (G + λI) z = 1 in float64 and return c = z/Σz (Σc = 1). Σz = 1ᵀ(G + λI)⁻¹1 > 0 for λ > 0.
 */
export function rmpeWeights(gram: ArrayLike<number>, r: number, lambda: number): number[] {
  const a = Array.from({ length: r }, () => new Float64Array(r));
  let k = 0;
  for (let i = 0; i < r; i++) {
    for (let j = i; j < r; j++) {
      a[i][j] = gram[k];
      a[j][i] = gram[k++];
    }
    a[i][i] += lambda;
  }
  // G + λI is symmetric positive definite for λ > 0, so the solve never meets a zero pivot.
  const z = solveLinear(a, new Float64Array(r).fill(1));
  const total = z.reduce((s, x) => s + x, 0);
  return Array.from(z, (x) => x / total);
}

/** One RMPE problem: r difference rows u_i and the r points x_i they weight (oldest first, r ≥ 1). */
export interface RmpeWindow {
  readonly differences: readonly Tensor[];
  readonly points: readonly Tensor[];
}

/** The upper triangle of the Gram matrix G_ij = ⟨u_i, u_j⟩ as 0-d device tensors (row by row). */
const gramEntries = (u: readonly Tensor[]): Tensor[] => u.flatMap((ui, i) => u.slice(i).map((uj) => dot(ui, uj)));

/**
 * Regularized minimal polynomial extrapolation (RMPE; Wang, Li, Karimi & Li, "An Optimistic
 * Acceleration of AMSGrad for Nonconvex Optimization", ACML 2021, after Scieur, d'Aspremont &
 * Bach's regularized nonlinear acceleration), as the official Optadam_torch.py computes it: for
 * each window of r difference rows u_i and r points x_i,
 *   G = [⟨u_i, u_j⟩],  (G + λI) c = 1,  c ← c/Σc,  result Σ_i c_i·x_i.
 * With u_i = x_{i+1} − x_i (the classic form) and a sequence x_k = x* + Σ_j ρ_j^k·a_j of fewer
 * than r modes the result tends to x* as λ → 0. G is formed on the device (r(r + 1)/2 dot
 * products per window); all windows' entries are read back together, one sync point per call
 * (it needs a synchronous backend, else BackendUnavailable naming `field`), and each tiny system
 * is solved on the host in float64.
 */
export function rmpeExtrapolations(windows: readonly RmpeWindow[], lambda: number, field: string): Tensor[] {
  if (windows.length === 0) return [];
  const r = windows[0].points.length;
  const entries = windows.flatMap((w) => gramEntries(w.differences));
  const host = readForHost(entries[0].backend.concat(entries), field);
  const size = triangleSize(r);
  return windows.map(({ points }, w) => {
    const c = rmpeWeights(host.subarray(w * size, (w + 1) * size), r, lambda);
    return c.slice(1).reduce((acc, ci, i) => axpby(1, acc, ci, points[i + 1]), mul(points[0], c[0]));
  });
}
