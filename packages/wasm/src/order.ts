import type { OrderKernels, Tensor } from '@opt/core';
import { orderStatisticSize } from '@opt/core';
import type { Ptr } from './kernels.js';
import type { KernelHost } from './linalg.js';
import { withScratch } from './linalg.js';

/** Float32 data to select from: `size` floats at byte offset `ptr`. */
interface Run {
  readonly ptr: Ptr;
  readonly size: number;
}

/**
 * The digits of a key (a float32's bits), most significant first: bits 30..20 (the exponent and
 * 3 mantissa bits; bit 31, the sign, is 0 for valid data), 19..9 and 8..0. One pass each.
 */
const DIGITS = [{ shift: 20, bits: 11 }, { shift: 9, bits: 11 }, { shift: 0, bits: 9 }] as const;
/** The key of +Infinity: larger keys are NaNs or negative numbers. */
const INFINITY_KEY = 0x7f800000;
const NAN_KEY = 0x7fc00000;
/** The bits of −0: larger unsigned bit patterns are negative numbers. */
const NEGATIVE_ZERO_KEY = 0x80000000;
/** `order_band` may write this far past the end of the candidates it keeps. */
const BAND_OVERRUN_BYTES = 32;
/** Scratch after the histograms for `order_pick`'s rank, or `order_band`'s four counters. */
const STATE_BYTES = 16;

/** Data of at least this many elements go through the sampled band first (smaller: radix select only). */
const BAND_MIN_SIZE = 1 << 16;
/** The sample: four elements at every SAMPLE_STRIDE-th (1/64 of the data). */
const SAMPLE_STRIDE = 256;
/** Fewer sampled keys (data of many tensors under four elements) give no band. */
const SAMPLE_MIN_SIZE = 256;
/** Half-width of the band in standard deviations of the sample rank, plus a few ranks for small samples. */
const BAND_SIGMAS = 4;
const BAND_SLACK = 8;

/** The u32 counters at `state` (a fresh view: linear memory may have grown). */
const counters = (host: KernelHost, state: Ptr, n: number): Uint32Array => new Uint32Array(host.kernels.memory.buffer, state, n);

/**
 * Radix select of the k-th largest key of `runs`: one branch-free histogram pass per digit over
 * the keys that share the digits found so far, narrowing to the bucket holding the rank.
 * NAN_KEY when some element is NaN or negative.
 */
function radixSelect(host: KernelHost, runs: readonly Run[], k: number): number {
  const K = host.kernels;
  return withScratch(host, K.order_histogram_bytes() + STATE_BYTES, (hist) => {
    const state = hist + K.order_histogram_bytes();
    K.fill(hist, K.order_histogram_bytes() / 4, 0);
    let prefix = 0, rank = k, matchShift = 31;
    for (const { shift, bits } of DIGITS) {
      let largest = 0;
      for (const r of runs) largest = K.order_histogram(r.ptr, r.size, matchShift, prefix, shift, (1 << bits) - 1, hist, largest) >>> 0;
      if (largest > INFINITY_KEY) return NAN_KEY;
      prefix = (prefix << bits) | K.order_pick(hist, 1 << bits, rank, state);
      rank = counters(host, state, 1)[0];
      matchShift = shift;
    }
    return prefix >>> 0;
  });
}

/** Keys at the sample ranks bracketing rank k of n: [lo, hi] and an estimate of how many of the n keys lie in it. */
interface Band {
  readonly lo: number;
  readonly hi: number;
  readonly expected: number;
}

/**
 * The band from a strided sample of s keys: the sample rank of the answer is about k·s/n with
 * standard deviation √(s·p·(1 − p)), p = k/n; the band spans BAND_SIGMAS of them (plus
 * BAND_SLACK ranks) each side, open-ended (+Infinity, 0) where that passes the sample's ends.
 * Undefined when the sample is too small.
 */
