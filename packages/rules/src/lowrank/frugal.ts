import type { Hparams, Hyper, Params, RuleDef, Tensor, Transform } from '@opt/core';
import { OptError, Rng, add, axpby, div, mul, sign, sqrt, sub, treeLeaves, zerosLike } from '@opt/core';
import { isMatrixLike } from '../linalg/matrix.js';
import { adamMomentSpecs, flagSpec, lrSpec, nonNegativeSpec, weightDecaySpec } from '../rules/specs.js';
import type { LowRankAdamOptions } from './common.js';
import { checkLowRank, decayBefore, lowRankSpecs, lrAt, mapLeaves, moments } from './common.js';
import type { ProjectionKind } from './projector.js';
import { orient, orientedShape, projectDown, projectUp, refreshBasis, unorient } from './projector.js';

/** What FRUGAL does with the residual outside the subspace ('no' is GaLore). */
export type InactiveUpdateRule = 'sign_sgd' | 'sgd' | 'no';

/** Options of `frugal`. Adam-side defaults: eps 1e-8, weightDecay 0.01 (decoupled, before the step: p ← p·(1 − lr·wd)), correctBias true. */
export interface FrugalOptions extends LowRankAdamOptions {
  /** Fraction of the projected side kept: rank = round(n'·density) (default 0.25). */
  readonly density?: number;
  /** Refresh period (default 200). */
  readonly updateGap?: number;
  /** Zero the Adam state (and its step count) at every refresh (default true). */
  readonly resetStatistics?: boolean;
  /** Default 'sign_sgd'. */
  readonly inactiveUpdateRule?: InactiveUpdateRule;
  /** Multiplier of lr for the residual step (default 1; 0.1 for fine-tuning in the paper). */
  readonly inactiveLrScale?: number;
  /** Multiplier of lr for the projected parameters (default 1). */
  readonly projParamsLrScale?: number;
  readonly projection?: ProjectionKind;
  readonly seed?: number;
}

/** Per-leaf state of FRUGAL: Adam moments (low-rank for matrices), their step count, the basis. */
export interface FrugalLeafState {
  step: number;
  mu: Tensor;
  nu: Tensor;
  basis: Tensor | null;
}

export interface FrugalState {
  count: number;
  rngStream: number;
  leaves: FrugalLeafState[];
}

/** Python's round(): to the nearest integer, halves to even (round(2.5) = 2), as the reference computes the rank. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** The rank FRUGAL keeps for a parameter: round(n'·density) of the projected side (Python rounding), at least 1. */
export const frugalRank = (p: Tensor, density: number): number => Math.max(1, roundHalfEven(orientedShape(p, Infinity).cols * density));

/**
 * FRUGAL (P. Zmushko, A. Beznosikov, M. Takáč, S. Horváth, "FRUGAL: Memory-Efficient
 * Optimization by Reducing State Overhead for Scalable Training", ICML 2025, arXiv:2411.07837;
 * reference `frugal/proj_optimizer_templates.py` GaloreOptimizer + `frugal/adamw.py`). For a
 * matrix, every `updateGap` steps the basis Q (rank round(n'·density)) is refreshed from the
 * current gradient and, with `resetStatistics`, the Adam state is zeroed. Each step:
 *   p ← p·(1 − lr·wd);  R = H·Q;  m, v ← Adam moments of R (step k since the reset)
 *   u = −(lr·a/bc1)·m/(√v/√bc2 + eps)·Qᵀ  (a = projParamsLrScale)
 *   u −= lr·a·inactiveLrScale·sign(H − R·Qᵀ)   ('sign_sgd'; 'sgd' uses the residual itself; 'no' = GaLore)
 * Vectors: AdamW (same formula, full rank, never reset). Defaults: lr 1e-3, b1 0.9, b2 0.999,
 * eps 1e-8, weightDecay 0.01, correctBias true, density 0.25, updateGap 200, resetStatistics
 * true, inactiveUpdateRule 'sign_sgd', inactiveLrScale 1, projParamsLrScale 1, projection 'svd'.
 * State: `{ count, rngStream, leaves: [{ step, mu, nu, basis }] }`; needs only the gradient.
 */
