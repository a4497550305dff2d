import type { Tensor } from '@opt/core';
import { add, axpby, div, jsBackend, matmul, reduce, sqrt, transpose } from '@opt/core';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from './index.js';
import { expectClose, readOf, values } from './test-helpers.js';

const backend = await createWasmBackend();
const NS5 = { a: 3.4445, b: -4.775, c: 2.0315 };

/** Newton–Schulz written with Backend ops on the float64 JS reference (the definition). */
function reference(data: ArrayLike<number>, rows: number, cols: number, steps: number, eps: number): Float64Array | Float32Array {
  const x = jsBackend.fromArray(data, [rows, cols], 'float64');
  const tall = rows > cols;
  const x0 = tall ? transpose(x) : x;
  let X: Tensor = div(x0, add(sqrt(reduce('sumSquares', x0)), eps));
  for (let s = 0; s < steps; s++) {
    const A = matmul(X, X, false, true);
    X = axpby(NS5.a, X, 1, matmul(axpby(NS5.b, A, NS5.c, matmul(A, A)), X));
  }
  return readOf(tall ? transpose(X) : X);
}

describe('linalg.newtonSchulz (one kernel call)', () => {
  it.each([[8, 8], [5, 13], [13, 5], [33, 17], [4, 64], [1, 7], [7, 1]])('%i×%i matches the float64 composition within 2e-5', (rows, cols) => {
    const data = values(rows * cols, rows * 100 + cols);
    for (const steps of [0, 1, 5]) {
      const x = backend.fromArray(data, [rows, cols], 'float32');
      const out = backend.linalg.newtonSchulz!(x, NS5, steps, 1e-7);
      expect(out.shape).toEqual([rows, cols]);
      expectClose(readOf(out), reference(data, rows, cols, steps, 1e-7), 0, undefined, 2e-5);
      backend.dispose(x); backend.dispose(out);
    }
  });

  it('returns its scratch memory: no live block grows over repeated calls', () => {
    const x = backend.fromArray(values(24 * 40, 3), [24, 40], 'float32');
    const run = () => backend.dispose(backend.linalg.newtonSchulz!(x, NS5, 5, 1e-7));
    run();
    const before = backend.memoryStats();
    for (let i = 0; i < 20; i++) run();
    expect(backend.memoryStats()).toEqual(before);
    backend.dispose(x);
  });

  it('rejects a non-matrix and a foreign tensor, naming the field', () => {
    const v = backend.fromArray([1, 2, 3], [3], 'float32');
    expect(() => backend.linalg.newtonSchulz!(v, NS5, 5, 1e-7)).toThrow(/ShapeMismatch: x: expected a matrix/);
    expect(() => backend.linalg.newtonSchulz!(jsBackend.fromArray([1, 2, 3, 4], [2, 2], 'float32'), NS5, 5, 1e-7)).toThrow(/InvalidSpec: x/);
    backend.dispose(v);
  });
});

describe('matmul k-blocking and panel packing', () => {
  it.each([[9, 300, 19], [4, 128, 8], [5, 129, 3], [1, 513, 17]])('%i×%i · %i×n equals float32 accumulation in order, bit for bit', (m, k, n) => {
    const a = values(m * k, m + k), b = values(k * n, k + n);
    const c = readOf(backend.matmul(backend.fromArray(a, [m, k], 'float32'), backend.fromArray(b, [k, n], 'float32')));
    // No FMA: each product is rounded to float32, then added in order p = 0..k−1.
    const want = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc = Math.fround(acc + Math.fround(a[i * k + p] * b[p * n + j]));
        want[i * n + j] = acc;
      }
    }
    expect(Array.from(c)).toEqual(Array.from(want));
  });
});

type Host = ArrayLike<number>;

/** a[m, k]·b[k, n] in float64 (row-major host arrays); `bT` reads b as stored transposed [n, k]. */
function product(a: Host, b: Host, m: number, k: number, n: number, bT = false): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p] * (bT ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = acc;
    }
  }
  return out;
}

/** xᵀ·x of a row-major [m, n] host matrix. */
function gram(x: Host, m: number, n: number): Float64Array {
  const xT = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) xT[j * m + i] = x[i * n + j];
  return product(xT, xT, n, m, n, true);
}