function sampleBand(host: KernelHost, runs: readonly Run[], k: number, n: number): Band | undefined {
  const K = host.kernels;
  const size = runs.reduce((s, r) => s + 4 * Math.floor((r.size + SAMPLE_STRIDE - 4) / SAMPLE_STRIDE), 0);
  return withScratch(host, size * 4, (sample) => {
    let end = sample;
    for (const r of runs) end = K.order_sample(r.ptr, r.size, SAMPLE_STRIDE, end);
    const s = (end - sample) / 4;
    if (s < SAMPLE_MIN_SIZE) return undefined;
    const p = k / n;
    const width = Math.ceil(BAND_SIGMAS * Math.sqrt(s * p * (1 - p))) + BAND_SLACK;
    const hiRank = Math.floor(p * s) - width, loRank = Math.ceil(p * s) + width;
    const keys: Run[] = [{ ptr: sample, size: s }];
    const hi = hiRank >= 1 ? radixSelect(host, keys, hiRank) : INFINITY_KEY;
    const lo = loRank <= s ? radixSelect(host, keys, loRank) : 0;
    return { lo, hi, expected: ((Math.min(loRank, s) - Math.max(hiRank, 1) + 1) / s) * n };
  });
}

/**
 * The sampled band select: one pass counts the keys above and below the band and collects those in it
 * (up to twice the expected number), then radix select among the candidates. Undefined when
 * there is no band, the rank falls outside it, or the candidates overflow (then radix select on
 * all data).
 */
function bandSelect(host: KernelHost, runs: readonly Run[], k: number, n: number): number | undefined {
  const K = host.kernels;
  const band = sampleBand(host, runs, k, n);
  if (!band) return undefined;
  const { lo, hi, expected } = band;
  const capacity = lo === hi ? 0 : Math.min(n, Math.ceil(2 * expected) + 1024);
  return withScratch(host, capacity * 4 + BAND_OVERRUN_BYTES + STATE_BYTES, (scratch) => {
    const state = scratch + capacity * 4 + BAND_OVERRUN_BYTES;
    counters(host, state, 4).fill(0);
    let end = scratch;
    for (const r of runs) end = K.order_band(r.ptr, r.size, lo, hi, end, scratch + capacity * 4, state);
    const [above, below, unsignedMax, signedMax] = counters(host, state, 4);
    if (unsignedMax > NEGATIVE_ZERO_KEY || (signedMax | 0) > INFINITY_KEY) return NAN_KEY;
    const inside = n - above - below;
    if (!(above < k && k <= above + inside) || (lo !== hi && inside > capacity)) return undefined;
    return lo === hi ? lo : radixSelect(host, [{ ptr: scratch, size: inside }], k - above);
  });
}

/**
 * Order statistics of the WASM backend (`backend.order`, used by @opt/rules' `kthLargest`),
 * exact, on the float32 bit patterns (assembly/order.ts):
 * - data of 2^16 elements or more: a 1/64 strided sample gives a band of keys around the
 *   answer, one f32x4 pass counts the keys above it and collects those inside (about 1 % of the
 *   data on smooth distributions), and radix select finishes among them; when the rank falls
 *   outside the band (a sample unlike the data), radix select on all data;
 * - radix select: three branch-free histogram passes of 11, 11 and 9 bits.
 * Contract as `OrderKernels.kthLargest`: non-negative data, −0 as +0, NaN when an element is
 * NaN or negative.
 */
export function wasmOrder(host: KernelHost): OrderKernels {
  return {
    kthLargest(xs: readonly Tensor[], k: number): Tensor {
      const runs = xs.map((x, i) => host.own(x, `xs[${i}]`));
      const n = orderStatisticSize(xs, k);
      const key = (n >= BAND_MIN_SIZE ? bandSelect(host, runs, k, n) : undefined) ?? radixSelect(host, runs, k);
      const out = host.allocate([]);
      counters(host, out.ptr, 1)[0] = key;
      return out;
    },
  };
}
