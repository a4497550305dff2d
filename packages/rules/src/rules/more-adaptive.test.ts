import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@opt/core';
import { E, Optimizer, Rng, chain, jsBackend } from '@opt/core';
import { fixturesDir, illConditionedQuadratic, loadCases, randomInputs, rosenbrock, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { createRule, rules } from '../registry.js';
import { runTrajectory } from '../replay.js';
import { loadOtherBackends } from '../test-support/backends.js';
import { resumedAndWhole } from '../test-support/resume.js';
import { quadraticClosure, runOnQuadratic } from '../test-support/quadratic.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByAdaMomentum } from '../transforms/scale-by-adamomentum.js';
import { scaleByLearningRate } from '../transforms/scale.js';
import { moreAdaptiveRuleDefs } from './more-adaptive.js';
import { closeTo, describeFloat32Replays, expectLossShrinks, expectReplayMatches } from '../test-support/assertions.js';

const dir = join(fixturesDir, 'rules-b');
const cases = loadCases(dir);

describe('goldens from independent numpy float64 implementations (fixtures/rules-b)', () => {
  it('cover every open-loop rule of this module', () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(['adamomentum', 'innaprop', 'dog', 'ldog', 'coord-clip']));
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s: float64 within 1e-10, float32 within 2e-5', (_id, c) => {
    for (const dtype of ['float64', 'float32'] as const) {
      expectReplayMatches(c, jsBackend, toleranceFor(dtype), { dtype });
    }
  });
  it.each(cases.filter((c) => c.rule === 'dog' || c.rule === 'ldog').map((c) => [c.id, c] as const))('%s: the polynomial-decay average (γ = 8)', (_id, c) => {
    const params = Object.fromEntries(Object.entries(c.params).map(([k, p]) => [k, jsBackend.fromArray(p.data, p.shape, 'float64')]));
    const opt = new Optimizer(createRule(c.rule, c.hparams), params);
    const averaged = c.averaged as Record<string, number[]>[];
    c.grads.forEach((g, t) => {
      opt.step(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, jsBackend.fromArray(v, c.params[k].shape, 'float64')])));
      const avg = (opt.state as unknown as { average: Record<string, Tensor> }).average;
      for (const k of Object.keys(avg)) closeTo(Array.from(jsBackend.readSync(avg[k])), averaged[t][k], 1e-10);
    });
    opt.dispose();
  });

  const smbCases = readdirSync(join(dir, 'closure')).filter((f) => f.startsWith('smb-quadratic-')).map((f) => JSON.parse(readFileSync(join(dir, 'closure', f), 'utf8')));
  it('smb cases take both branches (accepted SGD steps and model steps)', () => {
    const flags = smbCases.flatMap((c) => c.modelSteps as number[]);
    expect(flags).toContain(0);
    expect(flags).toContain(1);
  });
  it.each(smbCases.map((c) => [c.id, c] as const))('%s: closed loop on a quadratic, float64 within 1e-10', (_id, c) => {
    const q = quadraticClosure(jsBackend, c.problem.A, c.problem.b, 'float64');
    const traj = runOnQuadratic(createRule('smb', c.hparams), jsBackend, q, c.x0, c.expected.length, 'float64');
    traj.forEach((x, t) => closeTo(x, c.expected[t], 1e-10));
  });
});

const inputs = randomInputs(11, { w: [3, 4], b: [4] }, 6);
const run = (id: string, h: Record<string, unknown>, grads = inputs.grads) => runTrajectory(createRule(id, h), jsBackend, { ...inputs, grads, dtype: 'float64' });

