import type { ElementwiseProgram, Expr } from '@opt/core';
import { elementwiseProgram, interpretProgram, jsBackend, lowerProgram, reduceProgram, runProgram, tidy } from '@opt/core';
import { describe, expect, it } from 'vitest';
import { reductionPasses } from './codegen/compile-reduction.js';
import { createWasmBackend } from './index.js';

const wasm = await createWasmBackend();

/** A small deterministic generator (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Units in the last place between two float32 values (NaN equal to NaN, infinities exact). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const buf = new DataView(new ArrayBuffer(8));
  const ordinal = (x: number) => { buf.setFloat32(0, x); const i = buf.getInt32(0); return i < 0 ? -(i & 0x7fffffff) : i; };
  return Math.abs(ordinal(a) - ordinal(b));
}

const UNARY = ['neg', 'abs', 'sqrt', 'square', 'sign', 'exp', 'log', 'reciprocal'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'min', 'max'] as const;

/**
 * A random program over tensors x, y, z and scalars a, b: `depth` nodes, each a unary, binary,
 * comparison-select or clamp of earlier values; sqrt and log see |v| + 0.5, exp sees a value
 * clamped to [−20, 20], so the exact results stay finite and well-conditioned.
 */
function randomProgram(seed: number, depth: number): ElementwiseProgram {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  return elementwiseProgram({ tensors: ['x', 'y', 'z'], scalars: ['a', 'b'] }, ({ x, y, z }, { a, b }) => {
    const pool: Expr[] = [x, y, z, a, b];
    for (let k = 0; k < depth; k++) {
      const u = pick(pool), v = pick(pool);
      const choice = r();
      let e: Expr;
      if (choice < 0.4) {
        const op = pick(UNARY);
        const arg = op === 'sqrt' || op === 'log' ? u.abs().add(0.5) : op === 'exp' ? u.clamp(-20, 20) : op === 'reciprocal' ? u.abs().add(1) : u;
        e = arg[op]();
      } else if (choice < 0.8) {
        const op = pick(BINARY);
        e = op === 'div' ? u.div(v.abs().add(1)) : u[op](v);
      } else if (choice < 0.9) {
        e = u.gt(v).select(u, v.mul(0.5));
      } else {
        e = u.clamp(-2, v.abs().add(1));
      }
      pool.push(e.clamp(-1e6, 1e6));
    }
    return { x: pool[pool.length - 1], w: pool[pool.length - 2] };
  });
}

const values = (r: () => number, n: number) => Array.from({ length: n }, () => (r() - 0.5) * 6);

describe('generated WASM against the reference interpreter and the lowering', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('random program %i (sizes 1, 3, 17, 1000)', (seed) => {
    const program = randomProgram(seed, 12);
    for (const n of [1, 3, 17, 1000]) {
      const r = rng(seed * 7919 + n);
      const host = { x: values(r, n), y: values(r, n), z: values(r, n) };
      const scalars = { a: r() * 2 - 1, b: r() * 4 };
      const f64 = interpretProgram(program, host, scalars, 'float64');
      const f32 = interpretProgram(program, host, scalars, 'float32');
      const lowered = tidy(() => {
        const ts = ['x', 'y', 'z'].map((k) => jsBackend.fromArray(host[k as 'x'], [n], 'float32'));
        const out = lowerProgram(jsBackend, program, ts, [scalars.a, scalars.b], 'float32');
        return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, jsBackend.readSync(t)]));
      });
      const generated = tidy(() => {
        const ts = Object.fromEntries(['x', 'y', 'z'].map((k) => [k, wasm.fromArray(host[k as 'x'], [n], 'float32')]));
        const out = runProgram(program, ts, { a: scalars.a, b: wasm.fromArray([scalars.b], [], 'float32') });
        expect(out.x).toBe(ts.x); // the output named like an input is written in place
        return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, wasm.readSync(t)]));
      });
      for (const name of ['x', 'w']) {
        for (let i = 0; i < n; i++) {
          const scale = Math.max(1, Math.abs(f64[name][i]));
          // The float32 executions agree with each other to a few float32 roundings per node
          // (exp and log are polynomials in the generated code), and with float64 loosely.
          expect(Math.abs(lowered[name][i] - f32[name][i]), `${name}[${i}] lowering`).toBeLessThanOrEqual(1e-6 * scale);
          expect(Math.abs(generated[name][i] - f32[name][i]), `${name}[${i}] wasm`).toBeLessThanOrEqual(2e-5 * scale);
          expect(Math.abs(f32[name][i] - f64[name][i]), `${name}[${i}] float32 vs float64`).toBeLessThanOrEqual(1e-3 * scale);
        }
      }
    }
  });

  it('runs every op on special values like the interpreter (NaN, ±Infinity, ±0, subnormals)', () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1, -1, 2.5, -2.5, 3, -3, 1e30, -1e30, 0.5];
    const n = specials.length;
    const program = elementwiseProgram({ tensors: ['x', 'y'] }, ({ x, y }) => ({
      neg: x.neg(), abs: x.abs(), sqrt: x.sqrt(), square: x.square(), sign: x.sign(), reciprocal: x.reciprocal(), isFinite: x.isFinite(),
      min: x.min(y), max: x.max(y), lt: x.lt(y), le: x.le(y), gt: x.gt(y), ge: x.ge(y), eq: x.eq(y), ne: x.ne(y),
      where: x.select(x, y), clamp: x.clamp(-2, 2), add: x.add(y), div: x.div(y),
    }));
    const ys = specials.map((_, i) => specials[(i * 7 + 3) % n]);
    const expected = interpretProgram(program, { x: specials, y: ys }, {}, 'float32');
    const got = tidy(() => {
      const out = runProgram(program, { x: wasm.fromArray(specials, [n], 'float32'), y: wasm.fromArray(ys, [n], 'float32') });
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(wasm.readSync(t))]));
    });
    for (const [name, want] of Object.entries(expected)) {
      want.forEach((w, i) => expect(Object.is(w, got[name][i]) || (w === 0 && got[name][i] === 0), `${name}(${specials[i]}, ${ys[i]}) = ${got[name][i]}, want ${w}`).toBe(true));
    }
  });
});

