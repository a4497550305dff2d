import type { RuleDef } from '@opt/core';
import { chain } from '@opt/core';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import type { AdamHparams } from './adam.js';
import { scaleByOptimisticAmsgrad } from '../transforms/scale-by-optimistic-amsgrad.js';
import { adamMomentSpecs, booleanSpec, integerSpec, l2WeightDecaySpec, lrSpec, nonNegativeSpec } from './specs.js';

/** Hyperparameters of `optimistic-amsgrad`. */
export interface OptimisticAmsgradHparams extends AdamHparams {
  span: number;
  lambda: number;
}

/**
 * Optimistic AMSGrad (J.-K. Wang, X. Li, B. Karimi and P. Li, "An Optimistic Acceleration of
 * AMSGrad for Nonconvex Optimization", ACML 2021, arXiv:1903.01435), following the authors'
 * official code (Hintonthu/optimistic-amsgrad Optadam_torch.py @9f20073a, driven as
 * cifar10_opt.py drives it). Per leaf at call k = 0, 1, …, with g = g_k + wd·p_k (L2, not applied
 * to m) and m_k the gradient at the prediction point q_k on the same batch:
 *   θ' = β1·θ + (1 − β1)·g,  h = β1·θ + (1 − β1)·m_k,  v ← β2·v + (1 − β2)·(m_k − g)²,
 *   v̂ ← max(v̂, v),  s = lr·√(1 − β2^{k+1})/(1 − β1^{k+1}),
 *   A ← A − s·θ'/(√v̂ + eps),  p_{k+1} = A − s·h/(√v̂ + eps)   (√v without amsgrad; A_0 = p_0),
 *   q_{k+1} = 0 while k < span, then RMPE over the last span weights p_j with the Gram of
 *   diff_j = p_j − A_j: (G + λI) x = 1, x ← x/Σx, q_{k+1} = Σ x_j·p_j.
 * How the official code differs from the paper's printed Algorithms 2 and 3: Adam's bias
 * correction in the step size; the second moment of the prediction error m − g, not of g; the
 * prediction is RMPE over WEIGHTS and a gradient evaluated there, not an extrapolation of past
 * gradients; and, through aliasing (`prev_w` is the tensor of `aux_w`), diff_j is the
 * optimistic half-step p_j − A_j rather than p_j − p_{j−1}. q is 0 from step 2 until span rows
 * exist, as in the official code. Step 1 has no prediction (m_0 = 0, AMSGrad's step): the
 * official script takes m_0 at the auxiliary network's independent random initialisation, which
 * is not part of the optimizer, and a fixed q_0 equal to p_0 (zero-initialised biases) would make
 * m_0 = g_0 exactly, v = 0 and a step divided by eps.
 * Needs `extra.gradFn` (a second gradient per step from step 2, at the extrapolated weights, on
 * the same batch) and the parameters; one host read per step once RMPE runs (a synchronous backend).
 * Defaults: lr 1e-3 (the paper's experiments and all scripts use 0.001; the class default 0.1 is
 * used by none), b1 0.9, b2 0.999, eps 1e-8, weightDecay 0 (the scripts pass 5e-4), amsgrad true,
 * span 5, lambda 1e-3 (the official hard-coded 0.001).
 * Chain: addDecayedWeights → scaleByOptimisticAmsgrad (whose output includes −lr); state
 * `[{count}, {count, mu, nu, nuMax, offset, prediction, weights, offsets}]`.
 */
export const optimisticAmsgradRule: RuleDef<OptimisticAmsgradHparams> = {
  id: 'optimistic-amsgrad',
  title: 'Optimistic AMSGrad',
  paper: 'J.-K. Wang, X. Li, B. Karimi and P. Li, "An Optimistic Acceleration of AMSGrad for Nonconvex Optimization", ACML 2021, arXiv:1903.01435',
  reference: 'Hintonthu/optimistic-amsgrad Optadam_torch.py @9f20073a2c5c797a8fac9fe14e0733ef1538b8f4 (official; closed-loop goldens under torch 1.13)',
  hparams: [
    lrSpec(1e-3), ...adamMomentSpecs, l2WeightDecaySpec,
    booleanSpec('amsgrad', true, 'divide by the running max of the second moment (else by the second moment)'),
    integerSpec('span', 5, 1, 'RMPE window: the number of past weights (and half-step differences) combined'),
    { ...nonNegativeSpec('lambda', 1e-3, 'RMPE regularization λ of (G + λI) x = 1'), minExclusive: true },
  ],
  create: (h) => chain(addDecayedWeights(h.weightDecay), scaleByOptimisticAmsgrad(h)),
};
