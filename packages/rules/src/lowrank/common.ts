import type { HparamSpec, Hparams, Hyper, Params, Tensor, Updates } from '@opt/core';
import { OptError, add, axpby, hyperAt, square, treeLeaves, treeUnflatten } from '@opt/core';
import { adamMomentSpecs, choiceSpec, flagSpec, lrSpec, nonNegativeSpec, weightDecaySpec } from '../rules/specs.js';
import type { ProjectionKind } from './projector.js';
import { PROJECTION_KINDS } from './projector.js';

/**
 * Per-leaf driver of the low-rank rules: call `fn` on each gradient leaf with its parameter and
 * its entry of `states` (leaf order of `treeLeaves`), and return the updates (same tree as the
 * gradients) and the new per-leaf states.
 */
export function mapLeaves<S>(
  grads: Updates, params: Params | undefined, states: readonly S[], fn: (g: Tensor, p: Tensor | undefined, s: S, index: number) => [Tensor, S],
): [Updates, S[]] {
  const gs = treeLeaves(grads);
  const ps = params ? treeLeaves(params) : [];
  if (gs.length !== states.length) throw new OptError('InvalidState', 'state.leaves', `${gs.length} leaf states (one per gradient leaf)`, states.length);
  const results = gs.map((g, i) => fn(g, ps[i], states[i], i));
  return [treeUnflatten(grads, results.map((r) => r[0])), results.map((r) => r[1])];
}

/** Adam moments: m ← b1·m + (1 − b1)·x, v ← b2·v + (1 − b2)·x². */
export const moments = (m: Tensor, v: Tensor, x: Tensor, b1: number, b2: number): [Tensor, Tensor] =>
  [axpby(b1, m, 1 - b1, x), axpby(b2, v, 1 - b2, square(x))];

/**
 * The update that takes p to (p + step)·(1 − c): the reference code's "step, then
 * `p.add_(p, alpha=−lr·wd)`" order (Fira, SN-SM, OSD, the GaLore family). c = 0 returns `step`.
 */
export function thenDecay(p: Tensor | undefined, step: Tensor, c: number): Tensor {
  if (c === 0) return step;
  if (!p) throw new OptError('MissingInput', 'params', 'the parameters (pass params to update: weight decay needs them)');
  return axpby(1, step, -c, add(p, step));
}

/** lr at the step count (schedules allowed). */
export const lrAt = (lr: Hyper, count: number): number => hyperAt(lr, count);

/** Fira/GaLore's step size lr·√(1 − b2^t)/(1 − b1^t) (or lr without bias correction). */
export const correctedStepSize = (lr: number, b1: number, b2: number, t: number, correctBias: boolean): number =>
  (correctBias ? (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t) : lr);

/** u − c·p: decoupled decay applied before the step, p ← p·(1 − c) + u (FRUGAL, AdamW). */
export function decayBefore(p: Tensor | undefined, u: Tensor, c: number): Tensor {
  if (c === 0) return u;
  if (!p) throw new OptError('MissingInput', 'params', 'the parameters (pass params to update: weight decay needs them)');
  return axpby(1, u, -c, p);
}

/** Checks shared by the low-rank rules' options (the rule factories are public API too). */
export function checkLowRank(rule: string, rank: number, gap: number, gapField = 'updateProjGap'): void {
  if (!Number.isInteger(rank) || rank < 1) throw new OptError('InvalidHyperparameter', `${rule}.rank`, 'an integer >= 1', rank);
  if (!Number.isInteger(gap) || gap < 1) throw new OptError('InvalidHyperparameter', `${rule}.${gapField}`, 'an integer >= 1', gap);
}

/** The rank, refresh-period and seed specs shared by the low-rank rules. */
/** Adam-side options shared by the low-rank rules; each rule's options state its defaults. */
export interface LowRankAdamOptions {
  readonly lr?: Hyper;
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
  readonly correctBias?: boolean;
}

/** The hyperparameters `lowRankAdamSpecs` declares. */
export interface LowRankAdamHparams extends Hparams {
  lr: Hyper; b1: number; b2: number; eps: number; weightDecay: number; correctBias: boolean;
}

/** The hyperparameters `lowRankSpecs` declares. */
export interface LowRankProjectorHparams {
  rank: number; updateProjGap: number; projection: ProjectionKind; seed: number;
}

/**
 * The Adam-side hyperparameters shared by fira, sn-sm and osd: lr, b1, b2, eps (added to √v,
 * default 1e-6), decoupled weight decay applied after the step, and the bias-corrected step size.
 */
export const lowRankAdamSpecs = (): HparamSpec[] => [
  lrSpec(1e-3), ...adamMomentSpecs.slice(0, 2), nonNegativeSpec('eps', 1e-6, 'added to √v'),
  { ...weightDecaySpec(0, 'decoupled, after the step: p ← p·(1 − lr·wd)'), schedulable: false },
  { ...flagSpec('correctBias', 'step size lr·√bc2/bc1'), default: true },
];

/** The projector's hyperparameters (see `refreshBasis`): rank, refresh period, basis kind and the seed of the random kinds. */
export const lowRankSpecs = (rank: number, gap: number): { rank: HparamSpec; updateProjGap: HparamSpec; projection: HparamSpec; seed: HparamSpec } => ({
  rank: { name: 'rank', kind: 'integer', default: rank, min: 1, doc: 'rank r of the projection (capped at the smaller matrix side)' },
  updateProjGap: { name: 'updateProjGap', kind: 'integer', default: gap, min: 1, doc: 'refresh the projection basis every this many steps' },
  projection: choiceSpec('projection', PROJECTION_KINDS, 'svd', "basis: 'svd' top singular vectors, 'qr' randomized range finder, 'random' random subspace, 'dct' DCT-II columns"),
  seed: { name: 'seed', kind: 'integer', default: 0, min: 0, doc: "seed of the 'qr' and 'random' projections (core Rng; the stream is kept in the state)" },
});
