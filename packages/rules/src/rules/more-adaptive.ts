import type { Hparams, HparamSpec, Hyper, RuleDef } from '@opt/core';
import { E, OptError, chain, hyperAt } from '@opt/core';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { clipByCoordinateQuantile } from '../transforms/clip-by-coordinate-quantile.js';
import { innaprop } from '../transforms/innaprop.js';
import { scaleByLearningRate } from '../transforms/scale.js';
import { scaleByAdaMomentum } from '../transforms/scale-by-adamomentum.js';
import { polynomialAverage, scaleByDog } from '../transforms/scale-by-dog.js';
import { scaleByRandomExponential } from '../transforms/scale-by-random-exponential.js';
import { smb, smbLrError } from '../transforms/smb.js';
import { trace } from '../transforms/trace.js';
import { adamMomentSpecs, booleanSpec, decaySpec, integerSpec, lrSpec, nonNegativeSpec, weightDecaySpec } from './specs.js';

const positiveSpec = (name: string, defaultValue: number, doc: string): HparamSpec => ({ name, kind: 'number', default: defaultValue, min: 0, minExclusive: true, doc });
const l2Decay = weightDecaySpec(0, 'L2 penalty: wd·p is added to the gradient');

/** Hyperparameters of `adamomentum`. */
export interface AdaMomentumHparams extends Hparams { lr: Hyper; b1: number; b2: number; eps: number; weightDecay: Hyper }

/**
 * AdaMomentum (Wang et al., 2021): Adam whose second moment is the EMA of the squared momentum,
 *   m ← b1·m + (1 − b1)·g;  v ← b2·v + (1 − b2)·m² + eps;  p ← p·(1 − lr·wd) − (lr/bc1)·m/(√v/√bc2).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0 (decoupled, as AdaBelief's
 * weight_decouple). Chain: scaleByAdaMomentum → addDecayedWeights → scaleByLearningRate.
 * No reference implementation is importable: goldens from the equations (fixtures/rules-b).
 */
export const adamomentumRule: RuleDef<AdaMomentumHparams> = {
  id: 'adamomentum',
  title: 'AdaMomentum (twofold EMA)',
  paper: 'Y. Wang, Y. Kang, C. Qin, H. Wang, Y. Xu, Y. Zhang and Y. Fu, "Rethinking Adam: A Twofold Exponential Moving Average Approach", arXiv:2106.11514, 2021',
  reference: 'H. Fassold\'s PyTorch port (AdaBelief 0.2.1 structure); equations of the paper',
  hparams: [lrSpec(1e-3), ...adamMomentSpecs, weightDecaySpec(0, 'decoupled decay: p ← p·(1 − lr·wd) each step')],
  create: (h) => chain(scaleByAdaMomentum(h), addDecayedWeights(h.weightDecay), scaleByLearningRate(h.lr)),
};

/** Hyperparameters of `innaprop`. */
export interface InnapropHparams extends Hparams { lr: Hyper; alpha: number; beta: number; sigma: number; eps: number; weightDecay: Hyper }

/** INNAprop; see `innaprop` in transforms for the equations. Needs lr < beta. */
export const innapropRule: RuleDef<InnapropHparams> = {
  id: 'innaprop',
  title: 'INNAprop',
  paper: 'P. Bolte, R. Castera, E. Pauwels et al., "A second-order-like optimizer with adaptive gradient scaling for deep learning", arXiv:2410.05871, 2024',
  reference: 'innaprop/innaprop classification/optimizers/innaprop.py (official)',
  hparams: [
    lrSpec(1e-3),
    nonNegativeSpec('alpha', 0.1, 'INNA damping α'),
    positiveSpec('beta', 0.9, 'INNA β (must exceed lr)'),
    decaySpec('sigma', 0.999, 'decay of the RMSprop second moment'),
    nonNegativeSpec('eps', 1e-8, 'added to the denominator'),
    weightDecaySpec(0.01, 'decoupled decay: p ← p·(1 − lr·wd) each step'),
  ],
  check: (h) => (hyperAt(h.lr, 0) < h.beta ? E.right(h) : E.left(new OptError('InvalidHyperparameter', 'innaprop.lr', `a value below beta = ${h.beta}`, hyperAt(h.lr, 0)))),
  create: (h) => innaprop(h),
};

