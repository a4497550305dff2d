import type { Backend, LinalgKernels, NewtonSchulzCoefficients, Tensor } from '@opt/core';
import { OptError } from '@opt/core';
import * as tf from '@tensorflow/tfjs-core';

/** What the device kernels (linalg, order) need from a TfjsBackend: run one tf expression and adopt its result, and its input guard. */
export interface TfjsKernelHost {
  readonly backend: Backend;
  run(expression: () => tf.Tensor): Tensor;
  own(x: Tensor, field: string): tf.Tensor;
}

function matrixOf(host: TfjsKernelHost, x: Tensor, field: string): tf.Tensor2D {
  const v = host.own(x, field);
  if (v.rank !== 2) throw new OptError('ShapeMismatch', field, 'a matrix (rank 2)', `shape [${v.shape.join(', ')}]`);
  return v as tf.Tensor2D;
}

/**
 * Dense linear algebra on a tfjs backend, each one tf.tidy expression on the device:
 * - `newtonSchulz`: Muon's iteration with tf.matMul (three products per step);
 * - `qr`: thin Householder QR written with tf ops (not tf.linalg.qr, which divides by the norm
 *   of each reflected column and returns NaN factors for a zero column, e.g. an all-zero
 *   gradient); a zero reflector is skipped as in the host reference, and R's diagonal is made
 *   non-negative (the contract of core's LinalgKernels).
 * No `svd`: tfjs has no SVD op, so @opt/rules' `svd` reads the matrix back and runs its host
 * one-sided Jacobi in float64 (the reference), which needs a synchronous tfjs backend.
 */
export function tfjsLinalg(host: TfjsKernelHost): LinalgKernels {
  return {
    newtonSchulz(x: Tensor, { a, b, c }: NewtonSchulzCoefficients, steps: number, eps: number): Tensor {
      const v = matrixOf(host, x, 'x');
      const tall = v.shape[0] > v.shape[1];
      return host.run(() => {
        const x0 = tall ? tf.transpose(v) : v;
        let X: tf.Tensor2D = tf.div(x0, tf.add(tf.norm(x0), eps));
        for (let s = 0; s < steps; s++) {
          const A = tf.matMul(X, X, false, true);
          const B = tf.add(tf.mul(A, b), tf.mul(tf.matMul(A, A), c));
          X = tf.add(tf.mul(X, a), tf.matMul(B, X));
        }
        return tall ? tf.transpose(X) : X;
      });
    },
    qr(x: Tensor): { q: Tensor; r: Tensor } {
      const v = matrixOf(host, x, 'x');
      const [m, n] = v.shape;
      if (m < n) throw new OptError('ShapeMismatch', 'x', 'a matrix [m, n] with m >= n', `shape [${m}, ${n}]`);
      const both = host.run(() => householderQr(v));
      try {
        return { q: host.backend.slice(both, 0, [m, n]), r: host.backend.slice(both, m * n, [n, n]) };
      } finally {
        host.backend.dispose(both);
      }
    },
  };
}

/**
 * Thin Householder QR of v [m, n] (m ≥ n) as tf ops, returned as one [m + n, n] tensor (q above r).
 * Step k reflects rows k.. of column k onto e_k with u = x − αe_k, α = −sign(x_k)·‖x‖; a zero u
 * (a zero column) leaves everything unchanged (factor 0 instead of 2/0). Q applies the reflectors
 * to the first n columns of I in reverse order. Signs are then flipped so diag(R) ≥ 0.
 */
function householderQr(v: tf.Tensor2D): tf.Tensor {
  const [m, n] = v.shape;
  const rowIndex = tf.range(0, m, 1, 'int32');
  let r: tf.Tensor2D = v;
  const reflectors: { u: tf.Tensor2D; f: tf.Tensor }[] = [];
  for (let k = 0; k < n; k++) {
    const below = tf.reshape(tf.cast(tf.greaterEqual(rowIndex, k), v.dtype), [m, 1]);
    const x = tf.mul(tf.slice(r, [0, k], [m, 1]), below);
    const xk = tf.slice(r, [k, k], [1, 1]);
    const alpha = tf.mul(tf.where(tf.greaterEqual(xk, 0), tf.fill([1, 1], -1), tf.fill([1, 1], 1)), tf.norm(x));
    const u: tf.Tensor2D = tf.sub(x, tf.mul(tf.reshape(tf.cast(tf.oneHot([k], m), v.dtype), [m, 1]), alpha));
    const uu = tf.sum(tf.square(u));
    const f = tf.where(tf.greater(uu, 0), tf.div(2, tf.maximum(uu, Number.MIN_VALUE)), tf.zerosLike(uu));
    const columns = tf.reshape(tf.cast(tf.greaterEqual(tf.range(0, n, 1, 'int32'), k), v.dtype), [1, n]);
    r = tf.sub(r, tf.mul(tf.matMul(tf.mul(u, f), tf.matMul(u, r, true, false)), columns));
    reflectors.push({ u, f });
  }
  let q: tf.Tensor2D = tf.eye(m, n, undefined, v.dtype as 'float32');
  for (let k = n - 1; k >= 0; k--) {
    const { u, f } = reflectors[k];
    q = tf.sub(q, tf.matMul(tf.mul(u, f), tf.matMul(u, q, true, false)));
  }
  const upper = tf.linalg.bandPart(tf.slice(r, [0, 0], [n, n]), 0, -1);
  const flip = tf.where(tf.less(tf.sum(tf.mul(upper, tf.eye(n)), 1), 0), tf.fill([n], -1), tf.fill([n], 1));
  return tf.concat([tf.mul(q, flip), tf.mul(upper, tf.reshape(flip, [n, 1]))], 0);
}
