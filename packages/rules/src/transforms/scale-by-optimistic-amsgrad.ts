import type { Hyper, Params, Tensor, Transform } from '@opt/core';
import { OptError, axpby, copy, div, hyperAt, maximum, mul, sub, treeLeaves, treeMap, treeUnflatten, treeZerosLike } from '@opt/core';
import { gradFnOf } from '../wrappers/closure.js';
import { requireParams } from './inputs.js';
import type { AdamMoments } from './moments.js';
import { adamDenominator, adamStepScale, initAdamMoments, secondMoment, updateMoment } from './moments.js';
import { rmpeExtrapolations } from './rmpe.js';
import { treeMapOutputs } from './tree-outputs.js';

/** The name in this transform's errors. */
const NAME = 'optimisticAmsgrad';

/**
 * State of `scaleByOptimisticAmsgrad`: the call count k, θ (mu), v (nu), v̂ (nuMax, null without
 * amsgrad), the offset d = A − p, the prediction point q and the rings of the last `span`
 * (p_j, d_j) pairs.
 */
export interface ScaleByOptimisticAmsgradState extends AdamMoments {
  count: number;
  /** d_k = A_k − p_k, the half iterate minus the parameters (zero before the first step). */
  offset: Params;
  /** q_k, where the next call evaluates `extra.gradFn` (zero until `span` rows are stored). */
  prediction: Params;
  /** w_his: p_j in slot j mod span (zeros until written). */
  weights: Params[];
  /** w_ma up to sign: d_j in slot j mod span, paired with `weights` (zeros until written). */
  offsets: Params[];
}

/** Options of `scaleByOptimisticAmsgrad` (the rule's hyperparameters without the weight decay). */
export interface ScaleByOptimisticAmsgradOptions {
  /** Learning rate η (a number or a schedule). */
  readonly lr: Hyper;
  /** Decay β1 of θ (default 0.9). */
  readonly b1?: number;
  /** Decay β2 of v (default 0.999). */
  readonly b2?: number;
  /** Added to √v̂ (default 1e-8). */
  readonly eps?: number;
  /** Divide by the running max v̂ (default true, the official default), else by v. */
  readonly amsgrad?: boolean;
  /** RMPE window: the number of stored (p_j, d_j) rows, an integer ≥ 1 (default 5). */
  readonly span?: number;
  /** RMPE regularization λ > 0 of (G + λI) (default 1e-3, the official hard-coded 0.001). */
  readonly lambda?: number;
}

/** Ring slot `i` replaced by `value` (the other slots shared). */
const withSlot = (ring: readonly Params[], i: number, value: Params): Params[] => ring.map((slot, j) => (j === i ? value : slot));

/**
 * q_{k+1} by RMPE per leaf over the rings after call k wrote slot k mod span: the Gram of the
 * offsets d_j, the combination of the weights p_j, rows oldest first.
 */
function predictByRmpe(weights: readonly Params[], offsets: readonly Params[], count: number, lambda: number): Params {
  const span = weights.length;
  const order = weights.map((_, i) => (count + i) % span);
  const leavesOf = (ring: readonly Params[]) => order.map((slot) => treeLeaves(ring[slot]) as Tensor[]);
  const [points, differences] = [leavesOf(weights), leavesOf(offsets)];
  const windows = points[0].map((_, leaf) => ({ points: points.map((row) => row[leaf]), differences: differences.map((row) => row[leaf]) }));
  return treeUnflatten(weights[0], rmpeExtrapolations(windows, lambda, `${NAME}.rmpe`));
}