/** Hyperparameters of `dog` and `ldog`. */
export interface DogHparams extends Hparams { lr: Hyper; repsRel: number; eps: number; initEta: number; weightDecay: Hyper; averagingGamma: number }

const dogSpecs: HparamSpec[] = [
  { ...lrSpec(1), doc: 'multiplier c of the DoG step size (keep 1)' },
  positiveSpec('repsRel', 1e-6, 'initial distance r_ε relative to 1 + ‖x₀‖ (1e-4 with batch norm)'),
  nonNegativeSpec('eps', 1e-8, 'added to the first squared gradient norm'),
  nonNegativeSpec('initEta', 0, 'first step size when > 0 (official init_eta; replaces repsRel)'),
  l2Decay,
  nonNegativeSpec('averagingGamma', 8, 'γ of the polynomial-decay average of the iterates (state.average)'),
];

const dogFamilyRule = (layerwise: boolean): RuleDef<DogHparams> => ({
  id: layerwise ? 'ldog' : 'dog',
  title: layerwise ? 'L-DoG (layer-wise Distance over Gradients)' : 'DoG (Distance over Gradients)',
  paper: 'M. Ivgi, O. Hinder and Y. Carmon, "DoG is SGD\'s Best Friend: A Parameter-Free Dynamic Step Size Schedule", ICML 2023, arXiv:2302.12022',
  reference: `formll/dog src/dog/torch/dog.py (${layerwise ? 'LDoG' : 'DoG'}) and averager.py (official)`,
  hparams: dogSpecs,
  create: (h) => polynomialAverage(chain(addDecayedWeights(h.weightDecay), scaleByDog({ ...h, layerwise })), h.averagingGamma),
});

/**
 * DoG: η_t = lr·max_{i≤t}‖x_i − x₀‖/√(Σ_{i≤t}‖g_i‖² + eps), p ← p − η_t·g (one step size for
 * all leaves), with the polynomial-decay average of the iterates in `state.average`.
 * Defaults (official): lr 1, repsRel 1e-6, eps 1e-8, weightDecay 0 (L2), averagingGamma 8.
 * Chain: polynomialAverage(addDecayedWeights → scaleByDog).
 */
export const dogRule: RuleDef<DogHparams> = dogFamilyRule(false);
/** L-DoG: DoG with one step size per leaf (official `LDoG`). */
export const ldogRule: RuleDef<DogHparams> = dogFamilyRule(true);

/** Hyperparameters of `smb`. */
export interface SmbHparams extends Hparams {
  lr: Hyper; eta: number; c: number; independentBatch: boolean; autoschedule: boolean; gamma: number; beta: number; lrMax: number; nBatchesPerEpoch: number;
}

/**
 * SMB, stochastic model building (closure-based), with the official SMBi variant
 * (`independentBatch`) and lr auto-schedule; see `smb` in transforms.
 */
export const smbRule: RuleDef<SmbHparams> = {
  id: 'smb',
  title: 'SMB (stochastic model building)',
  paper: 'F. Öztoprak, Ş. İ. Birbil et al., "A Stochastic Quasi-Newton Method with Model Building" / SMB, arXiv:2201.09938 (2022)',
  reference: 'sibirbil/SMB source/smbsolve/smb.py step_smb, step_smbi (official)',
  hparams: [
    { ...lrSpec(1), doc: 'trial step size (a number with autoschedule)' },
    { name: 'eta', kind: 'number', default: 0.99, min: 0, max: 1, minExclusive: true, doc: 'η of the model regularisation σ' },
    positiveSpec('c', 0.1, 'Armijo constant'),
    booleanSpec('independentBatch', false, 'SMBi: a rejected trial step is undone and the model built on the next batch'),
    booleanSpec('autoschedule', false, 'every nBatchesPerEpoch steps, lr·β if the model-step fraction exceeds γ (SMBi: γ/2), else lr/β while ≤ lrMax'),
    { name: 'gamma', kind: 'number', default: 0.05, min: 0, max: 1, doc: 'auto-schedule: model-step fraction above which lr shrinks' },
    { name: 'beta', kind: 'number', default: 0.9, min: 0, max: 1, minExclusive: true, maxExclusive: true, doc: 'auto-schedule factor' },
    positiveSpec('lrMax', 20, 'auto-schedule: lr grows only while lr/β ≤ lrMax'),
    integerSpec('nBatchesPerEpoch', 500, 1, 'auto-schedule period in steps'),
  ],
  check: (h) => {
    const error = smbLrError(h);
    return error ? E.left(error) : E.right(h);
  },
  create: (h) => smb(h),
};

