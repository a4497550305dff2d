import type { Params, RuleDef, Tensor, Transform } from '@opt/core';
import { Rng, add, div, matmul, mul, reduce, sqrt, sub, treeLeaves, zerosLike } from '@opt/core';
import { isMatrixLike } from '../linalg/matrix.js';
import { nonNegativeSpec } from '../rules/specs.js';
import type { LowRankAdamHparams, LowRankAdamOptions } from './common.js';
import { checkLowRank, lowRankAdamSpecs, correctedStepSize, decayBefore, lowRankSpecs, lrAt, mapLeaves, moments, thenDecay } from './common.js';
import { orient, orientedShape, projectDown, projectUp, refreshBasis, unorient } from './projector.js';

/** Options of `osd`. Adam-side defaults: eps 1e-6 (GaLore's AdamW), weightDecay 0 (decoupled, after the step), correctBias true. */
export interface OsdOptions extends LowRankAdamOptions {
  readonly rank?: number;
  /** The projector's AdamW learning rate is (lr_t/lr_0)/updateProjGap (default 200). */
  readonly updateProjGap?: number;
  /** Scale of the back-projection (default 1). */
  readonly scale?: number;
  /** Weight decay of the projector's AdamW (torch.optim.AdamW's default 0.01). */
  readonly projWeightDecay?: number;
}

/** The projector's own AdamW state (torch.optim.AdamW, betas 0.9/0.999, eps 1e-8). */
export interface ProjectorOptState {
  step: number;
  mu: Tensor;
  nu: Tensor;
}

/** Per-leaf state of OSD: low-rank Adam moments, the basis and its optimizer's state. */
export interface OsdLeafState {
  mu: Tensor;
  nu: Tensor;
  basis: Tensor | null;
  basisOpt: ProjectorOptState | null;
}

export interface OsdState {
  count: number;
  leaves: OsdLeafState[];
}

/**
 * ∂/∂Q of ‖Ĝ·Q·Qᵀ − Ĝ‖²_F with Ĝ = H/‖H‖_F (OSD's projection loss in the oriented layout, where
 * Q [n', r] is the transposed `ortho_matrix` of a right projection, or the matrix itself for a
 * left one): with E = Ĝ·Q·Qᵀ − Ĝ, the gradient is 2·(Ĝᵀ·E + Eᵀ·Ĝ)·Q.
 */
export function projectionLossGradient(h: Tensor, q: Tensor): Tensor {
  const gHat = div(h, sqrt(reduce('sumSquares', h)));
  const e = sub(projectUp(projectDown(gHat, q), q), gHat);
  return mul(add(matmul(matmul(gHat, e, true, false), q), matmul(matmul(e, gHat, true, false), q)), 2);
}

const PROJ_B1 = 0.9, PROJ_B2 = 0.999, PROJ_EPS = 1e-8;

/**
 * Online Subspace Descent (K. Liang, B. Liu, L. Chen, Q. Liu, "Memory-Efficient LLM Training
 * with Online Subspace Descent", NeurIPS 2024, arXiv:2408.12857; reference
 * kyleliang919/Online-Subspace-Descent `galore_torch/galore_projector.py` (proj_type
 * 'continuous', AdamW on the projector) with `galore_torch/adamw.py`). For a matrix:
 *   step 1: Q = top-r right singular vectors of H (SVD, once);
 *   later: ∇_Q = ∂‖Ĝ·Q·Qᵀ − Ĝ‖²/∂Q at the current Q (Ĝ = H/‖H‖);
 *   R = H·Q;  m, v ← Adam moments of R;  p ← (p − lr·√bc2/bc1 · scale·(m/(√v + eps))·Qᵀ)·(1 − lr·wd);
 *   then Q takes one torch.optim.AdamW step on ∇_Q with lr (lr_t/lr_0)/updateProjGap,
 *   betas (0.9, 0.999), eps 1e-8, weight decay projWeightDecay (Q is not re-orthonormalized).
 * Vectors: Adam (m/(√v + eps)). Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-6, weightDecay 0,
 * correctBias true, rank 128, updateProjGap 200, scale 1, projWeightDecay 0.01.
 * State: `{ count, leaves: [{ mu, nu, basis, basisOpt: { step, mu, nu } }] }`; needs only the
 * gradient (the one SVD reads it back at step 1).
 */
