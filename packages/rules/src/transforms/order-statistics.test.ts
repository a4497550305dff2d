import type { Backend, Tensor } from '@opt/core';
import { Optimizer, Rng, jsBackend } from '@opt/core';
import { createWasmBackend } from '@opt/wasm';
import { describe, expect, it, vi } from 'vitest';
import { createRule } from '../registry.js';
import { autoClip } from './autoclip.js';
import { grokfastMa } from './grokfast-ma.js';
import { kthLargest, kthLargestByBisection } from './order-statistics.js';

const rng = new Rng(21);
const read = (t: Tensor) => Array.from(t.backend.readSync!(t));
const wasm = await createWasmBackend();

describe('kthLargest on the JS backend (the bisection)', () => {
  it.each(['float64', 'float32'] as const)('equals the sorted order statistic exactly (%s, two leaves, ties)', (dtype) => {
    const data = Array.from(rng.normal(40), Math.abs);
    data[3] = data[7];
    const xs = [jsBackend.fromArray(data.slice(0, 25), [5, 5], dtype), jsBackend.fromArray(data.slice(25), [15], dtype)];
    const sorted = [...xs.flatMap(read)].sort((p, q) => q - p);
    for (const k of [1, 2, 10, 20, 39, 40]) expect(read(kthLargest(xs, k))[0]).toBe(sorted[k - 1]);
  });
  it('zeros and a k out of range', () => {
    const x = [jsBackend.fromArray([0, 0, 3, 0], [4], 'float64')];
    expect(read(kthLargest(x, 2))[0]).toBe(0);
    expect(() => kthLargest(x, 5)).toThrow(/kthLargest\.k/);
  });
});

describe('kthLargest on wasm (backend.order: radix select) equals the bisection and a host sort bit for bit', () => {
  /** |normal| float32 data with ties (every 5th element repeats its neighbour) and zeros (every 11th). */
  const magnitudes = (n: number) => Float32Array.from(rng.normal(n), Math.abs).map((x, i, a) => (i % 11 === 0 ? 0 : i % 5 === 0 ? a[i - 1] : x));
  const upload = (data: Float32Array, sizes: readonly number[], backend: Backend) => {
    let at = 0;
    return sizes.map((s) => backend.fromArray(data.subarray(at, (at += s)), [s], 'float32'));
  };
  const cases: [sizes: number[], ks: 'all' | number[]][] = [
    [[1], 'all'], [[7], 'all'], [[2, 5], 'all'], [[1, 1, 2, 3], 'all'],
    [[1000], 'all'], [[1, 2, 997], [1, 2, 100, 101, 500, 999, 1000]], [[250, 250, 250, 250], [1, 3, 250, 251, 777, 1000]],
    [[100003], [1, 10001, 100003]], [[3, 100000], [2, 50000]], [[25000, 25000, 25000, 25003], [10001, 100002]],
  ];
  it.each(cases)('%j elements, k %j', (sizes, ks) => {
    const n = sizes.reduce((a, b) => a + b, 0);
    const data = magnitudes(n);
    const want = Float32Array.from(data).sort().reverse();
    const xs = upload(data, sizes, wasm);
    for (const k of ks === 'all' ? Array.from({ length: n }, (_, i) => i + 1) : ks) {
      const got = read(kthLargest(xs, k))[0];
      expect([k, got]).toEqual([k, want[k - 1]]);
      expect([k, read(kthLargestByBisection(xs, k))[0]]).toEqual([k, got]);
    }
  });
  it('NaN gives NaN as the bisection does; k out of range names kthLargest.k on both paths', () => {
    const x = wasm.fromArray([1, NaN, 2], [3], 'float32');
    expect(read(kthLargest([x], 1))[0]).toBeNaN();
    expect(read(kthLargestByBisection([x], 1))[0]).toBeNaN();
    for (const k of [0, 4]) {
      expect(() => kthLargest([x], k)).toThrow(/kthLargest\.k/);
      expect(() => kthLargestByBisection([x], k)).toThrow(/kthLargest\.k/);
    }
  });
  it("coord-clip's generated tier selects with backend.order and clips at the exact (⌊qN⌋+1)-th largest |g|", () => {
    const shapes = [[40, 30], [17]] as const;
    const data = shapes.map((s) => Float32Array.from(rng.normal(s.reduce((a: number, b: number) => a * b, 1))));
    const grads = Object.fromEntries(data.map((d, i) => [`p${i}`, wasm.fromArray(d, shapes[i], 'float32')]));
    const start = () => Object.fromEntries(shapes.map((s, i) => [`p${i}`, wasm.full(s, 1, 'float32')]));
    const spy = vi.spyOn(wasm.order, 'kthLargest');
    const passes = () => wasm.elementwise.traffic!.passes;
    const stepped = [true, false].map((fused) => {
      const opt = new Optimizer(createRule('coord-clip', { lr: 1, quantile: 0.3 }), start(), { fused });
      const before = passes();
      opt.step(grads);
      expect([fused, passes() > before]).toEqual([fused, fused]);
      return Object.values(opt.params).map((p) => read(p as Tensor));
    });
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    const all = data.flatMap((d) => Array.from(d, Math.abs)).sort((a, b) => b - a);
    const tau = all[Math.floor(0.3 * all.length)];
    const want = data.map((d) => Array.from(d, (g) => Math.fround(1 - Math.min(tau, Math.max(-tau, g)))));
    expect(stepped).toEqual([want, want]);
  });
});

