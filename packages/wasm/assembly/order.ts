/**
 * Exact order statistics of non-negative float32 data on the bit patterns (src/order.ts drives
 * the passes). For x ≥ 0 the uint32 bits ("keys") order like the values (+0 < subnormals <
 * normals < +Infinity), so selection runs on integers:
 *
 * - radix select: `order_histogram` counts one digit of the keys that share the digits found so
 *   far, `order_pick` finds the bucket holding the wanted rank and the rank within it;
 * - sampled band: `order_sample` copies a strided sample of the keys, and `order_band` counts
 *   the keys above and below a band [lo, hi] (chosen from the sample) and collects those inside
 *   it, so the answer is then selected among few candidates.
 *
 * Keys are canonical: −0 (0x80000000) counts as +0 (`order_band` treats it apart, see there).
 * Any other key above 0x7f800000 (+Infinity) is a NaN or a negative number; the passes report
 * the largest keys so the driver can give NaN for such data. Histogram counts go to four sub-histograms, one per SIMD lane, so runs of
 * equal digits do not serialise on one counter; `order_pick` adds them up.
 */

/** Slots of a digit: the widest digit has 11 bits. */
const SLOTS: u32 = 2048;
/** The slot of the keys that do not match the prefix (counted, never read). */
const SKIP: u32 = SLOTS;
const SUB_BYTES: usize = (<usize>SLOTS + 4) << 2;
/** Byte offset of each lane's sub-histogram. */
const LANE_OFFSETS = i32x4(0, <i32>SUB_BYTES, 2 * <i32>SUB_BYTES, 3 * <i32>SUB_BYTES);
const NEG_ZERO = i32x4.splat(0x80000000);

/** Bytes of scratch the histograms need (four sub-histograms of u32 counts). */
export function order_histogram_bytes(): usize {
  return 4 * SUB_BYTES;
}

@inline function canonical(v: v128): v128 {
  return v128.andnot(v, i32x4.eq(v, NEG_ZERO));
}

@inline function canonicalKey(u: u32): u32 {
  return u == 0x80000000 ? 0 : u;
}

@inline function bump(slot: usize): void {
  store<u32>(slot, load<u32>(slot) + 1);
}

@inline function lanesMax(v: v128): u32 {
  return max<u32>(max<u32>(i32x4.extract_lane(v, 0), i32x4.extract_lane(v, 1)), max<u32>(i32x4.extract_lane(v, 2), i32x4.extract_lane(v, 3)));
}

