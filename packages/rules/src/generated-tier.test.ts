import { join } from 'node:path';
import type { Params, Tensor, Transform } from '@opt/core';
import { Optimizer, collectTensors, disposeTensors, exp, mul, reduce, sqrt, tracedFusedStep, treeLeaves, where } from '@opt/core';
import { compareTrajectories, describeComparison, fixturesDir, float32Tolerance, loadCases } from '@opt/testing';
import { createWasmBackend } from '@opt/wasm';
import { describe, expect, it } from 'vitest';
import { generatedTierRuleIds } from './generated-tier.js';
import { createRule } from './registry.js';
import { replayTrajectory } from './replay.js';

const wasm = await createWasmBackend();
const inTier = (c: { rule: string }) => generatedTierRuleIds.includes(c.rule);
/** The float32 cases of every fixture set, and float64 cases replayed in float32 for rules without one. */
const cases = ['torch', 'rules', 'rules-b', 'rules-c'].flatMap((dir) => {
  const all = loadCases(join(fixturesDir, dir), inTier);
  const with32 = new Set(all.filter((c) => c.dtype === 'float32').map((c) => c.rule));
  return all.filter((c) => c.dtype === 'float32' || (!with32.has(c.rule) && c.id.endsWith('-1')));
});

describe('generated tier 3 on wasm: fused equals composed within 2e-5', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const fused = replayTrajectory(c, wasm, { fused: true, dtype: 'float32' });
    const composed = replayTrajectory(c, wasm, { fused: false, dtype: 'float32' });
    const r = compareTrajectories(fused, composed, float32Tolerance);
    expect(r.ok, describeComparison(r)).toBe(true);
  });

  it('covers a fixture case of every baseline rule and of the listed paper rules', () => {
    const covered = new Set(cases.map((c) => c.rule));
    for (const id of ['nadam', 'radam', 'adamax', 'adagrad', 'rmsprop', 'adadelta', 'lion', 'adabelief', 'diffgrad', 'adabound', 'amsbound',
      'ademamix', 'grams', 'adan', 'gravity', 'sgd-sai', 'stable-spam', 'mars']) expect(covered, id).toContain(id);
  });
});

/** Deterministic values of a given magnitude (zeros when scale is 0), with both signs. */
const values = (n: number, seed: number, scale: number): number[] =>
  Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + seed) * (1 + 0.5 * Math.cos(0.3 * i * seed)));

const SIZES = [1, 3, 17, 1000];
const MAGNITUDES = [0, 1e-7, 1e3];

/** Params of sizes 1, 3, 17 and 1000 (one 2-D), the gradients scaled by `scale` per step. */
function runRule(id: string, fused: boolean, scale: number, steps = 3): number[][] {
  const t = createRule(id, {});
  const shapes = SIZES.map((n) => (n === 1000 ? [40, 25] : [n]));
  const params: Params = Object.fromEntries(shapes.map((s, k) => [`p${k}`, wasm.fromArray(values(s.reduce((a, b) => a * b, 1), k + 1, 0.5), s, 'float32')]));
  const opt = new Optimizer(t, params, { fused, nonFinite: 'ignore' });
  try {
    for (let step = 0; step < steps; step++) {
      const grads: Params = Object.fromEntries(shapes.map((s, k) => [`p${k}`, wasm.fromArray(values(s.reduce((a, b) => a * b, 1), 10 * step + k + 3, scale), s, 'float32')]));
      opt.step(grads);
      disposeTensors(grads);
    }
    return treeLeaves(opt.params).map((p) => Array.from(wasm.readSync(p)));
  } finally {
    opt.dispose();
  }
}

/** Leaves equal within the project's float32 tolerance (2e-5 relative, 2e-5 absolute; NaN matches NaN). */
function expectClose(a: number[][], b: number[][], label: string): void {
  const asSteps = (x: number[][]) => [Object.fromEntries(x.map((leaf, k) => [`p${k}`, leaf]))];
  const r = compareTrajectories(asSteps(a), asSteps(b), float32Tolerance);
  expect(r.ok, `${label}: ${describeComparison(r)}`).toBe(true);
}