export function osd({
  lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-6, weightDecay = 0, correctBias = true, rank = 128, updateProjGap = 200,
  scale = 1, projWeightDecay = 0.01,
}: OsdOptions = {}): Transform<OsdState> {
  checkLowRank('osd', rank, updateProjGap);
  return {
    init: (params: Params) => ({
      count: 0,
      leaves: treeLeaves(params).map((p) => {
        if (!isMatrixLike(p)) return { mu: zerosLike(p), nu: zerosLike(p), basis: null, basisOpt: null };
        const { rows, rank: r } = orientedShape(p, rank);
        return { mu: p.backend.full([rows, r], 0, p.dtype), nu: p.backend.full([rows, r], 0, p.dtype), basis: null, basisOpt: null };
      }),
    }),
    update(grads, state, params) {
      const t = state.count + 1;
      const lrT = lrAt(lr, state.count);
      const s = correctedStepSize(lrT, b1, b2, t, correctBias);
      const projLr = lrT / lrAt(lr, 0) / updateProjGap;
      const [updates, leaves] = mapLeaves(grads, params, state.leaves, (g, p, leaf): [Tensor, OsdLeafState] => {
        if (!isMatrixLike(g)) {
          const [mu, nu] = moments(leaf.mu, leaf.nu, g, b1, b2);
          return [thenDecay(p, mul(div(mu, add(sqrt(nu), eps)), -s), lrT * weightDecay), { mu, nu, basis: null, basisOpt: null }];
        }
        const h = orient(g);
        const basis = leaf.basis ?? refreshBasis(h, rank, 'svd', new Rng(0));
        const [mu, nu] = moments(leaf.mu, leaf.nu, projectDown(h, basis), b1, b2);
        const step = thenDecay(p, mul(unorient(mul(projectUp(div(mu, add(sqrt(nu), eps)), basis), scale), g), -s), lrT * weightDecay);
        if (leaf.basis === null) return [step, { mu, nu, basis, basisOpt: null }];
        // The projector's AdamW step on the projection loss, after the back-projection used Q.
        const opt = leaf.basisOpt ?? { step: 0, mu: zerosLike(basis), nu: zerosLike(basis) };
        const [pm, pv] = moments(opt.mu, opt.nu, projectionLossGradient(h, basis), PROJ_B1, PROJ_B2);
        const k = opt.step + 1;
        const adam = mul(div(pm, add(div(sqrt(pv), Math.sqrt(1 - PROJ_B2 ** k)), PROJ_EPS)), -projLr / (1 - PROJ_B1 ** k));
        const next = add(basis, decayBefore(basis, adam, projLr * projWeightDecay));
        return [step, { mu, nu, basis: next, basisOpt: { step: k, mu: pm, nu: pv } }];
      });
      return [updates, { count: t, leaves }];
    },
    elementwise: false,
  };
}

/** Hyperparameters of the `osd` rule. */
export interface OsdHparams extends LowRankAdamHparams {
  rank: number; updateProjGap: number; scale: number; projWeightDecay: number;
}

/** `osd` with the reference's defaults (AdamW on the projector). */
export const osdRule: RuleDef<OsdHparams> = {
  id: 'osd',
  title: 'Online Subspace Descent (low-rank Adam, projector trained online)',
  paper: 'K. Liang, B. Liu, L. Chen, Q. Liu, "Memory-Efficient LLM Training with Online Subspace Descent", NeurIPS 2024, arXiv:2408.12857',
  reference: 'kyleliang919/Online-Subspace-Descent galore_torch/galore_projector.py (proj_type continuous) + galore_torch/adamw.py',
  hparams: [
    ...lowRankAdamSpecs(),
    lowRankSpecs(128, 200).rank, lowRankSpecs(128, 200).updateProjGap,
    nonNegativeSpec('scale', 1, 'scale of the back-projection'),
    nonNegativeSpec('projWeightDecay', 0.01, "weight decay of the projector's AdamW"),
  ],
  create: (h) => osd(h),
};