describe('closed-form properties', () => {
  it('adamomentum with b1 = 0 is Adam with eps inside the root: v_t = Σ b2^k((1 − b2)g² + eps)', () => {
    const [lr, b2, eps] = [0.1, 0.9, 1e-3];
    const traj = run('adamomentum', { lr, b1: 0, b2, eps });
    let p = inputs.params.w.data.slice();
    let v = p.map(() => 0);
    traj.forEach((step, t) => {
      const g = inputs.grads[t].w;
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] ** 2 + eps);
      p = p.map((x, i) => x - (lr * g[i]) / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** (t + 1))));
      closeTo(step.w, p);
    });
  });

  it('adamomentum differs from Adam only through v (m² instead of g², eps inside): with b1 = 0, eps = 0 they agree', () => {
    const h = { b1: 0, b2: 0.95, eps: 0 };
    const a = runTrajectory(chain(scaleByAdaMomentum(h), scaleByLearningRate(0.1)), jsBackend, { ...inputs, dtype: 'float64' });
    const b = runTrajectory(chain(scaleByAdam(h), scaleByLearningRate(0.1)), jsBackend, { ...inputs, dtype: 'float64' });
    a.forEach((s, t) => closeTo(s.w, b[t].w));
  });

  it('innaprop: with g = 0, wd = 0 and ψ = (1 − αβ)p the parameters are a fixed point', () => {
    const zeros = inputs.grads.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.map(() => 0)])));
    run('innaprop', { lr: 0.05, alpha: 0.5, beta: 1.5, weightDecay: 0 }, zeros).forEach((s) => closeTo(s.w, inputs.params.w.data));
  });

  it('dog: the first step size is repsRel·(1 + ‖x₀‖)/√(‖g₁‖² + eps), and scaling every gradient by c > 0 leaves the iterates unchanged', () => {
    const repsRel = 1e-3;
    const x0 = [...inputs.params.w.data, ...inputs.params.b.data];
    const g1 = [...inputs.grads[0].w, ...inputs.grads[0].b];
    const eta = (repsRel * (1 + Math.hypot(...x0))) / Math.sqrt(g1.reduce((s, v) => s + v * v, 0) + 1e-8);
    closeTo(run('dog', { repsRel }, inputs.grads.slice(0, 1))[0].w, inputs.params.w.data.map((x, i) => x - eta * inputs.grads[0].w[i]));
    const scaled = inputs.grads.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.map((x) => 1000 * x)])));
    const [a, b] = [run('dog', { repsRel, eps: 0 }), run('dog', { repsRel, eps: 0 }, scaled)];
    a.forEach((s, t) => closeTo(s.w, b[t].w, 1e-9));
  });

  it('ldog with a single leaf equals dog', () => {
    const one = { params: { w: inputs.params.w }, grads: inputs.grads.map((g) => ({ w: g.w })), dtype: 'float64' as const };
    expect(runTrajectory(createRule('ldog', { repsRel: 1e-2 }), jsBackend, one)).toEqual(runTrajectory(createRule('dog', { repsRel: 1e-2 }), jsBackend, one));
  });

  it('coord-clip with quantile 0 is SGD; the clipped coordinates sit at ±τ', () => {
    const lr = 0.1;
    closeTo(run('coord-clip', { lr, quantile: 0 })[0].w, inputs.params.w.data.map((x, i) => x - lr * inputs.grads[0].w[i]));
    const step = run('coord-clip', { lr: 1, quantile: 0.25 }, inputs.grads.slice(0, 1))[0];
    const moves = [...step.w.map((x, i) => inputs.params.w.data[i] - x), ...step.b.map((x, i) => inputs.params.b.data[i] - x)].map(Math.abs);
    const sorted = [...inputs.grads[0].w, ...inputs.grads[0].b].map(Math.abs).sort((a, b) => b - a);
    const tau = sorted[Math.floor(0.25 * sorted.length)];
    expect(Math.max(...moves)).toBeCloseTo(tau, 12);
    expect(moves.filter((m) => Math.abs(m - tau) < 1e-12).length).toBe(Math.floor(0.25 * sorted.length) + 1);
  });

  it('rs-sgdm moves by s_t times the SGDM step, s_t = −log(u) from core\'s Rng stream t', () => {
    const [lr, mu, seed] = [0.1, 0.9, 42];
    const traj = run('rs-sgdm', { lr, momentum: mu, seed });
    const rng = new Rng(seed);
    let [p, buf] = [inputs.params.w.data.slice(), inputs.params.w.data.map(() => 0)];
    traj.forEach((step, t) => {
      const g = inputs.grads[t].w;
      buf = buf.map((b, i) => (t === 0 ? g[i] : mu * b + g[i]));
      const s = -Math.log(rng.uniform(1)[0]);
      p = p.map((x, i) => x - s * lr * buf[i]);
      closeTo(step.w, p);
    });
  });

  it('smb equals SGD(lr) while the Armijo test holds (small lr on a quadratic)', () => {
    const q = quadraticClosure(jsBackend, [2, 0.5, 0.5, 1], [1, -1], 'float64');
    const traj = runOnQuadratic(createRule('smb', { lr: 0.01 }), jsBackend, q, [3, -2], 5, 'float64');
    let x = [3, -2];
    traj.forEach((step) => {
      const g = [2 * x[0] + 0.5 * x[1] - 1, 0.5 * x[0] + x[1] + 1];
      x = x.map((v, i) => v - 0.01 * g[i]);
      closeTo(step, x);
    });
  });
});

const inputsFor = (id: string) => (id === 'smb' ? undefined : inputs);

