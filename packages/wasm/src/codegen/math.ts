import type { Code, Emitter } from './emitter.js';
import { absBits, fadd, feq, flt, fmul, fne, fnearest, fpmax, fpmin, fsub, intToFloat, ishl, ishr, isub, select, vand, vandnot, vor } from './emitter.js';

/** Horner evaluation c[0]·x^k + ... + c[k] with `x` a bound value (coefficients hoisted). */
const horner = (e: Emitter, coefficients: readonly number[], x: Code): Code =>
  coefficients.slice(1).reduce<Code>((acc, c) => fadd(fmul(acc, x), e.f32(c)), e.f32(coefficients[0]));

// Cephes expf: ln 2 split so k·LN2_HI is exact for |k| ≤ 2^9.
const LOG2E = 1.44269504088896341;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/**
 * The clamp of exp's argument. Below −103.972 exp(x) rounds to 0 in float32, and x = −110 gives
 * k = −159, whose two factors 2^−80·2^−79 are normal and whose product with e^r rounds to 0, so
 * every x below −103.972 (−Infinity included) yields 0 without a test; above 88.73 it overflows.
 */
const EXP_LO = -110;
const EXP_HI = 89;
/** 1.5·2^23: adding it rounds a float32 of magnitude < 2^22 to an integer held in the low mantissa bits. */
const ROUNDER = 12582912;
/** The bits of ROUNDER less 2·127, so (bits(t) − this) = k + 254 for t = ROUNDER + k. */
const ROUNDER_BITS_LESS_BIASES = 0x4b400000 - 254;

/**
 * float32 exp on four lanes, range-reduced (Cephes expf): x = k·ln2 + r with k = round(x·log2 e)
 * (ties to even) and |r| ≤ ln2/2, a degree-7 polynomial for e^r (Cephes' coefficients, evaluated
 * by Estrin's scheme), and 2^k applied as two exact
 * power-of-two factors so subnormal results are rounded once. k is rounded by adding 1.5·2^23
 * (its integer value is then in the low bits, which also build the factors' exponents), and the
 * clamp uses pseudo-min/max (x first, so NaN stays NaN): every step is one x86 instruction.
 * Saturates to +Infinity above 88.72, to 0 below −103.97 (see EXP_LO). Against Math.exp rounded
 * to float32: at most 1 ulp measured over 2·10⁶ points of [−87, 88.7] (the tests bound it by 2),
 * subnormal results within 1 unit.
 */
export function emitExp(e: Emitter, input: Code): Code {
  const xIn = e.bind(input);
  const x = e.bind(fpmin(fpmax(xIn, e.f32(EXP_LO)), e.f32(EXP_HI)));
  const t = e.bind(fadd(fmul(x, e.f32(LOG2E)), e.f32(ROUNDER)));
  const kf = e.bind(fsub(t, e.f32(ROUNDER)));
  const r = e.bind(fsub(fsub(x, fmul(kf, e.f32(LN2_HI))), fmul(kf, e.f32(LN2_LO))));
  // e^r = 1 + r + r²·P(r), P by Estrin's scheme (three independent pairs, then two steps in r²):
  // the same operation count as Horner with half its dependency chain, so iterations overlap.
  const r2 = e.bind(fmul(r, r));
  const pair = (k: number): Code => fadd(fmul(e.f32(EXP_POLY[k]), r), e.f32(EXP_POLY[k + 1]));
  const poly = fadd(fmul(fadd(fmul(pair(0), r2), pair(2)), r2), pair(4));
  const p = e.bind(fadd(fadd(fmul(poly, r2), r), e.f32(1)));
  // j = k + 254 = (k1 + 127) + (k2 + 127) with k1 = k >> 1, k2 = k − k1: both biased exponents.
  const j = e.bind(isub(t, e.i32(ROUNDER_BITS_LESS_BIASES)));
  const j1 = e.bind(ishr(j, 1));
  return fmul(fmul(p, ishl(j1, 23)), ishl(isub(j, j1), 23));
}

// Cephes logf.
const SQRT_HALF = 0.707106781186547524;
const LOG_POLY = [
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
  -2.4999993993e-1, 3.3333331174e-1,
];
const SMALLEST_NORMAL = 1.17549435e-38;

/**
 * float32 natural log on four lanes (Cephes logf): x = m·2^e with m in [√½, √2), a degree-9
 * polynomial in m − 1, and e·ln2 added in two parts. Subnormal inputs are scaled by 2^23 first.
 * log(0) = −Infinity, log(+Infinity) = +Infinity, negative or NaN inputs give NaN. Measured
 * against Math.log rounded to float32 over normal and subnormal inputs: at most 2 ulp (tests).
 */
export function emitLog(e: Emitter, input: Code): Code {
  const xIn = e.bind(input);
  const tiny = e.bind(flt(xIn, e.f32(SMALLEST_NORMAL)));
  const x = e.bind(select(tiny, fmul(xIn, e.f32(2 ** 23)), xIn));
  // Exponent with m in [0.5, 1): x = m·2^(e), e = bits>>23 − 126, minus 23 for scaled inputs.
  const exponent = e.bind(isub(isub(ishr(x, 23), e.i32(126)), vand(tiny, e.i32(23))));
  const m0 = e.bind(vor(vand(x, e.i32(0x807fffff)), e.i32(0x3f000000)));
  const low = e.bind(flt(m0, e.f32(SQRT_HALF)));
  const ef = e.bind(fsub(intToFloat(exponent), vand(low, e.f32(1))));
  const m = e.bind(fsub(fadd(m0, vand(low, m0)), e.f32(1)));
  const z = e.bind(fmul(m, m));
  let y: Code = fmul(fmul(horner(e, LOG_POLY, m), m), z);
  y = fadd(y, fmul(ef, e.f32(LN2_LO)));
  y = fsub(y, fmul(z, e.f32(0.5)));
  const r = e.bind(fadd(fadd(m, y), fmul(ef, e.f32(LN2_HI))));
  const special = select(feq(xIn, e.f32(0)), e.f32(-Infinity), select(feq(xIn, e.f32(Infinity)), e.f32(Infinity), r));
  return select(vor(flt(xIn, e.f32(0)), fne(xIn, xIn)), e.f32(NaN), special);
}

/**
 * float32 pow(a, b) = exp(b·log|a|) with the sign and special cases of JS Math.pow: b = 0 gives 1,
 * a < 0 gives NaN unless b is an integer (negated for odd b), 0 and ±Infinity bases follow
 * from log. The relative error grows with |b·ln a| (about |b·ln a|·6e-8 plus 3 ulp).
 */
export function emitPow(e: Emitter, base: Code, exponent: Code): Code {
  const a = e.bind(base);
  const b = e.bind(exponent);
  const magnitude = e.bind(emitExp(e, fmul(b, emitLog(e, absBits(e, a)))));
  const integer = e.bind(feq(fnearest(b), b));
  const half = e.bind(fmul(b, e.f32(0.5)));
  const odd = vand(integer, fne(fnearest(half), half));
  const negative = e.bind(flt(a, e.f32(0)));
  const signed = select(vand(negative, odd), fsub(e.f32(0), magnitude), magnitude);
  const invalid = vandnot(negative, integer);
  const value = select(invalid, e.f32(NaN), signed);
  // Math.pow: x^0 = 1 for every x (NaN included); unlike C, 1^NaN and 1^±Infinity are NaN.
  return select(feq(b, e.f32(0)), e.f32(1), value);
}

/** Lanes where |x| is finite, as a mask. */
export const finiteMask = (e: Emitter, x: Code): Code => flt(absBits(e, x), e.f32(Infinity));
