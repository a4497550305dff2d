import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, DType, Tensor, Transform } from '@opt/core';
import { E, Optimizer, jsBackend } from '@opt/core';
import { compareTrajectories, describeComparison, fixturesDir, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { createRule, rules } from '../registry.js';
import { closeTo, thrown } from '../test-support/assertions.js';
import { loadOtherBackends } from '../test-support/backends.js';
import type { QuadraticCase } from '../test-support/quadratic.js';
import { quadraticClosure, runClosedLoop, runOnQuadratic } from '../test-support/quadratic.js';
import { resumedAndWhole } from '../test-support/resume.js';
import type { SmbState } from '../transforms/smb.js';
import { smb } from '../transforms/smb.js';

/** A golden of the official SMB class: per-step quadratics, the lr before each step and the official model-step flags. */
interface SmbCase extends QuadraticCase {
  readonly lrs: readonly number[];
  readonly modelStepFlags: readonly number[];
}

const closureDir = join(fixturesDir, 'rules-b', 'closure');
const cases: SmbCase[] = readdirSync(closureDir).filter((f) => !f.startsWith('smb-quadratic-')).sort()
  .map((f) => JSON.parse(readFileSync(join(closureDir, f), 'utf8')));
const h = (c: SmbCase) => c.hparams as { independentBatch: boolean; autoschedule: boolean; gamma: number; nBatchesPerEpoch: number };

/** Iterates of `transform` on the per-step quadratics of `c` (step t's gradFn and lossFn as `extra`). */
function runCase(transform: Transform<any>, backend: Backend, c: SmbCase, dtype: DType): Record<string, number[]>[] {
  let offset = 0;
  const x0 = Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    offset += n;
    return [k, { shape, data: c.x0.slice(offset - n, offset) }];
  }));
  return runClosedLoop(transform, backend, x0, (t) => ({ ...quadraticClosure(backend, c.problem.A, c.problem.b[t], dtype) }), c.problem.b.length, dtype);
}

function expectCaseMatches(c: SmbCase, backend: Backend, dtype: DType): void {
  const r = compareTrajectories(runCase(createRule('smb', c.hparams), backend, c, dtype), c.expected, toleranceFor(dtype));
  expect(r.ok, `${dtype}: ${describeComparison(r)}`).toBe(true);
}

/** `transform` with the step size it holds before each update recorded into `lrs` (autoschedule). */
function recordingLr(transform: Transform<SmbState>, lrs: number[]): Transform<SmbState> {
  return { ...transform, update: (g, s, p, e) => (lrs.push(jsBackend.readSync(s.lr as Tensor)[0]), transform.update(g, s, p, e)) };
}

/** [lr before, lr after] at each epoch boundary of `c`. */
const boundaries = (c: SmbCase) => {
  const n = h(c).nBatchesPerEpoch;
  return c.lrs.flatMap((lr, t) => (t > 0 && t % n === 0 ? [[c.lrs[t - 1], lr, t] as const] : []));
};

