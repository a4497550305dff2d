import type { Params, Tensor } from '@opt/core';
import { add, axpby, div, pow, square, sub, treeMap } from '@opt/core';
import { softplus } from './softplus.js';

/** The sums of Ranger21's MADGRAD core: S = Σλg², s = Σλg, and the anchor x0 (null when the momentum is 0). */
export interface MadgradSums {
  gradSumSq: Params;
  s: Params;
  x0: Params | null;
}

export interface MadgradStepOptions {
  /** The dual-averaging weight of this step, λ_t = lr_t·√t. */
  readonly lambda: number;
  /** Momentum μ in [0, 1): p moves to μ·p + (1 − μ)·z; 0 recomputes x0 from p every step. */
  readonly momentum: number;
  /** β of the softplus applied to S^{1/3}; null: none. */
  readonly softplusBeta: number | null;
}

/** The denominator r = S^{1/3}, through softplus(·; β) when on; no eps (Ranger21's form). */
const cubeRootDenominator = (sumSq: Tensor, softplusBeta: number | null): Tensor => {
  const root = pow(sumSq, 1 / 3);
  return softplusBeta === null ? root : softplus(root, softplusBeta);
};

/**
 * One MADGRAD dual-averaging step (Defazio & Jelassi, "Adaptivity without Compromise: A
 * Momentumized, Adaptive, Dual Averaged Gradient Method for Stochastic Optimization",
 * arXiv:2101.11075) as Ranger21's MADGRAD core codes it (lessw2020/Ranger21 ranger21.py,
 * `use_madgrad=True`), per leaf, from the parameters p (after Ranger21's decay and norm loss):
 *   S ← S + λ·g²,  s ← s + λ·g,  r = softplus(S^{1/3}),  z = x0 − s/r,
 *   μ > 0: p ← (1 − c)·p + c·z with c = 1 − μ, x0 the parameters at step 1 (set here when null);
 *   μ = 0: x0 = p + s_prev/r_prev (from the sums before this step), p ← z.
 * Without the softplus there is no eps: a coordinate whose S is 0 gives 0/0 (NaN), as the official
 * code (at step 1 with μ = 0 that is every coordinate). Returns the new parameters and sums.
 */
export function madgradDualAveragingStep(p: Params, g: Params, sums: MadgradSums, o: MadgradStepOptions): [Params, MadgradSums] {
  const { lambda, momentum, softplusBeta } = o;
  const anchor = momentum === 0
    ? treeMap((w: Tensor, sumSq: Tensor, s: Tensor) => add(w, div(s, cubeRootDenominator(sumSq, softplusBeta))), p, sums.gradSumSq, sums.s)
    : sums.x0 ?? p;
  const gradSumSq = treeMap((sumSq: Tensor, x: Tensor) => axpby(1, sumSq, lambda, square(x)), sums.gradSumSq, g);
  const s = treeMap((acc: Tensor, x: Tensor) => axpby(1, acc, lambda, x), sums.s, g);
  const z = treeMap((x0: Tensor, sumSq: Tensor, acc: Tensor) => sub(x0, div(acc, cubeRootDenominator(sumSq, softplusBeta))), anchor, gradSumSq, s);
  const c = 1 - momentum;
  const next = momentum === 0 ? z : treeMap((w: Tensor, zi: Tensor) => axpby(1 - c, w, c, zi), p, z);
  return [next, { gradSumSq, s, x0: momentum === 0 ? null : anchor }];
}

/** Ranger21's stable-decay normaliser of the MADGRAD core, ∛mean(v̂), from the AdamW core's √mean(v̂): (√mean)^{2/3}. */
export const cubeRootNormalizer = (sqrtNormalizer: Tensor): Tensor => pow(sqrtNormalizer, 2 / 3);