/** Hyperparameters of `coord-clip`. */
export interface CoordClipHparams extends Hparams { lr: Hyper; quantile: number; thresholdScale: number; momentum: number; weightDecay: Hyper }

/**
 * SGD with coordinate-wise clipping (Pan & Li, 2023): clip the top-q fraction of |g| to the
 * threshold, then torch SGD (L2 decay, momentum). Defaults: lr 1e-3, quantile 0.1 (the
 * paper's SGD setting), thresholdScale 1, momentum 0, weightDecay 0.
 * Chain: clipByCoordinateQuantile → addDecayedWeights → trace → scaleByLearningRate.
 */
export const coordClipRule: RuleDef<CoordClipHparams> = {
  id: 'coord-clip',
  title: 'SGD with coordinate-wise clipping',
  paper: 'Y. Pan and Y. Li, "Toward Understanding Why Adam Converges Faster Than SGD for Transformers", arXiv:2306.00204, 2023',
  reference: 'panyan7/adam-vs-sgd landscape_utils.py clip_threshold, torch_optimizer/sgd_clip.py (official)',
  hparams: [
    lrSpec(1e-3),
    { name: 'quantile', kind: 'number', default: 0.1, min: 0, max: 1, doc: 'fraction q of coordinates clipped (largest |g| first)' },
    positiveSpec('thresholdScale', 1, 'multiplier of the clipping threshold'),
    nonNegativeSpec('momentum', 0, 'momentum factor μ (torch SGD)'),
    l2Decay,
  ],
  create: (h) => chain(clipByCoordinateQuantile(h), addDecayedWeights(h.weightDecay), trace({ decay: h.momentum }), scaleByLearningRate(h.lr)),
};

/** Hyperparameters of `rs-sgdm`. */
export interface RsSgdmHparams extends Hparams { lr: Hyper; momentum: number; weightDecay: Hyper; seed: number }

/**
 * Random-scaling SGDM (Zhang & Cutkosky, "Random Scaling and Momentum for Non-smooth Non-convex
 * Optimization", ICML 2024): SGD with momentum whose update is multiplied by s ~ Exp(1) each
 * step (one scalar, from core's Philox Rng seeded by `seed`; the stream is in the state).
 *   buf ← μ·buf + g;  p ← p − s·lr·buf.   E[s] = 1.
 * The abstract's form ("scaling the update with an exponentially distributed random scalar");
 * the O2NC analysis' placement of the gradient query could not be verified from the notes.
 * Defaults: lr 1e-3, momentum 0.9, weightDecay 0, seed 0.
 * Chain: addDecayedWeights → trace → scaleByRandomExponential → scaleByLearningRate.
 */
export const rsSgdmRule: RuleDef<RsSgdmHparams> = {
  id: 'rs-sgdm',
  title: 'Random-scaling SGD with momentum',
  paper: 'Q. Zhang and A. Cutkosky, "Random Scaling and Momentum for Non-smooth Non-convex Optimization", ICML 2024, arXiv:2405.09742',
  reference: 'none importable; the abstract\'s update (see doc comment)',
  hparams: [
    lrSpec(1e-3),
    { name: 'momentum', kind: 'number', default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'momentum factor μ' },
    l2Decay,
    { name: 'seed', kind: 'integer', default: 0, min: 0, doc: 'seed of the Exp(1) scale draws' },
  ],
  create: (h) => chain(addDecayedWeights(h.weightDecay), trace({ decay: h.momentum }), scaleByRandomExponential(h.seed), scaleByLearningRate(h.lr)),
};

/** The rules of this module, in the order of the README table. */
export const moreAdaptiveRuleDefs = [adamomentumRule, innapropRule, dogRule, ldogRule, smbRule, coordClipRule, rsSgdmRule] as const;
