import type { Tensor } from '@opt/core';
import { OptError, randomNormal } from '@opt/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './index.js';

/** |N(0, 1)| draws rounded to float32, with a few exact ties and zeros (−0 among them). */
function magnitudes(n: number, seed: number): number[] {
  const x = Array.from(Float32Array.from(randomNormal(seed, 0, n), Math.abs));
  for (let i = 0; i < n; i += 7) x[i] = x[(i * 3) % n];
  for (let i = 5; i < n; i += 11) x[i] = i % 2 ? -0 : 0;
  return x;
}

/** The k-th largest by a host sort (−0 as +0). */
const kthBySort = (x: readonly number[], k: number): number => [...x].map((v) => v + 0).sort((a, b) => b - a)[k - 1];

describe.each(['cpu', 'wasm'])('tfjs-%s order.kthLargest', async (kind) => {
  const backend = await createTfjsBackend(kind);
  const kth = (parts: number[][], k: number): number => {
    const xs: Tensor[] = parts.map((p) => backend.fromArray(p, [p.length], 'float32'));
    const before = tf.memory().numTensors;
    const out = backend.order.kthLargest(xs, k);
    expect(out.shape).toEqual([]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const value = backend.readSync!(out)[0];
    [...xs, out].forEach((t) => backend.dispose(t));
    return value;
  };

  it.each([[1, 1], [7, 2], [1000, 3], [20011, 4]])('equals a host sort, bit for bit: %i elements in %i tensors, every k of small cases', (n, tensors) => {
    const x = magnitudes(n, n + tensors);
    const cut = Math.ceil(n / tensors);
    const parts = Array.from({ length: tensors }, (_, t) => x.slice(t * cut, (t + 1) * cut)).filter((p) => p.length > 0);
    const ks = n <= 1000 ? Array.from({ length: n }, (_, i) => i + 1) : [1, 2, Math.floor(n / 10) + 1, Math.floor(n / 2), n];
    for (const k of ks) expect(Object.is(kth(parts, k), kthBySort(x, k))).toBe(true);
  });

  it('a zero result is +0; +Infinity and subnormals are ordinary values', () => {
    expect(Object.is(kth([[-0, 0, -0]], 2), 0)).toBe(true);
    expect(kth([[Infinity, 1, 2]], 1)).toBe(Infinity);
    expect(kth([[1e-40, 3e-40, 0]], 2)).toBe(Math.fround(1e-40));
  });

  it('NaN or a negative element gives NaN; a bad k names kthLargest.k', () => {
    expect(kth([[1, 2], [NaN]], 1)).toBeNaN();
    expect(kth([[1, -2, 3]], 3)).toBeNaN();
    const x = backend.fromArray([1, 2], [2], 'float32');
    for (const k of [0, 3, 1.5]) {
      const e = (() => { try { backend.order.kthLargest([x], k); } catch (error) { return error; } })();
      expect(e).toBeInstanceOf(OptError);
      expect((e as OptError).field).toBe('kthLargest.k');
    }
    backend.dispose(x);
  });
});
