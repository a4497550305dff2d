import type { Params, RuleDef, Tensor, Transform } from '@opt/core';
import { Rng, add, binaryAxis, div, maximum, mul, reduce, sqrt, sub, treeLeaves, zerosLike } from '@opt/core';
import { isMatrixLike } from '../linalg/matrix.js';
import { nonNegativeSpec } from '../rules/specs.js';
import type { LowRankAdamHparams, LowRankAdamOptions, LowRankProjectorHparams } from './common.js';
import { checkLowRank, lowRankAdamSpecs, correctedStepSize, lowRankSpecs, lrAt, mapLeaves, moments, thenDecay } from './common.js';
import type { ProjectionKind } from './projector.js';
import { orient, orientedShape, projectDown, projectUp, refreshBasis, rowNormsOf, unorient } from './projector.js';

/** Options of `fira`. Adam-side defaults: eps 1e-6 (the reference's), weightDecay 0 (decoupled, applied after the step: p ← p·(1 − lr·wd)), correctBias true (lr·√bc2/bc1). */
export interface FiraOptions extends LowRankAdamOptions {
  /** Rank of the projection (default 8). */
  readonly rank?: number;
  /** Refresh the basis every this many steps (default 200). */
  readonly updateProjGap?: number;
  /** Scale of the back-projection (the reference's `alpha`, default 1). */
  readonly alpha?: number;
  /** Projection kind (default 'svd', the reference's). */
  readonly projection?: ProjectionKind;
  /** Seed of the random projections (default 0). */
  readonly seed?: number;
}

/** Per-leaf state of Fira: low-rank Adam moments, the basis, the limiter's last norm (matrices). */
export interface FiraLeafState {
  mu: Tensor;
  nu: Tensor;
  basis: Tensor | null;
  limiterNorm: Tensor | null;
}

/** State of `fira`: the step count, the random stream and one record per leaf. */
export interface FiraState {
  count: number;
  rngStream: number;
  leaves: FiraLeafState[];
}

/** The norm-growth limiter's threshold γ (1.01 in the reference). */
const LIMITER = 1.01;

/**
 * Fira (X. Chen, K. Feng, C. Li, X. Lai, X. Yue, Y. Yuan, G. Wang, "Fira: Can We Achieve
 * Full-rank Training of LLMs Under Low-rank Constraint?", 2024, arXiv:2410.01623; reference
 * xichen-fy/Fira `optimizer_torch/fira_adamw.py` + `gradient_projection.py`). For a matrix
 * (conv kernels flattened), with the shared projector (H = G or Gᵀ, basis Q, refreshed at
 * steps 1, gap + 1, …):
 *   R = H·Q;  m, v ← Adam moments of R;  N = m/(√v + eps);  s = lr·√bc2/bc1
 *   φ_i = ‖N_i‖/(‖R_i‖ + 1e-8) per row;  S = α·R·Qᵀ;  Δ = (H − S)·φ  (norm-based scaling)
 *   limiter: ζ = max(‖Δ‖/(‖Δ_prev‖ + 1e-8), 1.01)/1.01;  Δ ← Δ/ζ;  ‖Δ_prev‖ ← ‖Δ‖/ζ (first step: ‖Δ‖)
 *   p ← (p − s·(α·N·Qᵀ + Δ))·(1 − lr·wd)
 * Vectors: the same Adam without projection. Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-6,
 * weightDecay 0, correctBias true, rank 8, updateProjGap 200, alpha 1, projection 'svd'.
 * State: `{ count, rngStream, leaves: [{ mu, nu, basis, limiterNorm }] }` (moments r-wide).
 * Needs only the gradient; the SVD refresh reads the gradient back (a sync point every gap steps).
 * kozistr/pytorch_optimizer's Fira uses the projected gradient for the residual; the reference
 * (followed here) uses the full gradient.
 */
export function fira({
  lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-6, weightDecay = 0, correctBias = true,
  rank = 8, updateProjGap = 200, alpha = 1, projection = 'svd', seed = 0,
}: FiraOptions = {}): Transform<FiraState> {
  checkLowRank('fira', rank, updateProjGap);
  return {
    init: (params: Params) => ({
      count: 0,
      rngStream: 0,
      leaves: treeLeaves(params).map((p) => {
        if (!isMatrixLike(p)) return { mu: zerosLike(p), nu: zerosLike(p), basis: null, limiterNorm: null };
        const { rows, rank: r } = orientedShape(p, rank);
        const z = p.backend.full([rows, r], 0, p.dtype);
        return { mu: z, nu: p.backend.full([rows, r], 0, p.dtype), basis: null, limiterNorm: null };
      }),
    }),
    update(grads, state, params) {
      const t = state.count + 1;
      const lrT = lrAt(lr, state.count);
      const s = correctedStepSize(lrT, b1, b2, t, correctBias);
      const rng = new Rng(seed, state.rngStream);
      const [updates, leaves] = mapLeaves(grads, params, state.leaves, (g, p, leaf): [Tensor, FiraLeafState] => {
        if (!isMatrixLike(g)) {
          const [mu, nu] = moments(leaf.mu, leaf.nu, g, b1, b2);
          return [thenDecay(p, mul(div(mu, add(sqrt(nu), eps)), -s), lrT * weightDecay), { ...leaf, mu, nu }];
        }
        const h = orient(g);
        const basis = leaf.basis === null || state.count % updateProjGap === 0 ? refreshBasis(h, rank, projection, rng) : leaf.basis;
        const r = projectDown(h, basis);
        const [mu, nu] = moments(leaf.mu, leaf.nu, r, b1, b2);
        const n = div(mu, add(sqrt(nu), eps));
        const phi = div(rowNormsOf(n), add(rowNormsOf(r), 1e-8));
        let delta = binaryAxis('mul', sub(h, mul(projectUp(r, basis), alpha)), phi, 0);
        const norm = sqrt(reduce('sumSquares', delta));
        let limiterNorm = norm;
        if (leaf.limiterNorm !== null) {
          const zeta = div(maximum(div(norm, add(leaf.limiterNorm, 1e-8)), LIMITER), LIMITER);
          delta = div(delta, zeta);
          limiterNorm = div(norm, zeta);
        }
        const direction = add(mul(projectUp(n, basis), alpha), delta);
        return [thenDecay(p, mul(unorient(direction, g), -s), lrT * weightDecay), { mu, nu, basis, limiterNorm }];
      });
      return [updates, { count: t, rngStream: rng.stream, leaves }];
    },
    elementwise: false,
  };
}

/** Hyperparameters of the `fira` rule. */
export interface FiraHparams extends LowRankAdamHparams, LowRankProjectorHparams {
  alpha: number;
}

/** `fira` with the reference's defaults (SVD projection; vectors get the plain Adam branch). */
export const firaRule: RuleDef<FiraHparams> = {
  id: 'fira',
  title: 'Fira (low-rank Adam + norm-scaled full-rank residual)',
  paper: 'X. Chen et al., "Fira: Can We Achieve Full-rank Training of LLMs Under Low-rank Constraint?", 2024, arXiv:2410.01623',
  reference: 'xichen-fy/Fira optimizer_torch/fira_adamw.py, gradient_projection.py (proj_type std)',
  hparams: [
    ...lowRankAdamSpecs(),
    ...Object.values(lowRankSpecs(8, 200)),
    nonNegativeSpec('alpha', 1, 'scale of the back-projection'),
  ],
  create: (h) => fira(h),
};
