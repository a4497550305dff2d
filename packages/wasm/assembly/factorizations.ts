/**
 * Factorizations of small float32 matrices, computed in float64 with the algorithms of
 * @opt/rules' host reference (`householderQr`, `jacobiSvd`), so every backend returns the same
 * factors up to float32 rounding:
 *   householder_qr  thin Householder QR (m ≥ n), R's diagonal made non-negative;
 *   jacobi_svd      thin SVD by one-sided Jacobi (Hestenes), s descending, canonical signs.
 * Both widen the matrix into float64 columns in scratch (column-major, each column padded to an
 * even length so it starts on 16 bytes), where the hot loops, a dot product of two columns and
 * an update of one column by another, run on f64x2 with a scalar tail. Dot products sum even and
 * odd rows in separate lanes, so they round differently from the host's sequential sums (~1e-16
 * relative): invisible after the float32 rounding of the results, except in singular vectors of
 * numerically repeated or zero singular values, which are not unique.
 */

/** Jacobi stops when no pair rotated in a sweep, or after this many sweeps (as `jacobiSvd`). */
const MAX_SWEEPS = 60;
/** Columns p, q count as orthogonal when |a_p·a_q| ≤ TOL·‖a_p‖·‖a_q‖ (as `jacobiSvd`). */
const TOL: f64 = 1e-15;

/** Float64 slots per stored column of `rows` entries: rounded up to even (16-byte aligned columns). */
@inline function stride(rows: usize): usize {
  return (rows + 1) & ~(<usize>1);
}

@inline function at(column: usize, i: usize): usize {
  return column + (i << 3);
}

@inline function sumLanes(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * Widen a float32 matrix into `count` float64 columns of `len` entries at `dst` (column j at
 * j·ld slots): entry i of column j is x[i·rs + j·cs]. A matrix [m, n] row-major gives its
 * columns with (len m, count n, rs n, cs 1) and its rows with (len n, count m, rs 1, cs n).
 */
function widenColumns(x: usize, dst: usize, len: usize, count: usize, ld: usize, rs: usize, cs: usize): void {
  for (let j: usize = 0; j < count; j++) {
    const column = dst + ((j * ld) << 3);
    for (let i: usize = 0; i < len; i++) store<f64>(at(column, i), <f64>load<f32>(x + ((i * rs + j * cs) << 2)));
  }
}

/** The first `count` columns of the identity, `len` entries each, at `dst` (column stride ld). */
function identityColumns(dst: usize, len: usize, count: usize, ld: usize): void {
  memory.fill(dst, 0, (count * ld) << 3);
  for (let j: usize = 0; j < count; j++) store<f64>(at(dst + ((j * ld) << 3), j), 1);
}

/** Σ a[i]·b[i] over n float64 values (two f64x2 accumulators, then the scalar tail). */
function dot(a: usize, b: usize, n: usize): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const o = i << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  let s = sumLanes(f64x2.add(acc0, acc1));
  for (; i < n; i++) s += load<f64>(at(a, i)) * load<f64>(at(b, i));
  return s;
}

/** y ← y − f·v over n float64 values. */
function subtractScaled(y: usize, f: f64, v: usize, n: usize): void {
  const vf = f64x2.splat(f);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const o = i << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(vf, v128.load(v + o))));
  }
  for (; i < n; i++) store<f64>(at(y, i), load<f64>(at(y, i)) - f * load<f64>(at(v, i)));
}

/** Apply the reflection H = I − 2·v·vᵀ/(vᵀv) to the n entries at y (vv = vᵀv > 0). */
function reflect(v: usize, vv: f64, y: usize, n: usize): void {
  subtractScaled(y, (2 * dot(v, y, n)) / vv, v, n);
}

/** Bytes of scratch `householder_qr` needs for a matrix [rows, cols]. */
export function householder_qr_scratch(rows: usize, cols: usize): usize {
  return (3 * cols * stride(rows) + cols) << 3;
}

/**
 * Thin QR x[m, n] = q[m, n]·r[n, n] (m ≥ n, row-major float32) by Householder reflections in
 * float64: for k = 0..n−1, v = R[k:, k] − α·e_1 with α = −sign(R[k, k])·‖R[k:, k]‖ (a zero
 * column is skipped), R[k:, j] ← H·R[k:, j] for j ≥ k; Q = H_0⋯H_{n−1} applied to the first n
 * columns of the identity (H_k touches only columns j ≥ k, the others are zero in rows ≥ k);
 * finally row i of R and column i of Q are negated when R[i, i] < 0. Scratch:
 * `householder_qr_scratch(m, n)` bytes, 16-byte aligned.
 */