export function frugal({
  lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, weightDecay = 0.01, correctBias = true, density = 0.25, updateGap = 200,
  resetStatistics = true, inactiveUpdateRule = 'sign_sgd', inactiveLrScale = 1, projParamsLrScale = 1, projection = 'svd', seed = 0,
}: FrugalOptions = {}): Transform<FrugalState> {
  checkLowRank('frugal', 1, updateGap, 'updateGap');
  if (!(density > 0 && density <= 1)) throw new OptError('InvalidHyperparameter', 'frugal.density', 'a number in (0, 1]', density);
  const lowRankZeros = (p: Tensor) => {
    const { rows, rank } = orientedShape(p, frugalRank(p, density));
    return p.backend.full([rows, rank], 0, p.dtype);
  };
  /** −(lr/bc1)·m/(√v/√bc2 + eps) after the moment update, FRUGAL's AdamW `_compute_update`. */
  const adamStep = (m: Tensor, v: Tensor, x: Tensor, step: number, lrStep: number): [Tensor, Tensor, Tensor] => {
    const [mu, nu] = moments(m, v, x, b1, b2);
    const [s, sqrtBc2] = correctBias ? [lrStep / (1 - b1 ** step), Math.sqrt(1 - b2 ** step)] : [lrStep, 1];
    return [mul(div(mu, add(div(sqrt(nu), sqrtBc2), eps)), -s), mu, nu];
  };
  return {
    init: (params: Params) => ({
      count: 0,
      rngStream: 0,
      leaves: treeLeaves(params).map((p) => (isMatrixLike(p)
        ? { step: 0, mu: lowRankZeros(p), nu: lowRankZeros(p), basis: null }
        : { step: 0, mu: zerosLike(p), nu: zerosLike(p), basis: null })),
    }),
    update(grads, state, params) {
      const lrT = lrAt(lr, state.count);
      const rng = new Rng(seed, state.rngStream);
      const refresh = state.count % updateGap === 0;
      const [updates, leaves] = mapLeaves(grads, params, state.leaves, (g, p, leaf): [Tensor, FrugalLeafState] => {
        const decay = (u: Tensor) => decayBefore(p, u, lrT * weightDecay);
        if (!isMatrixLike(g)) {
          const [u, mu, nu] = adamStep(leaf.mu, leaf.nu, g, leaf.step + 1, lrT);
          return [decay(u), { step: leaf.step + 1, mu, nu, basis: null }];
        }
        const h = orient(g);
        let { step, mu: m0, nu: v0, basis } = leaf;
        if (basis === null || refresh) {
          basis = refreshBasis(h, frugalRank(g, density), projection, rng);
          if (resetStatistics || leaf.basis === null) [step, m0, v0] = [0, zerosLike(m0), zerosLike(v0)];
        }
        const r = projectDown(h, basis);
        const [low, mu, nu] = adamStep(m0, v0, r, step + 1, lrT * projParamsLrScale);
        let u = projectUp(low, basis);
        if (inactiveUpdateRule !== 'no') {
          const residual = sub(h, projectUp(r, basis));
          u = axpby(1, u, -lrT * projParamsLrScale * inactiveLrScale, inactiveUpdateRule === 'sign_sgd' ? sign(residual) : residual);
        }
        return [decay(unorient(u, g)), { step: step + 1, mu, nu, basis }];
      });
      return [updates, { count: state.count + 1, rngStream: rng.stream, leaves }];
    },
    elementwise: false,
  };
}

/** Hyperparameters of the `frugal` rule. */
export interface FrugalHparams extends Hparams {
  lr: Hyper; b1: number; b2: number; eps: number; weightDecay: number; correctBias: boolean; density: number; updateGap: number;
  resetStatistics: boolean; inactiveSgd: boolean; inactiveLrScale: number; projParamsLrScale: number; projection: ProjectionKind; seed: number;
}

/** `frugal` with the reference's defaults (SVD projection, signSGD on the residual; `inactiveSgd` switches to plain SGD, `inactiveLrScale` 0 is GaLore). */
export const frugalRule: RuleDef<FrugalHparams> = {
  id: 'frugal',
  title: 'FRUGAL (low-rank AdamW + signSGD on the residual)',
  paper: 'P. Zmushko, A. Beznosikov, M. Takáč, S. Horváth, "FRUGAL: Memory-Efficient Optimization by Reducing State Overhead for Scalable Training", ICML 2025, arXiv:2411.07837',
  reference: 'FRUGAL supplementary code (copy: hungquangbui02022003/FRUGAL) frugal/proj_optimizer_templates.py GaloreOptimizer + frugal/adamw.py',
  hparams: [
    lrSpec(1e-3), ...adamMomentSpecs,
    { ...weightDecaySpec(0.01, 'decoupled, before the step: p ← p·(1 − lr·wd)'), schedulable: false },
    { ...flagSpec('correctBias', 'Adam bias corrections'), default: true },
    { name: 'density', kind: 'number', default: 0.25, min: 0, max: 1, minExclusive: true, doc: 'rank = round(density · projected side)' },
    { ...lowRankSpecs(1, 200).updateProjGap, name: 'updateGap' },
    { ...flagSpec('resetStatistics', 'zero the Adam state at every refresh'), default: true },
    flagSpec('inactiveSgd', 'plain SGD on the residual instead of signSGD'),
    nonNegativeSpec('inactiveLrScale', 1, 'lr multiplier of the residual step (0: GaLore)'),
    nonNegativeSpec('projParamsLrScale', 1, 'lr multiplier of the projected parameters'),
    lowRankSpecs(1, 200).projection,
    lowRankSpecs(1, 200).seed,
  ],
  create: ({ inactiveSgd, ...h }) => frugal({ ...h, inactiveUpdateRule: inactiveSgd ? 'sgd' : 'sign_sgd' }),
};
