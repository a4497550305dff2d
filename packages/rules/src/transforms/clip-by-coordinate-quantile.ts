import type { Tensor, Transform } from '@opt/core';
import { OptError, abs, clamp, mul, neg, treeLeaves, treeMap } from '@opt/core';
import { kthLargest } from './order-statistics.js';

export interface CoordinateClipOptions {
  /** Fraction q of the coordinates (largest |g| first) clipped to the threshold; 0 is the identity. Default 0.1. */
  readonly quantile?: number;
  /** Multiplier s of the threshold (official `threshold_scale`). Default 1. */
  readonly thresholdScale?: number;
}

/**
 * Coordinate-wise clipping (Pan & Li, "Toward Understanding Why Adam Converges Faster Than SGD
 * for Transformers", 2023; panyan7/adam-vs-sgd `landscape_utils.clip_threshold`): over all
 * coordinates of all leaves, sorted by |g| descending,
 *   τ = |g|_(⌊q·N⌋ + 1)  (the (⌊qN⌋+1)-th largest; τ = 0 when ⌊qN⌋ = N),   g ← clamp(g, −s·τ, s·τ),
 * so about ⌈qN⌉ coordinates sit at ±s·τ. The threshold is found on the device (`kthLargest`,
 * no read back: the backend's order kernel, else 64 bisection passes over the gradient).
 * Stateless; elementwise in the arena sense (one order over all leaves together).
 */
export function clipByCoordinateQuantile({ quantile = 0.1, thresholdScale = 1 }: CoordinateClipOptions = {}): Transform<null> {
  if (!(quantile >= 0 && quantile <= 1)) throw new OptError('InvalidHyperparameter', 'coordClip.quantile', 'a number in [0, 1]', quantile);
  if (!(thresholdScale > 0 && Number.isFinite(thresholdScale))) throw new OptError('InvalidHyperparameter', 'coordClip.thresholdScale', 'a finite number > 0', thresholdScale);
  return {
    init: () => null,
    update(g) {
      const mags = treeLeaves(g).map(abs);
      const n = mags.reduce((s, x) => s + x.size, 0);
      const k = Math.floor(quantile * n);
      if (k === 0 || n === 0) return [g, null];
      if (k >= n) return [treeMap((x: Tensor) => mul(x, 0), g), null];
      const tau = mul(kthLargest(mags, k + 1), thresholdScale);
      return [treeMap((x: Tensor) => clamp(x, neg(tau), tau), g), null];
    },
    elementwise: true,
  };
}
