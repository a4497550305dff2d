import type { Backend, Tensor } from '@opt/core';
import { jsBackend, matmul, randomNormal, tidy } from '@opt/core';
import { describe, expect, it } from 'vitest';
import { loadOtherBackends } from '../test-support/backends.js';
import { columnNorms, qr, rowNorms, svd } from './factorizations.js';
import { householderQr, jacobiSvd } from './host.js';
import { composedNewtonSchulz, NS5_COEFFICIENTS, newtonSchulz } from './newton-schulz.js';

const available = await loadOtherBackends();
const read = (t: Tensor) => Array.from(t.backend.readSync!(t));
const host = (rows: number, cols: number, seed: number) => ({ rows, cols, data: Float64Array.from(randomNormal(seed, 0, rows * cols)) });

/** Max |A − B| over two row-major arrays. */
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

/** Xᵀ·X for a host matrix [m, n] (row-major): [n, n]. */
function gram(x: ArrayLike<number>, m: number, n: number): number[] {
  const out = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) out[i * n + j] += x[k * n + i] * x[k * n + j];
  return out;
}
const identity = (n: number) => Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

describe('jacobiSvd (host, float64)', () => {
  it.each([[6, 4], [4, 6], [5, 5], [12, 3]])('%i×%i: A = U·diag(s)·Vᵀ, orthonormal factors, s descending', (m, n) => {
    const a = host(m, n, m * 10 + n);
    const { u, s, v } = jacobiSvd(a);
    const k = Math.min(m, n);
    const rebuilt = Array.from({ length: m * n }, (_, idx) => {
      const i = Math.floor(idx / n), j = idx % n;
      let acc = 0;
      for (let r = 0; r < k; r++) acc += u.data[i * k + r] * s[r] * v.data[j * k + r];
      return acc;
    });
    expect(maxDiff(rebuilt, a.data)).toBeLessThan(1e-12);
    expect(maxDiff(gram(u.data, m, k), identity(k))).toBeLessThan(1e-12);
    expect(maxDiff(gram(v.data, n, k), identity(k))).toBeLessThan(1e-12);
    for (let r = 1; r < k; r++) expect(s[r]).toBeLessThanOrEqual(s[r - 1]);
  });

  it('singular values of a diagonal matrix are its sorted absolute entries; largest entry of each u is positive', () => {
    const { s, u } = jacobiSvd({ rows: 3, cols: 3, data: Float64Array.from([2, 0, 0, 0, -5, 0, 0, 0, 3]) });
    expect(Array.from(s)).toEqual([5, 3, 2]);
    for (let j = 0; j < 3; j++) expect(Math.max(...[0, 1, 2].map((i) => u.data[i * 3 + j]))).toBe(1);
  });
});

describe('householderQr (host, float64)', () => {
  it.each([[7, 3], [5, 5]])('%i×%i: A = Q·R, QᵀQ = I, R upper triangular with a non-negative diagonal', (m, n) => {
    const a = host(m, n, 3 + m);
    const { q, r } = householderQr(a);
    const qr = Array.from({ length: m * n }, (_, idx) => {
      const i = Math.floor(idx / n), j = idx % n;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += q.data[i * n + k] * r.data[k * n + j];
      return acc;
    });
    expect(maxDiff(qr, a.data)).toBeLessThan(1e-12);
    expect(maxDiff(gram(q.data, m, n), identity(n))).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) {
      expect(r.data[i * n + i]).toBeGreaterThanOrEqual(0);
      for (let j = 0; j < i; j++) expect(r.data[i * n + j]).toBe(0);
    }
  });
});

/** Singular values of a backend matrix (read back, float64 Jacobi). */
const singularValues = (t: Tensor) => Array.from(jacobiSvd({ rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(read(t)) }).s);

const backends: { name: string; backend: Backend }[] = [{ name: 'js', backend: jsBackend }, ...available.flatMap((a) => (a.backend ? [{ name: a.name, backend: a.backend }] : []))];