describe('specialization for scalars equal to 0, −0 and 1 (identities, mask forms)', () => {
  const program = elementwiseProgram({ tensors: ['x', 'y'], scalars: ['zero', 'negZero', 'one'] }, ({ x, y }, { zero, negZero, one }) => {
    const greater = x.sub(y).max(zero).select(one, zero); // rules' greaterThan(x, y)
    return {
      mul: x.mul(one), div: x.div(one), addNegZero: x.add(negZero), subZero: x.sub(zero), addZero: x.add(zero), one: one.mul(x),
      greater, chosen: greater.select(x, y), maxNegZero: x.max(negZero).select(x, y), maxValue: x.max(zero), maskOne: x.lt(y).select(one, zero),
      clamped: x.clamp(negZero, one), minFirst: one.min(x),
    };
  });
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1, -1, 2.5, -3, 0.5];
  const n = specials.length;
  const ys = specials.map((_, i) => specials[(i * 5 + 2) % n]);

  it.each([[0, -0, 1], [0.5, 2, 3], [-0, 0, 1], [1, 1, 0], [NaN, -2, NaN]])('scalars %j: every output as the interpreter computes it, bit for bit', (zero, negZero, one) => {
    const scalars = { zero, negZero, one };
    const expected = interpretProgram(program, { x: specials, y: ys }, scalars, 'float32');
    const got = tidy(() => {
      const out = runProgram(program, { x: wasm.fromArray(specials, [n], 'float32'), y: wasm.fromArray(ys, [n], 'float32') }, scalars);
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(wasm.readSync(t))]));
    });
    for (const [name, want] of Object.entries(expected)) {
      want.forEach((w, i) => expect(Object.is(w, got[name][i]), `${name}(${specials[i]}, ${ys[i]}) = ${got[name][i]}, want ${w}`).toBe(true));
    }
  });
});

