import type { Hparams, HparamSpec, RuleDef } from '@opt/core';
import { E, OptError } from '@opt/core';
import type { Ranger21CoreKind } from '../transforms/ranger21.js';
import { ranger21 } from '../transforms/ranger21.js';
import { ranger21ChebyshevEpochsError, ranger21Schedule } from '../transforms/ranger21-schedule.js';
import { booleanSpec, choiceSpec, decaySpec, integerSpec, momentumSpec, nonNegativeSpec } from './specs.js';

/** Hyperparameters of `ranger21` (the official argument names in camelCase). */
export interface Ranger21Hparams extends Hparams {
  core: Ranger21CoreKind; momentum: number;
  lr: number; b1: number; b2: number; eps: number; weightDecay: number;
  numEpochs: number; numBatchesPerEpoch: number; useCheb: boolean;
  useAdaptiveGradientClipping: boolean; agcClippingValue: number; agcEps: number;
  usingGc: boolean; gcConvOnly: boolean; usingNormgc: boolean;
  normlossActive: boolean; normlossFactor: number;
  softplus: boolean; betaSoftplus: number;
  lookaheadActive: boolean; lookaheadMergetime: number; lookaheadBlendingAlpha: number;
  useWarmup: boolean; numWarmupIterations: number; warmupPctDefault: number;
  warmdownActive: boolean; warmdownStartPct: number; warmdownMinLr: number;
}

const fraction = (name: string, defaultValue: number, doc: string): HparamSpec => ({ name, kind: 'number', default: defaultValue, min: 0, max: 1, doc });
const positive = (name: string, defaultValue: number, doc: string): HparamSpec => ({ name, kind: 'number', default: defaultValue, min: 0, minExclusive: true, doc });

/**
 * Ranger21 (L. Wright & N. Demeure, "Ranger21: a synergistic deep learning optimizer",
 * arXiv:2106.13731, 2021; lessw2020/Ranger21 ranger21.py, official) as a composition of building
 * blocks (see `ranger21` in transforms). Per step t (1-based), lr_t from `ranger21Schedule`:
 *   g₁ = normalize(centralize(agc(g, p)));  v ← β2·v + (1 − β2)·g₁²;  m̄ = mean over all leaves of v/(1 − β2^t);
 *   p ← p·(1 − wd·r_t/m̄^{1/q})  (stable weight decay; r_t = lr_t, q = 2 for the AdamW and AdaBelief
 *   cores; r_t = lr_t·√t, q = 3 for MADGRAD);  p ← p·(1 − 2·lr_t·nl·(1 − 1/(‖p‖_unit + eps)))  (norm loss);
 * then the core (`core`, the official use_madgrad / use_adabelief):
 *   adamw:     g₂ = normalize(centralize(g₁)); PNM pn = (2·m_cur − m_other)/√((1 + β2)² + β2²), buffers
 *              m ← β1²·m + (1 − β1²)·g₂ every other step; p ← p − (lr_t/(1 − β1^t))·pn/softplus(√v̂ + eps).
 *   adabelief: m ← β1·m + (1 − β1)·g₁; pn = 2m/n at odd t, −m/n at even t; same denominator. This is
 *              the official path as it runs: its belief variance of (g₁ − m) is never applied (a
 *              non-in-place addcmul leaves it zero, and the denominator reads v), and the skipped
 *              PNM update leaves the other buffer zero. Pinned by a test and the goldens.
 *   madgrad:   g₂ = centralize(g₁); λ = lr_t·√t; S ← S + λ·g₂²; s ← s + λ·g₂; z = x0 − s/softplus(S^{1/3});
 *              p ← μ·p + (1 − μ)·z with x0 the parameters of step 1, or (μ = 0) x0 = p + s_prev/r_prev
 *              and p ← z. No eps (the official form).
 * wrapped in lookahead (every 5 steps, alpha 0.5). Kept from the official code: the second
 * centralization/normalization pass, the noise norm with β2, the no-op AMSGrad max, unit norms per
 * output row, the Chebyshev quirks of `ranger21Schedule` (multiplier only after a completed warmup,
 * overridden by the warmdown, epoch index ⌊t/numBatchesPerEpoch⌋ − 1).
 * Deviations, pinned by tests: the official code applies stable weight decay and norm loss only
 * to the last parameter of the group (a loop variable leaking out of the first loop); here they
 * apply to every leaf, as the paper's algorithm and pytorch_optimizer. 3-D leaves use one norm
 * per output row over both trailing axes (the official unit_norm reduces axis 1 only for them).
 * Typed errors where the official code fails: useCheb needs numEpochs − 2 a power of two (official:
 * IndexError in get_chebs); the MADGRAD core with momentum 0 needs softplus (official: 0/0 = NaN in
 * every coordinate at step 1). The official get_cheb_lr reads `self.num_batches`, an attribute it
 * never sets (AttributeError): here it is numBatchesPerEpoch, as the goldens patch it.
 * Defaults: core 'adamw', lr 1e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 1e-4, momentum 0.9
 * (MADGRAD only), numEpochs and numBatchesPerEpoch required (≥ 1), useCheb false, gcConvOnly false,
 * the rest as the official constructor.
 * State: lookahead's `{ count, syncs, slow, inner }` with the core's `{ count, nu, ... }` inside:
 * `pnm: { count, odd, even }` (adamw), `mu` (adabelief), `gradSumSq, s, x0` (madgrad; x0 null
 * with momentum 0). Needs the parameters.
 */