/**
 * SWATS switches to SGD when its running estimate crosses a threshold; with 1e3 gradients the
 * estimate sits at the threshold and one float32 ulp flips the switch, so that magnitude is
 * left to its fixtures.
 */
const magnitudesFor = (id: string) => (id === 'swats' ? MAGNITUDES.filter((m) => m !== 1e3) : MAGNITUDES);

// Every rule of the tier: the matrix and low-rank rules take their matrix path on the 2-D leaf, their vector path on the others.
describe('generated tier 3 on wasm: random inputs (sizes 1, 3, 17, 1000; gradients 0, 1e-7, 1e3)', () => {
  it.each(generatedTierRuleIds)('%s', (id) => {
    for (const scale of magnitudesFor(id)) expectClose(runRule(id, true, scale), runRule(id, false, scale), `${id} at ${scale}`);
  });
});

describe('generated tier 3 state handling', () => {
  const leaf = (seed: number) => wasm.fromArray(values(17, seed, 1), [17], 'float32');

  it('writes the parameter and the state tensors in place and keeps the composed state layout', () => {
    const t = createRule('nadam', { weightDecay: 0.01 });
    const params = { w: leaf(1) };
    const grads = { w: leaf(2) };
    const state = t.init(params);
    const before = collectTensors(state);
    const [, composed] = t.update(grads, t.init(params), params);
    const fused = t.fusedStep!(params, grads, state)!;
    expect(collectTensors(fused)).toEqual(before);
    expect(JSON.stringify(fused, (_, v) => (v?.backend ? 'tensor' : v))).toBe(JSON.stringify(composed, (_, v) => (v?.backend ? 'tensor' : v)));
    disposeTensors([params, grads, state, composed]);
  });

  it('returns undefined on a backend without the elementwise capability (the shell composes)', async () => {
    const { jsBackend } = await import('@opt/core');
    const t = createRule('lion', {});
    const params = { w: jsBackend.fromArray([1, 2], [2], 'float32') };
    const state = t.init(params);
    expect(t.fusedStep!(params, { w: jsBackend.fromArray([1, -1], [2], 'float32') }, state)).toBeUndefined();
  });

  it.each(['adan', 'ademamix', 'stable-spam', 'rmsprop'])('%s: save/resume across tiers equals the uninterrupted fused run', (id) => {
    const shapes = { a: [17], b: [3] };
    const grad = (step: number): Record<string, Tensor> => ({ a: wasm.fromArray(values(17, step + 1, 1), [17], 'float32'), b: wasm.fromArray(values(3, step + 7, 1), [3], 'float32') });
    const start = () => ({ a: wasm.fromArray(values(17, 9, 1), shapes.a, 'float32'), b: wasm.fromArray(values(3, 8, 1), shapes.b, 'float32') });
    const stepWith = <S>(opt: Optimizer<S>, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        const g = grad(s);
        opt.step(g);
        disposeTensors(g);
      }
    };
    const straight = new Optimizer(createRule(id, {}), start(), { nonFinite: 'ignore' });
    stepWith(straight, 0, 5);
    for (const [first, second] of [[true, false], [false, true]]) {
      const a = new Optimizer(createRule(id, {}), start(), { fused: first, nonFinite: 'ignore' });
      stepWith(a, 0, 2);
      const resumed = Optimizer.restore(createRule(id, {}), a.checkpointSync(), wasm, { fused: second, nonFinite: 'ignore' });
      stepWith(resumed, 2, 5);
      expectClose(treeLeaves(resumed.params).map((p) => Array.from(wasm.readSync(p))), treeLeaves(straight.params).map((p) => Array.from(wasm.readSync(p))), `${id} ${first}->${second}`);
      a.dispose();
      resumed.dispose();
    }
    straight.dispose();
  });

  /**
   * Run `step` with the wasm Backend ops and the generated reduce spied: the calls in order,
   * 'generated reduce' for each reduction call, and the ops that produced a tensor of n elements
   * (none: no intermediate of the parameter's size is materialized) or reduced.
   */
  function spiedCalls(n: number, step: () => void): string[] {
    const calls: string[] = [];
    const spied = ['unary', 'binary', 'axpby', 'addcdiv', 'where', 'clamp', 'reduce', 'dot'] as const;
    const originals = spied.map((op) => wasm[op]);
    const reduce = wasm.elementwise.reduce!;
    spied.forEach((op, k) => {
      (wasm as unknown as Record<string, unknown>)[op] = (...args: never[]) => {
        const out = (originals[k] as (...a: never[]) => Tensor).apply(wasm, args);
        if (op === 'reduce' || op === 'dot' || out.size === n) calls.push(op);
        return out;
      };
    });
    (wasm.elementwise as { reduce: typeof reduce }).reduce = (...args) => {
      calls.push('generated reduce');
      reduce(...args);
    };
    try {
      step();
    } finally {
      spied.forEach((op, k) => { (wasm as unknown as Record<string, unknown>)[op] = originals[k]; });
      (wasm.elementwise as { reduce: typeof reduce }).reduce = reduce;
    }
    return calls;
  }

  // Per-tensor reductions run as generated reduction passes (independent ones share a pass), so
  // no intermediate of the parameter's size is ever materialized by a Backend op.
  it.each([['dog', 1], ['ldog', 1], ['agc', 1], ['gravity', 1], ['swats', 1], ['orthograd', 1]] as const)(
    '%s: %i reduction pass(es) per step and no materialized intermediate', (id, passes) => {
      const n = 1000;
      const opt = new Optimizer(createRule(id, {}), { w: wasm.fromArray(values(n, 1, 0.5), [n], 'float32') }, { nonFinite: 'ignore' });
      try {
        for (let step = 0; step < 3; step++) {
          const g = { w: wasm.fromArray(values(n, step + 3, 1), [n], 'float32') };
          expect(spiedCalls(n, () => opt.step(g))).toEqual(Array<string>(passes).fill('generated reduce'));
          disposeTensors(g);
        }
      } finally {
        opt.dispose();
      }
    });

  // max|g| and ‖g‖² share the first pass; ‖clip(g)‖ equals ‖g‖ unless max|g| exceeds the
  // threshold m̂, and only then does the pass over the clipped gradient run (the tracer decides
  // that 0-d where on the host).
  it('stable-spam: one reduction pass per step while nothing is clipped, two on a spike; fused equals composed', () => {
    const n = 1000;
    const scales = [1, 0.5, 4];
    const run = (fused: boolean) => {
      const opt = new Optimizer(createRule('stable-spam', {}), { w: wasm.fromArray(values(n, 1, 0.5), [n], 'float32') }, { fused, nonFinite: 'ignore' });
      const passes = scales.map((scale) => {
        const g = { w: wasm.fromArray(values(n, 3, scale), [n], 'float32') };
        const calls = spiedCalls(n, () => opt.step(g));
        disposeTensors(g);
        return calls;
      });
      const params = treeLeaves(opt.params).map((p) => Array.from(wasm.readSync(p)));
      opt.dispose();
      return { passes, params };
    };
    const fused = run(true);
    expect(fused.passes).toEqual([['generated reduce'], ['generated reduce'], ['generated reduce', 'generated reduce']]);
    expectClose(fused.params, run(false).params, 'stable-spam through a spike');
  });

  // Under a constant gradient of one magnitude SWATS' estimate equals its running mean from step 2
  // (to eps/(100·√(1 − b2²)) relative), so it switches there. Its phase flag is a 0-d state tensor:
  // the tracer decides the per-element wheres on it on the host, so each step computes one phase.
  it('swats: fused equals composed through its switch to SGD', () => {
    const n = 1000;
    const run = (fused: boolean) => {
      const opt = new Optimizer(createRule('swats', { lr: 0.1 }), { w: wasm.fromArray(values(n, 1, 0.5), [n], 'float32') }, { fused, nonFinite: 'ignore' });
      const switched = Array.from({ length: 5 }, () => {
        const g = { w: wasm.fromArray(values(n, 3, 1).map((x) => (x < 0 ? -100 : 100)), [n], 'float32') };
        opt.step(g);
        disposeTensors(g);
        return wasm.readSync((opt.state as unknown as { switched: Tensor }).switched)[0];
      });
      const params = treeLeaves(opt.params).map((p) => Array.from(wasm.readSync(p)));
      opt.dispose();
      return { switched, params };
    };
    const fused = run(true);
    expect(fused.switched).toEqual([0, 1, 1, 1, 1]);
    expectClose(fused.params, run(false).params, 'swats through its switch');
  });

  // A where on a 0-d state flag is decided on the host by the tracer (a synchronous backend), so
  // the generated kernel holds only the branch taken.
  it('a per-element where on a 0-d state flag compiles only the branch taken', () => {
    const flagged: Transform<{ flag: Tensor }> = {
      init: (params) => ({ flag: (params as { w: Tensor }).w.backend.full([], 1, 'float32') }),
      update: (g, state) => [{ w: where(state.flag, mul((g as { w: Tensor }).w, 2), exp((g as { w: Tensor }).w)) }, state],
      elementwise: true,
    };
    const programs: string[][] = [];
    const run = wasm.elementwise!.run;
    (wasm.elementwise as { run: typeof run }).run = (program, ...rest) => {
      programs.push(program.nodes.map((node) => node.op));
      return run.call(wasm.elementwise, program, ...rest);
    };
    const opt = new Optimizer({ ...flagged, fusedStep: tracedFusedStep(flagged) }, { w: wasm.fromArray(values(17, 1, 1), [17], 'float32') }, { fused: true, nonFinite: 'ignore' });
    try {
      const g = { w: wasm.fromArray(values(17, 2, 1), [17], 'float32') };
      opt.step(g);
      disposeTensors(g);
      expect(programs.length).toBeGreaterThan(0);
      expect(programs.flat()).not.toContain('exp');
      expect(programs.flat()).not.toContain('where');
      const [p0, g0] = [new Float32Array(values(17, 1, 1)), new Float32Array(values(17, 2, 1))];
      expect(Array.from(wasm.readSync((opt.params as { w: Tensor }).w))).toEqual(Array.from(new Float32Array(p0.map((p, i) => p + 2 * g0[i]))));
    } finally {
      (wasm.elementwise as { run: typeof run }).run = run;
      opt.dispose();
    }
  });

  // Each group of writes runs right after the reductions it reads, unless a reduction reads a
  // tensor that an earlier group writes: here b's step reads ‖a‖, and a is written first.
  it('runs a reduction before an earlier write group that changes its input', () => {
    const crossLeaf: Transform<null> = {
      init: () => null,
      update: (g, _state, params) => {
        const { a } = params as { a: Tensor };
        const grads = g as { a: Tensor; b: Tensor };
        return [{ a: mul(grads.a, -0.5), b: mul(grads.b, sqrt(reduce('sumSquares', a))) }, null];
      },
      elementwise: false,
    };
    const run = (fused: boolean) => {
      const opt = new Optimizer({ ...crossLeaf, fusedStep: tracedFusedStep(crossLeaf) }, { a: wasm.fromArray(values(17, 1, 1), [17], 'float32'), b: wasm.fromArray(values(5, 2, 1), [5], 'float32') }, { fused });
      for (let step = 0; step < 2; step++) {
        const g = { a: wasm.fromArray(values(17, step + 3, 1), [17], 'float32'), b: wasm.fromArray(values(5, step + 4, 1), [5], 'float32') };
        opt.step(g);
        disposeTensors(g);
      }
      const out = treeLeaves(opt.params).map((p) => Array.from(wasm.readSync(p)));
      opt.dispose();
      return out;
    };
    expectClose(run(true), run(false), 'b scaled by the norm of a before its write');
  });

  it('frees every tensor a generated step allocates', () => {
    const before = wasm.liveTensors;
    for (const id of ['stable-spam', 'sgd-sai', 'adamp', 'nadam']) runRule(id, true, 1, 2);
    expect(wasm.liveTensors).toBe(before);
  });
});