/**
 * Optimistic AMSGrad as the authors' official code computes it (J.-K. Wang, X. Li, B. Karimi
 * and P. Li, "An Optimistic Acceleration of AMSGrad for Nonconvex Optimization", ACML 2021,
 * arXiv:1903.01435; Hintonthu/optimistic-amsgrad Optadam_torch.py @9f20073a). Per leaf, at call
 * k = 0, 1, … with g_k the gradient at p_k (after the L2 term of the rule) and
 * m_k = `extra.gradFn`(q_k) on the same batch:
 *   θ' = β1·θ + (1 − β1)·g_k,   h = β1·θ + (1 − β1)·m_k   (θ before its update),
 *   v ← β2·v + (1 − β2)·(m_k − g_k)²,   v̂ ← max(v̂, v),   den = √v̂ + eps (√v + eps without amsgrad),
 *   s_k = η·√(1 − β2^{k+1})/(1 − β1^{k+1}),
 *   A ← A − s_k·θ'/den,   p_{k+1} = A − s_k·h/den,   q_{k+1} = RMPE (or 0 while k < span).
 * A starts at p_0 and is kept as the offset d = A − p, so the output (the update, learning rate
 * and sign included) is p_{k+1} − p_k = d_k − s_k·(θ' + h)/den and d_{k+1} = s_k·h/den.
 *
 * RMPE over WEIGHTS: from k = span on, with the last `span` pairs (p_j, diff_j), j = k − span + 1 … k,
 * solve (G + λI) x = 1 with G_ij = ⟨diff_i, diff_j⟩ (float64, on the host), x ← x/Σx, and
 * q_{k+1} = Σ_j x_j·p_j. Official quirk kept: `prev_w` aliases the tensor of `aux_w` (and the
 * final `prev_w = p.data` is a dead local), so diff_j = p_j − A_j = −d_j, the optimistic
 * half-step, not p_j − p_{j−1}. Until span rows exist, q stays 0 (the official `wtmp` zeros).
 * Step 1 (k = 0) has no prediction: m_0 = 0 and gradFn is not called, so v_1 = (1 − β2)·g_0² and
 * step 1 is AMSGrad's (p_1 = A_1). The official script takes m_0 at the auxiliary network's
 * independent random initialisation, which is not part of the optimizer; a fixed q_0 would be
 * wrong where it equals p_0 (zero-initialised biases with q_0 = 0): m_0 = g_0 exactly, v = 0 and
 * the step divides by eps.
 *
 * Needs the parameters and `extra.gradFn` (a second gradient per step from step 2, at q). One host read per
 * step from k = span on (a synchronous backend). Defaults: b1 0.9, b2 0.999, eps 1e-8,
 * amsgrad true, span 5, lambda 1e-3.
 * State: `{ count, mu, nu, nuMax, offset, prediction, weights, offsets }`.
 */
export function scaleByOptimisticAmsgrad({
  lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, amsgrad = true, span = 5, lambda = 1e-3,
}: ScaleByOptimisticAmsgradOptions): Transform<ScaleByOptimisticAmsgradState> {
  if (!(Number.isInteger(span) && span >= 1)) throw new OptError('InvalidHyperparameter', `${NAME}.span`, 'an integer >= 1', span);
  if (!(lambda > 0 && Number.isFinite(lambda))) throw new OptError('InvalidHyperparameter', `${NAME}.lambda`, 'a finite number > 0', lambda);
  return {
    init: (params) => ({
      count: 0, ...initAdamMoments(params, amsgrad), offset: treeZerosLike(params), prediction: treeZerosLike(params),
      weights: Array.from({ length: span }, () => treeZerosLike(params)),
      offsets: Array.from({ length: span }, () => treeZerosLike(params)),
    }),
    update(g, state, params, extra) {
      const p = requireParams(params, NAME);
      const gradAt = gradFnOf(NAME, extra);
      const k = state.count;
      const m = k === 0 ? treeZerosLike(g) : gradAt(state.prediction);
      const scale = hyperAt(lr, k) * adamStepScale(b1, b2, k + 1);
      const mu = updateMoment(state.mu, g, b1, 1);
      const nu = updateMoment(state.nu, treeMap(sub, m, g), b2, 2);
      const nuMax = state.nuMax && treeMap(maximum, state.nuMax, nu);
      const { update, offset } = treeMapOutputs(['update', 'offset'], (d: Tensor, previousMu: Tensor, newMu: Tensor, mk: Tensor, v: Tensor) => {
        const step = div(scale, adamDenominator(v, 1, eps));
        const h = axpby(b1, previousMu, 1 - b1, mk);
        return { update: sub(d, mul(axpby(1, newMu, 1, h), step)), offset: mul(h, step) };
      }, state.offset, state.mu, mu, m, secondMoment({ mu, nu, nuMax }));
      const weights = withSlot(state.weights, k % span, treeMap(copy, p));
      const offsets = withSlot(state.offsets, k % span, state.offset);
      const prediction = k >= span ? predictByRmpe(weights, offsets, k + 1, lambda) : state.prediction;
      return [update, { count: k + 1, mu, nu, nuMax, offset, prediction, weights, offsets }];
    },
    elementwise: false,
  };
}
