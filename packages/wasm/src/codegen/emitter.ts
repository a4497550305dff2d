import { Op, Simd, ValType, f32x4Const, i32x4Const, simd, uleb } from './wasm-binary.js';

/** Stack code: a sequence of instructions that leaves one value on the stack. */
export type Code = readonly number[];

/**
 * Builds a function body: declares locals after the parameters and appends statements. The
 * expression helpers below return stack code; `bind` stores a value in a fresh local so that
 * a value used several times is computed once. `constant` hoists a vector constant into the
 * prologue (run once, before any loop): V8 does not move v128 constants out of loops, and
 * building one takes several instructions, so loop bodies read them from locals instead.
 */
export class Emitter {
  readonly code: number[] = [];
  readonly locals: number[] = [];
  /** Statements run once at function entry (hoisted constants). */
  readonly prologue: number[] = [];
  private readonly constants = new Map<string, Code>();

  constructor(readonly paramCount: number) {}

  /** The function body: the prologue, then the statements. */
  body(): number[] {
    return [...this.prologue, ...this.code];
  }

  /** A loop-invariant vector (`value` must read no locals), computed once in the prologue. */
  constant(value: Code): Code {
    const key = value.join(',');
    let read = this.constants.get(key);
    if (!read) {
      const l = this.local(ValType.v128);
      this.prologue.push(...value, ...set(l));
      read = get(l);
      this.constants.set(key, read);
    }
    return read;
  }

  /** Four float32 lanes equal to `value`, hoisted. */
  f32(value: number): Code {
    return this.constant(fconst(value));
  }

  /** Four int32 lanes equal to `value`, hoisted. */
  i32(value: number): Code {
    return this.constant(iconst(value));
  }

  /** A new local of `type`; returns its index. */
  local(type: number): number {
    return this.paramCount + this.locals.push(type) - 1;
  }

  /** Append statements. */
  emit(...parts: Code[]): void {
    for (const p of parts) this.code.push(...p);
  }

  /** Compute `value` into a new v128 local; returns the code that reads it. */
  bind(value: Code): Code {
    const l = this.local(ValType.v128);
    this.emit(value, set(l));
    return get(l);
  }
}

export const get = (l: number): Code => [Op.localGet, ...uleb(l)];
export const set = (l: number): Code => [Op.localSet, ...uleb(l)];

const op1 = (code: number) => (a: Code): Code => [...a, ...simd(code)];
const op2 = (code: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(code)];

export const fadd = op2(Simd.f32x4Add);
export const fsub = op2(Simd.f32x4Sub);
export const fmul = op2(Simd.f32x4Mul);
export const fdiv = op2(Simd.f32x4Div);
export const fmin = op2(Simd.f32x4Min);
export const fmax = op2(Simd.f32x4Max);
/** Pseudo-minimum b < a ? b : a (one instruction on x86): NaN in `a` propagates, NaN in `b` does not. */
export const fpmin = op2(Simd.f32x4Pmin);
/** Pseudo-maximum a < b ? b : a: NaN in `a` propagates, NaN in `b` does not. */
export const fpmax = op2(Simd.f32x4Pmax);
export const feq = op2(Simd.f32x4Eq);
export const fne = op2(Simd.f32x4Ne);
export const flt = op2(Simd.f32x4Lt);
export const fle = op2(Simd.f32x4Le);
export const fgt = op2(Simd.f32x4Gt);
export const fge = op2(Simd.f32x4Ge);
export const fsqrt = op1(Simd.f32x4Sqrt);
export const fnearest = op1(Simd.f32x4Nearest);
export const vand = op2(Simd.and);
export const vor = op2(Simd.or);
export const vnot = op1(Simd.not);
export const vxor = op2(Simd.xor);
/** a & ~b. */
export const vandnot = op2(Simd.andnot);
export const isub = op2(Simd.i32x4Sub);
export const intToFloat = op1(Simd.f32x4ConvertI32x4S);
export const ishl = (a: Code, bits: number): Code => [...a, Op.i32Const, ...uleb(bits), ...simd(Simd.i32x4Shl)];
export const ishr = (a: Code, bits: number): Code => [...a, Op.i32Const, ...uleb(bits), ...simd(Simd.i32x4ShrS)];
/**
 * |x| per lane by clearing the sign bit with a hoisted mask: the bits f32x4.abs gives (NaN
 * payloads included), in one instruction where V8 spends three on f32x4.abs (it rebuilds the
 * mask on every use).
 */
export const absBits = (e: Emitter, x: Code): Code => vand(x, e.i32(0x7fffffff));
/** −x per lane by flipping the sign bit (the bits of f32x4.neg, one instruction instead of three). */
export const negBits = (e: Emitter, x: Code): Code => vxor(x, e.i32(-0x80000000));
/** mask ? a : b, per lane. */
export const select = (mask: Code, a: Code, b: Code): Code => [...a, ...b, ...mask, ...simd(Simd.bitselect)];
export const fconst = (value: number): Code => f32x4Const(value);
export const iconst = (value: number): Code => i32x4Const(value);