describe('generated exp, log and pow: accuracy against Math rounded to float32', () => {
  const run = (program: ElementwiseProgram, x: number[], y?: number[]) => tidy(() => {
    const ts = { x: wasm.fromArray(x, [x.length], 'float32'), ...(y ? { y: wasm.fromArray(y, [y.length], 'float32') } : {}) };
    return Array.from(wasm.readSync(runProgram(program, ts).out));
  });
  const grid = (lo: number, hi: number, n: number) => Array.from(Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)));

  it('exp: at most 2 ulp over [−87, 88.7], subnormal and zero results within 1 unit, saturation and NaN', () => {
    const xs = grid(-87, 88.7, 20001);
    const got = run(elementwiseProgram({ tensors: ['x'] }, ({ x }) => ({ out: x.exp() })), xs);
    const worst = Math.max(...xs.map((x, i) => ulps(got[i], Math.fround(Math.exp(x)))));
    expect(worst).toBeLessThanOrEqual(2);
    const low = grid(-106, -87, 8001); // subnormal and zero results
    const lowGot = run(elementwiseProgram({ tensors: ['x'] }, ({ x }) => ({ out: x.exp() })), low);
    expect(Math.max(...low.map((x, i) => ulps(lowGot[i], Math.fround(Math.exp(x)))))).toBeLessThanOrEqual(1);
    const edges = [-Infinity, -200, -110, -104, -103.97, -100, -90, 89, 100, Infinity, NaN, 0];
    const e = run(elementwiseProgram({ tensors: ['x'] }, ({ x }) => ({ out: x.exp() })), edges);
    edges.forEach((x, i) => expect(ulps(e[i], Math.fround(Math.exp(x))), `exp(${x}) = ${e[i]}`).toBeLessThanOrEqual(1));
  });

  it('log: at most 2 ulp over normal and subnormal inputs; 0, negatives, Infinity and NaN', () => {
    const xs = [...grid(1e-3, 10, 10001), ...grid(10, 1e6, 5001), ...Array.from({ length: 200 }, (_, i) => Math.fround(1.5 ** (i - 150))), 1e-40, 1e-44, 3e38];
    const got = run(elementwiseProgram({ tensors: ['x'] }, ({ x }) => ({ out: x.log() })), xs);
    const worst = Math.max(...xs.map((x, i) => ulps(got[i], Math.fround(Math.log(Math.fround(x))))));
    expect(worst).toBeLessThanOrEqual(2);
    const edges = [0, -0, -1, -Infinity, Infinity, NaN, 1];
    const e = run(elementwiseProgram({ tensors: ['x'] }, ({ x }) => ({ out: x.log() })), edges);
    edges.forEach((x, i) => expect(Object.is(e[i], Math.log(x)) || e[i] === Math.log(x), `log(${x}) = ${e[i]}`).toBe(true));
  });

  it('pow: within 1e-5 relative for moderate exponents, with the sign and special cases of Math.pow', () => {
    const bases = [2, 0.5, 3, -2, -2, -2, 0, 0, 0, -0.5, 1, NaN, 10, 7.25];
    const exps = [10, -3, 0.5, 3, 2, 0.5, 2, -1, 0, 3, NaN, 0, -4, 1.75];
    const got = run(elementwiseProgram({ tensors: ['x', 'y'] }, ({ x, y }) => ({ out: x.pow(y) })), bases, exps);
    bases.forEach((a, i) => {
      const want = Math.fround(Math.pow(a, exps[i]));
      if (!Number.isFinite(want)) expect(Object.is(got[i], want), `${a}^${exps[i]} = ${got[i]}`).toBe(true);
      else expect(Math.abs(got[i] - want), `${a}^${exps[i]} = ${got[i]}`).toBeLessThanOrEqual(1e-5 * Math.abs(want));
    });
  });
});

describe('generated reductions (one pass, outputs never materialized)', () => {
  const ALL = [
    { op: 'sum', outputs: [0] }, { op: 'sumSquares', outputs: [0] }, { op: 'dot', outputs: [0, 1] },
    { op: 'max', outputs: [0] }, { op: 'min', outputs: [1] }, { op: 'maxAbs', outputs: [1] },
  ] as const;
  /** The same reductions on the host over the generated per-element values: float64 sums rounded once, exact extremes. */
  const onHost = (u: readonly number[], w: readonly number[]) => [
    u.reduce((a, b) => a + b, 0), u.reduce((a, b) => a + b * b, 0), u.reduce((a, b, i) => a + b * w[i], 0),
    u.some(Number.isNaN) ? NaN : Math.max(-Infinity, ...u), w.some(Number.isNaN) ? NaN : Math.min(Infinity, ...w),
    w.some(Number.isNaN) ? NaN : Math.max(0, ...w.map(Math.abs)),
  ].map(Math.fround);

  it.each([1, 2, 3, 4])('random program %i: the reductions of runProgram\'s outputs (sizes 1, 3, 8, 17, 1000)', (seed) => {
    const program = randomProgram(seed, 12);
    for (const n of [1, 3, 8, 17, 1000]) {
      const r = rng(seed * 31 + n);
      const [x, y, z] = [values(r, n), values(r, n), values(r, n)];
      const scalars = { a: r() * 2 - 1, b: r() * 4 };
      tidy(() => {
        const ts = { x: wasm.fromArray(x, [n], 'float32'), y: wasm.fromArray(y, [n], 'float32'), z: wasm.fromArray(z, [n], 'float32') };
        const got = reduceProgram(program, ts, scalars, ALL).map((t) => wasm.readSync(t)[0]);
        const out = runProgram(program, { ...ts, x: wasm.reshape(ts.x, [n]) }, scalars);
        const want = onHost(Array.from(wasm.readSync(out.x)), Array.from(wasm.readSync(out.w)));
        // Sums differ from the host's only in the float64 summation order (far below a float32 ulp).
        got.forEach((g, j) => expect(ulps(g, want[j]), `${ALL[j].op} n=${n}: ${g} vs ${want[j]}`).toBeLessThanOrEqual(j < 3 ? 1 : 0));
      });
    }
  });

  it('propagates NaN from any lane, body or tail; max(−0, +0) = +0, min = −0; maxAbs of −0 is +0', () => {
    const sum = elementwiseProgram({ tensors: ['x', 'y'] }, ({ x, y }) => ({ u: x, v: y }));
    for (const at of [0, 3, 5, 8, 10]) {
      const x = Array.from({ length: 11 }, (_, i) => (i === at ? NaN : i - 5));
      const got = tidy(() => reduceProgram(sum, { x: wasm.fromArray(x, [11], 'float32'), y: wasm.fromArray(x, [11], 'float32') }, {}, ALL).map((t) => wasm.readSync(t)[0]));
      expect(got.every(Number.isNaN), `NaN at ${at}: ${got}`).toBe(true);
    }
    const zeros = tidy(() => reduceProgram(sum, { x: wasm.fromArray([-0, 0, -0], [3], 'float32'), y: wasm.fromArray([0, -0, -0], [3], 'float32') }, {}, ALL)
      .map((t) => wasm.readSync(t)[0]));
    expect(Object.is(zeros[3], 0) && Object.is(zeros[4], -0) && Object.is(zeros[5], 0), `${zeros}`).toBe(true);
  });
});