export const ranger21Rule: RuleDef<Ranger21Hparams> = {
  id: 'ranger21',
  title: 'Ranger21 (AdamW/MADGRAD/AdaBelief core + PNM + AGC + GC + norm loss + stable decay + lookahead)',
  paper: 'L. Wright and N. Demeure, "Ranger21: a synergistic deep learning optimizer", arXiv:2106.13731, 2021',
  reference: 'lessw2020/Ranger21 ranger21/ranger21.py (official)',
  hparams: [
    choiceSpec('core', ['adamw', 'madgrad', 'adabelief'], 'adamw', 'core engine (official use_madgrad / use_adabelief)'),
    { name: 'lr', kind: 'number', default: 1e-3, min: 0, doc: 'base learning rate (warmup and warmdown are built in)' },
    decaySpec('b1', 0.9, 'momentum β1 (each PNM buffer decays by β1² over two steps)'),
    decaySpec('b2', 0.999, 'decay of the second moment'),
    nonNegativeSpec('eps', 1e-8, 'added to the denominator and to the unit norms of norm loss'),
    nonNegativeSpec('weightDecay', 1e-4, 'stable weight decay: p ← p·(1 − lr·wd/√mean(v̂)); MADGRAD core: p·(1 − lr·√t·wd/∛mean(v̂))'),
    integerSpec('numEpochs', 0, 1, 'epochs of the run (required, with numBatchesPerEpoch)'),
    integerSpec('numBatchesPerEpoch', 0, 1, 'steps per epoch (required)'),
    momentumSpec(0.9, 'MADGRAD core: p ← μ·p + (1 − μ)·z (0: x0 recomputed from p every step)'),
    booleanSpec('useCheb', false, 'Chebyshev learning-rate multipliers per epoch after the warmup (numEpochs − 2 a power of two)'),
    booleanSpec('useAdaptiveGradientClipping', true, 'adaptive gradient clipping'),
    nonNegativeSpec('agcClippingValue', 1e-2, 'AGC: largest ratio of gradient to parameter unit norm'),
    nonNegativeSpec('agcEps', 1e-3, 'AGC: floor of the parameter unit norm'),
    booleanSpec('usingGc', true, 'gradient centralization'),
    booleanSpec('gcConvOnly', false, 'centralize only leaves of ndim > 3 (conv kernels)'),
    booleanSpec('usingNormgc', true, 'gradient normalization by its standard deviation'),
    booleanSpec('normlossActive', true, 'norm loss'),
    nonNegativeSpec('normlossFactor', 1e-4, 'norm-loss factor'),
    booleanSpec('softplus', true, 'softplus on the denominator'),
    positive('betaSoftplus', 50, 'β of the softplus'),
    booleanSpec('lookaheadActive', true, 'lookahead'),
    integerSpec('lookaheadMergetime', 5, 1, 'lookahead: steps between merges'),
    fraction('lookaheadBlendingAlpha', 0.5, 'lookahead: weight of the fast weights at a merge'),
    booleanSpec('useWarmup', true, 'linear warmup'),
    integerSpec('numWarmupIterations', 0, 0, 'warmup length; 0: ⌈2/(1 − b2)⌉, or ⌊warmupPctDefault·total⌋ if that exceeds 45 % of the run'),
    fraction('warmupPctDefault', 0.22, 'fraction of the run used as warmup in the short-run case'),
    booleanSpec('warmdownActive', true, 'linear warmdown'),
    fraction('warmdownStartPct', 0.72, 'fraction of the run where the warmdown starts'),
    nonNegativeSpec('warmdownMinLr', 3e-5, 'learning rate at the end of the warmdown'),
  ],
  check: (h) => {
    const cheb = h.useCheb ? ranger21ChebyshevEpochsError(h.numEpochs, 'ranger21.numEpochs') : null;
    if (cheb) return E.left(cheb);
    if (h.core === 'madgrad' && h.momentum === 0 && !h.softplus) {
      return E.left(new OptError('InvalidHyperparameter', 'ranger21.softplus', 'true when core is madgrad with momentum 0 (without it the official code divides 0 by 0 at step 1)', false));
    }
    return E.right(h);
  },
  create: (h) => ranger21({
    core: h.core, momentum: h.momentum, gcConvOnly: h.gcConvOnly,
    lr: ranger21Schedule(h),
    b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.weightDecay,
    normlossFactor: h.normlossActive ? h.normlossFactor : 0,
    agc: h.useAdaptiveGradientClipping ? { clipping: h.agcClippingValue, eps: h.agcEps } : null,
    centralize: h.usingGc, normalize: h.usingNormgc,
    softplusBeta: h.softplus ? h.betaSoftplus : null,
    lookahead: h.lookaheadActive ? { steps: h.lookaheadMergetime, alpha: h.lookaheadBlendingAlpha } : null,
  }),
};
