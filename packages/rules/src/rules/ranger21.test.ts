import { join } from 'node:path';
import { E, jsBackend } from '@opt/core';
import { compareTrajectories, fixturesDir, loadCases, randomInputs, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { createRule, rules } from '../registry.js';
import { replayTrajectory, runTrajectory } from '../replay.js';
import { closeTo, thrown } from '../test-support/assertions.js';
import { resumedAndWhole } from '../test-support/resume.js';
import { chebyshevPermutation, chebyshevSteps, ranger21ChebyshevMultipliers, ranger21Schedule } from '../transforms/ranger21-schedule.js';

const cases = loadCases(join(fixturesDir, 'rules-d'), (c) => c.rule === 'ranger21');

/** Every Ranger21 extra off: the core alone at a constant learning rate. */
const bare = {
  useAdaptiveGradientClipping: false, usingGc: false, usingNormgc: false, normlossActive: false, weightDecay: 0,
  lookaheadActive: false, useWarmup: false, warmdownActive: false, numEpochs: 1, numBatchesPerEpoch: 100,
};
const oneLeaf = (p: number[], grads: number[][]) => ({ params: { x: { shape: [p.length], data: p } }, grads: grads.map((g) => ({ x: g })) });
const trajectory = (h: Record<string, unknown>, inputs: ReturnType<typeof oneLeaf>) =>
  runTrajectory(createRule('ranger21', h), jsBackend, { ...inputs, dtype: 'float64' }).map((s) => s.x);

describe('ranger21 goldens: the official options', () => {
  it('cover every core, Chebyshev steps and gcConvOnly (with a conv-like leaf)', () => {
    expect(new Set(cases.map((c) => c.hparams.core ?? 'adamw'))).toEqual(new Set(['adamw', 'madgrad', 'adabelief']));
    expect(new Set(cases.filter((c) => c.hparams.useCheb).map((c) => c.hparams.core))).toEqual(new Set(['adamw', 'madgrad']));
    const conv = cases.filter((c) => c.hparams.gcConvOnly);
    expect(conv.some((c) => Object.values(c.params).some((p) => p.shape.length > 3))).toBe(true);
    expect(cases.some((c) => c.hparams.core === 'madgrad' && c.hparams.momentum === 0)).toBe(true);
  });

  // The official code decays only the last leaf (a leaked loop variable) and so does not move the
  // others' step-1 decay; the patched goldens apply it to every leaf, like this implementation.
  it.each(cases.filter((c) => c.officialUnpatched).map((c) => [c.id, c] as const))('%s: per-leaf decay (deviation) matches the patch; the last leaf matches the unpatched code at step 1', (_id, c) => {
    const ours = replayTrajectory(c, jsBackend, { dtype: c.dtype });
    expect(compareTrajectories(ours, c.expected, toleranceFor(c.dtype)).ok).toBe(true);
    const unpatched = c.officialUnpatched as Record<string, number[]>[];
    const keys = Object.keys(c.params);
    const last = keys.at(-1)!;
    closeTo(ours[0][last], unpatched[0][last], c.dtype === 'float64' ? 1e-12 : 1e-6);
    expect(keys.slice(0, -1).some((k) => ours[0][k].some((x, i) => Math.abs(x - unpatched[0][k][i]) > 1e-7))).toBe(true);
  });
});

describe('Chebyshev steps (official get_chebs)', () => {
  it('the fractal permutation interleaves i with 2·len − 1 − i', () => {
    expect(chebyshevPermutation(1)).toEqual([0]);
    expect(chebyshevPermutation(2)).toEqual([0, 1]);
    expect(chebyshevPermutation(4)).toEqual([0, 3, 1, 2]);
    expect(chebyshevPermutation(8)).toEqual([0, 7, 3, 4, 1, 6, 2, 5]);
    expect(chebyshevPermutation(3)).toEqual([0, 3, 1, 2]); // longer than 3: the official IndexError
  });

  it('small n by hand: 1/(0.55 − 0.45·cos θ_k), θ_k = (k + ½)π/n', () => {
    closeTo(ranger21ChebyshevMultipliers(3), [1 / 0.55], 1e-15); // n = 1: θ = π/2
    closeTo(ranger21ChebyshevMultipliers(4), [1 / (0.55 - 0.45 * Math.SQRT1_2), 1 / (0.55 + 0.45 * Math.SQRT1_2)], 1e-15);
    const c8 = 0.45 * Math.cos(Math.PI / 8);
    const s8 = 0.45 * Math.sin(Math.PI / 8); // cos(3π/8) = sin(π/8)
    closeTo(ranger21ChebyshevMultipliers(6), [1 / (0.55 - c8), 1 / (0.55 + c8), 1 / (0.55 - s8), 1 / (0.55 + s8)], 1e-14);
  });

  it('the multipliers are a permutation of the reciprocal Chebyshev nodes, between 1 and 10', () => {
    const m = ranger21ChebyshevMultipliers(10);
    expect([...m].sort((a, b) => a - b)).toEqual([...chebyshevSteps(0.1, 1, 8)].sort((a, b) => a - b));
    expect(m.every((v) => v > 1 && v < 10)).toBe(true);
  });

  it.each([2, 5, 7, 1])('numEpochs %i (numEpochs − 2 not a power of two): InvalidHyperparameter naming ranger21.numEpochs', (numEpochs) => {
    const r = rules.create('ranger21', { numEpochs, numBatchesPerEpoch: 3, useCheb: true });
    expect(E.isLeft(r) && [r.left.kind, r.left.field]).toEqual(['InvalidHyperparameter', 'ranger21.numEpochs']);
    expect(E.isRight(rules.create('ranger21', { numEpochs, numBatchesPerEpoch: 3 }))).toBe(true);
    expect(thrown(() => ranger21ChebyshevMultipliers(numEpochs)).field).toBe('ranger21Schedule.numEpochs');
  });

  const base = { lr: 0.003, numEpochs: 10, numBatchesPerEpoch: 2, b2: 0.999, warmdownStartPct: 0.9 };
  const at = (o: Parameters<typeof ranger21Schedule>[0]) => Array.from({ length: 20 }, (_, s) => ranger21Schedule(o)(s));

  it('the schedule: the multiplier of epoch index ⌊t/nb⌋ − 1 after the warmup (W = 4), replaced by the warmdown from D = 18', () => {
    const c = ranger21ChebyshevMultipliers(10);
    const plain = at(base);
    const cheb = at({ ...base, useCheb: true });
    expect(cheb.slice(0, 4)).toEqual(plain.slice(0, 4));
    for (let t = 5; t < 18; t++) expect(cheb[t - 1]).toBe(0.003 * c[Math.floor(t / 2) - 1]);
    expect(cheb.slice(17)).toEqual(plain.slice(17));
  });

  it('official quirks: the index clamps at the last multiplier; without warmup there is no Chebyshev factor', () => {
    const c = ranger21ChebyshevMultipliers(10);
    const noWarmdown = at({ ...base, useCheb: true, warmdownActive: false });
    expect(noWarmdown.slice(15)).toEqual(new Array(5).fill(0.003 * c[7])); // t = 16..20: ⌊t/2⌋ − 1 = 7, 8, 9 → 7
    expect(at({ ...base, useCheb: true, useWarmup: false })).toEqual(at({ ...base, useWarmup: false }));
  });
});

describe('ranger21 cores', () => {
  it('madgrad, momentum 0: the MADGRAD dual-averaging formula p_t = p_0 − Σλ_i·g_i/(Σλ_i·g_i²)^{1/3}, λ_i = lr·√i', () => {
    // By hand at step 1 with lr 1 and g = 8: S = 64, s = 8, p = p0 − 8/∛64 = p0 − 2 (64^(1/3) within an ulp of 4).
    closeTo(trajectory({ ...bare, core: 'madgrad', momentum: 0, lr: 1 }, oneLeaf([5], [[8]]))[0], [3], 1e-15);
    const [lr, p0] = [0.5, [0.3, -1, 2]];
    const grads = [[1, -2, 1.5], [2, 1, -1], [-1.5, 3, 2], [1, 1, 1]];
    const out = trajectory({ ...bare, core: 'madgrad', momentum: 0, lr }, oneLeaf(p0, grads));
    // The softplus (β 50) leaves every ∛S here above 0.4, where softplus(x) = x.
    out.forEach((p, t) => {
      const lambdas = grads.slice(0, t + 1).map((_, i) => lr * Math.sqrt(i + 1));
      const want = p0.map((x, j) => {
        const s = lambdas.reduce((a, l, i) => a + l * grads[i][j], 0);
        const sumSq = lambdas.reduce((a, l, i) => a + l * grads[i][j] ** 2, 0);
        return x - s / Math.cbrt(sumSq);
      });
      closeTo(p, want, 1e-13);
    });
  });

  it('madgrad, momentum μ: p moves to μ·p + (1 − μ)·z with z = x0 − s/∛S about the step-1 anchor', () => {
    const [lr, mu, p0] = [0.5, 0.9, [0.3, -1, 2]];
    const grads = [[1, -2, 1.5], [2, 1, -1], [-1.5, 3, 2]];
    const out = trajectory({ ...bare, core: 'madgrad', momentum: mu, lr }, oneLeaf(p0, grads));
    let p = p0;
    out.forEach((got, t) => {
      const lambdas = grads.slice(0, t + 1).map((_, i) => lr * Math.sqrt(i + 1));
      p = p.map((x, j) => {
        const s = lambdas.reduce((a, l, i) => a + l * grads[i][j], 0);
        const z = p0[j] - s / Math.cbrt(lambdas.reduce((a, l, i) => a + l * grads[i][j] ** 2, 0));
        return mu * x + (1 - mu) * z;
      });
      closeTo(got, p, 1e-13);
    });
  });

  it('adabelief (official path as it runs): m ← β1·m + (1 − β1)·g, step 2m/n at odd t and −m/n at even t (the belief variance never applies)', () => {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.99, 1e-8];
    const grads = [[1, -2], [0.5, 1], [2, 2], [-1, 0.5]];
    const out = trajectory({ ...bare, core: 'adabelief', lr, b1, b2, eps, softplus: false }, oneLeaf([0, 0], grads));
    const n = Math.sqrt((1 + b2) ** 2 + b2 ** 2);
    let [p, m, v] = [[0, 0], [0, 0], [0, 0]];
    out.forEach((got, k) => {
      const t = k + 1;
      m = m.map((x, j) => b1 * x + (1 - b1) * grads[k][j]);
      v = v.map((x, j) => b2 * x + (1 - b2) * grads[k][j] ** 2);
      const factor = t % 2 === 1 ? 2 / n : -1 / n;
      p = p.map((x, j) => x - (lr / (1 - b1 ** t)) * factor * m[j] / (Math.sqrt(v[j]) / Math.sqrt(1 - b2 ** t) + eps));
      closeTo(got, p, 1e-13);
    });
    // A constant gradient therefore steps back at every even step.
    const steady = trajectory({ ...bare, core: 'adabelief', lr }, oneLeaf([0], [[1], [1], [1], [1]])).map((x) => x[0]);
    expect(steady[0]).toBeLessThan(0);
    expect(steady[1]).toBeGreaterThan(steady[0]);
    expect(steady[2]).toBeLessThan(steady[1]);
  });

  it('gcConvOnly centralizes the leaves of ndim > 3 only', () => {
    const inputs = randomInputs(7, { k: [2, 2, 2, 2], w: [3, 4] }, 3);
    const run = (h: Record<string, unknown>) => runTrajectory(createRule('ranger21', { ...bare, usingNormgc: true, lr: 0.01, ...h }), jsBackend, { ...inputs, dtype: 'float64' }).at(-1)!;
    const convOnly = run({ usingGc: true, gcConvOnly: true });
    expect(convOnly.k).toEqual(run({ usingGc: true }).k);
    expect(convOnly.w).toEqual(run({ usingGc: false }).w);
    expect(convOnly.w).not.toEqual(run({ usingGc: true }).w);
  });

  it.each([
    [{ core: 'sgd' }, 'ranger21.core'],
    [{ core: 'madgrad', momentum: 0, softplus: false }, 'ranger21.softplus'],
    [{ core: 'madgrad', momentum: 1 }, 'ranger21.momentum'],
  ] as const)('%o: InvalidHyperparameter naming %s', (h, field) => {
    const r = rules.create('ranger21', { numEpochs: 2, numBatchesPerEpoch: 3, ...h });
    expect(E.isLeft(r) && [r.left.kind, r.left.field]).toEqual(['InvalidHyperparameter', field]);
  });

  const inputs = randomInputs(11, { w: [4, 3], b: [3] }, 8);
  it.each([
    ['adamw', { useCheb: true, numEpochs: 3 }],
    ['adabelief', {}],
    ['madgrad', { momentum: 0.9 }],
    ['madgrad', { momentum: 0, useCheb: true, numEpochs: 3 }],
  ] as const)('%s %o: save and resume mid-run equals the uninterrupted run bit for bit', (core, h) => {
    const make = () => createRule('ranger21', { lr: 0.01, numEpochs: 2, numBatchesPerEpoch: 4, lookaheadMergetime: 2, core, ...h });
    for (const split of [1, 3]) {
      const [resumed, whole] = resumedAndWhole(make, inputs, jsBackend, split);
      expect(resumed).toEqual(whole);
    }
  });

  it('the state of each core holds its own buffers', () => {
    const p = { w: jsBackend.fromArray([1, 2, 3, 4], [2, 2], 'float64') };
    const inner = (core: string, momentum = 0.9) => Object.keys(createRule('ranger21', { numEpochs: 2, numBatchesPerEpoch: 3, core, momentum, lookaheadActive: false }).init(p) as object).sort();
    expect(inner('adamw')).toEqual(['count', 'nu', 'pnm']);
    expect(inner('adabelief')).toEqual(['count', 'mu', 'nu']);
    expect(inner('madgrad')).toEqual(['count', 'gradSumSq', 'nu', 's', 'x0']);
  });
});