describe('goldens (fixtures/rules-b/closure: the official SMB class under torch 1.13, closed loop)', () => {
  it('cover SMBi and the auto-schedule: model and accepted steps, lr shrinking, growing and held at the cap, and the SMBi γ/2 threshold', () => {
    for (const c of cases) expect(new Set(c.modelStepFlags)).toEqual(new Set([0, 1]));
    expect(cases.map((c) => c.dtype).sort()).toEqual(['float32', 'float64', 'float64']);
    expect(cases.some((c) => h(c).independentBatch && !h(c).autoschedule)).toBe(true);
    const scheduled = cases.filter((c) => h(c).autoschedule);
    const moves = scheduled.flatMap(boundaries).map(([a, b]) => Math.sign(b - a));
    expect(new Set(moves)).toEqual(new Set([-1, 0, 1]));
    // SMBi shrinks lr at a model-step fraction in (γ/2, γ], where SMB would grow it.
    const smbi = scheduled.find((c) => h(c).independentBatch)!;
    const n = h(smbi).nBatchesPerEpoch;
    const quirk = boundaries(smbi).filter(([a, b, t]) => {
      const rho = smbi.modelStepFlags.slice(t - n, t).reduce((s, f) => s + f, 0) / n;
      return rho > h(smbi).gamma / 2 && rho <= h(smbi).gamma && b < a;
    });
    expect(quirk.length).toBeGreaterThan(0);
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s: float64 within 1e-10 (float64 cases), float32 within 2e-5 (JS)', (_id, c) => {
    if (c.dtype === 'float64') expectCaseMatches(c, jsBackend, 'float64');
    expectCaseMatches(c, jsBackend, 'float32');
  });
  it.each(cases.filter((c) => h(c).autoschedule).map((c) => [c.id, c] as const))('%s: the device lr equals the official lr before every step', (_id, c) => {
    const lrs: number[] = [];
    runCase(recordingLr(smb(c.hparams as never), lrs), jsBackend, c, c.dtype);
    closeTo(lrs, [...c.lrs], c.dtype === 'float64' ? 1e-15 : 1e-6);
  });
});

for (const { name, backend, reason } of await loadOtherBackends()) {
  describe.skipIf(!backend)(`goldens on ${name}${backend ? '' : `: ${reason}`}`, () => {
    it.each(cases.map((c) => [c.id, c] as const))('%s: float32 within 2e-5 (and float64 within 1e-10 where the backend has it)', (_id, c) => {
      if (c.dtype === 'float64' && backend!.dtypes.includes('float64')) expectCaseMatches(c, backend!, 'float64');
      expectCaseMatches(c, backend!, 'float32');
    });
  });
}

// f(x) = ½xᵀAx − bᵀx with A = [[2, 0.5], [0.5, 1]]: eigenvalues about 0.79 and 2.21.
const A = [2, 0.5, 0.5, 1];
const B = [1, -1];
const gradAt = (x: number[]) => [A[0] * x[0] + A[1] * x[1] - B[0], A[2] * x[0] + A[3] * x[1] - B[1]];
const q = quadraticClosure(jsBackend, A, B, 'float64');

