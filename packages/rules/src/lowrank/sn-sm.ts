import type { Params, RuleDef, Tensor, Transform } from '@opt/core';
import { E, OptError, Rng, add, axpby, binaryAxis, div, mul, reduceAxis, sqrt, square, sub, treeLeaves, zerosLike } from '@opt/core';
import { isMatrixLike } from '../linalg/matrix.js';
import type { LowRankAdamHparams, LowRankAdamOptions, LowRankProjectorHparams } from './common.js';
import { checkLowRank, lowRankAdamSpecs, correctedStepSize, lowRankSpecs, lrAt, mapLeaves, thenDecay } from './common.js';
import type { ProjectionKind } from './projector.js';
import { orient, orientedShape, projectDown, projectUp, refreshBasis, unorient } from './projector.js';

/**
 * The subset size k of Subset-Norm for a tensor of `numel` elements (reference
 * `closest_smaller_divisor_of_n_to_k`): k = subsetSize if positive, else ⌊√numel/|subsetSize|⌋;
 * then the largest divisor of numel that is ≤ k.
 */
export function subsetSize(numel: number, subsetSizeOption: number): number {
  if (subsetSizeOption === 0 || !Number.isInteger(subsetSizeOption)) throw new OptError('InvalidHyperparameter', 'subsetSize', 'a non-zero integer', subsetSizeOption);
  const k = subsetSizeOption > 0 ? subsetSizeOption : Math.floor(Math.sqrt(numel) / Math.abs(subsetSizeOption));
  for (let i = Math.min(k, numel); i >= 1; i--) if (numel % i === 0) return i;
  throw new OptError('InvalidHyperparameter', 'subsetSize', `a subset size of at least 1 for ${numel} elements`, k);
}

/** Options of `sn-sm`. Adam-side defaults: eps 1e-6 (the reference's), weightDecay 0 (decoupled, after the step), correctBias true. */
export interface SnSmOptions extends LowRankAdamOptions {
  readonly rank?: number;
  readonly updateProjGap?: number;
  /** Positive: that many elements per subset; negative −k: √numel/k (default −2). */
  readonly subsetSize?: number;
  readonly projection?: ProjectionKind;
  readonly seed?: number;
}

/** Per-leaf state of SN-SM: momentum (low-rank for matrices), the second moment (one per subset for matrices), the basis. */
export interface SnSmLeafState {
  mu: Tensor;
  nu: Tensor;
  basis: Tensor | null;
}

export interface SnSmState {
  count: number;
  rngStream: number;
  leaves: SnSmLeafState[];
}

/**
 * Subset-Norm + Subspace-Momentum (T. Nguyen and H. L. Nguyen, "Efficient Adaptive
 * Optimization via Subset-Norm and Subspace-Momentum: Fast, Memory-Reduced Training with
 * Convergence Guarantees", 2024, arXiv:2411.07120; reference timmytonga/sn-sm `GenericOptim.py`
 * with momentum_type 'sm' and second_moment_type 'sn', `subspace_momentum.py`,
 * `subset_norm.py`, `projectors/svd_projector.py`). For a matrix at step t (1-based; basis
 * refreshed when t = 1 or t % gap = 0, from the current gradient):
 *   R = H·Q;  m ← b1·m + (1 − b1)·R;  numerator = m·Qᵀ + (H − R·Qᵀ)   (momentum in the subspace, SGD outside)
 *   v_j ← b2·v_j + (1 − b2)·Σ_{i∈S_j} g_i²   (subsets: g viewed row-major as [numel/k, k])
 *   p ← (p − lr·√bc2/bc1 · numerator_S_j/(√v_j + eps))·(1 − lr·wd)
 * Reference quirk, kept: at a refresh step t > 1 the stored momentum is replaced by zeros, but
 * the step itself still uses the old momentum updated with the new projection.
 * Vectors: Adam (m/(√v + eps), same step size). Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-6,
 * weightDecay 0, correctBias true, rank 128, updateProjGap 200, subsetSize −2, projection 'svd'.
 * State: `{ count, rngStream, leaves: [{ mu, nu, basis }] }`; needs only the gradient.
 */
