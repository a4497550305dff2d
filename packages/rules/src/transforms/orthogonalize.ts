import type { Tensor, Transform } from '@opt/core';
import { add, axpby, div, dot, maximum, mul, neg, reduce, sqrt, sub, treeMap } from '@opt/core';
import { requireParams } from './inputs.js';

/** The unit roundoff of a dtype: half the spacing of its numbers in [1, 2). */
const unitRoundoff = (x: Tensor): number => (x.dtype === 'float32' ? 2 ** -24 : 2 ** -53);

/**
 * The gradient without its component along the weights, rescaled to the gradient's norm:
 *   c = ⟨w, g⟩/(⟨w, w⟩ + 1e-30);  g⊥ = g − c·w;  output g⊥·‖g‖/(‖g⊥‖ + 1e-30).
 *
 * ‖g⊥‖² is taken in closed form from the three sums of one pass over w and g,
 *   ‖g⊥‖² = ‖g‖² − 2c⟨w, g⟩ + c²⟨w, w⟩ = ‖g‖² − c·(2⟨w, g⟩ − c⟨w, w⟩),
 * so the step makes one reduction pass and one update pass instead of a second reduction over
 * g⊥. The closed form cancels: its terms are about ‖g‖² while the result is ‖g‖²·sin²θ (θ the
 * angle between w and g), so the rounding of the sums and of the 0-d arithmetic (unit roundoff
 * u, 2^−24 in float32) leaves an absolute error of a few u‖g‖², and the rescaling factor has a
 * relative error of about u/sin²θ, where the direct ‖g − c·w‖ has about u/sin θ. Measured in
 * float32 against the direct formula in float64: 0.4–0.7·u/sin²θ, so within the float32
 * tolerance 2e-5 for sin θ ≥ 0.05 (cos θ ≤ 0.9987), 4e-4 at sin θ = 0.01, 2e-2 at 1e-3
 * (orthogonalize.test.ts). Below sin²θ ≈ u the closed form is rounding noise and may be
 * negative, so ‖g⊥‖² is floored at u‖g‖²: the factor stays at most 1/√u, and a gradient parallel
 * to the weights to within rounding gives a step of about √u‖g‖ instead of its rounding residue
 * divided by 1e-30.
 */
export function orthogonalGradient(w: Tensor, g: Tensor): Tensor {
  const [wg, ww, gg] = [dot(w, g), dot(w, w), reduce('sumSquares', g)];
  const c = div(wg, add(ww, 1e-30));
  const orthSquare = maximum(sub(gg, mul(c, sub(mul(wg, 2), mul(c, ww)))), mul(gg, unitRoundoff(g)));
  return mul(axpby(1, g, neg(c), w), div(sqrt(gg), add(sqrt(orthSquare), 1e-30)));
}

/**
 * ⊥Grad (Prieto et al., "Grokking at the Edge of Numerical Stability", ICLR 2025; official
 * orthograd.py): each leaf's gradient is replaced by `orthogonalGradient(p, g)` (the leaf
 * flattened), so the step cannot grow the weights along themselves. Chain it before an
 * optimizer. Stateless; needs the parameters.
 */
export function orthogonalizeGradients(): Transform<null> {
  return {
    init: () => null,
    update: (g, _state, params) => [treeMap((x: Tensor, w: Tensor) => orthogonalGradient(w, x), g, requireParams(params, 'orthogonalizeGradients')), null],
    elementwise: false,
  };
}
