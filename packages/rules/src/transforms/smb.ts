import type { Hyper, Params, Scalar, Tensor, Transform } from '@opt/core';
import { OptError, add, applyUpdates, axpby, div, dot, hyperAt, mul, sqrt, square, sub, treeLeaves, treeMap, treeUnflatten, treeZerosLike, where } from '@opt/core';
import { gradFnOf, lossFnOf } from '../wrappers/closure.js';
import { requireParams } from './inputs.js';
import { greaterThan } from './masks.js';
import { treeDot } from './tree-algebra.js';

export interface SmbOptions {
  /** The trial step size (a number when `autoschedule` is on). */
  readonly lr: Hyper;
  /** η of the model's regularisation σ (default 0.99). */
  readonly eta: number;
  /** Armijo constant c (default 0.1). */
  readonly c: number;
  /** SMBi: build the model of a rejected trial step on the next step's batch (default false). */
  readonly independentBatch?: boolean;
  /** Scale lr by β or 1/β every `nBatchesPerEpoch` steps (default false). */
  readonly autoschedule?: boolean;
  /** Model-step fraction above which the auto-schedule shrinks lr (SMBi compares with γ/2; default 0.05). */
  readonly gamma?: number;
  /** The auto-schedule's factor β (default 0.9). */
  readonly beta?: number;
  /** lr grows only while lr/β ≤ lrMax (default 20). */
  readonly lrMax?: number;
  /** The auto-schedule's period in steps (default 500). */
  readonly nBatchesPerEpoch?: number;
}

/**
 * State of `smb`. `pending` and `gradPrev` exist with `independentBatch` (else null): pending is
 * 1 when the previous trial step was rejected, so this step is a model step (0-d), and gradPrev
 * the gradient of that rejected step's batch. `lr` and `modelSteps` exist with `autoschedule`
 * (else null): the current step size and the model steps taken this epoch (0-d).
 */
export interface SmbState {
  count: number;
  pending: Tensor | null;
  gradPrev: Params | null;
  lr: Tensor | null;
  modelSteps: Tensor | null;
}

/** The inner products of one leaf's model that differ between SMB and SMBi. */
interface ModelInputs {
  /** The trial step s = −lr·g. */
  readonly s: Tensor;
  /** The gradient the model is built around (SMB: g; SMBi: the rejected step's gradient). */
  readonly gModel: Tensor;
  /** y = g⁺ − g. */
  readonly y: Tensor;
  readonly ys: Tensor;
  /** gᵀg of the current gradient. */
  readonly gg: Tensor;
}

/**
 * SMB's model step for one leaf (official `step_smb` / `step_smbi`): with sg = sᵀg_m, yg = yᵀg_m,
 *   σ = ½(√(sᵀs)·(√(yᵀy) + √(gᵀg)/η) − yᵀs),   Θ = (yᵀs + 2σ)² − sᵀs·yᵀy,
 *   c_g = −sᵀs/(2σ),  c_s = c_g/Θ·(−(yᵀs + 2σ)·yg + yᵀy·sg),  c_y = c_g/Θ·(−(yᵀs + 2σ)·sg + sᵀs·yg),
 *   step = c_s·s + c_g·g_m + c_y·y.
 */
function modelStep({ s, gModel, y, ys, gg }: ModelInputs, eta: number): Tensor {
  const [sg, ss, yy, yg] = [dot(s, gModel), dot(s, s), dot(y, y), dot(y, gModel)];
  const sigma = mul(sub(mul(sqrt(ss), add(sqrt(yy), div(sqrt(gg), eta))), ys), 0.5);
  const ys2s = add(ys, mul(sigma, 2));
  const theta = sub(mul(ys2s, ys2s), mul(ss, yy));
  const cg = div(mul(ss, -1), mul(sigma, 2));
  const cs = mul(div(cg, theta), add(mul(mul(ys2s, yg), -1), mul(yy, sg)));
  const cy = mul(div(cg, theta), add(mul(mul(ys2s, sg), -1), mul(ss, yg)));
  return add(axpby(cs, s, cg, gModel), mul(y, cy));
}

/** lr·k for a host or device step size. */
const scaled = (lr: Scalar | Tensor, k: number): Scalar | Tensor => (typeof lr === 'number' ? lr * k : mul(lr, k));

/**
 * The official auto-schedule after a step ending an epoch: with ρ the fraction of model steps
 * in it, lr ← lr·β if ρ > γ, else lr ← lr/β when lr/β ≤ lrMax (else unchanged: lr is not
 * clipped to lrMax).
 */
function scheduledLr(lr: Tensor, modelSteps: Tensor, n: number, gamma: number, beta: number, lrMax: number): Tensor {
  const grown = div(lr, beta);
  return where(greaterThan(div(modelSteps, n), gamma), mul(lr, beta), where(greaterThan(grown, lrMax), lr, grown));
}

/** The InvalidHyperparameter for a scheduled lr with `autoschedule` (which rescales a number), or undefined. */
export const smbLrError = ({ lr, autoschedule }: Pick<SmbOptions, 'lr' | 'autoschedule'>): OptError | undefined =>
  (autoschedule && typeof lr !== 'number' ? new OptError('InvalidHyperparameter', 'smb.lr', 'a number when autoschedule is on (the auto-schedule rescales it)', lr) : undefined);

