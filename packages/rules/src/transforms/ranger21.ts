import type { Params, Schedule, Tensor, Transform } from '@opt/core';
import { add, axpby, chain, div, identity, masked, mul, sqrt, sub, treeMap, treeZerosLike } from '@opt/core';
import { adaptiveGradClip } from './adaptive-clip.js';
import { centralize } from './centralize.js';
import { requireParams } from './inputs.js';
import { lookahead } from './lookahead.js';
import { biasCorrection, updateMoment } from './moments.js';
import { normalizeByStd } from './normalize-by-std.js';
import { normLoss, stableDecayNormalizer, stableWeightDecay } from './parameter-decay.js';
import type { PositiveNegativeMomentumState } from './positive-negative-momentum.js';
import { scaleByPositiveNegativeMomentum } from './positive-negative-momentum.js';
import type { MadgradSums } from './ranger21-madgrad.js';
import { cubeRootNormalizer, madgradDualAveragingStep } from './ranger21-madgrad.js';
import { softplus } from './softplus.js';

/** Ranger21's core engine (official `use_madgrad` / `use_adabelief`). */
export type Ranger21CoreKind = 'adamw' | 'madgrad' | 'adabelief';

export interface Ranger21Options {
  /** The learning rate at each 0-based step (e.g. `ranger21Schedule`). */
  readonly lr: Schedule;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  /** Stable weight decay coefficient (0: off). */
  readonly weightDecay: number;
  /** Norm-loss factor (0: off). */
  readonly normlossFactor: number;
  /** Adaptive gradient clipping ratio and parameter-norm floor; null: off. */
  readonly agc: { readonly clipping: number; readonly eps: number } | null;
  /** Gradient centralization (official `using_gc`). */
  readonly centralize: boolean;
  /** Centralize only leaves of ndim > 3, conv kernels (official `gc_conv_only`; default false). */
  readonly gcConvOnly?: boolean;
  /** Gradient normalization by its standard deviation (official `using_normgc`). */
  readonly normalize: boolean;
  /** β of the softplus applied to the denominator; null: no softplus. */
  readonly softplusBeta: number | null;
  /** Lookahead period and blending alpha; null: no lookahead. */
  readonly lookahead: { readonly steps: number; readonly alpha: number } | null;
  /** The core (default 'adamw'); see `ranger21`. */
  readonly core?: Ranger21CoreKind;
  /** Momentum μ of the MADGRAD core (official `momentum`, default 0.9); unused by the other cores. */
  readonly momentum?: number;
}

/** State of the AdamW core: positive–negative momentum buffers. */
export interface Ranger21AdamwState { pnm: PositiveNegativeMomentumState }
/** State of the (official) AdaBelief core: the first moment m (β1). */
export interface Ranger21AdabeliefState { mu: Params }
/** State of the MADGRAD core: S = Σλg², s = Σλg, x0 (null with momentum 0 or before step 1). */
export type Ranger21MadgradState = MadgradSums;

/**
 * State of the Ranger21 core (before lookahead): the step count, the Adam second moment v of the
 * first-pass gradient (every core keeps it: stable weight decay reads it), and the core's own fields.
 */
export type Ranger21CoreState = { count: number; nu: Params } & (Ranger21AdamwState | Ranger21AdabeliefState | Ranger21MadgradState);

/** Leaves of ndim > 3 (conv kernels): the leaves `gc_conv_only` centralizes. */
const convLike = (params: Params) => treeMap((x: Tensor) => x.shape.length > 3, params);

/** Gradient centralization (all leaves of ndim > 1, or conv-like only), when enabled. */
const centralizer = (o: Ranger21Options): Transform<any> =>
  (!o.centralize ? identity() : o.gcConvOnly ? masked(centralize(), convLike) : centralize());

/** Gradient centralization then normalization, each when enabled (the official order). */
const centralizeAndNormalize = (o: Ranger21Options): Transform<unknown[]> =>
  chain(centralizer(o), o.normalize ? normalizeByStd() : identity());

/** Apply a stateless gradient pass (centralization, normalization, clipping) with the parameters. */
const applyPass = (t: Transform<any>, g: Params, p: Params): Params => t.update(g, t.init(p), p)[0];

/** What every core needs at step t: lr_t, the first-pass gradient g₁, v, bc2 and √mean(v̂). */
interface StepContext {
  readonly count: number;
  readonly lr: number;
  readonly g1: Params;
  readonly nu: Params;
  readonly bc2: number;
  readonly sqrtNormalizer: Tensor;
}

