import type { Tensor } from '@opt/core';
import { OptError, reduceAxis, sqrt } from '@opt/core';
import type { HostMatrix } from './host.js';
import { householderQr, jacobiSvd } from './host.js';
import { readForHost } from './matrix.js';

function requireMatrix(x: Tensor, field: string): void {
  if (x.shape.length !== 2) throw new OptError('ShapeMismatch', field, 'a matrix (rank 2)', `shape [${x.shape.join(', ')}]`);
}

function hostMatrix(x: Tensor, field: string): HostMatrix {
  requireMatrix(x, field);
  return { rows: x.shape[0], cols: x.shape[1], data: Float64Array.from(readForHost(x, field)) };
}

const upload = (like: Tensor, m: HostMatrix): Tensor => like.backend.fromArray(m.data, [m.rows, m.cols], like.dtype);

/**
 * Thin QR of x [m, n], m ≥ n: q [m, n] with orthonormal columns, r [n, n] upper triangular with
 * a non-negative diagonal. Uses the backend's `linalg.qr` when it has one (tfjs: tf.linalg.qr,
 * on the device), else Householder QR on the host in float64 (reads x back: a sync point).
 */
export function qr(x: Tensor): { q: Tensor; r: Tensor } {
  if (x.shape.length !== 2 || x.shape[0] < x.shape[1]) {
    throw new OptError('ShapeMismatch', 'qr.x', 'a matrix [m, n] with m >= n', `shape [${x.shape.join(', ')}]`);
  }
  const kernel = x.backend.linalg?.qr;
  if (kernel) return kernel.call(x.backend.linalg, x);
  const { q, r } = householderQr(hostMatrix(x, 'qr.x'));
  return { q: upload(x, q), r: upload(x, r) };
}

/** The thin SVD of a tensor: u [m, k], s [k] (descending), v [n, k], k = min(m, n). */
export interface Svd {
  readonly u: Tensor;
  readonly s: Tensor;
  readonly v: Tensor;
}

/**
 * Thin SVD of a small matrix. Uses the backend's `linalg.svd` when it has one (WASM: the same
 * one-sided Jacobi in float64, in linear memory), else one-sided Jacobi on the host in float64
 * (`jacobiSvd`: reads x back, a sync point; the factors are uploaded in x's dtype; tfjs has no
 * SVD op, so tfjs backends take this path). Signs follow `jacobiSvd`'s convention (largest entry
 * of each u_j positive), which core's `LinalgKernels.svd` requires, so every backend gets the
 * same factors.
 */
export function svd(x: Tensor): Svd {
  requireMatrix(x, 'svd.x');
  const kernel = x.backend.linalg?.svd;
  if (kernel) return kernel.call(x.backend.linalg, x);
  const f = jacobiSvd(hostMatrix(x, 'svd.x'));
  return { u: upload(x, f.u), s: x.backend.fromArray(f.s, [f.s.length], x.dtype), v: upload(x, f.v) };
}

/** Euclidean norm of each row of a matrix [m, n] (result [m]), on the device (core's reduceAxis). */
export const rowNorms = (x: Tensor): Tensor => sqrt(reduceAxis('sumSquares', x, 1));

/** Euclidean norm of each column of a matrix [m, n] (result [n]), on the device. */
export const columnNorms = (x: Tensor): Tensor => sqrt(reduceAxis('sumSquares', x, 0));
