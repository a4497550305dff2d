import type { Rng, Tensor } from '@opt/core';
import { OptError, matmul, reduceAxis, sqrt, tidy, transpose } from '@opt/core';
import { qr, svd } from '../linalg/factorizations.js';
import { readForHost } from '../linalg/matrix.js';

/**
 * The shared projector of the low-rank rules (GaLore-style: Fira, FRUGAL, SN-SM, OSD).
 *
 * Orientation (GaLore's `std` side rule): a gradient G [m, n] is projected on the right when
 * m ≥ n (R = G·Pᵀ, P = top-r right singular vectors) and on the left otherwise (R = Pᵀ·G). This
 * module works on the *oriented* matrix H = G (right) or Gᵀ (left), so both cases are one: the
 * basis Q [n', r] has orthonormal columns, R = H·Q [m', r] and the back-projection is R·Qᵀ.
 * (The low-rank state is stored transposed for left projections; elementwise rules are
 * unaffected.)
 */

/** How the basis is refreshed (see `refreshBasis`). */
export const PROJECTION_KINDS = ['svd', 'qr', 'random', 'dct'] as const;
/** How the basis is refreshed. */
export type ProjectionKind = (typeof PROJECTION_KINDS)[number];

/** True when a gradient [m, n] is projected on the left (m < n), GaLore's `std` rule. */
export const projectsLeft = (shape: readonly number[]): boolean => shape[0] < shape[1];

/** H: the gradient as a matrix (rank > 2 flattened to [shape[0], −1]), transposed for a left projection. */
export function orient(g: Tensor): Tensor {
  const rows = g.shape[0];
  const m = g.shape.length === 2 ? g : g.backend.reshape(g, [rows, g.size / rows]);
  return projectsLeft(m.shape) ? transpose(m) : m;
}

/** Undo `orient`: back to the layout and shape of `like`. */
export function unorient(h: Tensor, like: Tensor): Tensor {
  const rows = like.shape[0];
  const m = projectsLeft([rows, like.size / rows]) ? transpose(h) : h;
  return sameShape(m.shape, like.shape) ? m : m.backend.reshape(m, like.shape);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** R = H·Q. */
export const projectDown = (h: Tensor, q: Tensor): Tensor => matmul(h, q);
/** R·Qᵀ (back to H's shape). */
export const projectUp = (r: Tensor, q: Tensor): Tensor => matmul(r, q, false, true);

/** Norm of each row of a matrix, on the device. */
export const rowNormsOf = (x: Tensor): Tensor => sqrt(reduceAxis('sumSquares', x, 1));

/**
 * cos(π·a/(2n)) for an integer a, reduced exactly to cos(π·k/(2n)) with k ∈ [0, n]: entries of
 * equal magnitude are equal numbers, so `canonicalColumns`' "first one on ties" is decided
 * exactly rather than by the rounding of Math.cos (DCT columns have many equal magnitudes).
 */
function cosPiOver2n(a: number, n: number): number {
  const r = a % (4 * n);
  const k = Math.min(r, 4 * n - r); // θ = π·k/(2n) ∈ [0, π]
  const magnitude = (k2: number) => (k2 === n ? 0 : Math.cos((Math.PI * k2) / (2 * n)));
  return k <= n ? magnitude(k) : -magnitude(2 * n - k);
}

/** The orthonormal DCT-II matrix C [n, n] (column j is the j-th cosine), host float64. */
export function dctMatrix(n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) c[i * n + j] = Math.sqrt((j === 0 ? 1 : 2) / n) * cosPiOver2n((2 * i + 1) * j, n);
  }
  return c;
}

/**
 * Fix the sign of each basis vector: the entry of largest magnitude is positive (first one on
 * ties). SVD and QR leave signs free; a convention makes every implementation agree.
 */
