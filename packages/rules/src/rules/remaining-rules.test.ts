import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@opt/core';
import { E, OptError, Optimizer, chain, disposeTensors, jsBackend } from '@opt/core';
import { compareTrajectories, fixturesDir, illConditionedQuadratic, loadCases, randomInputs, rosenbrock, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { createRule, rules } from '../registry.js';
import { replayTrajectory, runTrajectory } from '../replay.js';
import { loadOtherBackends } from '../test-support/backends.js';
import { quadraticClosure } from '../test-support/quadratic.js';
import { resumedAndWhole } from '../test-support/resume.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { lookahead } from '../transforms/lookahead.js';
import { chainWithMomentumBuffer } from '../transforms/momentum-buffer.js';
import { normalizeByStd } from '../transforms/normalize-by-std.js';
import { scaleByPositiveNegativeMomentum } from '../transforms/positive-negative-momentum.js';
import { ranger21Schedule } from '../transforms/ranger21-schedule.js';
import { scaleByLearningRate } from '../transforms/scale.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { softplus } from '../transforms/softplus.js';
import { trace } from '../transforms/trace.js';
import { closeTo, describeFloat32Replays, expectLossShrinks, expectReplayMatches } from '../test-support/assertions.js';

const dir = join(fixturesDir, 'rules-d');
const cases = loadCases(dir);
const read = (t: Tensor) => Array.from(jsBackend.readSync(t));

describe('goldens (fixtures/rules-d: official code under torch 1.13)', () => {
  it('cover adam-cm, ranger21 and lookahead-sgd with every pullback mode', () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(['adam-cm', 'ranger21', 'lookahead-sgd']));
    expect(new Set(cases.filter((c) => c.rule === 'lookahead-sgd').map((c) => c.hparams.pullbackMomentum))).toEqual(new Set(['none', 'reset', 'pullback']));
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s: float64 within 1e-10, float32 within 2e-5 (JS)', (_id, c) => {
    const dtypes = c.dtype === 'float32' ? ['float32'] as const : ['float64', 'float32'] as const;
    for (const dtype of dtypes) {
      expectReplayMatches(c, jsBackend, toleranceFor(dtype), { dtype }, `${dtype}: `);
    }
  });
});

describe('mars exact mode (isApprox false): closed loop with extra.gradFn', () => {
  const closureDir = join(dir, 'closure');
  const marsCases = readdirSync(closureDir).map((f) => JSON.parse(readFileSync(join(closureDir, f), 'utf8')));
  /** Run `mars` closed loop on the per-step quadratics f_t(x) = ½xᵀAx − b_tᵀx; return the iterates. */
  const runExact = (h: Record<string, unknown>, shapes: Record<string, number[]>, a: number[], bs: number[][], x0: number[]) => {
    let offset = 0;
    const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => {
      const n = s.reduce((x, y) => x * y, 1);
      offset += n;
      return [k, jsBackend.fromArray(x0.slice(offset - n, offset), s, 'float64')];
    }));
    const opt = new Optimizer(createRule('mars', h), params);
    const out = bs.map((b) => {
      const q = quadraticClosure(jsBackend, a, b, 'float64');
      const g = q.gradFn(opt.params);
      opt.step(g, { gradFn: q.gradFn });
      disposeTensors(g);
      return Object.fromEntries(Object.entries(opt.params as Record<string, Tensor>).map(([k, t]) => [k, read(t)]));
    });
    opt.dispose();
    return out;
  };

  it.each(marsCases.map((c) => [c.id, c] as const))('%s: float64 within 1e-10 (numpy equations, = official mars.py)', (_id, c) => {
    const traj = runExact(c.hparams, c.shapes, c.problem.A, c.problem.b, c.x0);
    traj.forEach((step, t) => Object.keys(step).forEach((k) => closeTo(step[k], c.expected[t][k], 1e-10)));
  });

  it('with one batch for every step, exact equals approximate bit for bit (∇f(x_{t−1}) is then the previous gradient)', () => {
    const c = marsCases[0];
    const same = c.problem.b.map(() => c.problem.b[0]);
    const exact = runExact(c.hparams, c.shapes, c.problem.A, same, c.x0);
    const approx = runExact({ ...c.hparams, isApprox: true }, c.shapes, c.problem.A, same, c.x0);
    expect(exact).toEqual(approx);
    const differentBatches = runExact({ ...c.hparams, isApprox: true }, c.shapes, c.problem.A, c.problem.b, c.x0);
    expect(differentBatches[5].w).not.toEqual(runExact(c.hparams, c.shapes, c.problem.A, c.problem.b, c.x0)[5].w);
  });

  it('without extra.gradFn it is a MissingInput naming mars: extra.gradFn', () => {
    const opt = new Optimizer(createRule('mars', { isApprox: false }), { w: jsBackend.fromArray([1, 2, 3, 4], [2, 2], 'float64') });
    expect(() => opt.step({ w: jsBackend.fromArray([1, 1, 1, 1], [2, 2], 'float64') })).toThrow(/MissingInput: mars: extra\.gradFn/);
    opt.dispose();
  });
});

