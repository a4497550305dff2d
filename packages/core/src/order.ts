import { OptError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * The number N of elements of `xs` taken together, after checking the rank k of an order
 * statistic (`OrderKernels.kthLargest`): an integer in [1, N], else an InvalidHyperparameter
 * error naming `kthLargest.k`.
 */
export function orderStatisticSize(xs: readonly Tensor[], k: number): number {
  const n = xs.reduce((sum, x) => sum + x.size, 0);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new OptError('InvalidHyperparameter', 'kthLargest.k', `an integer in [1, ${n}]`, k);
  return n;
}