describe.each(backends)('newtonSchulz on $name', ({ backend }) => {
  const dtype = backend.dtypes.includes('float64') ? 'float64' : 'float32';
  // Each normalized singular value σ ∈ (0, 1] goes through φ(σ) = aσ + bσ³ + cσ⁵ five times.
  // φ maps [0.3, 1.2024] into [0.6818, 1.2024] (max φ on [0, 1] is 1.20237 at σ = 0.5545), so
  // the output lies in [0.68, 1.2024] unless an input singular value is too small (~1e-3·‖x‖_F)
  // for five steps to lift it. The upper bound 1.12 is not a property of these
  // coefficients: numpy float64 gives 1.133 for a random 8×32 matrix.
  it.each([[8, 8], [16, 8], [8, 32], [33, 17], [64, 48]])('%i×%i random: singular values in [0.68, 1.2024], shape kept', (m, n) => {
    const x = backend.fromArray(randomNormal(m + n, 1, m * n), [m, n], 'float32');
    const o = newtonSchulz(x);
    expect(o.shape).toEqual([m, n]);
    const sv = singularValues(o);
    expect(Math.min(...sv)).toBeGreaterThanOrEqual(0.68);
    expect(Math.max(...sv)).toBeLessThanOrEqual(1.2024);
    backend.dispose(x); backend.dispose(o);
  });

  it('on a diagonal matrix it applies φ⁵ to each normalized diagonal entry', () => {
    const d = [3, -1, 0.5, 2];
    const x = backend.fromArray([3, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 2], [4, 4], dtype);
    const { a, b, c } = NS5_COEFFICIENTS;
    const norm = Math.hypot(...d) + 1e-7;
    const expected = d.map((v) => {
      let s = v / norm;
      for (let k = 0; k < 5; k++) s = a * s + b * s ** 3 + c * s ** 5;
      return s;
    });
    const o = read(newtonSchulz(x));
    expected.forEach((e, i) => expect(Math.abs(o[i * 5] - e)).toBeLessThan(dtype === 'float64' ? 1e-14 : 2e-6));
  });

  it('matches the composed reference (float64 on js) within 2e-5, and keeps the singular vectors', () => {
    const data = randomNormal(9, 2, 20 * 12);
    const x = backend.fromArray(data, [20, 12], dtype);
    const o = read(newtonSchulz(x));
    const ref = read(tidy(() => composedNewtonSchulz(jsBackend.fromArray(data, [20, 12], 'float64'), NS5_COEFFICIENTS, 5, 1e-7)));
    expect(maxDiff(o, ref)).toBeLessThan(2e-5);
    // U·Vᵀ of x has the same singular vectors: Oᵀ·x is symmetric positive semidefinite.
    const f = jacobiSvd({ rows: 20, cols: 12, data: Float64Array.from(data) });
    const polar = Array.from({ length: 240 }, (_, idx) => {
      const i = Math.floor(idx / 12), j = idx % 12;
      let acc = 0;
      for (let r = 0; r < 12; r++) acc += f.u.data[i * 12 + r] * f.v.data[j * 12 + r];
      return acc;
    });
    expect(maxDiff(o, polar)).toBeLessThan(0.35);
  });

  const liveTensors = () => (backend as unknown as { liveTensors?: number }).liveTensors;
  it.skipIf(liveTensors() === undefined)('frees its temporaries (backends that count live tensors)', () => {
    const live = liveTensors()!;
    const x = backend.fromArray(randomNormal(1, 1, 30), [5, 6], 'float32');
    const o = newtonSchulz(x);
    expect(liveTensors()).toBe(live + 2);
    backend.dispose(x); backend.dispose(o);
  });
});

describe.each(backends)('qr, svd and row/column norms on $name', ({ backend }) => {
  const dtype = backend.dtypes.includes('float64') ? 'float64' : 'float32';
  const tol = dtype === 'float64' ? 1e-12 : 2e-5;
  it('qr: Q·R = A and QᵀQ = I', () => {
    const a = backend.fromArray(randomNormal(4, 4, 9 * 4), [9, 4], dtype);
    const { q, r } = qr(a);
    expect(maxDiff(read(matmul(q, r)), read(a))).toBeLessThan(tol * 10);
    expect(maxDiff(read(matmul(q, q, true, false)), identity(4))).toBeLessThan(tol * 10);
    const rd = read(r);
    for (let i = 0; i < 4; i++) expect(rd[i * 4 + i]).toBeGreaterThanOrEqual(0);
  });

  it('svd: the factors rebuild A', () => {
    const data = randomNormal(5, 5, 6 * 4);
    const { u, s, v } = svd(backend.fromArray(data, [4, 6], dtype));
    expect(u.shape).toEqual([4, 4]); expect(s.shape).toEqual([4]); expect(v.shape).toEqual([6, 4]);
    const us = read(u).map((x, idx) => x * read(s)[idx % 4]);
    const rebuilt = read(matmul(backend.fromArray(us, [4, 4], dtype), v, false, true));
    expect(maxDiff(rebuilt, dtype === 'float32' ? Float32Array.from(data) : data)).toBeLessThan(tol * 10);
  });

  it('rowNorms and columnNorms', () => {
    const x = backend.fromArray([3, 4, 0, 0, 5, 12], [2, 3], dtype);
    expect(read(rowNorms(x))).toEqual([5, 13]);
    expect(read(columnNorms(x))).toEqual([3, Math.sqrt(16 + 25), 12].map((v) => (dtype === 'float32' ? Math.fround(v) : v)));
  });
});

/**
 * Backend kernels (`linalg.qr`, `linalg.svd`) against the float64 host reference on the same
 * float32 data. The factors are float32, so they agree within PARITY = 1e-5: absolute for the
 * entries of orthonormal factors, relative to the largest entry for R and s. Columns that belong
 * to a (numerically) zero diagonal of R or singular value are not unique (they come from rounding
 * noise) and are left out; the reconstruction tests above and in @opt/wasm cover them.
 */