/**
 * SMB, stochastic model building (Öztoprak, Birbil et al., "A Stochastic Quasi-Newton Method
 * with Model Building", 2023; official sibirbil/SMB `source/smbsolve/smb.py`). Each step takes
 * the trial step s = −lr·g and runs the Armijo test f(p + s) ≤ f(p) − c·lr·‖g‖² (skipped when
 * ‖g‖ < 1e−8: the trial step stands).
 * - SMB (`step_smb`): when the test fails, s is replaced, per leaf, by the model step of
 *   `modelStep` built from g and g⁺ = ∇f(p + s) (gModel = g, yᵀs = sᵀg⁺ − sᵀg).
 * - SMBi (`independentBatch`, `step_smbi`): when the test fails, the step is undone (output 0)
 *   and the next step, on the next batch, is a model step: with g, f that batch's gradient and
 *   loss at the same p, s = −lr·g and y = ∇f(p + s) − g, the model uses the rejected batch's
 *   gradient g_m (its sᵀg_m, yᵀg_m and c_g·g_m terms) and the new one for gᵀg; no Armijo test
 *   on a model step.
 * - Auto-schedule (`autoschedule`): after every `nBatchesPerEpoch` steps, `scheduledLr` with the
 *   fraction of model steps in them (SMBi compares it with γ/2, as the official code), then the
 *   count restarts. The new lr applies from the next step.
 * The output is the whole parameter change (lr is applied here). Needs `extra.lossFn` (the
 * loss, a host number; `extra.loss` is used for f(p) when given) and `extra.gradFn` (of the
 * current step's batch). Every decision stays on the device: f(p + s) and ∇f(p + s) are both
 * evaluated every step (the official code only what its branch needs): the same iterates, one
 * more closure evaluation per step; the auto-scheduled lr and the model-step count are 0-d
 * tensors, so nothing is read back.
 * Defaults (official): lr 1, eta 0.99, c 0.1, independentBatch false, autoschedule false,
 * gamma 0.05, beta 0.9, lrMax 20, nBatchesPerEpoch 500. State: `SmbState`.
 */
export function smb(o: SmbOptions): Transform<SmbState> {
  const { eta, c, independentBatch = false, autoschedule = false, gamma = 0.05, beta = 0.9, lrMax = 20, nBatchesPerEpoch = 500 } = o;
  const lrError = smbLrError(o);
  if (lrError) throw lrError;
  const threshold = independentBatch ? gamma / 2 : gamma;
  return {
    init(params) {
      const [first] = treeLeaves(params);
      const scalar = (v: number) => (first ? first.backend.full([], v, first.dtype) : null);
      return {
        count: 0,
        pending: independentBatch ? scalar(0) : null,
        gradPrev: independentBatch ? treeZerosLike(params) : null,
        lr: autoschedule ? scalar(o.lr as number) : null,
        modelSteps: autoschedule ? scalar(0) : null,
      };
    },
    update(g, state, params, extra) {
      const p = requireParams(params, 'smb');
      const [lossFn, gradFn] = [lossFnOf('smb', extra), gradFnOf('smb', extra)];
      const lr = state.lr ?? hyperAt(o.lr, state.count);
      const f = typeof extra?.loss === 'number' ? extra.loss : lossFn(p);
      const trial = treeMap((x: Tensor) => mul(x, scaled(lr, -1)), g);
      const moved = applyUpdates(p, trial);
      const fNext = lossFn(moved);
      const gg = treeDot(g, g);
      // Armijo fails: f⁺ > f − c·lr·‖g‖² while ‖g‖ ≥ 1e−8 (1 or 0, on the device).
      const fails = mul(greaterThan(fNext, sub(f, mul(square(sqrt(gg)), scaled(lr, c)))), sub(1, greaterThan(1e-8, sqrt(gg))));
      const [gl, sl, gNext] = [treeLeaves(g), treeLeaves(trial), treeLeaves(gradFn(moved))];
      let out: Tensor[];
      let modelFlag: Tensor;
      let { pending, gradPrev } = state;
      if (!independentBatch) {
        out = sl.map((s, i) => {
          const model = modelStep({ s, gModel: gl[i], y: sub(gNext[i], gl[i]), ys: sub(dot(s, gNext[i]), dot(s, gl[i])), gg: dot(gl[i], gl[i]) }, eta);
          return where(fails, model, s);
        });
        modelFlag = fails;
      } else {
        const [wasRejected, previous] = [pending!, treeLeaves(gradPrev!)];
        out = sl.map((s, i) => {
          const y = sub(gNext[i], gl[i]);
          const model = modelStep({ s, gModel: previous[i], y, ys: dot(y, s), gg: dot(gl[i], gl[i]) }, eta);
          return where(wasRejected, model, where(fails, 0, s));
        });
        gradPrev = treeUnflatten(g, previous.map((x, i) => where(wasRejected, x, gl[i])));
        pending = mul(fails, sub(1, wasRejected));
        modelFlag = wasRejected;
      }
      const count = state.count + 1;
      let { lr: lrState, modelSteps } = state;
      if (autoschedule) {
        modelSteps = add(modelSteps!, modelFlag);
        if (count % nBatchesPerEpoch === 0) {
          lrState = scheduledLr(lrState!, modelSteps, nBatchesPerEpoch, threshold, beta, lrMax);
          modelSteps = mul(modelSteps, 0);
        }
      }
      return [treeUnflatten(g, out), { count, pending, gradPrev, lr: lrState, modelSteps }];
    },
    elementwise: false,
  };
}
