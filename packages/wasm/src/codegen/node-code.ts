import type { BinaryNodeOp, CompareOp, ElementwiseProgram, UnaryNodeOp } from '@opt/core';
import { OptError } from '@opt/core';
import type { Code, Emitter } from './emitter.js';
import {
  absBits, fadd, fdiv, feq, fge, fgt, fle, flt, fmax, fmin, fmul, fne, fpmax, fpmin, fsqrt, fsub, negBits, select, vand, vandnot,
} from './emitter.js';
import { emitExp, emitLog, emitPow, finiteMask } from './math.js';

const COMPARE = new Set<string>(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);
const compareCode: Record<CompareOp, (a: Code, b: Code) => Code> = { lt: flt, le: fle, gt: fgt, ge: fge, eq: feq, ne: fne };

/** A `where` condition: the lanes where `mask` is set, or where it is clear when `negated`. */
export interface Condition {
  readonly mask: Code;
  readonly negated: boolean;
}

/** Nodes that some output depends on. */
export function liveNodes(program: ElementwiseProgram, roots: readonly number[] = program.outputs.map((o) => o.node)): Set<number> {
  const live = new Set<number>();
  const visit = (id: number): void => {
    if (live.has(id)) return;
    live.add(id);
    const node = program.nodes[id];
    if ('args' in node) node.args.forEach(visit);
  };
  roots.forEach(visit);
  return live;
}

/** Nodes whose value is the same for every element: scalars, constants, and nodes of those only. */
export function invariantNodes(program: ElementwiseProgram): Set<number> {
  const invariant = new Set<number>();
  program.nodes.forEach((node, id) => {
    if (node.op === 'scalar' || node.op === 'const' || ('args' in node && node.args.every((a) => invariant.has(a)))) invariant.add(id);
  });
  return invariant;
}

/** A value that is neither NaN nor ±0, so min/max with it equal pseudo-min/max (operand order kept). */
const isPlain = (value: number): boolean => value !== 0 && !Number.isNaN(value);

/** Node `id` is the constant `value` (Object.is: +0 and −0 differ). */
function isConstant(program: ElementwiseProgram, id: number, value: number): boolean {
  const node = program.nodes[id];
  return node.op === 'const' && Object.is(node.value, value);
}

/**
 * The operand a binary node passes through unchanged, bit for bit, or undefined: x·1, 1·x, x/1,
 * x + (−0), (−0) + x and x − (+0) are x for every x (NaN and −0 included).
 */
function identityOperand(program: ElementwiseProgram, op: string, a: number, b: number): number | undefined {
  const is = (id: number, v: number) => isConstant(program, id, v);
  if (op === 'mul') return is(b, 1) ? a : is(a, 1) ? b : undefined;
  if (op === 'div') return is(b, 1) ? a : undefined;
  if (op === 'add') return is(b, -0) ? a : is(a, -0) ? b : undefined;
  if (op === 'sub') return is(b, 0) ? a : undefined;
  return undefined;
}

/**
 * The vector code of a program's nodes for one group of four elements, emitted on first use and
 * bound to locals (so each node is computed once, and nodes no output needs are never emitted).
 * Loop-invariant nodes come from `invariant` (an instance evaluated before the loop). Every
 * node is rounded to float32 as in the reference interpreter; the choices below only pick
 * cheaper instruction sequences with the same results:
 * - a comparison used as a `where` condition selects with its lane mask directly;
 * - min/max/clamp against a constant or scalar that is not NaN or ±0 use pseudo-min/max (one
 *   x86 instruction instead of V8's eight; the other operand first, so its NaN propagates);
 * - x·1, x/1, x + (−0), x − (+0) are x; where(c, 1, +0) is c's mask as a number; a `where`
 *   condition of the form where(c, t ≠ 0, ±0) or max(d, ±0) is tested without its value;
 * - sign(x) = clamp(x·2^127·2^127, −1, 1) by pseudo-min/max: ±1 for any nonzero x (subnormals
 *   included), ±0 and NaN unchanged;
 * - abs and neg clear or flip the sign bit with a hoisted mask (`absBits`, `negBits`), and a
 *   condition of the form ¬(d ≤ 0) swaps the `where` branches instead of inverting its mask.
 */
export class NodeCode {
  private readonly floats = new Map<number, Code>();
  private readonly masks = new Map<number, Code>();
  private readonly conditions = new Map<number, Condition>();

  constructor(
    private readonly e: Emitter,
    private readonly program: ElementwiseProgram,
    /** Code reading tensor input `index` as four lanes (or undefined before the loop). */
    private readonly load: ((index: number) => Code) | undefined,
    /** Scalar argument `index` as four lanes (before the loop), or the evaluated invariants (in it). */
    private readonly outer: { scalar: (index: number) => Code } | NodeCode,
    private readonly invariant: ReadonlySet<number>,
    /** Per scalar input: its value at run time is known to be neither NaN nor ±0 (see specializeProgram). */
    private readonly plainScalars: readonly boolean[] = [],
  ) {}

  /** Node `id` is a constant or a scalar known to be neither NaN nor ±0. */
  private plain(id: number): boolean {
    const node = this.program.nodes[id];
    return (node.op === 'const' && isPlain(node.value)) || (node.op === 'scalar' && this.plainScalars[node.index] === true);
  }