const PARITY = 1e-5;

type TestMatrix = { name: string; rows: number; cols: number; data: Float32Array };
const testMatrix = (name: string, rows: number, cols: number, entry: (i: number, j: number) => number): TestMatrix =>
  ({ name, rows, cols, data: Float32Array.from({ length: rows * cols }, (_, idx) => entry(Math.floor(idx / cols), idx % cols)) });
const randomMatrix = (rows: number, cols: number): TestMatrix => {
  const d = randomNormal(rows * 7 + cols, 0, rows * cols);
  return testMatrix(`random ${rows}×${cols}`, rows, cols, (i, j) => d[i * cols + j]);
};
/** Rank 2 exactly: the columns (rows, when wide) are 1, 2 or 4 times one of two random vectors. */
const rankTwo = (rows: number, cols: number): TestMatrix => {
  const [a, b] = [randomNormal(1, 0, Math.max(rows, cols)), randomNormal(2, 0, Math.max(rows, cols))].map((d) => Float32Array.from(d));
  const at = (i: number, j: number) => (j % 2 === 0 ? a : b)[i] * 2 ** (j % 3);
  return rows >= cols ? testMatrix(`rank 2 ${rows}×${cols}`, rows, cols, at) : testMatrix(`rank 2 ${rows}×${cols}`, rows, cols, (i, j) => at(j, i));
};
const zeroMatrix = (rows: number, cols: number) => testMatrix(`zero ${rows}×${cols}`, rows, cols, () => 0);

const SVD_CASES = [randomMatrix(12, 5), randomMatrix(6, 6), randomMatrix(5, 12), randomMatrix(1, 7), randomMatrix(7, 1), randomMatrix(40, 24), rankTwo(10, 6), rankTwo(6, 10), zeroMatrix(4, 3), zeroMatrix(3, 4)];
const QR_CASES = SVD_CASES.filter((c) => c.rows >= c.cols);

/** Columns `keep` of two row-major [rows, k] arrays agree within `tol`. */
function expectColumnsClose(got: ArrayLike<number>, want: ArrayLike<number>, rows: number, k: number, keep: boolean[], tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < k; j++) if (keep[j] && !(Math.abs(got[i * k + j] - want[i * k + j]) <= tol)) expect.fail(`[${i}, ${j}]: got ${got[i * k + j]}, want ${want[i * k + j]} (tol ${tol})`);
  }
}

const kernelBackends = (kernel: 'qr' | 'svd') => available.flatMap((a) => (a.backend?.linalg?.[kernel] ? [{ name: a.name, backend: a.backend }] : []));
const asHost = ({ rows, cols, data }: TestMatrix) => ({ rows, cols, data: Float64Array.from(data) });

describe.each(kernelBackends('svd'))('svd: the $name kernel matches the float64 host jacobiSvd within 1e-5', ({ backend }) => {
  it.each(SVD_CASES.map((c) => [c.name, c] as const))('%s: s, and u, v with the same signs', (_name, c) => {
    const want = jacobiSvd(asHost(c));
    const x = backend.fromArray(c.data, [c.rows, c.cols], 'float32');
    const got = svd(x);
    const k = Math.min(c.rows, c.cols), scale = Math.max(1e-30, want.s[0]);
    expect(read(got.s).map((s, j) => Math.abs(s - want.s[j]) <= PARITY * scale)).toEqual(new Array(k).fill(true));
    const distinct = Array.from(want.s, (s) => s > PARITY * scale);
    expectColumnsClose(read(got.u), want.u.data, c.rows, k, distinct, PARITY);
    expectColumnsClose(read(got.v), want.v.data, c.cols, k, distinct, PARITY);
    for (const t of [x, got.u, got.s, got.v]) backend.dispose(t);
  });
});

describe.each(kernelBackends('qr'))('qr: the $name kernel matches the float64 host householderQr within 1e-5', ({ backend }) => {
  it.each(QR_CASES.map((c) => [c.name, c] as const))('%s: R, and Q where R has a nonzero diagonal', (_name, c) => {
    const want = householderQr(asHost(c));
    const x = backend.fromArray(c.data, [c.rows, c.cols], 'float32');
    const got = qr(x);
    const n = c.cols, scale = Math.max(1e-30, ...Array.from(want.r.data, Math.abs));
    expect(maxDiff(read(got.r), want.r.data)).toBeLessThanOrEqual(PARITY * scale);
    const independent = Array.from({ length: n }, (_, i) => want.r.data[i * n + i] > PARITY * scale);
    expectColumnsClose(read(got.q), want.q.data, c.rows, n, independent, PARITY);
    for (const t of [x, got.q, got.r]) backend.dispose(t);
  });
});