const inputs = randomInputs(5, { w: [4, 3], b: [3] }, 8);
const run = (id: string, h: Record<string, unknown>, grads = inputs.grads, params = inputs.params) => runTrajectory(createRule(id, h), jsBackend, { params, grads, dtype: 'float64' });

describe('adam-cm closed forms', () => {
  it('step 1 only fills the buffer: the move is the decoupled decay alone', () => {
    const [lr, wd] = [0.1, 0.5];
    closeTo(run('adam-cm', { lr, weightDecay: wd }, inputs.grads.slice(0, 1))[0].w, inputs.params.w.data.map((x) => x * (1 - lr * wd)));
  });

  it('topC 1, decay 0: the buffer holds the previous momentum (g₁ at step 2), so m̃_t = m_t + m_{t−1}', () => {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.99, 1e-8];
    const one = { params: { w: inputs.params.w }, grads: inputs.grads.map((g) => ({ w: g.w })) };
    const traj = run('adam-cm', { lr, b1, b2, eps, topC: 1, decay: 0 }, one.grads, one.params);
    let p = inputs.params.w.data.slice();
    let [m, v] = [p.map(() => 0), p.map(() => 0)];
    let buffered = one.grads[0].w;
    traj.forEach((step, t) => {
      if (t > 0) {
        const g = one.grads[t].w;
        m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
        const agg = m.map((x, i) => x + buffered[i]);
        buffered = m;
        v = v.map((x, i) => b2 * x + (1 - b2) * agg[i] ** 2);
        const [bc1, bc2] = [1 - b1 ** (t + 1), 1 - b2 ** (t + 1)];
        p = p.map((x, i) => x - (lr / bc1) * agg[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps));
      }
      closeTo(step.w, p, 1e-11);
    });
  });

  it('synced and per-leaf priorities agree on a one-leaf tree', () => {
    const one = { w: inputs.params.w };
    const grads = inputs.grads.map((g) => ({ w: g.w }));
    expect(run('adam-cm', { topC: 2, synced: false }, grads, one)).toEqual(run('adam-cm', { topC: 2, synced: true }, grads, one));
  });
});