/** A tensor's values with −0 read as 0 (a flipped zero is still zero). */
const plain = (t: Tensor) => Array.from(readOf(t), (e) => e + 0);
const identity = (n: number) => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
const maxAbs = (x: Host) => Array.from(x).reduce((a, v) => Math.max(a, Math.abs(v)), 0);

/** The first entry of largest magnitude of column j of a row-major [rows, cols] matrix. */
function dominant(x: Host, rows: number, cols: number, j: number): number {
  let best = 0;
  for (let i = 0; i < rows; i++) if (Math.abs(x[i * cols + j]) > Math.abs(best)) best = x[i * cols + j];
  return best;
}

/** Float32 factors of float64 algorithms: entries within 1e-5 (relative to the largest) of exact identities. */
const TOL = 1e-5;

/** Test matrices (row-major float32 data): random of several shapes, rank-deficient, zero. */
function matrix(kind: 'random' | 'rank2' | 'zero', m: number, n: number): Float32Array {
  if (kind === 'zero') return new Float32Array(m * n);
  if (kind === 'random') return values(m * n, m * 31 + n);
  // Rank 2: every column is a multiple of one of two columns by a small integer (exact in float32).
  const [a, b] = [values(m, 7), values(m, 8)];
  return Float32Array.from({ length: m * n }, (_, idx) => {
    const i = Math.floor(idx / n), j = idx % n;
    return (j % 2 === 0 ? a[i] : b[i]) * ((j % 3) + 1);
  });
}

describe('linalg.qr (Householder in float64, one kernel call)', () => {
  it.each([
    ['random', 9, 4], ['random', 5, 5], ['random', 40, 17], ['random', 7, 1], ['random', 1, 1],
    ['rank2', 8, 5], ['zero', 6, 3],
  ] as const)('%s %i×%i: Q·R = A, QᵀQ = I, R upper triangular with a non-negative diagonal', (kind, m, n) => {
    const data = matrix(kind, m, n);
    const x = backend.fromArray(data, [m, n], 'float32');
    const { q, r } = backend.linalg.qr!(x);
    expect([q.shape, r.shape]).toEqual([[m, n], [n, n]]);
    const [Q, R] = [readOf(q), readOf(r)];
    expectClose(product(Q, R, m, n, n), data, 0, undefined, TOL * Math.max(1, maxAbs(data)));
    expectClose(gram(Q, m, n), identity(n), 0, undefined, TOL);
    for (let i = 0; i < n; i++) {
      expect(R[i * n + i]).toBeGreaterThanOrEqual(0);
      for (let j = 0; j < i; j++) expect(R[i * n + j]).toBe(0);
    }
    for (const t of [x, q, r]) backend.dispose(t);
  });

  it('of the zero matrix is Q = the first columns of I, R = 0', () => {
    const { q, r } = backend.linalg.qr!(backend.fromArray(new Float32Array(12), [4, 3], 'float32'));
    expect([plain(q), plain(r)]).toEqual([[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], new Array(9).fill(0)]);
  });

  it('rejects a wide matrix, a vector and a foreign tensor, naming the field', () => {
    const wide = backend.fromArray(values(6, 1), [2, 3], 'float32');
    expect(() => backend.linalg.qr!(wide)).toThrow(/ShapeMismatch: x: expected a matrix \[m, n\] with m >= n/);
    expect(() => backend.linalg.qr!(backend.fromArray([1, 2], [2], 'float32'))).toThrow(/ShapeMismatch: x: expected a matrix/);
    expect(() => backend.linalg.qr!(jsBackend.fromArray([1, 2], [2, 1], 'float32'))).toThrow(/InvalidSpec: x/);
  });
});