describe('every rule of this module', () => {
  const nonDefault: Record<string, Record<string, number>> = {
    adamomentum: { lr: 0.02, b1: 0.8, weightDecay: 0.1 },
    innaprop: { lr: 0.02, alpha: 0.3, beta: 1.2, weightDecay: 0.05 },
    dog: { repsRel: 1e-3, weightDecay: 0.01 },
    ldog: { repsRel: 1e-3 },
    smb: { lr: 0.5, c: 0.2 },
    'coord-clip': { lr: 0.05, quantile: 0.3, momentum: 0.9 },
    'rs-sgdm': { lr: 0.05, seed: 3 },
  };
  it('covers the registered rules', () => expect(Object.keys(nonDefault).sort()).toEqual(moreAdaptiveRuleDefs.map((d) => d.id).sort()));

  it.each(Object.keys(nonDefault))('%s: save and resume mid-run equals the uninterrupted run bit for bit', (id) => {
    const q = quadraticClosure(jsBackend, Array.from({ length: 256 }, (_, k) => (k % 17 === 0 ? 2 : 0)), new Array(16).fill(0.5), 'float64');
    const extra = () => ({ gradFn: q.gradFn, lossFn: q.lossFn });
    const [resumed, whole] = resumedAndWhole(() => createRule(id, nonDefault[id]), inputsFor(id) ?? inputs, jsBackend, 3, extra);
    expect(resumed).toEqual(whole);
  });

  it.each(Object.keys(nonDefault).filter((id) => id !== 'smb'))('%s: registry metadata and defaults', (id) => {
    const def = moreAdaptiveRuleDefs.find((d) => d.id === id)!;
    expect(def.paper).toMatch(/\d{4}/);
    expect(def.reference.length).toBeGreaterThan(10);
    expect(E.isRight(rules.create(id, {}))).toBe(true);
  });

  it.each([
    ['adamomentum', { b2: 1 }, 'adamomentum.b2'],
    ['innaprop', { lr: 0.95 }, 'innaprop.lr'],
    ['innaprop', { beta: 0 }, 'innaprop.beta'],
    ['dog', { repsRel: 0 }, 'dog.repsRel'],
    ['ldog', { averagingGamma: -1 }, 'ldog.averagingGamma'],
    ['smb', { eta: 1.5 }, 'smb.eta'],
    ['coord-clip', { quantile: 1.5 }, 'coord-clip.quantile'],
    ['rs-sgdm', { seed: 1.5 }, 'rs-sgdm.seed'],
    ['rs-sgdm', { momentum: 1 }, 'rs-sgdm.momentum'],
  ] as const)('%s %o: InvalidHyperparameter naming %s', (id, h, field) => {
    const r = rules.create(id, h);
    expect(E.isLeft(r) && r.left.kind).toBe('InvalidHyperparameter');
    expect(E.isLeft(r) && r.left.field).toBe(field);
  });

  it('smb without the closures is a MissingInput naming extra.lossFn', () => {
    const opt = new Optimizer(createRule('smb'), { x: jsBackend.fromArray([1, 2], [2], 'float64') });
    expect(() => opt.step({ x: jsBackend.fromArray([1, 1], [2], 'float64') })).toThrow(/MissingInput: smb: extra\.lossFn/);
    opt.dispose();
  });
});

describe('convergence (float32, JS backend)', () => {
  it.each([
    ['adamomentum', { lr: 0.1 }, 0], ['adamomentum', { lr: 0.05 }, 1],
    ['innaprop', { lr: 0.05, weightDecay: 0 }, 0], ['innaprop', { lr: 0.02, weightDecay: 0 }, 1],
    ['dog', { repsRel: 1e-4 }, 0], ['ldog', { repsRel: 1e-4 }, 0], ['dog', { repsRel: 1e-4 }, 1],
    ['coord-clip', { lr: 0.01, quantile: 0.25, momentum: 0.9 }, 0],
    ['rs-sgdm', { lr: 2e-3, momentum: 0.9 }, 0],
  ] as const)('%s %o on problem %i', async (id, h, k) => {
    const problem = [illConditionedQuadratic(8, 100), rosenbrock()][k];
    await expectLossShrinks(createRule(id, h), problem, k === 0 ? 1e-2 : 0.25);
  });
});

describeFloat32Replays('goldens in float32', await loadOtherBackends(), cases, { dtype: 'float32' });

describe('tier 2 (flattened arena)', () => {
  it('dog, adamomentum, innaprop, coord-clip and rs-sgdm are elementwise and replay their goldens flattened; smb and ldog work per leaf', () => {
    for (const id of ['dog', 'adamomentum', 'innaprop', 'coord-clip', 'rs-sgdm']) expect(createRule(id).elementwise).toBe(true);
    for (const id of ['smb', 'ldog']) expect(createRule(id).elementwise).toBe(false);
    for (const c of cases.filter((x) => x.rule !== 'ldog')) {
      expectReplayMatches(c, jsBackend, toleranceFor('float64'), { flatten: true }, `${c.id}: `);
    }
  });
});