describe('reduction passes (reductions over disjoint tensors split to fit the registers)', () => {
  const program = elementwiseProgram({ tensors: ['x', 'y', 'z'] }, ({ x, y, z }) => ({ u: x, v: y.mul(2), w: z }));
  const reductions = [
    { op: 'sumSquares', outputs: [0] }, { op: 'maxAbs', outputs: [1] }, { op: 'dot', outputs: [0, 0] }, { op: 'sum', outputs: [2] },
  ] as const;

  it('groups the reductions of one tensor and packs disjoint groups up to four accumulators', () => {
    // x: sumSquares and dot (2), y: maxAbs (2, its NaN lanes apart), z: sum (1).
    expect(reductionPasses(program, reductions)).toEqual([[0, 1, 2], [3]]);
    expect(reductionPasses(program, [reductions[3], reductions[0]])).toEqual([[0, 1]]);
  });

  it('gives each reduction as the host computes it, counting the passes and the tensors each reads', () => {
    const n = 1003;
    const r = rng(7);
    const [x, y, z] = [values(r, n), values(r, n), values(r, n)];
    const before = { ...wasm.elementwise.traffic! };
    const got = tidy(() => reduceProgram(program, { x: wasm.fromArray(x, [n], 'float32'), y: wasm.fromArray(y, [n], 'float32'), z: wasm.fromArray(z, [n], 'float32') }, {}, reductions)
      .map((t) => wasm.readSync(t)[0]));
    const [fx, fy, fz] = [x, y, z].map((v) => v.map(Math.fround));
    const want = [fx.reduce((a, b) => a + b * b, 0), Math.max(...fy.map((v) => Math.abs(2 * v))), fx.reduce((a, b) => a + b * b, 0), fz.reduce((a, b) => a + b, 0)].map(Math.fround);
    got.forEach((g, j) => expect(ulps(g, want[j]), `${reductions[j].op}: ${g} vs ${want[j]}`).toBeLessThanOrEqual(j === 1 ? 0 : 1));
    expect(wasm.elementwise.traffic!.passes - before.passes).toBe(2);
    expect(wasm.elementwise.traffic!.bytes - before.bytes).toBe(4 * n * 3);
  });
});

describe('compiled-program cache', () => {
  it('a changed scalar reuses the compiled program and gives the new result', () => {
    const program = elementwiseProgram({ tensors: ['p'], scalars: ['lr'] }, ({ p }, { lr }) => ({ p: p.mul(lr) }));
    const same = elementwiseProgram({ tensors: ['q'], scalars: ['s'] }, ({ q }, { s }) => ({ q: q.mul(s) }));
    expect(same.key).toBe(program.key);
    const p = wasm.fromArray([1, 2, 3, 4, 5], [5], 'float32');
    runProgram(program, { p }, { lr: 2 });
    runProgram(program, { p }, { lr: 0.5 });
    expect(Array.from(wasm.readSync(p))).toEqual([1, 2, 3, 4, 5]);
    wasm.dispose(p);
  });
});