export function canonicalColumns(q: Float64Array, rows: number, cols: number): Float64Array {
  for (let j = 0; j < cols; j++) {
    let best = 0;
    for (let i = 0; i < rows; i++) if (Math.abs(q[i * cols + j]) > Math.abs(best)) best = q[i * cols + j];
    if (best < 0) for (let i = 0; i < rows; i++) q[i * cols + j] = -q[i * cols + j];
  }
  return q;
}

const upload = (like: Tensor, data: ArrayLike<number>, shape: readonly number[]) => like.backend.fromArray(data, shape, like.dtype);

/** The first `r` columns of a host [rows, cols] matrix as a row-major [rows, r] array. */
function leadingColumns(data: ArrayLike<number>, rows: number, cols: number, r: number): Float64Array {
  const out = new Float64Array(rows * r);
  for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) out[i * r + j] = data[i * cols + j];
  return out;
}

/**
 * A new basis Q [n', r] for the oriented gradient H [m', n'] (m' ≥ n' by construction, r ≤ n'):
 * - 'svd': the top-r right singular vectors of H (GaLore/Fira/FRUGAL/SN-SM/OSD); host Jacobi SVD.
 * - 'qr': the randomized range finder (Halko, Martinsson & Tropp, SIAM Review 2011): Q = qr(Hᵀ·Ω),
 *   Ω [m', r] Gaussian; the QR runs on the device where the backend has one (tfjs).
 * - 'random': Q = qr(Ω), Ω [n', r] Gaussian: a uniformly random subspace (FRUGAL's 'random').
 * - 'dct': the r columns of the orthonormal DCT-II matrix with the largest ‖H·c_j‖, in ascending
 *   frequency order (the SVD-free DCT projection of research note seeds-004 §2.28; its method
 *   was inferred from the paper's abstract, no reference code).
 * Columns follow `canonicalColumns`. Random kinds draw from `rng` (its stream advances).
 * The host steps (SVD, QR without a device kernel, DCT selection) read back: a sync point at
 * every refresh (every `updateProjGap` steps), never in between.
 */
export function refreshBasis(h: Tensor, rank: number, kind: ProjectionKind, rng: Rng): Tensor {
  if (!Number.isInteger(rank) || rank < 1) throw new OptError('InvalidHyperparameter', 'rank', 'an integer >= 1', rank);
  const [mRows, n] = h.shape;
  const r = Math.min(rank, n);
  return tidy(() => {
    switch (kind) {
      case 'svd': {
        const v = readForHost(svd(h).v, 'svd.v');
        return upload(h, canonicalColumns(leadingColumns(v, n, n, r), n, r), [n, r]);
      }
      case 'qr':
      case 'random': {
        const omega = kind === 'qr'
          ? matmul(h, upload(h, rng.normal(mRows * r), [mRows, r]), true, false)
          : upload(h, rng.normal(n * r), [n, r]);
        return upload(h, canonicalColumns(Float64Array.from(readForHost(qr(omega).q, 'qr.q')), n, r), [n, r]);
      }
      case 'dct': {
        const c = dctMatrix(n);
        const scores = readForHost(rowNormsOf(transpose(matmul(h, upload(h, c, [n, n])))), 'dct.scores');
        const keep = Array.from(scores, (s, j) => [s, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, r).map(([, j]) => j).sort((a, b) => a - b);
        const basis = new Float64Array(n * r);
        for (let i = 0; i < n; i++) keep.forEach((j, k) => { basis[i * r + k] = c[i * n + j]; });
        return upload(h, canonicalColumns(basis, n, r), [n, r]);
      }
    }
  });
}

/** Oriented dimensions [m', n'] of a parameter (m' ≥ n') and the basis rank min(rank, n'). */
export function orientedShape(p: Tensor, rank: number): { rows: number; cols: number; rank: number } {
  const a = p.shape[0], b = p.size / p.shape[0];
  const [rows, cols] = projectsLeft([a, b]) ? [b, a] : [a, b];
  return { rows, cols, rank: Math.min(rank, cols) };
}