/**
 * The AdamW and AdaBelief cores' move: p ← p − (lr_t/bc1)·pn/d, d = √v/√bc2 + eps through
 * softplus(·; β) when on.
 */
function adamMove(pulled: Params, pn: Params, c: StepContext, o: Ranger21Options): Params {
  const stepSize = c.lr / biasCorrection(o.b1, c.count);
  return treeMap((w: Tensor, m: Tensor, v: Tensor) => {
    const denom = add(div(sqrt(v), Math.sqrt(c.bc2)), o.eps);
    return axpby(1, w, -stepSize, div(m, o.softplusBeta === null ? denom : softplus(denom, o.softplusBeta)));
  }, pulled, pn, c.nu);
}

/** Stable weight decay of the AdamW and AdaBelief cores: rate wd·lr_t over √mean(v̂). */
const adamDecay = (o: Ranger21Options) => (c: StepContext) => ({ rate: o.weightDecay * c.lr, normalizer: c.sqrtNormalizer });

/**
 * One Ranger21 core, written against the shared step: its state, the decay rate and normaliser
 * of stable weight decay, and the move from the decayed parameters.
 */
interface CoreEngine<S> {
  init(params: Params): S;
  /** The stable-decay rate and its normaliser at this step. */
  decay(c: StepContext): { rate: number; normalizer: Tensor };
  /** The new parameters from the decayed ones, and the core's new state. */
  move(pulled: Params, c: StepContext, state: S, p: Params): [Params, S];
}

/** The noise norm of Ranger21's positive–negative momentum, √((1 + β2)² + β2²) (β2, not β0: the official code). */
const noiseNorm = (b2: number): number => Math.sqrt((1 + b2) ** 2 + b2 ** 2);

/** AdamW core: second centralization/normalization pass, PNM, p ← p − (lr/bc1)·pn/denom. */
function adamwEngine(o: Ranger21Options): CoreEngine<Ranger21AdamwState> {
  const second = centralizeAndNormalize(o);
  const pnm = scaleByPositiveNegativeMomentum({ b1: o.b1, beta0: 1, noiseNorm: noiseNorm(o.b2) });
  return {
    init: (params) => ({ pnm: pnm.init(params) }),
    decay: adamDecay(o),
    move(pulled, c, state, p) {
      const [pn, pnmState] = pnm.update(applyPass(second, c.g1, p), state.pnm);
      return [adamMove(pulled, pn, c, o), { pnm: pnmState }];
    },
  };
}

/**
 * The official AdaBelief core (`use_adabelief=True`) as it runs: m ← β1·m + (1 − β1)·g₁, and the
 * PNM combination of m with the never-updated second buffer (zero): pn = 2m/n at odd steps and
 * −m/n at even steps (n the noise norm); the denominator is the AdamW core's. The belief variance
 * of (g₁ − m) the official code computes never reaches the step: its `addcmul` is not in place
 * (the buffer stays zero) and the denominator reads v. The second gradient pass only fed the
 * skipped PNM update, so it is not computed.
 */
function adabeliefEngine(o: Ranger21Options): CoreEngine<Ranger21AdabeliefState> {
  const n = noiseNorm(o.b2);
  return {
    init: (params) => ({ mu: treeZerosLike(params) }),
    decay: adamDecay(o),
    move(pulled, c, state) {
      const mu = updateMoment(state.mu, c.g1, o.b1, 1);
      const factor = c.count % 2 === 1 ? 2 / n : -1 / n;
      return [adamMove(pulled, treeMap((m: Tensor) => mul(m, factor), mu), c, o), { mu }];
    },
  };
}

/**
 * MADGRAD core (`use_madgrad=True`): λ = lr·√t; stable decay p·(1 − wd·λ/∛mean(v̂)); a second
 * centralization (no normalization) of g₁; then `madgradDualAveragingStep`.
 */
function madgradEngine(o: Ranger21Options): CoreEngine<Ranger21MadgradState> {
  const second = centralizer(o);
  const momentum = o.momentum ?? 0.9;
  const lambda = (c: StepContext) => c.lr * Math.sqrt(c.count);
  return {
    init: (params) => ({ gradSumSq: treeZerosLike(params), s: treeZerosLike(params), x0: null }),
    decay: (c) => ({ rate: o.weightDecay * lambda(c), normalizer: cubeRootNormalizer(c.sqrtNormalizer) }),
    move: (pulled, c, state, p) =>
      madgradDualAveragingStep(pulled, applyPass(second, c.g1, p), state, { lambda: lambda(c), momentum, softplusBeta: o.softplusBeta }),
  };
}

