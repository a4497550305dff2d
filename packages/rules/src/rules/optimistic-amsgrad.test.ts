import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, Params, Tensor } from '@opt/core';
import type { Problem } from '@opt/testing';
import { E, Optimizer, add, disposeTensors, jsBackend, mul, treeMap } from '@opt/core';
import { compareTrajectories, describeComparison, fixturesDir, illConditionedQuadratic, logisticRegression, randomInputs, rosenbrock, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { generatedTierRuleIds } from '../generated-tier.js';
import { createRule, rules } from '../registry.js';
import { closeTo, thrown } from '../test-support/assertions.js';
import { loadOtherBackends } from '../test-support/backends.js';
import type { QuadraticCase } from '../test-support/quadratic.js';
import { quadraticClosure, runClosedLoop, runQuadraticCase } from '../test-support/quadratic.js';
import { resumedAndWhole } from '../test-support/resume.js';
import { rmpeExtrapolations, rmpeWeights } from '../transforms/rmpe.js';
import type { ScaleByOptimisticAmsgradState } from '../transforms/scale-by-optimistic-amsgrad.js';
import { scaleByOptimisticAmsgrad } from '../transforms/scale-by-optimistic-amsgrad.js';

const closureDir = join(fixturesDir, 'rules-e', 'closure');
const cases: QuadraticCase[] = readdirSync(closureDir).sort().map((f) => JSON.parse(readFileSync(join(closureDir, f), 'utf8')));
const read = (t: Tensor) => Array.from(jsBackend.readSync(t));
const vector = (xs: readonly number[]) => jsBackend.fromArray(xs, [xs.length], 'float64');

/** Replay `c` on `backend` in `dtype` and compare with its expected iterates within `dtype`'s tolerance. */
function expectCaseMatches(c: QuadraticCase, backend: Backend, dtype: 'float32' | 'float64'): void {
  const r = compareTrajectories(runQuadraticCase(createRule(c.rule, c.hparams), backend, c, dtype), c.expected, toleranceFor(dtype));
  expect(r.ok, `${dtype}: ${describeComparison(r)}`).toBe(true);
}

describe('goldens (fixtures/rules-e/closure: the official Optadam_torch.py under torch 1.13, closed loop)', () => {
  it('cover span 3 and 5, amsgrad off, weight decay and float32, with RMPE running at least 10 times', () => {
    expect(new Set(cases.map((c) => c.hparams.span))).toEqual(new Set([3, 5]));
    expect(cases.some((c) => c.hparams.amsgrad === false)).toBe(true);
    expect(cases.some((c) => (c.hparams.weightDecay as number) > 0)).toBe(true);
    expect(cases.map((c) => c.dtype)).toContain('float32');
    for (const c of cases) expect(c.expected.length - (c.hparams.span as number)).toBeGreaterThanOrEqual(10);
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s: float64 within 1e-10 (float64 cases), float32 within 2e-5 (JS)', (_id, c) => {
    if (c.dtype === 'float64') expectCaseMatches(c, jsBackend, 'float64');
    expectCaseMatches(c, jsBackend, 'float32');
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

/** One quirk of the official code broken on purpose, to show the tests can tell. */
type Variant = 'consecutiveDiff' | 'hAfterUpdate' | 'noBiasCorrection' | 'secondMomentOfG' | 'decayOnM';

interface Reference {
  readonly params: number[][];
  /** Where the prediction gradient was taken at each step (q_k). */
  readonly points: number[][];
}

/**
 * Host float64 reference of the official equations for one leaf on f_t(x) = ½Σ a_i·x_i² − c_tᵀx
 * (gradient a⊙x − c_t), the RMPE weights from `rmpeWeights`; `variant` breaks one quirk.
 */
function reference(h: { lr: number; b1: number; b2: number; eps: number; weightDecay: number; amsgrad: boolean; span: number }, a: number[], cs: number[][], x0: number[], variant?: Variant): Reference {
  const zeros = () => x0.map(() => 0);
  const gradAt = (x: number[], c: number[]) => x.map((xi, i) => a[i] * xi - c[i]);
  let [p, theta, v, vhat, d, q] = [x0.slice(), zeros(), zeros(), zeros(), zeros(), zeros()];
  let previous = x0.slice();
  const [ps, ds]: number[][][] = [[], []];
  const out: Reference = { params: [], points: [] };
  cs.forEach((c, k) => {
    // Step 1 has no prediction (m_0 = 0, no gradFn call); from step 2, m_k is taken at q_k.
    if (k > 0) out.points.push(q);
    const m = k === 0 ? zeros() : gradAt(q, c).map((mi, i) => mi + (variant === 'decayOnM' ? h.weightDecay * q[i] : 0));
    const g = gradAt(p, c).map((gi, i) => gi + h.weightDecay * p[i]);
    ps.push(p);
    ds.push(variant === 'consecutiveDiff' ? p.map((x, i) => x - previous[i]) : d);
    const thetaNew = theta.map((t, i) => h.b1 * t + (1 - h.b1) * g[i]);
    const hk = (variant === 'hAfterUpdate' ? thetaNew : theta).map((t, i) => h.b1 * t + (1 - h.b1) * m[i]);
    v = v.map((vi, i) => h.b2 * vi + (1 - h.b2) * (variant === 'secondMomentOfG' ? g[i] : m[i] - g[i]) ** 2);
    vhat = vhat.map((x, i) => Math.max(x, v[i]));
    const den = (h.amsgrad ? vhat : v).map((x) => Math.sqrt(x) + h.eps);
    const s = h.lr * (variant === 'noBiasCorrection' ? 1 : Math.sqrt(1 - h.b2 ** (k + 1)) / (1 - h.b1 ** (k + 1)));
    previous = p;
    p = p.map((x, i) => x + d[i] - s * (thetaNew[i] + hk[i]) / den[i]);
    d = hk.map((x, i) => s * x / den[i]);
    theta = thetaNew;
    if (k >= h.span) {
      const [rows, points] = [ds.slice(-h.span), ps.slice(-h.span)];
      const gram = rows.flatMap((ri, i) => rows.slice(i).map((rj) => ri.reduce((acc, x, l) => acc + x * rj[l], 0)));
      const x = rmpeWeights(gram, h.span, 1e-3);
      q = x0.map((_, i) => points.reduce((acc, row, j) => acc + x[j] * row[i], 0));
    }
    out.params.push(p);
  });
  return out;
}

const a = [1, 2.5, 0.4, 4];
const x0 = [1.5, -2, 0.7, 3];
const cs = Array.from({ length: 12 }, (_, t) => [0.3 * Math.sin(t), 0.5 + 0.1 * t, -0.2 * Math.cos(2 * t), 1 - 0.05 * t]);
const diagonal = a.flatMap((ai, i) => a.map((_, j) => (i === j ? ai : 0)));

/** The package's closed-loop run on the same problem; every gradFn call recorded (g_k at p_k, then m_k at q_k). */
function packageRun(h: Record<string, unknown>, steps = cs.length): { params: number[][]; calls: number[][] } {
  const calls: number[][] = [];
  const closureAt = (t: number) => {
    const q = quadraticClosure(jsBackend, diagonal, cs[t], 'float64');
    return { gradFn: (params: Params) => { calls.push(read((params as { x: Tensor }).x)); return q.gradFn(params); } };
  };
  const params = runClosedLoop(createRule('optimistic-amsgrad', h), jsBackend, { x: { shape: [4], data: x0 } }, closureAt, steps, 'float64').map((s) => s.x);
  return { params, calls };
}

/** The rule's gradFn calls (m_k at q_k, steps 2 …) among all calls: after the loop's g_0, every other one. */
const predictionPoints = (calls: number[][]) => calls.filter((_, i) => i % 2 === 0).slice(1);

describe('the official equations (host reference, one leaf, closed loop)', () => {
  const base = { lr: 0.1, b1: 0.9, b2: 0.99, eps: 1e-8, weightDecay: 0, amsgrad: true, span: 2 };
  it.each([
    ['span 2', base],
    ['span 3, weight decay 0.1', { ...base, span: 3, weightDecay: 0.1 }],
    ['amsgrad off, span 1', { ...base, amsgrad: false, span: 1, b1: 0.5 }],
  ] as const)('%s: iterates and prediction points within 1e-12', (_name, h) => {
    const want = reference(h, a, cs, x0);
    const got = packageRun(h);
    got.params.forEach((p, k) => closeTo(p, want.params[k], 1e-12));
    // The loop's g_0 at p_0, then calls alternate: the loop's g_k at p_k, the rule's m_k at q_k.
    const points = predictionPoints(got.calls);
    expect(points).toHaveLength(want.points.length);
    points.forEach((q, k) => closeTo(q, want.points[k], 1e-12));
  });

  it('q = 0 until span rows exist: step 1 calls no gradFn, m is taken at 0 in steps 2 … span + 1, then at the RMPE point Σ x_j·p_j', () => {
    const span = 3;
    const { calls } = packageRun({ ...base, span });
    expect(calls).toHaveLength(2 * cs.length - 1);
    const points = predictionPoints(calls);
    points.slice(0, span).forEach((q) => expect(q).toEqual([0, 0, 0, 0]));
    expect(Math.min(...points[span].map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it.each([
    ['consecutiveDiff', 'the Gram of p_j − p_{j−1} (the aliased p_j − A_j is what the official code stores)'],
    ['hAfterUpdate', 'h from θ after its update (the official h uses β1·θ_k before it)'],
    ['noBiasCorrection', 'a step size without √bc2/bc1'],
    ['secondMomentOfG', 'v on g² (the official v is on (m − g)²)'],
    ['decayOnM', 'the L2 term on m as well (the official adds wd·p to g only)'],
  ] as const)('%s: %s moves the iterates by more than 1e-4', (variant, _why) => {
    const h = { ...base, span: 2, weightDecay: 0.3 };
    const got = packageRun(h).params;
    const other = reference(h, a, cs, x0, variant).params;
    closeTo(got.at(-1)!, reference(h, a, cs, x0).params.at(-1)!, 1e-12);
    expect(Math.max(...got.flatMap((p, k) => p.map((x, i) => Math.abs(x - other[k][i]))))).toBeGreaterThan(1e-4);
  });
});

describe('RMPE', () => {
  const xStar = [1.5, -2, 0.25, 4, -0.5];
  const a1 = [1, 0.5, -1, 2, 0.3];
  const a2 = [-0.7, 1.2, 0.4, 0, 1];
  const sequence = (n: number, modes: readonly (readonly [number, readonly number[]])[]) =>
    Array.from({ length: n }, (_, k) => vector(xStar.map((x, i) => x + modes.reduce((s, [rho, ai]) => s + rho ** k * ai[i], 0))));
  /** The classic window of x₀ … x_r: differences x_{i+1} − x_i, points x₀ … x_{r−1}. */
  const classic = (xs: Tensor[]) => ({ differences: xs.slice(1).map((x, i) => add(x, mul(xs[i], -1))), points: xs.slice(0, -1) });

  it.each([
    ['one mode, r = 2', 3, [[0.6, a1]]],
    ['two modes, r = 3', 4, [[0.8, a1], [-0.5, a2]]],
    ['two modes, r = 5', 6, [[0.7, a1], [0.3, a2]]],
  ] as const)('a sequence x_k = x* + Σ_j ρ_j^k·a_j converging to x* (%s) extrapolates to x* as λ → 0', (_name, n, modes) => {
    const xs = sequence(n, modes);
    const far = read(xs[n - 1]).reduce((s, x, i) => Math.max(s, Math.abs(x - xStar[i])), 0);
    expect(far).toBeGreaterThan(0.01);
    const [prediction] = rmpeExtrapolations([classic(xs)], 1e-13, 'test');
    closeTo(read(prediction), xStar, 1e-6);
  });

  it('the weights sum to 1; zero differences give the plain average of the points', () => {
    const c = rmpeWeights([4, 1, 0, 3, 1, 2], 3, 0.5);
    expect(c.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 14);
    closeTo(rmpeWeights([0, 0, 0, 0, 0, 0], 3, 1e-3), [1 / 3, 1 / 3, 1 / 3], 1e-15);
    const zero = vector([0, 0]);
    closeTo(read(rmpeExtrapolations([{ differences: [zero, zero], points: [vector([1, 2]), vector([3, 0])] }], 1e-3, 'test')[0]), [2, 1], 1e-15);
  });

  it('2×2 systems by hand: (G + λI)x = 1, x ← x/Σx, result Σ x_i·points_i; the sign of the differences does not matter', () => {
    // G = [[2, 1], [1, 3]], λ = 1: x = [[3, 1], [1, 4]]⁻¹·1 = [3, 2]/11, normalized [0.6, 0.4].
    closeTo(rmpeWeights([2, 1, 3], 2, 1), [0.6, 0.4], 1e-15);
    // u = [1, 0], [1, 2]: G = [[1, 1], [1, 5]]; λ = 1 gives x ∝ [5, 1], so 5/6·[1, 1] + 1/6·[2, 1].
    const points = [vector([1, 1]), vector([2, 1])];
    const u = [vector([1, 0]), vector([1, 2])];
    closeTo(read(rmpeExtrapolations([{ differences: u, points }], 1, 'test')[0]), [7 / 6, 1], 1e-15);
    const negated = u.map((x) => mul(x, -1));
    closeTo(read(rmpeExtrapolations([{ differences: negated, points }], 1, 'test')[0]), [7 / 6, 1], 1e-15);
  });
});

const inputs = randomInputs(21, { w: [3, 4], b: [4] }, 9);
/** A point-dependent gradient for the prediction: ∇ of ½·0.5‖x‖² − (0.1·(t + 1))·Σx at step t. */
const predictionGradient = (t: number) => ({ gradFn: (params: Params) => treeMap((x: Tensor) => add(mul(x, 0.5), -0.1 * (t + 1)), params) });

describe('state, resume and validation', () => {
  it.each([
    ['ring partly filled (q still 0)', { lr: 0.05, span: 3 }, 2],
    ['ring wrapped, RMPE running', { lr: 0.05, span: 2, weightDecay: 0.01 }, 5],
    ['amsgrad off', { lr: 0.05, span: 3, amsgrad: false }, 6],
  ] as const)('%s: save and resume mid-run equals the uninterrupted run bit for bit', (_name, h, split) => {
    const [resumed, whole] = resumedAndWhole(() => createRule('optimistic-amsgrad', h), inputs, jsBackend, split, predictionGradient);
    expect(resumed).toEqual(whole);
  });

  it('keeps span (p_j, d_j) slots, v̂ only with amsgrad; not elementwise, so no generated tier', () => {
    const params: Params = { w: vector([1, 2]) };
    const t = scaleByOptimisticAmsgrad({ lr: 0.1, span: 4 });
    const s = t.init(params);
    expect([s.weights.length, s.offsets.length]).toEqual([4, 4]);
    expect(s.nuMax).not.toBeNull();
    expect(scaleByOptimisticAmsgrad({ lr: 0.1, amsgrad: false }).init(params).nuMax).toBeNull();
    expect([t.elementwise, createRule('optimistic-amsgrad').elementwise]).toEqual([false, false]);
    expect(generatedTierRuleIds).not.toContain('optimistic-amsgrad');
    disposeTensors([params, s]);
  });

  it('v̂ never decreases and bounds v while the prediction error scale falls and rises', () => {
    const opt = new Optimizer(createRule('optimistic-amsgrad', { b2: 0.9, span: 2 }), { w: vector(inputs.params.w.data) });
    const scales = [5, 1e-3, 1e-3, 2, 1e-6, 10, 0.1, 0.1, 3];
    let previous = new Array(12).fill(0);
    scales.forEach((s, t) => {
      opt.step({ w: vector(inputs.grads[t].w.map((g) => s * g)) }, predictionGradient(t));
      const state = (opt.state as unknown as [unknown, ScaleByOptimisticAmsgradState])[1];
      const [nuMax, nu] = [read((state.nuMax as { w: Tensor }).w), read((state.nu as { w: Tensor }).w)];
      nuMax.forEach((x, i) => { expect(x).toBeGreaterThanOrEqual(previous[i]); expect(x).toBeGreaterThanOrEqual(nu[i]); });
      if (t === 2) expect(nuMax.some((x, i) => x > nu[i])).toBe(true);
      previous = nuMax;
    });
    opt.dispose();
  });

  it('without extra.gradFn it is a MissingInput naming extra.gradFn; without params, naming params', () => {
    const opt = new Optimizer(createRule('optimistic-amsgrad'), { w: vector([1, 2]) });
    expect(() => opt.step({ w: vector([1, 1]) })).toThrow(/MissingInput: optimisticAmsgrad: extra\.gradFn/);
    opt.dispose();
    const t = scaleByOptimisticAmsgrad({ lr: 0.1 });
    const params = { w: vector([1, 2]) };
    expect(thrown(() => t.update(params, t.init(params), undefined, predictionGradient(0))).field).toBe('params');
  });

  it.each([
    [{ span: 0 }, 'optimistic-amsgrad.span'],
    [{ span: 2.5 }, 'optimistic-amsgrad.span'],
    [{ lambda: 0 }, 'optimistic-amsgrad.lambda'],
    [{ amsgrad: 'yes' }, 'optimistic-amsgrad.amsgrad'],
    [{ b1: 1 }, 'optimistic-amsgrad.b1'],
    [{ b2: -0.1 }, 'optimistic-amsgrad.b2'],
    [{ eps: -1 }, 'optimistic-amsgrad.eps'],
    [{ weightDecay: -1 }, 'optimistic-amsgrad.weightDecay'],
  ] as const)('%o: InvalidHyperparameter naming %s', (h, field) => {
    const r = rules.create('optimistic-amsgrad', h);
    expect(E.isLeft(r) && r.left.kind).toBe('InvalidHyperparameter');
    expect(E.isLeft(r) && r.left.field).toBe(field);
  });

  it('the transform checks span and lambda itself', () => {
    expect(thrown(() => scaleByOptimisticAmsgrad({ lr: 0.1, span: 0 })).field).toBe('optimisticAmsgrad.span');
    expect(thrown(() => scaleByOptimisticAmsgrad({ lr: 0.1, lambda: -1 })).field).toBe('optimisticAmsgrad.lambda');
  });
});

/** The losses of a float32 closed-loop run on `problem` (JS), its gradient also as extra.gradFn. */
function lossesWithGradFn(h: Record<string, unknown>, problem: Problem, steps: number): number[] {
  const n = problem.initial.length;
  const gradFn = (params: Params) => ({ x: jsBackend.fromArray(problem.grad(read((params as { x: Tensor }).x)), [n], 'float32') });
  const iterates = runClosedLoop(createRule('optimistic-amsgrad', h), jsBackend, { x: { shape: [n], data: problem.initial } }, () => ({ gradFn }), steps, 'float32');
  return [problem.initial, ...iterates.map((s) => s.x)].map((x) => problem.loss(x));
}

describe('convergence (float32, JS backend, 300 steps, the gradient also at q)', () => {
  it.each([
    [{ lr: 0.05 }, 0], [{ lr: 0.02 }, 1], [{ lr: 0.02 }, 2], [{ lr: 0.05, span: 3, amsgrad: false }, 0],
  ] as const)('%o on problem %i', (h, k) => {
    const problem = [illConditionedQuadratic(8, 100), rosenbrock(), logisticRegression()][k];
    const losses = lossesWithGradFn(h, problem, 300);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan([1e-2, 0.25, 0.2][k] * losses[0]);
  });

  it('step 1 is AMSGrad\'s even from p_0 = 0 (no prediction yet): p_1 = −s_0·(1 − β1)·g_0/(√(1 − β2)·|g_0| + eps)', () => {
    const [lr, b1, b2, eps] = [1e-3, 0.9, 0.999, 1e-8];
    const problem = illConditionedQuadratic(8, 100);
    expect(problem.initial.every((x) => x === 0)).toBe(true);
    const g0 = Array.from(problem.grad(problem.initial));
    const s0 = lr * Math.sqrt(1 - b2) / (1 - b1);
    const gradFn = (params: Params) => ({ x: vector(Array.from(problem.grad(read((params as { x: Tensor }).x)))) });
    const [p1] = runClosedLoop(createRule('optimistic-amsgrad', { lr, b1, b2, eps }), jsBackend, { x: { shape: [8], data: problem.initial } }, () => ({ gradFn }), 1, 'float64');
    closeTo(p1.x, g0.map((g) => -s0 * (1 - b1) * g / (Math.sqrt(1 - b2) * Math.abs(g) + eps)), 1e-12);
    expect(Math.max(...p1.x.map(Math.abs))).toBeLessThanOrEqual(lr);
  });
});
