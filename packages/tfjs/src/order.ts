import type { OrderKernels, Tensor } from '@opt/core';
import { orderStatisticSize } from '@opt/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TfjsKernelHost } from './linalg.js';

/**
 * Order statistics on a tfjs backend (core's OrderKernels), one tf.tidy expression on the
 * device: `kthLargest` concatenates the flattened inputs and takes the k-th value of tf.topk
 * (sorted, exact: an element's value). NaN when any element is NaN or negative (core's
 * contract); a zero result is +0 (x + 0 turns −0 into +0).
 */
export function tfjsOrder(host: TfjsKernelHost): OrderKernels {
  return {
    kthLargest(xs: readonly Tensor[], k: number): Tensor {
      const values = xs.map((x, i) => host.own(x, `xs[${i}]`));
      orderStatisticSize(xs, k);
      return host.run(() => {
        const all = tf.concat(values.map((v) => tf.reshape(v, [-1])));
        const kth = tf.reshape(tf.slice(tf.topk(all, k, true).values, [k - 1], [1]), []);
        const outside = tf.any(tf.logicalOr(tf.isNaN(all), tf.less(all, 0)));
        return tf.where(outside, tf.scalar(NaN), tf.add(kth, 0));
      });
    },
  };
}