export function householder_qr(x: usize, rows: usize, cols: usize, q: usize, r: usize, scratch: usize): void {
  const m = rows, n = cols, ld = stride(m), column = ld << 3;
  const R = scratch, W = R + n * column, Q = W + n * column, norms = Q + n * column;
  widenColumns(x, R, m, n, ld, n, 1);
  for (let k: usize = 0; k < n; k++) {
    const len = m - k;
    const v = at(W + k * column, k);
    memory.copy(v, at(R + k * column, k), len << 3);
    const norm = Math.sqrt(dot(v, v, len));
    const v0 = load<f64>(v);
    store<f64>(v, v0 - (v0 >= 0 ? -norm : norm));
    const vv = dot(v, v, len);
    store<f64>(at(norms, k), vv);
    if (vv == 0) continue;
    for (let j = k; j < n; j++) reflect(v, vv, at(R + j * column, k), len);
  }
  identityColumns(Q, m, n, ld);
  for (let k = <isize>n - 1; k >= 0; k--) {
    const vv = load<f64>(at(norms, k));
    if (vv == 0) continue;
    const v = at(W + k * column, k);
    for (let j = <usize>k; j < n; j++) reflect(v, vv, at(Q + j * column, k), m - k);
  }
  for (let i: usize = 0; i < n; i++) {
    const Ri = R + i * column, Qi = Q + i * column;
    const flip: f64 = load<f64>(at(Ri, i)) < 0 ? -1 : 1;
    for (let j: usize = 0; j < n; j++) {
      store<f32>(r + ((i * n + j) << 2), j < i ? 0 : <f32>(flip * load<f64>(at(R + j * column, i))));
    }
    for (let row: usize = 0; row < m; row++) store<f32>(q + ((row * n + i) << 2), <f32>(load<f64>(at(Qi, row)) * flip));
  }
}

// The Gram entries of the last `gram` call: ‖a‖², ‖b‖², a·b.
let gramAA: f64 = 0, gramBB: f64 = 0, gramAB: f64 = 0;

/** ‖a‖², ‖b‖² and a·b of two columns of n float64 values, in one pass (into gramAA, gramBB, gramAB). */
function gram(a: usize, b: usize, n: usize): void {
  let aa = f64x2.splat(0), bb = f64x2.splat(0), ab = f64x2.splat(0);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const o = i << 3;
    const va = v128.load(a + o), vb = v128.load(b + o);
    aa = f64x2.add(aa, f64x2.mul(va, va));
    bb = f64x2.add(bb, f64x2.mul(vb, vb));
    ab = f64x2.add(ab, f64x2.mul(va, vb));
  }
  let sa = sumLanes(aa), sb = sumLanes(bb), sab = sumLanes(ab);
  for (; i < n; i++) {
    const ea = load<f64>(at(a, i)), eb = load<f64>(at(b, i));
    sa += ea * ea; sb += eb * eb; sab += ea * eb;
  }
  gramAA = sa; gramBB = sb; gramAB = sab;
}

/** The plane rotation (a, b) ← (c·a − s·b, s·a + c·b) of two columns of n float64 values. */
function rotate(a: usize, b: usize, n: usize, c: f64, s: f64): void {
  const vc = f64x2.splat(c), vs = f64x2.splat(s);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const o = i << 3;
    const va = v128.load(a + o), vb = v128.load(b + o);
    v128.store(a + o, f64x2.sub(f64x2.mul(vc, va), f64x2.mul(vs, vb)));
    v128.store(b + o, f64x2.add(f64x2.mul(vs, va), f64x2.mul(vc, vb)));
  }
  for (; i < n; i++) {
    const ea = load<f64>(at(a, i)), eb = load<f64>(at(b, i));
    store<f64>(at(a, i), c * ea - s * eb);
    store<f64>(at(b, i), s * ea + c * eb);
  }
}

/**
 * Cyclic one-sided Jacobi on the n columns (m entries, stride ld) at A, accumulating the
 * rotations into the n columns (stride ldv) at V: for each pair p < q with Gram entries α, β, γ
 * and |γ| > TOL·√(αβ), ζ = (β − α)/(2γ), t = sign(ζ)/(|ζ| + √(1 + ζ²)) (sign(0) = 1),
 * c = 1/√(1 + t²), s = c·t. Stops after a sweep without rotations or after MAX_SWEEPS.
 */