describe('autoClip', () => {
  const grads = Array.from({ length: 6 }, (_, t) => jsBackend.fromArray(Array.from(rng.normal(5), (v) => v * (t + 1)), [5], 'float64'));
  const run = (p: number) => {
    const t = autoClip({ percentile: p });
    let s = t.init(grads[0]);
    return grads.map((g) => { const [u, next] = t.update(g, s); s = next; return read(u as Tensor); });
  };
  it('p = 100 never clips (beyond clip_grad_norm_\'s 1e-6 in the denominator)', () =>
    run(100).forEach((u, t) => read(grads[t]).forEach((v, i) => expect(Math.abs(u[i] - v)).toBeLessThanOrEqual(1e-5 * Math.abs(v)))));
  it('clips the norm to numpy\'s linear-interpolated percentile of the history, as clip_grad_norm_', () => {
    const p = 30;
    const norms = grads.map((g) => Math.hypot(...read(g)));
    run(p).forEach((u, t) => {
      const hist = norms.slice(0, t + 1).sort((x, y) => x - y);
      const pos = (p / 100) * (hist.length - 1);
      const lo = Math.floor(pos);
      const tau = hist[lo] + (pos - lo) * ((hist[lo + 1] ?? hist[lo]) - hist[lo]);
      const factor = Math.min(1, tau / (norms[t] + 1e-6));
      read(grads[t]).forEach((v, i) => expect(u[i]).toBeCloseTo(v * factor, 12));
    });
  });
  it('validates the percentile', () => expect(() => autoClip({ percentile: 101 })).toThrow(/autoClip\.percentile/));
});

describe('grokfastMa', () => {
  it('constant gradient: unchanged during warmup, then (1 + λ)·g', () => {
    const g = jsBackend.fromArray([1, -2, 3], [3], 'float64');
    const t = grokfastMa({ windowSize: 3, lamb: 2 });
    let s = t.init(g);
    const outs = [0, 1, 2, 3].map(() => { const [u, next] = t.update(g, s); s = next; return read(u as Tensor); });
    expect(outs.slice(0, 2)).toEqual([[1, -2, 3], [1, -2, 3]]);
    outs.slice(2).forEach((u) => expect(u).toEqual([3, -6, 9]));
    expect(s.window).toHaveLength(3);
  });
  it('window mean of the last gradients, including the current one; sum filter', () => {
    const gs = [[1, 0], [0, 1], [2, 2], [4, 0]].map((v) => jsBackend.fromArray(v, [2], 'float64'));
    const run = (filter: 'mean' | 'sum') => {
      const t = grokfastMa({ windowSize: 2, lamb: 1, filter, warmup: false });
      let s = t.init(gs[0]);
      return gs.map((g) => { const [u, next] = t.update(g, s); s = next; return read(u as Tensor); });
    };
    expect(run('mean')).toEqual([[2, 0], [0.5, 1.5], [3, 3.5], [7, 1]]);
    expect(run('sum')[3]).toEqual([10, 2]);
  });
});
