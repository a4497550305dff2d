import type { Params, Tensor, Transform } from '@opt/core';
import { abs, add, copy, div, exp, mul, neg, sqrt, sub, treeMap, treeZerosLike } from '@opt/core';
import { adamStepScale, updateAdamMoments } from './moments.js';

/** State of `scaleByDiffGrad`: step count, Adam moments and the previous gradient. */
export interface ScaleByDiffGradState {
  count: number;
  mu: Params;
  nu: Params;
  prevGrad: Params;
}

export interface ScaleByDiffGradOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/** 1/ξ = 1 + exp(−|g_prev − g|): the reciprocal of diffGrad's friction coefficient (the sigmoid of the gradient change). */
const inverseFriction = (prev: Tensor, g: Tensor): Tensor => add(exp(neg(abs(sub(prev, g)))), 1);

/**
 * diffGrad (Dubey et al., "diffGrad: An Optimization Method for Convolutional Neural Networks",
 * IEEE TNNLS 2020; official diffGrad_v2.py):
 *   m, v: Adam moments;  ξ = 1/(1 + exp(−|g_prev − g|)), g_prev = 0 at step 1;
 *   output (√bc2/bc1) · m·ξ/(√v + eps);  g_prev ← g.
 * Defaults b1 0.9, b2 0.999, eps 1e-8.
 *
 * State: `{ count, mu, nu, prevGrad }`.
 */
export function scaleByDiffGrad({ b1 = 0.9, b2 = 0.999, eps = 1e-8 }: ScaleByDiffGradOptions = {}): Transform<ScaleByDiffGradState> {
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params), prevGrad: treeZerosLike(params) }),
    update(g, state) {
      const count = state.count + 1;
      const { mu, nu } = updateAdamMoments({ ...state, nuMax: null }, g, b1, b2);
      const k = adamStepScale(b1, b2, count);
      // k·m·ξ/(√v + eps) with one division per element: k·m/((1/ξ)·(√v + eps)).
      const out = treeMap((m: Tensor, v: Tensor, prev: Tensor, x: Tensor) => div(mul(m, k), mul(inverseFriction(prev, x), add(sqrt(v), eps))), mu, nu, state.prevGrad, g);
      return [out, { count, mu, nu, prevGrad: treeMap(copy, g) }];
    },
    elementwise: true,
  };
}