function jacobiSweeps(A: usize, m: usize, ld: usize, V: usize, n: usize, ldv: usize): void {
  const column = ld << 3, columnV = ldv << 3;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p: usize = 0; p + 1 < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const ap = A + p * column, aq = A + q * column;
        gram(ap, aq, m);
        const alpha = gramAA, beta = gramBB, gamma = gramAB;
        if (gamma == 0 || Math.abs(gamma) <= TOL * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta < 0 ? -1.0 : 1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotate(ap, aq, m, c, s);
        rotate(V + p * columnV, V + q * columnV, n, c, s);
      }
    }
    if (!rotated) break;
  }
}

/** Entry i of a stored column divided by d (the singular value, or 1 for a column of V); 0 when d is not positive. */
@inline function entry(column: usize, i: usize, d: f64): f64 {
  return d > 0 ? load<f64>(at(column, i)) / d : 0;
}

/** −1 when the first entry of largest magnitude of a column (entries as `entry`) is negative, else 1. */
function canonicalFlip(column: usize, len: usize, d: f64): f64 {
  let best: f64 = 0;
  for (let i: usize = 0; i < len; i++) {
    const e = entry(column, i, d);
    if (Math.abs(e) > Math.abs(best)) best = e;
  }
  return best < 0 ? -1 : 1;
}

/** out[i, kk] (row-major, k columns) = flip·entry(column, i, d) for i < len, as float32. */
function storeColumn(column: usize, len: usize, d: f64, flip: f64, out: usize, k: usize, kk: usize): void {
  for (let i: usize = 0; i < len; i++) store<f32>(out + ((i * k + kk) << 2), <f32>(entry(column, i, d) * flip));
}

/** Bytes of scratch `jacobi_svd` needs for a matrix [rows, cols]. */
export function jacobi_svd_scratch(rows: usize, cols: usize): usize {
  const m = max(rows, cols), n = min(rows, cols);
  return ((n * stride(m) + n * stride(n) + n) << 3) + (n << 2);
}

/**
 * Thin SVD x[rows, cols] = u·diag(s)·vᵀ (row-major float32), k = min(rows, cols): u [rows, k],
 * s [k], v [cols, k]. A wide x is factored through xᵀ (as `jacobiSvd`). One-sided Jacobi
 * (`jacobiSweeps`) on the columns a_j of the tall one, in float64; then s_j = ‖a_j‖, its left
 * vectors a_j/s_j (0 when s_j = 0) and its right vectors the columns of V, ordered by s
 * descending (a stable insertion sort: ties keep column order), each pair negated when the
 * first entry of largest magnitude of x's left vector u_j is negative.
 * Scratch: `jacobi_svd_scratch(rows, cols)` bytes, 16-byte aligned.
 */
export function jacobi_svd(x: usize, rows: usize, cols: usize, u: usize, s: usize, v: usize, scratch: usize): void {
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows;
  const ld = stride(m), ldv = stride(n), column = ld << 3, columnV = ldv << 3;
  const A = scratch, V = A + n * column, norms = V + n * columnV, order = norms + (n << 3);
  if (tall) widenColumns(x, A, m, n, ld, cols, 1);
  else widenColumns(x, A, m, n, ld, 1, cols);
  identityColumns(V, n, n, ldv);
  jacobiSweeps(A, m, ld, V, n, ldv);
  for (let j: usize = 0; j < n; j++) {
    const aj = A + j * column;
    store<f64>(at(norms, j), Math.sqrt(dot(aj, aj, m)));
  }
  for (let a: usize = 0; a < n; a++) {
    const j = <u32>a, sj = load<f64>(at(norms, a));
    let b = a;
    for (; b > 0 && load<f64>(at(norms, load<u32>(order + ((b - 1) << 2)))) < sj; b--) {
      store<u32>(order + (b << 2), load<u32>(order + ((b - 1) << 2)));
    }
    store<u32>(order + (b << 2), j);
  }
  for (let kk: usize = 0; kk < n; kk++) {
    const j = <usize>load<u32>(order + (kk << 2));
    const sj = load<f64>(at(norms, j));
    store<f32>(s + (kk << 2), <f32>sj);
    // The tall matrix's left vector a_j/s_j has m entries, its right vector V_j has n.
    const left = A + j * column, right = V + j * columnV;
    if (tall) {
      const flip = canonicalFlip(left, m, sj);
      storeColumn(left, m, sj, flip, u, n, kk);
      storeColumn(right, n, 1, flip, v, n, kk);
    } else {
      const flip = canonicalFlip(right, n, 1);
      storeColumn(right, n, 1, flip, u, n, kk);
      storeColumn(left, m, sj, flip, v, n, kk);
    }
  }
}