describe('closed-form properties', () => {
  it('SMBi with the same batch every step is SMB with each model step preceded by an undone trial step', () => {
    const traj = (independentBatch: boolean, steps: number) => runOnQuadratic(createRule('smb', { lr: 0.9, independentBatch }), jsBackend, q, [3, -2], steps, 'float64');
    const smbi = traj(true, 16);
    const previous = [[3, -2], ...smbi];
    const moved = smbi.map((x, t) => x.some((v, i) => v !== previous[t][i]));
    const distinct = smbi.filter((_, t) => moved[t]);
    // Both branches: undone trial steps (each followed by a model step) and accepted ones.
    expect(moved).toContain(false);
    expect(moved.some((m, t) => m && (t === 0 || moved[t - 1]))).toBe(true);
    traj(false, distinct.length).forEach((x, t) => closeTo(distinct[t], x, 1e-12));
  });

  it.each([false, true])('with every step accepted, lr grows by 1/β per epoch while lr/β ≤ lrMax and is not clipped to lrMax (independentBatch %s)', (independentBatch) => {
    const [lr, beta, lrMax, n] = [0.01, 0.5, 0.05, 2];
    const lrs: number[] = [];
    const transform = recordingLr(smb({ lr, eta: 0.99, c: 0.1, independentBatch, autoschedule: true, beta, lrMax, nBatchesPerEpoch: n }), lrs);
    const traj = runOnQuadratic(transform, jsBackend, q, [3, -2], 10, 'float64');
    let [x, step] = [[3, -2], lr];
    const expected: number[] = [];
    traj.forEach((got, t) => {
      if (t > 0 && t % n === 0 && step / beta <= lrMax) step /= beta;
      expected.push(step);
      const g = gradAt(x);
      x = x.map((v, i) => v - step * g[i]);
      closeTo(got, x);
    });
    expect(lrs).toEqual(expected);
    expect(Math.max(...lrs)).toBe(0.04);
  });

  it.each([false, true])('with ‖g‖ < 1e−8 the trial step stands even when the Armijo test fails (independentBatch %s)', (independentBatch) => {
    const step = (g: number[]) => {
      const opt = new Optimizer(createRule('smb', { lr: 2, independentBatch }), { x: jsBackend.fromArray([1, 2], [2], 'float64') });
      let calls = 0;
      // f rises at every evaluation, so f(p + s) > f(p) − c·lr·‖g‖² always.
      opt.step({ x: jsBackend.fromArray(g, [2], 'float64') }, { lossFn: () => calls++, gradFn: q.gradFn });
      const x = Array.from(jsBackend.readSync((opt.params as Record<string, Tensor>).x));
      opt.dispose();
      return x;
    };
    closeTo(step([3e-9, -4e-9]), [1 - 6e-9, 2 + 8e-9], 1e-15);
    expect(step([3e-8, -4e-8])).not.toEqual([1 - 6e-8, 2 + 8e-8]);
  });

  it('a model step in every epoch shrinks lr by β at each boundary (SMB, γ = 0)', () => {
    const lrs: number[] = [];
    runOnQuadratic(recordingLr(smb({ lr: 1.5, eta: 0.99, c: 0.1, autoschedule: true, gamma: 0, beta: 0.9, nBatchesPerEpoch: 1 }), lrs), jsBackend, q, [3, -2], 2, 'float64');
    expect(lrs).toEqual([1.5, 1.5 * 0.9]);
  });

  it('save and resume at every step of an SMBi + auto-schedule run equals the uninterrupted run bit for bit', () => {
    // The splits fall with a model step pending, with model steps counted mid-epoch and after lr changes.
    const inputs = { params: { x: { shape: [2], data: [3, -2] } }, grads: Array.from({ length: 8 }, (_, t) => ({ x: gradAt([3 - t, -2 + t]) })) };
    const make = () => createRule('smb', { lr: 1.2, independentBatch: true, autoschedule: true, gamma: 0.3, nBatchesPerEpoch: 3 });
    for (let split = 1; split < inputs.grads.length; split++) {
      const [resumed, whole] = resumedAndWhole(make, inputs, jsBackend, split, () => ({ ...q }));
      expect(resumed).toEqual(whole);
    }
  });
});

describe('errors', () => {
  it.each([
    [{ beta: 1 }, 'smb.beta'],
    [{ beta: 0 }, 'smb.beta'],
    [{ gamma: 1.5 }, 'smb.gamma'],
    [{ lrMax: 0 }, 'smb.lrMax'],
    [{ nBatchesPerEpoch: 0 }, 'smb.nBatchesPerEpoch'],
    [{ nBatchesPerEpoch: 2.5 }, 'smb.nBatchesPerEpoch'],
    [{ independentBatch: 1 }, 'smb.independentBatch'],
    [{ autoschedule: true, lr: (t: number) => 1 / (t + 1) }, 'smb.lr'],
  ] as const)('%o: InvalidHyperparameter naming %s', (hp, field) => {
    const r = rules.create('smb', hp);
    expect(E.isLeft(r) && r.left.kind).toBe('InvalidHyperparameter');
    expect(E.isLeft(r) && r.left.field).toBe(field);
  });
  it('the transform rejects a scheduled lr with autoschedule too', () => {
    expect(thrown(() => smb({ lr: () => 1, eta: 0.99, c: 0.1, autoschedule: true })).field).toBe('smb.lr');
  });
  it('SMBi without extra.gradFn is a MissingInput naming it', () => {
    const opt = new Optimizer(createRule('smb', { independentBatch: true }), { x: jsBackend.fromArray([1, 2], [2], 'float64') });
    expect(thrown(() => opt.step({ x: jsBackend.fromArray([1, 1], [2], 'float64') }, { lossFn: q.lossFn })).message).toMatch(/MissingInput: smb: extra\.gradFn/);
    opt.dispose();
  });
});