describe('ranger21 building blocks and schedule', () => {
  it('the schedule: linear warmup, then linear warmdown from ⌊0.72·T⌋ to minLr (official formulas)', () => {
    const lr = ranger21Schedule({ lr: 0.01, numEpochs: 10, numBatchesPerEpoch: 10, b2: 0.999 });
    // ⌈2/(1 − 0.999)⌉ = 2000 steps exceed 45 % of T = 100, so the warmup is ⌊0.22·100⌋ = 22 steps.
    expect(lr(0)).toBeCloseTo(0.01 / 22, 15);
    expect(lr(21)).toBe(0.01);
    expect(lr(70)).toBe(0.01);
    expect(lr(71)).toBeCloseTo(0.01 - (0.01 - 3e-5) / 29, 15);
    expect(lr(99)).toBeCloseTo(3e-5, 15);
    const long = ranger21Schedule({ lr: 1, numEpochs: 100, numBatchesPerEpoch: 100, b2: 0.99 });
    expect(long(9)).toBeCloseTo(10 / 200, 15);
    expect(long(199)).toBe(1);
  });

  it('softplus is log(1 + e^{βx})/β below the threshold and x above it', () => {
    const x = jsBackend.fromArray([-1, 0, 0.1, 0.39, 0.41, 3], [6], 'float64');
    const want = [-1, 0, 0.1, 0.39, 0.41, 3].map((v) => (50 * v > 20 ? v : Math.log1p(Math.exp(50 * v)) / 50));
    closeTo(read(softplus(x, 50)), want, 1e-14);
  });

  it('normalizeByStd divides by the unbiased standard deviation and leaves leaves of ≤ 2 elements alone', () => {
    const g = { a: jsBackend.fromArray([1, 2, 3, 6], [2, 2], 'float64'), b: jsBackend.fromArray([5, 7], [2], 'float64') };
    const [out] = normalizeByStd().update(g, null);
    const std = Math.sqrt([1, 2, 3, 6].reduce((s, v) => s + (v - 3) ** 2, 0) / 3);
    closeTo(read((out as typeof g).a), [1, 2, 3, 6].map((v) => v / (std + 1e-8)), 1e-14);
    expect(read((out as typeof g).b)).toEqual([5, 7]);
  });

  it('positive–negative momentum alternates its buffers: ((1 + β0)·m_cur − β0·m_other)/noiseNorm', () => {
    const b1 = 0.9;
    const t = scaleByPositiveNegativeMomentum({ b1, beta0: 1 });
    const p = { x: jsBackend.fromArray([0], [1], 'float64') };
    let s = t.init(p);
    const outs: number[] = [];
    for (const g of [1, 2, 3]) {
      const [u, next] = t.update({ x: jsBackend.fromArray([g], [1], 'float64') }, s);
      outs.push(read((u as { x: Tensor }).x)[0]);
      s = next;
    }
    const k = 1 - b1 * b1;
    const [odd1, even2, odd3] = [k * 1, k * 2, b1 * b1 * k + k * 3];
    closeTo(outs, [2 * odd1, 2 * even2 - odd1, 2 * odd3 - even2].map((v) => v / Math.sqrt(5)), 1e-14);
  });

  it('stable weight decay and norm loss apply to every leaf (pinned deviation: the official code decays only the last parameter)', () => {
    const c = cases.find((x) => x.id === 'ranger21-float64-2')!;
    const ours = replayTrajectory(c, jsBackend, { dtype: 'float64' });
    const unpatched = c.officialUnpatched as Record<string, number[]>[];
    expect(compareTrajectories(ours, c.expected, toleranceFor('float64')).ok).toBe(true);
    for (const leaf of ['w', 'b']) expect(Math.abs(ours[0][leaf][0] - unpatched[0][leaf][0])).toBeGreaterThan(1e-9);
    const last = Object.keys(c.params).at(-1)!;
    closeTo(ours[0][last], unpatched[0][last], 1e-12);
  });
});

describe('lookahead pullbackMomentum', () => {
  const sgdInner = (mu: number) => chainWithMomentumBuffer(addDecayedWeights(0), trace({ decay: mu }), scaleByLearningRate(0.05));
  const buffers = (mode: 'none' | 'reset' | 'pullback', steps: number) => {
    const t = lookahead(sgdInner(0.9), { steps: 2, alpha: 0.7, pullbackMomentum: mode });
    const opt = new Optimizer(t, { w: jsBackend.fromArray(inputs.params.w.data, inputs.params.w.shape, 'float64') });
    const out = inputs.grads.slice(0, steps).map((g) => {
      opt.step({ w: jsBackend.fromArray(g.w, inputs.params.w.shape, 'float64') });
      const inner = (opt.state as unknown as { inner: [unknown, { trace: { w: Tensor } }, unknown] }).inner;
      return read(inner[1].trace.w);
    });
    opt.dispose();
    return out;
  };

  it('reset zeroes the buffer at each sync; pullback scales it by α at the first sync and by α(2 − α) later (the official cached_mom aliasing)', () => {
    const [none, reset, pull] = [buffers('none', 4), buffers('reset', 4), buffers('pullback', 4)];
    expect(reset[1].every((x) => x === 0)).toBe(true);
    closeTo(pull[0], none[0]);
    closeTo(pull[1], none[1].map((x) => 0.7 * x));
    const g = inputs.grads[3].w;
    const preSync = pull[2].map((b, i) => 0.9 * b + g[i]);
    closeTo(pull[3], preSync.map((x) => 0.7 * (2 - 0.7) * x));
  });

  it('an inner transform without a momentum buffer is an InvalidHyperparameter naming lookahead.pullbackMomentum', () => {
    const adam = chain(scaleByAdam({ b1: 0.9, b2: 0.999, eps: 1e-8, amsgrad: false }), scaleByLearningRate(1e-3));
    expect(() => lookahead(adam, { pullbackMomentum: 'reset' })).toThrow(/InvalidHyperparameter: lookahead\.pullbackMomentum/);
    expect(() => chainWithMomentumBuffer(adam)).toThrow(OptError);
  });
});