  /** The float value of node `id`. */
  value(id: number): Code {
    const known = this.floats.get(id);
    if (known) return known;
    if (this.outer instanceof NodeCode && this.invariant.has(id)) return this.outer.value(id);
    const node = this.program.nodes[id];
    const passed = 'args' in node && node.args.length === 2 ? identityOperand(this.program, node.op, node.args[0], node.args[1]) : undefined;
    if (passed !== undefined) return this.value(passed);
    let code: Code;
    switch (node.op) {
      case 'tensor':
        if (!this.load) throw new OptError('InvalidSpec', `nodes[${id}]`, 'a loop-invariant node before the loop', 'a tensor');
        code = this.load(node.index);
        break;
      case 'scalar':
        if (this.outer instanceof NodeCode) return this.outer.value(id);
        code = this.outer.scalar(node.index);
        break;
      case 'const':
        return this.e.f32(node.value);
      case 'where': {
        // where(c, 1, +0) is c's mask as 1.0 / +0.0: one `and` instead of a bit-select; a
        // negated mask swaps the branches instead of being inverted.
        const { mask, negated } = this.condition(node.args[0]);
        if (isConstant(this.program, node.args[1], 1) && isConstant(this.program, node.args[2], 0)) {
          code = negated ? vandnot(this.e.f32(1), mask) : vand(mask, this.e.f32(1));
        } else {
          const [a, b] = [this.value(node.args[1]), this.value(node.args[2])];
          code = negated ? select(mask, b, a) : select(mask, a, b);
        }
        break;
      }
      case 'clamp': {
        const [x, lo, hi] = node.args;
        const plain = this.plain(lo) && this.plain(hi);
        code = plain ? fpmin(fpmax(this.value(x), this.value(lo)), this.value(hi)) : fmin(fmax(this.value(x), this.value(lo)), this.value(hi));
        break;
      }
      default:
        if (COMPARE.has(node.op)) code = vand(this.mask(id), this.e.f32(1));
        else if (node.args.length === 1) code = this.unary(node.op as UnaryNodeOp, node.args[0]);
        else code = this.binary(node.op as BinaryNodeOp, node.args[0], node.args[1]);
    }
    const bound = this.e.bind(code);
    this.floats.set(id, bound);
    return bound;
  }

  /** The lane mask of comparison node `id`. */
  mask(id: number): Code {
    const known = this.masks.get(id);
    if (known) return known;
    if (this.outer instanceof NodeCode && this.invariant.has(id)) return this.outer.mask(id);
    const node = this.program.nodes[id] as { op: CompareOp; args: readonly [number, number] };
    const bound = this.e.bind(compareCode[node.op](this.value(node.args[0]), this.value(node.args[1])));
    this.masks.set(id, bound);
    return bound;
  }

  /** Evaluate loop-invariant node `id` now: its value, and its condition mask when a `where` tests it. */
  evaluate(id: number, testedByWhere: boolean): void {
    this.value(id);
    if (testedByWhere) this.condition(id);
  }

  /**
   * The lanes where node `id` is nonzero (a `where` condition), without computing its value
   * when its form allows: a comparison is its mask; where(c, t, ±0) with a constant t ≠ 0 is
   * nonzero exactly where c is; max(d, ±0) is nonzero exactly where ¬(d ≤ 0) (d > 0 or NaN),
   * returned as the mask of d ≤ 0 with `negated` set (a `where` swaps its branches: V8 spends
   * two instructions on v128.not).
   */
  condition(id: number): Condition {
    const known = this.conditions.get(id);
    if (known) return known;
    if (this.outer instanceof NodeCode && this.invariant.has(id)) return this.outer.condition(id);
    const node = this.program.nodes[id];
    const zero = (a: number) => isConstant(this.program, a, 0) || isConstant(this.program, a, -0);
    let c: Condition;
    if (COMPARE.has(node.op)) c = { mask: this.mask(id), negated: false };
    else if (node.op === 'where' && zero(node.args[2]) && this.program.nodes[node.args[1]].op === 'const' && !zero(node.args[1])) c = this.condition(node.args[0]);
    else if (node.op === 'max' && (zero(node.args[1]) || zero(node.args[0]))) c = { mask: this.e.bind(fle(this.value(zero(node.args[1]) ? node.args[0] : node.args[1]), this.e.f32(0))), negated: true };
    else c = { mask: this.e.bind(fne(this.value(id), this.e.f32(0))), negated: false };
    this.conditions.set(id, c);
    return c;
  }

  private unary(op: UnaryNodeOp, a: number): Code {
    const x = this.value(a);
    switch (op) {
      case 'neg': return negBits(this.e, x);
      case 'abs': return absBits(this.e, x);
      case 'sqrt': return fsqrt(x);
      case 'square': return fmul(x, x);
      case 'sign': {
        const big = this.e.f32(2 ** 127);
        return fpmin(fpmax(fmul(fmul(x, big), big), this.e.f32(-1)), this.e.f32(1));
      }
      case 'exp': return emitExp(this.e, x);
      case 'log': return emitLog(this.e, x);
      case 'reciprocal': return fdiv(this.e.f32(1), x);
      case 'isFinite': return vand(finiteMask(this.e, x), this.e.f32(1));
    }
  }

  private binary(op: BinaryNodeOp, a: number, b: number): Code {
    if ((op === 'min' || op === 'max') && (this.plain(a) || this.plain(b))) {
      const [v, c] = this.plain(b) ? [a, b] : [b, a];
      return (op === 'min' ? fpmin : fpmax)(this.value(v), this.value(c));
    }
    const x = this.value(a);
    const y = this.value(b);
    switch (op) {
      case 'add': return fadd(x, y);
      case 'sub': return fsub(x, y);
      case 'mul': return fmul(x, y);
      case 'div': return fdiv(x, y);
      case 'min': return fmin(x, y);
      case 'max': return fmax(x, y);
      case 'pow': return emitPow(this.e, x, y);
      default: throw new OptError('InvalidSpec', 'op', 'an arithmetic binary op (comparisons are masks)', op);
    }
  }
}