const engines: { [K in Ranger21CoreKind]: (o: Ranger21Options) => CoreEngine<any> } = { adamw: adamwEngine, adabelief: adabeliefEngine, madgrad: madgradEngine };

/**
 * The Ranger21 step without lookahead (lessw2020/Ranger21 ranger21.py). Per step t, with
 * lr_t = lr(t − 1):
 *   g₁ = normalize(centralize(agc(g, p)));  v ← β2·v + (1 − β2)·g₁²;  m̄ = Σ v/bc2 / N (all leaves);
 *   p ← p·(1 − rate/norm)                                       (stable weight decay)
 *   p ← p·(1 − lr_t·2·nl·(1 − 1/(‖p‖_unit + eps)))             (norm loss, per output unit)
 * with rate = wd·lr_t and norm = √m̄ (AdamW, AdaBelief) or rate = wd·lr_t·√t and norm = ∛m̄
 * (MADGRAD), then the core's move (see `ranger21`). The update returned is the new p minus the
 * old. Needs the parameters.
 */
function ranger21Core(o: Ranger21Options): Transform<Ranger21CoreState> {
  const first = chain(o.agc ? adaptiveGradClip({ clipping: o.agc.clipping, eps: o.agc.eps }) : identity(), centralizeAndNormalize(o));
  const engine = engines[o.core ?? 'adamw'](o);
  return {
    init: (params) => ({ count: 0, nu: treeZerosLike(params), ...engine.init(params) }),
    update(g, state, params) {
      const p = requireParams(params, 'ranger21');
      const { count: previous, nu: previousNu, ...coreState } = state;
      const count = previous + 1;
      const g1 = applyPass(first, g, p);
      const nu = updateMoment(previousNu, g1, o.b2, 2);
      const bc2 = biasCorrection(o.b2, count);
      const c: StepContext = { count, lr: o.lr(previous), g1, nu, bc2, sqrtNormalizer: stableDecayNormalizer(nu, bc2) };
      const { rate, normalizer } = engine.decay(c);
      const pulled = treeMap((w: Tensor) => {
        const decayed = o.weightDecay ? stableWeightDecay(w, rate, normalizer) : w;
        return o.normlossFactor ? normLoss(decayed, c.lr, o.normlossFactor, o.eps) : decayed;
      }, p);
      const [next, nextCore] = engine.move(pulled, c, coreState, p);
      return [treeMap((x: Tensor, w: Tensor) => sub(x, w), next, p), { count, nu, ...nextCore }];
    },
    elementwise: false,
  };
}

/**
 * Ranger21 (Wright & Demeure, "Ranger21: a synergistic deep learning optimizer", arXiv:2106.13731,
 * 2021; lessw2020/Ranger21 ranger21.py): `ranger21Core` (AGC → centralization → normalization →
 * Adam second moment → stable weight decay → norm loss → the core's move, with the scheduled
 * learning rate) wrapped in `lookahead` (merge every k steps with blending alpha). The cores:
 * - 'adamw' (default): a second centralization/normalization pass g₂, positive–negative momentum
 *   pn = (2·m_cur − m_other)/√((1 + β2)² + β2²) (buffers fed β1² every other step), and
 *   p ← p − (lr_t/bc1)·pn/softplus(√v/√bc2 + eps; β). State `{ count, nu, pnm }`.
 * - 'adabelief' (official `use_adabelief`, as the official code runs; see `adabeliefEngine`):
 *   m ← β1·m + (1 − β1)·g₁, pn = 2m/n (odd t) or −m/n (even t), same denominator. State
 *   `{ count, nu, mu }`.
 * - 'madgrad' (official `use_madgrad`): λ = lr_t·√t, a second centralization of g₁, then
 *   `madgradDualAveragingStep` with the momentum. State `{ count, nu, gradSumSq, s, x0 }`.
 * With lookahead the state is `{ count, syncs, slow, inner }` around the core's.
 */
export function ranger21(o: Ranger21Options): Transform<any> {
  const core = ranger21Core(o);
  return o.lookahead ? lookahead(core, o.lookahead) : core;
}