@inline function lanesSum(v: v128): u32 {
  return <u32>(i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

/**
 * One radix pass over `n` floats at `x`: for the keys with `key >>> matchShift == prefix` (the
 * digits found so far; matchShift 31 and prefix 0 match every valid key), counts the digit
 * `(key >>> shift) & mask` into the sub-histograms at `hist`, branch-free (other keys go to
 * the SKIP slot). Returns the larger of `largest` and the largest key.
 */
export function order_histogram(x: usize, n: usize, matchShift: u32, prefix: u32, shift: u32, mask: u32, hist: usize, largest: u32): u32 {
  const end = x + (n << 2);
  const want = i32x4.splat(prefix), digitMask = i32x4.splat(mask), skip = i32x4.splat(SKIP);
  let top = i32x4.splat(largest);
  for (; x + 16 <= end; x += 16) {
    const key = canonical(v128.load(x));
    top = i32x4.max_u(top, key);
    const match = i32x4.eq(i32x4.shr_u(key, matchShift), want);
    const slot = v128.bitselect(v128.and(i32x4.shr_u(key, shift), digitMask), skip, match);
    const at = i32x4.add(i32x4.shl(slot, 2), LANE_OFFSETS);
    bump(hist + <usize>i32x4.extract_lane(at, 0));
    bump(hist + <usize>i32x4.extract_lane(at, 1));
    bump(hist + <usize>i32x4.extract_lane(at, 2));
    bump(hist + <usize>i32x4.extract_lane(at, 3));
  }
  let m = lanesMax(top);
  for (; x < end; x += 4) {
    const key = canonicalKey(load<u32>(x));
    m = max<u32>(m, key);
    if (key >>> matchShift == prefix) bump(hist + (<usize>((key >>> shift) & mask) << 2));
  }
  return m;
}

/**
 * Add up the sub-histograms' first `slots` counts and find, from the top slot down, the one
 * holding the `rank`-th largest of the counted keys (1 ≤ rank ≤ their number). Returns the
 * slot and writes at `state` the rank within it (u32); clears the histograms for the next pass.
 */
export function order_pick(hist: usize, slots: u32, rank: u32, state: usize): u32 {
  let above: u32 = 0, slot = slots;
  while (slot > 0) {
    slot--;
    const at = hist + (<usize>slot << 2);
    const count = load<u32>(at) + load<u32>(at + SUB_BYTES) + load<u32>(at + 2 * SUB_BYTES) + load<u32>(at + 3 * SUB_BYTES);
    if (above + count >= rank) break;
    above += count;
  }
  store<u32>(state, rank - above);
  memory.fill(hist, 0, 4 * SUB_BYTES);
  return slot;
}

/**
 * A sample of the `n` floats at `x`: the canonical keys of the four elements at every multiple
 * of `stride` (a multiple of 4) that has four elements, appended at `out`. Returns the end.
 */
export function order_sample(x: usize, n: usize, stride: usize, out: usize): usize {
  const step = stride << 2;
  for (let at = x, end = x + (n << 2); at + 16 <= end; at += step, out += 16) v128.store(out, canonical(v128.load(at)));
  return out;
}

/**
 * Store the four keys of `keys` at `out` and advance past those whose bit is set in `inside`
 * (branch-free compaction: up to 16 bytes past the result are written).
 */
@inline function compact(keys: v128, inside: i32, out: usize): usize {
  store<i32>(out, i32x4.extract_lane(keys, 0));
  out += (inside & 1) << 2;
  store<i32>(out, i32x4.extract_lane(keys, 1));
  out += (inside & 2) << 1;
  store<i32>(out, i32x4.extract_lane(keys, 2));
  out += inside & 4;
  store<i32>(out, i32x4.extract_lane(keys, 3));
  return out + ((inside & 8) >>> 1);
}

/**
 * The band pass over `n` floats at `x`: adds to the u32 counters at `state` the number of keys
 * above `hi` (state[0]) and below `lo` (state[1]), raises the unsigned (state[2]) and signed
 * (state[3]) maxima of the raw bits, and appends the keys in [lo, hi] at `out` while it is
 * below `outEnd` (none when out = outEnd), writing up to 32 bytes past `outEnd`. Returns the end
 * of the appended keys.
 *
 * Valid keys are below 2^31, so the comparisons are signed (native f32x4 compares) and the raw
 * bits need no canonical −0: a −0 counts as below lo and is never collected, which changes no
 * value at or above the band (the driver checks that the rank falls inside it). A NaN raises the
 * signed maximum above +Infinity's key, a negative number other than −0 the unsigned one above
 * 0x80000000. Eight keys are compared at once; only those with a key in the band are compacted,
 * and only while collecting.
 */
export function order_band(x: usize, n: usize, lo: i32, hi: i32, out: usize, outEnd: usize, state: usize): usize {
  const end = x + (n << 2);
  const vlo = i32x4.splat(lo), vhi = i32x4.splat(hi);
  let above = i32x4.splat(0), below = i32x4.splat(0);
  let umax = i32x4.splat(load<i32>(state, 8)), smax = i32x4.splat(load<i32>(state, 12));
  for (; x + 32 <= end; x += 32) {
    const k0 = v128.load(x), k1 = v128.load(x, 16);
    umax = i32x4.max_u(umax, i32x4.max_u(k0, k1));
    smax = i32x4.max_s(smax, i32x4.max_s(k0, k1));
    const over0 = i32x4.gt_s(k0, vhi), over1 = i32x4.gt_s(k1, vhi);
    const under0 = i32x4.gt_s(vlo, k0), under1 = i32x4.gt_s(vlo, k1);
    above = i32x4.sub(above, i32x4.add(over0, over1));
    below = i32x4.sub(below, i32x4.add(under0, under1));
    const out0 = v128.or(over0, under0), out1 = v128.or(over1, under1);
    if (out < outEnd && !i32x4.all_true(v128.and(out0, out1))) {
      out = compact(k1, ~i32x4.bitmask(out1), compact(k0, ~i32x4.bitmask(out0), out));
    }
  }
  let a = lanesSum(above), b = lanesSum(below), um = lanesMax(umax);
  let sm = max<i32>(max<i32>(i32x4.extract_lane(smax, 0), i32x4.extract_lane(smax, 1)), max<i32>(i32x4.extract_lane(smax, 2), i32x4.extract_lane(smax, 3)));
  for (; x < end; x += 4) {
    const key = load<i32>(x);
    um = max<u32>(um, <u32>key);
    sm = max<i32>(sm, key);
    if (key > hi) a++;
    else if (key < lo) b++;
    else if (out < outEnd) {
      store<i32>(out, key);
      out += 4;
    }
  }
  store<u32>(state, load<u32>(state) + a);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, um, 8);
  store<i32>(state, sm, 12);
  return out;
}