describe('linalg.svd (one-sided Jacobi in float64, one kernel call)', () => {
  it.each([
    ['random', 9, 4], ['random', 4, 9], ['random', 6, 6], ['random', 33, 17], ['random', 1, 7], ['random', 7, 1],
    ['rank2', 10, 6], ['rank2', 6, 10], ['zero', 5, 3], ['zero', 3, 5],
  ] as const)('%s %i×%i: U·diag(s)·Vᵀ = A, orthonormal factors, s descending, dominant entry of u_j positive', (kind, m, n) => {
    const data = matrix(kind, m, n);
    const k = Math.min(m, n);
    const x = backend.fromArray(data, [m, n], 'float32');
    const { u, s, v } = backend.linalg.svd!(x);
    expect([u.shape, s.shape, v.shape]).toEqual([[m, k], [k], [n, k]]);
    const [U, S, V] = [readOf(u), readOf(s), readOf(v)];
    const US = U.map((e, idx) => e * S[idx % k]);
    expectClose(product(US, V, m, k, n, true), data, 0, undefined, TOL * Math.max(1, maxAbs(data)));
    for (let j = 1; j < k; j++) expect(S[j]).toBeLessThanOrEqual(S[j - 1]);
    // Columns of a zero singular value are 0 on the tall side (u for m ≥ n, v for m < n).
    const zero = Array.from(S, (sj) => sj <= TOL * Math.max(1e-30, S[0]));
    const orthonormal = (F: Host, rows: number, exact: boolean[]) => {
      const G = gram(F, rows, k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        if (exact[i] || exact[j]) continue;
        expect(Math.abs(G[i * k + j] - (i === j ? 1 : 0))).toBeLessThanOrEqual(TOL);
      }
    };
    orthonormal(U, m, m >= n ? zero : zero.map(() => false));
    orthonormal(V, n, m >= n ? zero.map(() => false) : zero);
    for (let j = 0; j < k; j++) expect(dominant(U, m, k, j)).toBeGreaterThanOrEqual(0);
    for (const t of [x, u, s, v]) backend.dispose(t);
  });

  it('of a diagonal matrix: s is |d| sorted, u and v are signed permutations with +1 in u', () => {
    const { u, s, v } = backend.linalg.svd!(backend.fromArray([2, 0, 0, 0, -5, 0, 0, 0, 3], [3, 3], 'float32'));
    expect([plain(s), plain(u), plain(v)]).toEqual([[5, 3, 2], [0, 0, 1, 1, 0, 0, 0, 1, 0], [0, 0, 1, -1, 0, 0, 0, 1, 0]]);
  });

  it('of a row and of a column: s = ‖x‖, the unit vector signed by u', () => {
    const row = backend.linalg.svd!(backend.fromArray([3, -4], [1, 2], 'float32'));
    expect([row.u, row.s, row.v].map(plain)).toEqual([[1], [5], [0.6, -0.8].map(Math.fround)]);
    const col = backend.linalg.svd!(backend.fromArray([3, -4], [2, 1], 'float32'));
    expect([col.u, col.s, col.v].map(plain)).toEqual([[-0.6, 0.8].map(Math.fround), [5], [-1]]);
  });

  it('of a zero matrix: s = 0, the tall side 0 and the other the identity', () => {
    const tall = backend.linalg.svd!(backend.fromArray(new Float32Array(6), [3, 2], 'float32'));
    expect([tall.u, tall.s, tall.v].map(plain)).toEqual([[0, 0, 0, 0, 0, 0], [0, 0], [1, 0, 0, 1]]);
    const wide = backend.linalg.svd!(backend.fromArray(new Float32Array(6), [2, 3], 'float32'));
    expect([wide.u, wide.s, wide.v].map(plain)).toEqual([[1, 0, 0, 1], [0, 0], [0, 0, 0, 0, 0, 0]]);
  });

  it('returns its scratch memory and allocates exactly its three factors', () => {
    const x = backend.fromArray(values(24 * 10, 5), [24, 10], 'float32');
    const run = () => { const f = backend.linalg.svd!(x); const q = backend.linalg.qr!(x); for (const t of [f.u, f.s, f.v, q.q, q.r]) backend.dispose(t); };
    run();
    const [before, live] = [backend.memoryStats(), backend.liveTensors];
    const f = backend.linalg.svd!(x);
    expect(backend.liveTensors).toBe(live + 3);
    for (const t of [f.u, f.s, f.v]) backend.dispose(t);
    for (let i = 0; i < 10; i++) run();
    expect(backend.memoryStats()).toEqual(before);
    backend.dispose(x);
  });

  it('rejects a vector and a foreign tensor, naming the field', () => {
    expect(() => backend.linalg.svd!(backend.fromArray([1, 2], [2], 'float32'))).toThrow(/ShapeMismatch: x: expected a matrix/);
    expect(() => backend.linalg.svd!(jsBackend.fromArray([1, 2], [1, 2], 'float32'))).toThrow(/InvalidSpec: x/);
  });
});
