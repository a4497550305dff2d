import type { OtKernels, Tensor } from '@opt/core';
import { OptError, checkAxisVector, matrixDims } from '@opt/core';
import type { KernelHost } from './linalg.js';

/**
 * Optimal-transport kernels of the WASM backend (`backend.ot`, used by @opt/ot): the fused
 * log-domain Sinkhorn soft-min (assembly/ot.ts: one pass over the cost with an online
 * log-sum-exp), one call per half-step with n floats of float64 scratch for the column
 * direction. Within float32 rounding of the composed reference (binaryAxis, scale,
 * reduceAxis('logSumExp')).
 */
export function wasmOt(host: KernelHost): OtKernels {
  return {
    softmin(c: Tensor, v: Tensor, eps: number, axis: 0 | 1): Tensor {
      const C = host.own(c, 'c');
      const [m, n] = matrixDims(C);
      const V = host.own(v, 'v');
      checkAxisVector(V, m, n, axis === 1 ? 1 : 0);
      if (!(eps > 0 && Number.isFinite(eps))) throw new OptError('InvalidHyperparameter', 'eps', 'a finite number > 0', eps);
      const out = host.allocate([axis === 1 ? m : n]);
      if (axis === 1) {
        host.kernels.ot_softmin_rows(C.ptr, V.ptr, out.ptr, m, n, eps);
        return out;
      }
      const acc = host.scratch(n * 8);
      try {
        host.kernels.ot_softmin_cols(C.ptr, V.ptr, out.ptr, m, n, eps, acc);
      } finally {
        host.free(acc, n * 8);
      }
      return out;
    },
  };
}
