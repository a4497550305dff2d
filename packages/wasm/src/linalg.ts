import type { LinalgKernels, NewtonSchulzCoefficients, Tensor } from '@opt/core';
import { OptError } from '@opt/core';
import type { KernelExports, Ptr } from './kernels.js';

/** A tensor of the WASM backend: its data at byte offset `ptr` of linear memory. */
type Owned = Tensor & { readonly ptr: Ptr };

/** What the device kernels (linalg, ot, order) need from the backend: its kernels, allocation, and its input guard. */
export interface KernelHost {
  readonly kernels: KernelExports;
  /** A new tensor of the backend (tracked by core's scopes). */
  allocate(shape: readonly number[]): Owned;
  /** The backend's guard: a live float32 tensor of this backend, else a typed error naming `field`. */
  own(x: Tensor, field: string): Owned;
  /** Scratch bytes from the allocator, returned with `free`. */
  scratch(bytes: number): Ptr;
  free(ptr: Ptr, bytes: number): void;
}

/** x as a live matrix of this backend, else a typed error naming `field`. */
function ownMatrix(host: KernelHost, x: Tensor, field: string): Owned {
  const t = host.own(x, field);
  if (t.shape.length !== 2) throw new OptError('ShapeMismatch', field, 'a matrix (rank 2)', `shape [${t.shape.join(', ')}]`);
  return t;
}

/** Run `body` with `bytes` of scratch from the allocator, returned afterwards. */
export function withScratch<T>(host: KernelHost, bytes: number, body: (scratch: Ptr) => T): T {
  const scratch = host.scratch(bytes);
  try {
    return body(scratch);
  } finally {
    host.free(scratch, bytes);
  }
}

/**
 * Dense linear algebra on the WASM backend, each one kernel call on linear memory (no read-back):
 * - `newtonSchulz` (assembly/newton-schulz.ts): every iteration on the f32x4 blocked matmul,
 *   with 2·m·n + 2·m² floats of scratch;
 * - `qr` and `svd` (assembly/factorizations.ts): Householder QR and one-sided Jacobi SVD in
 *   float64 (f64x2 column dot products, reflections and rotations), the algorithms and sign
 *   conventions of @opt/rules' host `householderQr` / `jacobiSvd` (same tolerance 1e-15 and cap
 *   of 60 sweeps), so they agree with it up to the float32 rounding of the factors.
 */
export function wasmLinalg(host: KernelHost): LinalgKernels {
  return {
    newtonSchulz(x: Tensor, { a, b, c }: NewtonSchulzCoefficients, steps: number, eps: number): Tensor {
      const t = ownMatrix(host, x, 'x');
      const [rows, cols] = t.shape;
      const m = Math.min(rows, cols), n = Math.max(rows, cols);
      return withScratch(host, (2 * m * n + 2 * m * m) * 4, (scratch) => {
        const out = host.allocate([rows, cols]);
        host.kernels.newton_schulz(t.ptr, out.ptr, rows, cols, a, b, c, steps, eps, scratch);
        return out;
      });
    },
    qr(x: Tensor): { q: Tensor; r: Tensor } {
      const t = ownMatrix(host, x, 'x');
      const [m, n] = t.shape;
      if (m < n) throw new OptError('ShapeMismatch', 'x', 'a matrix [m, n] with m >= n', `shape [${m}, ${n}]`);
      return withScratch(host, host.kernels.householder_qr_scratch(m, n), (scratch) => {
        const q = host.allocate([m, n]), r = host.allocate([n, n]);
        host.kernels.householder_qr(t.ptr, m, n, q.ptr, r.ptr, scratch);
        return { q, r };
      });
    },
    svd(x: Tensor): { u: Tensor; s: Tensor; v: Tensor } {
      const t = ownMatrix(host, x, 'x');
      const [m, n] = t.shape;
      const k = Math.min(m, n);
      return withScratch(host, host.kernels.jacobi_svd_scratch(m, n), (scratch) => {
        const u = host.allocate([m, k]), s = host.allocate([k]), v = host.allocate([n, k]);
        host.kernels.jacobi_svd(t.ptr, m, n, u.ptr, s.ptr, v.ptr, scratch);
        return { u, s, v };
      });
    },
  };
}
