import type { Tensor } from '@opt/core';
import { add, maximum, minimum, mul, orderStatisticSize, reduce, sign, sub, where } from '@opt/core';

/** 1 where x > t, else 0 (elementwise, on the device). */
const greaterThan = (x: Tensor, t: Tensor | number): Tensor => sign(maximum(sub(x, t), 0));

/** #{x > t} over all tensors, a 0-d tensor. */
const countAbove = (xs: readonly Tensor[], t: Tensor): Tensor => xs.map((x) => reduce('sum', greaterThan(x, t))).reduce((a, b) => add(a, b));

/**
 * The k-th largest element (k = 1 is the maximum) of non-negative tensors taken together, exactly
 * and on the device: the backend's `order.kthLargest` when it has one (e.g. @opt/wasm's radix
 * select, about two passes over the data; see core's `OrderKernels` for the contract), else
 * `kthLargestByBisection`. Used for coordinate-wise clipping and AutoClip.
 */
export function kthLargest(xs: readonly Tensor[], k: number): Tensor {
  orderStatisticSize(xs, k);
  const order = xs[0].backend.order;
  return order ? order.kthLargest(xs, k) : kthLargestByBisection(xs, k);
}

/**
 * The reference `kthLargest` in Backend ops, without sorting: bisection on t with the count
 * #{x > t} (which is ≥ k exactly when t is below the answer), keeping lo < answer ≤ hi, then a
 * snap to the smallest element above lo. `iterations` halvings of [−1, max] (default 64)
 * bracket the answer to adjacent floats in float32, and to 2^−64·(1 + max) in float64, so the
 * result is an element value exactly unless another element lies within that distance below it.
 * Costs `iterations` passes over the data.
 */
export function kthLargestByBisection(xs: readonly Tensor[], k: number, iterations = 64): Tensor {
  orderStatisticSize(xs, k);
  const backend = xs[0].backend;
  let lo: Tensor = backend.full([], -1, xs[0].dtype);
  let hi: Tensor = xs.map((x) => reduce('max', x)).reduce((a, b) => maximum(a, b));
  for (let i = 0; i < iterations; i++) {
    const mid = mul(add(lo, hi), 0.5);
    const below = greaterThan(countAbove(xs, mid), k - 0.5);
    [lo, hi] = [where(below, mid, lo), where(below, hi, mid)];
  }
  return xs.map((x) => reduce('min', where(greaterThan(x, lo), x, Infinity))).reduce((a, b) => minimum(a, b));
}