export function snSm({
  lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-6, weightDecay = 0, correctBias = true, rank = 128, updateProjGap = 200,
  subsetSize: subsetOption = -2, projection = 'svd', seed = 0,
}: SnSmOptions = {}): Transform<SnSmState> {
  checkLowRank('sn-sm', rank, updateProjGap);
  const subsets = (p: Tensor) => {
    const k = subsetSize(p.size, subsetOption);
    return [p.size / k, k] as const;
  };
  return {
    init: (params: Params) => ({
      count: 0,
      rngStream: 0,
      leaves: treeLeaves(params).map((p) => {
        if (!isMatrixLike(p)) return { mu: zerosLike(p), nu: zerosLike(p), basis: null };
        const { rows, rank: r } = orientedShape(p, rank);
        return { mu: p.backend.full([rows, r], 0, p.dtype), nu: p.backend.full([subsets(p)[0]], 0, p.dtype), basis: null };
      }),
    }),
    update(grads, state, params) {
      const t = state.count + 1;
      const lrT = lrAt(lr, state.count);
      const s = correctedStepSize(lrT, b1, b2, t, correctBias);
      const rng = new Rng(seed, state.rngStream);
      const [updates, leaves] = mapLeaves(grads, params, state.leaves, (g, p, leaf): [Tensor, SnSmLeafState] => {
        if (!isMatrixLike(g)) {
          const mu = axpby(b1, leaf.mu, 1 - b1, g);
          const nu = axpby(b2, leaf.nu, 1 - b2, square(g));
          return [thenDecay(p, mul(div(mu, add(sqrt(nu), eps)), -s), lrT * weightDecay), { mu, nu, basis: null }];
        }
        const h = orient(g);
        const refresh = leaf.basis === null || t % updateProjGap === 0;
        const basis = refresh ? refreshBasis(h, rank, projection, rng) : leaf.basis!;
        const r = projectDown(h, basis);
        const mu = axpby(b1, leaf.mu, 1 - b1, r);
        const numerator = unorient(add(projectUp(mu, basis), sub(h, projectUp(r, basis))), g);
        const shape = subsets(g);
        const nu = axpby(b2, leaf.nu, 1 - b2, reduceAxis('sumSquares', g.backend.reshape(g, shape), 1));
        const scaled = binaryAxis('div', numerator.backend.reshape(numerator, shape), add(sqrt(nu), eps), 0);
        const step = mul(scaled.backend.reshape(scaled, g.shape), -s);
        const storedMu = refresh && t > 1 ? zerosLike(mu) : mu;
        return [thenDecay(p, step, lrT * weightDecay), { mu: storedMu, nu, basis }];
      });
      return [updates, { count: t, rngStream: rng.stream, leaves }];
    },
    elementwise: false,
  };
}

/** Hyperparameters of the `sn-sm` rule. */
export interface SnSmHparams extends LowRankAdamHparams, LowRankProjectorHparams {
  subsetSize: number;
}

/** `sn-sm` with the reference's defaults (SVD projection). */
export const snSmRule: RuleDef<SnSmHparams> = {
  id: 'sn-sm',
  title: 'Subset-Norm + Subspace-Momentum',
  paper: 'T. Nguyen and H. L. Nguyen, "Efficient Adaptive Optimization via Subset-Norm and Subspace-Momentum", 2024, arXiv:2411.07120',
  reference: 'timmytonga/sn-sm GenericOptim.py (momentum_type sm, second_moment_type sn), subspace_momentum.py, subset_norm.py',
  hparams: [
    ...lowRankAdamSpecs(),
    ...Object.values(lowRankSpecs(128, 200)),
    { name: 'subsetSize', kind: 'integer', default: -2, doc: 'elements per subset (> 0), or −k for √numel/k; the closest smaller divisor of numel is used' },
  ],
  check: (h) => (h.subsetSize === 0 ? E.left(new OptError('InvalidHyperparameter', 'sn-sm.subsetSize', 'a non-zero integer', 0)) : E.right(h)),
  create: (h) => snSm(h),
};