describe('every rule of this module', () => {
  const nonDefault: Record<string, Record<string, unknown>> = {
    'adam-cm': { lr: 0.01, topC: 2, weightDecay: 0.01 },
    ranger21: { lr: 0.01, numEpochs: 2, numBatchesPerEpoch: 4, lookaheadMergetime: 2 },
    'lookahead-sgd': { lr: 0.05, momentum: 0.9, laSteps: 2, pullbackMomentum: 'pullback' },
    mars: { isApprox: false, lr: 0.01, lr1d: 0.01 },
  };

  it.each(Object.keys(nonDefault))('%s: save and resume mid-run equals the uninterrupted run bit for bit', (id) => {
    const q = quadraticClosure(jsBackend, Array.from({ length: 225 }, (_, k) => (k % 16 === 0 ? 2 : 0)), new Array(15).fill(0.5), 'float64');
    const [resumed, whole] = resumedAndWhole(() => createRule(id, nonDefault[id]), inputs, jsBackend, 3, () => ({ gradFn: q.gradFn }));
    expect(resumed).toEqual(whole);
  });

  it.each([
    ['adam-cm', { topC: 0 }, 'adam-cm.topC'],
    ['adam-cm', { decay: 1 }, 'adam-cm.decay'],
    ['ranger21', {}, 'ranger21.numEpochs'],
    ['ranger21', { numEpochs: 2 }, 'ranger21.numBatchesPerEpoch'],
    ['ranger21', { numEpochs: 2, numBatchesPerEpoch: 3, lookaheadBlendingAlpha: 1.5 }, 'ranger21.lookaheadBlendingAlpha'],
    ['lookahead-sgd', { pullbackMomentum: 'reset' }, 'lookahead-sgd.pullbackMomentum'],
    ['lookahead-sgd', { nesterov: true }, 'lookahead-sgd.nesterov'],
    ['lookahead', { pullbackMomentum: 'pullback' }, 'lookahead.pullbackMomentum'],
  ] as const)('%s %o: InvalidHyperparameter naming %s', (id, h, field) => {
    const r = rules.create(id, h);
    expect(E.isLeft(r) && r.left.kind).toBe('InvalidHyperparameter');
    expect(E.isLeft(r) && r.left.field).toBe(field);
  });
});

describe('convergence (float32, JS backend)', () => {
  it.each([
    ['adam-cm', { lr: 0.02 }, 0], ['adam-cm', { lr: 0.02 }, 1],
    ['ranger21', { lr: 0.05, numEpochs: 1, numBatchesPerEpoch: 300, weightDecay: 0, normlossActive: false }, 0],
    ['ranger21', { lr: 0.02, numEpochs: 1, numBatchesPerEpoch: 300, weightDecay: 0, normlossActive: false }, 1],
    ['lookahead-sgd', { lr: 0.005, momentum: 0.9, pullbackMomentum: 'pullback' }, 0],
    ['lookahead-sgd', { lr: 5e-4, momentum: 0.9, pullbackMomentum: 'reset' }, 1],
  ] as const)('%s %o on problem %i', async (id, h, k) => {
    const problem = [illConditionedQuadratic(8, 100), rosenbrock()][k];
    await expectLossShrinks(createRule(id, h), problem, k === 0 ? 1e-2 : 0.25);
  });
});

describeFloat32Replays('goldens in float32', await loadOtherBackends(), cases, { dtype: 'float32' });
