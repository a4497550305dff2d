import { jsBackend } from '@opt/core';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from './index.js';
import { readOf, values } from './test-helpers.js';

const backend = await createWasmBackend();

/** Non-negative float32 specials: zeros, the smallest subnormals and normal, huge values, +Infinity. */
const SPECIALS = [0, 1e-45, 3e-45, 1e-40, 1.1754944e-38, 1e-30, 1, 1e30, 3.4028235e38, Infinity];

/** |normal| data with every `every`-th element a special (0: none), as float32. */
function magnitudes(n: number, seed: number, every = 0): Float32Array {
  const out = values(n, seed).map(Math.abs);
  if (every > 0) for (let i = 0; i < n; i += every) out[i] = SPECIALS[(i / every) % SPECIALS.length];
  return out;
}

/** Split `data` into tensors of the given sizes (they add up to its length). */
function split(data: Float32Array, sizes: readonly number[]): Float32Array[] {
  let at = 0;
  return sizes.map((s) => data.slice(at, (at += s)));
}

/** The k-th largest by a host sort, −0 read as +0: the exact answer. */
function sortedDescending(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p.map((x) => x + 0), (at += p.length) - p.length);
  return all.sort().reverse();
}

/** The kernel's answer for each k, with the inputs uploaded once and every tensor freed afterwards. */
function kernelSelect(parts: readonly Float32Array[], ks: readonly number[]): number[] {
  const xs = parts.map((p) => backend.fromArray(p, [p.length], 'float32'));
  const got = ks.map((k) => {
    const t = backend.order.kthLargest(xs, k);
    const [v] = readOf(t);
    expect(t.shape).toEqual([]);
    backend.dispose(t);
    return v;
  });
  xs.forEach((x) => backend.dispose(x));
  return got;
}

/** The kernel equals the host sort bit for bit (Object.is: +0 and −0 differ) for every k in `ks`. */
function expectExact(parts: readonly Float32Array[], ks: readonly number[]): void {
  const want = sortedDescending(parts);
  kernelSelect(parts, ks).forEach((v, i) => {
    if (!Object.is(v, want[ks[i] - 1])) expect.fail(`k = ${ks[i]}: got ${v}, want ${want[ks[i] - 1]}`);
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const LAYOUTS: Record<number, number[][]> = { 1: [[1]], 7: [[7], [3, 4], [1, 2, 4], [2, 1, 1, 3]], 1000: [[1000], [1, 999], [250, 250, 250, 250]] };
const LARGE_LAYOUTS = [[100003], [50000, 50003], [3, 99996, 4], [25000, 25000, 3, 50000]];
/** A spread of ranks of n, the ends included. */
const ranksOf = (n: number): number[] => [...new Set([1, 2, 3, Math.floor(n / 100), Math.floor(n / 10) + 1, Math.floor(n / 2), n - 7, n - 1, n])].filter((k) => k >= 1);

describe('order.kthLargest (radix select on float32 bits)', () => {
  for (const n of [1, 7, 1000]) {
    for (const sizes of LAYOUTS[n]) {
      it(`equals a host sort for every k: ${n} elements as [${sizes.join(', ')}]`, () => {
        expectExact(split(magnitudes(n, n + sizes.length), sizes), range(n));
        expectExact(split(magnitudes(n, 2 * n + sizes.length, 3), sizes), range(n));
      });
    }
  }

  it('ties and zeros: repeated values, all equal, all zero', () => {
    const ties = Float32Array.from(magnitudes(1000, 5), (x) => Math.round(4 * x) / 4);
    expectExact([ties], range(1000));
    expectExact([new Float32Array(7).fill(2.5), new Float32Array(3).fill(2.5)], range(10));
    expectExact([new Float32Array(1000)], [1, 500, 1000]);
  });

  it('adjacent floats, subnormals and Infinity are told apart', () => {
    const adjacent = new Float32Array(new Uint32Array([0x3f800000, 0x3f800001, 0x3f7fffff, 1, 2, 0x7f7fffff, 0x7f800000, 0x00800000, 0x007fffff]).buffer);
    expectExact([adjacent], range(adjacent.length));
    expectExact(split(adjacent, [4, 5]), range(adjacent.length));
  });

  for (const sizes of LARGE_LAYOUTS) {
    it(`100 003 elements as [${sizes.join(', ')}]: |normal|, with specials, with 90 % zeros`, () => {
      const n = 100003;
      const ks = ranksOf(n);
      expectExact(split(magnitudes(n, sizes.length), sizes), ks);
      expectExact(split(magnitudes(n, 10 + sizes.length, 97), sizes), ks);
      const sparse = magnitudes(n, 20 + sizes.length).map((x, i) => (i % 10 === 3 ? x : 0));
      expectExact(split(sparse, sizes), ks);
    });
  }

  it('data whose strided sample misleads (values only at sampled offsets, or a spike inside the band) stay exact', () => {
    const n = 1 << 17;
    const noise = magnitudes(n, 31);
    const sampledSmall = noise.map((x, i) => (i % 256 < 4 ? x * 1e-6 : x));
    const spike = noise.map((x, i) => (i % 256 < 4 ? x : 0.6744898));
    const ties = noise.map((x, i) => (i % 256 < 4 ? 0.6744898 : x));
    for (const data of [sampledSmall, spike, ties]) expectExact([data], ranksOf(n));
  });

  it('many tensors of fewer than four elements (nothing to sample)', () => {
    const n = 3 * 22000;
    expectExact(split(magnitudes(n, 71, 13), Array.from({ length: n / 3 }, () => 3)), ranksOf(n));
  });

  it('−0 counts as +0 and a zero answer is +0', () => {
    const small = Float32Array.from([-0, 0, 1, -0, 2]);
    expectExact([small], range(5));
    expect(Object.is(kernelSelect([small], [4])[0], 0)).toBe(true);
    const n = 1 << 17;
    const large = magnitudes(n, 41).map((x, i) => (i % 4 === 0 ? x : i % 4 === 1 ? 0 : -0));
    expectExact([large], ranksOf(n));
  });

  it('a NaN or a negative element gives NaN; −0 alone does not', () => {
    for (const n of [7, 1 << 17]) {
      for (const bad of [NaN, -1e-30, -Infinity]) {
        const data = magnitudes(n, 51);
        data[n - 2] = bad;
        for (const v of kernelSelect(split(data, [n - 3, 3]), [1, n])) expect(v).toBeNaN();
      }
    }
  });

  it('the result is a new 0-d tensor; scratch memory is returned', () => {
    const x = backend.fromArray(magnitudes(1 << 17, 61), [1 << 17], 'float32');
    backend.dispose(backend.order.kthLargest([x], 9));
    const [live, top] = [backend.liveTensors, backend.memoryStats().topBytes];
    for (const k of [1, 5000, 1 << 17]) backend.dispose(backend.order.kthLargest([x], k));
    expect([backend.liveTensors, backend.memoryStats().topBytes]).toEqual([live, top]);
    backend.dispose(x);
  });

  it('validates k and the tensors, naming the field', () => {
    const x = backend.fromArray([1, 2, 3], [3], 'float32');
    for (const k of [0, 4, 1.5, NaN]) expect(() => backend.order.kthLargest([x], k)).toThrow(/kthLargest\.k: expected an integer in \[1, 3\]/);
    expect(() => backend.order.kthLargest([], 1)).toThrow(/kthLargest\.k/);
    expect(() => backend.order.kthLargest([x, jsBackend.fromArray([1], [1], 'float32')], 1)).toThrow(/xs\[1\]/);
    backend.dispose(x);
  });
});
