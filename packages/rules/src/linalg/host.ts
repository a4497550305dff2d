/**
 * Dense factorizations of small matrices on the host, in float64 (row-major arrays). They are
 * inherently sequential (a rotation or reflection depends on the previous one), so the tensor
 * wrappers in `factorizations.ts` read the matrix back, factor it here and upload the factors.
 */

/** A row-major matrix on the host. */
export interface HostMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Thin Householder QR of A [m, n], m ≥ n: Q [m, n] with orthonormal columns and R [n, n] upper
 * triangular, A = Q·R, with R's diagonal made non-negative (so the factors are unique for full
 * column rank; LAPACK's geqrf leaves signs free).
 */
export function householderQr(a: HostMatrix): { q: HostMatrix; r: HostMatrix } {
  const { rows: m, cols: n } = a;
  if (m < n) throw new RangeError(`householderQr needs rows >= cols, received [${m}, ${n}]`);
  const R = Float64Array.from(a.data);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) { v[i - k] = R[i * n + k]; norm += v[i - k] ** 2; }
    norm = Math.sqrt(norm);
    const alpha = v[0] >= 0 ? -norm : norm;
    v[0] -= alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    vs.push(v);
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * R[i * n + j];
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) R[i * n + j] -= f * v[i - k];
    }
  }
  // Q = H_0 … H_{n−1} applied to the first n columns of the identity.
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vv = 0;
    for (const x of v) vv += x * x;
    if (vv === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * Q[i * n + j];
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) Q[i * n + j] -= f * v[i - k];
    }
  }
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const flip = R[i * n + i] < 0 ? -1 : 1;
    for (let j = i; j < n; j++) r[i * n + j] = flip * R[i * n + j];
    for (let row = 0; row < m; row++) Q[row * n + i] *= flip;
  }
  return { q: { rows: m, cols: n, data: Q }, r: { rows: n, cols: n, data: r } };
}

/** The thin SVD A = U·diag(s)·Vᵀ with k = min(m, n): U [m, k], s [k] descending, V [n, k]. */
export interface HostSvd {
  readonly u: HostMatrix;
  readonly s: Float64Array;
  readonly v: HostMatrix;
}

/** Aᵀ of a host matrix. */
export function hostTranspose(a: HostMatrix): HostMatrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

/**
 * Thin SVD by one-sided Jacobi (Hestenes 1958; Demmel & Veselić 1992): rotate pairs of columns
 * of A (m ≥ n; a wide A is transposed) until they are orthogonal to working precision; then
 * s_j = ‖a_j‖, u_j = a_j/s_j and V accumulates the rotations. Accurate to high relative
 * precision, and fast for the small matrices projectors factor.
 * Sign convention (so results are reproducible across implementations): the entry of largest
 * magnitude of each u_j is positive (v_j flips with it). Zero singular values get u_j = 0.
 */
export function jacobiSvd(a: HostMatrix, maxSweeps = 60): HostSvd {
  if (a.rows < a.cols) {
    const t = jacobiSvd(hostTranspose(a), maxSweeps);
    return canonicalSigns({ u: t.v, s: t.s, v: t.u });
  }
  const { rows: m, cols: n } = a;
  const U = Float64Array.from(a.data);
  const V = new Float64Array(n * n);
  for (let j = 0; j < n; j++) V[j * n + j] = 1;
  const tol = 1e-15;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p], uq = U[i * n + q];
          alpha += up * up; beta += uq * uq; gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p], uq = U[i * n + q];
          U[i * n + p] = c * up - s * uq; U[i * n + q] = s * up + c * uq;
        }
        for (let i = 0; i < n; i++) {
          const vp = V[i * n + p], vq = V[i * n + q];
          V[i * n + p] = c * vp - s * vq; V[i * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const sv = Array.from({ length: n }, (_, j) => {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += U[i * n + j] ** 2;
    return Math.sqrt(ss);
  });
  const order = sv.map((_, j) => j).sort((x, y) => sv[y] - sv[x]);
  const u = new Float64Array(m * n), v = new Float64Array(n * n), s = new Float64Array(n);
  order.forEach((j, k) => {
    s[k] = sv[j];
    for (let i = 0; i < m; i++) u[i * n + k] = sv[j] > 0 ? U[i * n + j] / sv[j] : 0;
    for (let i = 0; i < n; i++) v[i * n + k] = V[i * n + j];
  });
  return canonicalSigns({ u: { rows: m, cols: n, data: u }, s, v: { rows: n, cols: n, data: v } });
}

/** Flip each singular pair so the largest-magnitude entry of u_j is positive. */
function canonicalSigns(svd: HostSvd): HostSvd {
  const { u, v } = svd;
  for (let j = 0; j < u.cols; j++) {
    let best = 0;
    for (let i = 0; i < u.rows; i++) if (Math.abs(u.data[i * u.cols + j]) > Math.abs(best)) best = u.data[i * u.cols + j];
    if (best >= 0) continue;
    for (let i = 0; i < u.rows; i++) u.data[i * u.cols + j] *= -1;
    for (let i = 0; i < v.rows; i++) v.data[i * v.cols + j] *= -1;
  }
  return svd;
}

/** Solve A·x = b for a small dense matrix by Gaussian elimination with partial pivoting. */
export function solveLinear(a: readonly (readonly number[])[] | Float64Array[], b: ArrayLike<number>): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => [...Array.from(row), b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    const pivot = m[k][k];
    if (pivot === 0) throw new RangeError('solveLinear: singular matrix');
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / pivot;
      for (let j = k; j <= n; j++) m[i][j] -= f * m[k][j];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = m[i][n];
    for (let j = i + 1; j < n; j++) s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  return x;
}
