import type { RuleDef } from '@opt/core';
import { chain } from '@opt/core';
import { orthogonalizeGradients } from '../transforms/orthogonalize.js';
import type { SgdHparams } from './sgd.js';
import { sgdRule } from './sgd.js';

/**
 * ⊥Grad (OrthoGrad) + SGD (Prieto et al., "Grokking at the Edge of Numerical Stability", ICLR 2025;
 * official orthograd.py wrapping torch.optim.SGD, its default base):
 *   g⊥ = g − (⟨w, g⟩/(⟨w, w⟩ + 1e-30))·w;  g⊥ ← g⊥·‖g‖/(‖g⊥‖ + 1e-30)  (per leaf, flattened);
 *   then torch SGD on g⊥ (L2 decay after the projection, momentum, dampening, nesterov).
 * ‖g⊥‖² is computed in closed form, ‖g‖² − c(2⟨w, g⟩ − c⟨w, w⟩) with c = ⟨w, g⟩/(⟨w, w⟩ + 1e-30),
 * from one pass over w and g, and floored at u·‖g‖² (u the dtype's unit roundoff); its relative
 * error is about u/sin²θ (θ the angle between w and g): in float32 within 2e-5 for sin θ ≥ 0.05 (see `orthogonalGradient`).
 * Hyperparameters and defaults: torch SGD's. Needs the parameters.
 * Chain: orthogonalizeGradients → the sgd chain.
 */
export const orthogradRule: RuleDef<SgdHparams> = {
  id: 'orthograd',
  title: '⊥Grad (OrthoGrad) + SGD',
  paper: 'L. Prieto, M. Barsbey, P. A. M. Mediano and T. Birdal, "Grokking at the Edge of Numerical Stability", ICLR 2025, arXiv:2501.04697',
  reference: 'LucasPrietoAl/grokking-at-the-edge-of-numerical-stability orthograd.py (official) + torch.optim.SGD',
  hparams: sgdRule.hparams,
  check: sgdRule.check,
  create: (h) => chain(orthogonalizeGradients(), sgdRule.create(h)),
};
