import type { Params, Tensor, Transform } from '@opt/core';
import { abs, add, axpby, div, maximum, mul, reduce, sqrt, square, treeMap, treeZerosLike, where } from '@opt/core';
import { greaterThan } from './masks.js';
import { biasCorrection } from './moments.js';
import { treeMapOutputs } from './tree-outputs.js';

/**
 * State of `scaleByStableSpam`: the global step T, the per-tensor step t (reset with the
 * moments), the Adam moments, and per leaf the 0-d statistics: the EMA of max|g| and the first
 * and second moments of ‖g‖.
 */
export interface ScaleByStableSpamState {
  count: number;
  t: number;
  mu: Params;
  nu: Params;
  nuMax: Params | null;
  maxAbsEma: Params;
  normMean: Params;
  normSquareMean: Params;
}

export interface ScaleByStableSpamOptions {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly amsgrad: boolean;
  /** EMA decay of ‖g‖ (scaled by the cosine factor). */
  readonly gamma1: number;
  /** EMA decay of ‖g‖². */
  readonly gamma2: number;
  /** EMA decay of max|g| (the spike threshold θ). */
  readonly gamma3: number;
  /** Length of the cosine decay of b1 and gamma1; 0 turns it off (official None). */
  readonly totalT: number;
  /** Final factor of the cosine decay. */
  readonly etaMin: number;
  /** Reset the Adam moments every this many steps; 0 never. */
  readonly updateProjGap: number;
}

/**
 * The cosine factor of step T: etaMin + (1 − etaMin)·(1 + cos(π·T/(totalT + 1)))/2 (torch
 * CosineAnnealingLR with T_max = totalT + 1), or 1 when totalT is 0 (off).
 */
export const stableSpamScale = (totalT: number, etaMin: number, T: number): number =>
  (totalT === 0 ? 1 : etaMin + ((1 - etaMin) * (1 + Math.cos((Math.PI * T) / (totalT + 1)))) / 2);

/**
 * Stable-SPAM (Huang et al., "Stable-SPAM: How to Train in 4-Bit More Stably than 16-Bit Adam",
 * 2025, arXiv:2502.17055; official TianjinYellow/StableSPAM stablespam.py). Per leaf, with the
 * global step T, the per-tensor step t and s = stableSpamScale(T):
 *   spike clipping: M = max|g|; m_max ← θ·m_max + (1 − θ)·M; m̂ = m_max/(1 − θ^t);
 *     entries with |g| > m̂ become g/M·m̂;
 *   norm rescaling: n = ‖g‖; m_n ← γ1s·m_n + (1 − γ1s)·n (γ1s = gamma1·s); v_n ← γ2·v_n + (1 − γ2)·n²;
 *     c = (m_n/(1 − γ1s^t)) / (√(v_n/(1 − γ2^t)) + eps); if n > 0: g ← g/n·c;
 *   reset when updateProjGap ≠ 0 and T % updateProjGap = 0: this step uses the old moments with
 *     the step-1 bias corrections (official quirk, kept), zeros are stored and t ← 1;
 *   Adam with b1' = b1·s: output (m/bc1)/(√v̂/√bc2 + eps), computed as (m·√bc2/bc1)/(√v̂ + eps·√bc2)
 *     (one division per element).
 * m_max, m_n and v_n are never reset. Every decision stays on the device.
 *
 * State: see `ScaleByStableSpamState`.
 */
export function scaleByStableSpam(o: ScaleByStableSpamOptions): Transform<ScaleByStableSpamState> {
  const zeros0d = (params: Params) => treeMap((p: Tensor) => p.backend.full([], 0, p.dtype), params);
  return {
    init: (params) => ({
      count: 0, t: 0, mu: treeZerosLike(params), nu: treeZerosLike(params), nuMax: o.amsgrad ? treeZerosLike(params) : null,
      maxAbsEma: zeros0d(params), normMean: zeros0d(params), normSquareMean: zeros0d(params),
    }),
    update(g, state) {
      const T = state.count + 1;
      const t = state.t + 1;
      const scale = stableSpamScale(o.totalT, o.etaMin, T);
      const reset = o.updateProjGap !== 0 && T % o.updateProjGap === 0;
      const tAdam = reset ? 1 : t;
      const [g1, b1] = [o.gamma1 * scale, o.b1 * scale];
      const [bc1, sqrtBc2] = [biasCorrection(b1, tAdam), Math.sqrt(biasCorrection(o.b2, tAdam))];
      const keys = ['out', 'mu', 'nu', 'nuMax', 'maxAbsEma', 'normMean', 'normSquareMean'] as const;
      const r = treeMapOutputs(keys, (x: Tensor, mPrev: Tensor, vPrev: Tensor, vMaxPrev: Tensor | null, maxEmaPrev: Tensor, nmPrev: Tensor, nvPrev: Tensor) => {
        const maxAbs = reduce('maxAbs', x);
        const squareNorm = reduce('sumSquares', x);
        const maxAbsEma = axpby(o.gamma3, maxEmaPrev, 1 - o.gamma3, maxAbs);
        const threshold = div(maxAbsEma, biasCorrection(o.gamma3, t));
        // g/M·m̂ as g·(m̂/M): one division per tensor instead of one per element (≤ 1 ulp apart).
        const clipped = where(greaterThan(abs(x), threshold), mul(x, div(threshold, maxAbs)), x);
        // Nothing is clipped when M ≤ m̂, and then ‖clip(g)‖² = ‖g‖² (the same sum over the same
        // values), which the generated tier reduces in M's pass; it decides this 0-d where on the
        // host, so the pass over the clipped values runs only when something was clipped.
        const norm = sqrt(where(greaterThan(maxAbs, threshold), reduce('sumSquares', clipped), squareNorm));
        const normMean = axpby(g1, nmPrev, 1 - g1, norm);
        const normSquareMean = axpby(o.gamma2, nvPrev, 1 - o.gamma2, square(norm));
        const target = div(div(normMean, biasCorrection(g1, t)), add(sqrt(div(normSquareMean, biasCorrection(o.gamma2, t))), o.eps));
        // The 0-d factor chosen before multiplying: where(n > 0, clipped·(c/n), clipped) with the
        // per-element select replaced by one of two scalars (clipped·1 = clipped exactly).
        const rescaled = mul(clipped, where(greaterThan(norm, 0), div(target, norm), 1));
        const mu = axpby(b1, mPrev, 1 - b1, rescaled);
        const nu = axpby(o.b2, vPrev, 1 - o.b2, square(rescaled));
        const nuMax = vMaxPrev === null ? null : maximum(vMaxPrev, nu);
        // (m/bc1)/(√v/√bc2 + eps) as (m·√bc2/bc1)/(√v + eps·√bc2): equal in exact arithmetic,
        // one division per element instead of two (the update pass is bound by the divider).
        const out = div(mul(mu, sqrtBc2 / bc1), add(sqrt(nuMax ?? nu), o.eps * sqrtBc2));
        return { out, mu, nu, nuMax: nuMax as Tensor, maxAbsEma, normMean, normSquareMean };
      }, g, state.mu, state.nu, state.nuMax ?? treeMap(() => null, g), state.maxAbsEma, state.normMean, state.normSquareMean);
      const stored = (m: Params) => (reset ? treeZerosLike(m) : m);
      return [r.out, {
        count: T, t: reset ? 1 : t, mu: stored(r.mu), nu: stored(r.nu), nuMax: state.nuMax && r.nuMax,
        maxAbsEma: r.maxAbsEma, normMean: r.normMean, normSquareMean: r.normSquareMean,
      }];
    },
    elementwise: false,
  };
}
