import type { ElementwiseProgram, ProgramReduction } from '@opt/core';
import { evaluateInvariants, emitElementLoops } from './compile-program.js';
import type { Code } from './emitter.js';
import { Emitter, absBits, fmax, fmin, fne, fpmax, get, set, vand, vor } from './emitter.js';
import { NodeCode, invariantNodes, liveNodes } from './node-code.js';
import type { SpecializedProgram } from './specialize.js';
import { Op, Simd, ValType, f32x4Const, moduleBytes, simd, sleb, v128Const } from './wasm-binary.js';

/** Swaps the two halves of a vector, so the upper float32 lanes can be promoted to float64. */
const HALF_SWAP = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Keeps float64 lane 0, zeroes lane 1 (the tail's splatted element counts once). */
const LANE0_F64 = [...Array<number>(8).fill(0xff), ...Array<number>(8).fill(0)];

const promoteLow = (v: Code): Code => [...v, ...simd(Simd.f64x2PromoteLowF32x4)];
const promoteHigh = (v: Code): Code => [...v, ...v, ...simd(Simd.shuffle, ...HALF_SWAP), ...simd(Simd.f64x2PromoteLowF32x4)];
const dadd = (a: Code, b: Code): Code => [...a, ...b, ...simd(Simd.f64x2Add)];
const dmul = (a: Code, b: Code): Code => [...a, ...b, ...simd(Simd.f64x2Mul)];
const lane = (v: Code, k: number): Code => [...v, ...simd(Simd.f32x4ExtractLane, k)];
const scalarMax = (a: Code, b: Code): Code => [...a, ...b, Op.f32Max];
const scalarMin = (a: Code, b: Code): Code => [...a, ...b, Op.f32Min];

/** The accumulator locals of one reduction in one copy of the loop body. */
interface Accumulator {
  /** Sums: two float64 lanes (each the sum of a low and a high float32 lane). Extremes: f32x4. */
  readonly value: number;
  /** maxAbs: lanes that saw a NaN. */
  readonly nan: number;
}

/** Initial value of a reduction's vector accumulator. */
function identity(op: ProgramReduction['op']): Code {
  if (op === 'max') return f32x4Const(-Infinity);
  if (op === 'min') return f32x4Const(Infinity);
  return f32x4Const(0); // sums (float64 zero has the same bits) and maxAbs
}

/** Vector accumulators a reduction holds (per copy, see `copiesOf`): maxAbs keeps its NaN lanes apart. */
const accumulatorsOf = (op: ProgramReduction['op']): number => (op === 'maxAbs' ? 2 : 1);
const accumulatorsIn = (reductions: readonly ProgramReduction[]): number => reductions.reduce((sum, r) => sum + accumulatorsOf(r.op), 0);
/**
 * Accumulators one pass may hold (x86-64 has 16 vector registers, shared with the loop's
 * values; beyond this the loop spills). Reductions over disjoint tensors are packed into a pass
 * up to this budget.
 */
const ACCUMULATOR_BUDGET = 4;
/**
 * Sets of accumulators: one per unrolled copy of the loop body when the pass holds at most two
 * accumulators (independent chains hide the float64 add latency of a short body: a lone sum of
 * squares is 20% faster), else one shared set (three sums, as ⊥Grad's, are 20% faster without
 * the registers a second set takes).
 */
const copiesOf = (reductions: readonly ProgramReduction[]): number => (accumulatorsIn(reductions) <= 2 ? 2 : 1);

/**
 * The passes that compute `reductions` (indices, in order): reductions that read a common
 * tensor (transitively) always share a pass, since each element is then loaded once;
 * reductions over disjoint tensors gain nothing from one loop, so they share a pass only while
 * its accumulators fit `ACCUMULATOR_BUDGET` (the tracer may batch the independent reductions
 * of several leaves into one call, e.g. ⊥Grad's three sums per leaf).
 */
export function reductionPasses(program: ElementwiseProgram, reductions: readonly ProgramReduction[]): number[][] {
  const parent = reductions.map((_, j) => j);
  const find = (j: number): number => (parent[j] === j ? j : (parent[j] = find(parent[j])));
  const owner = new Map<number, number>();
  reductions.forEach((r, j) => {
    for (const id of liveNodes(program, r.outputs.map((o) => program.outputs[o].node))) {
      const node = program.nodes[id];
      if (node.op !== 'tensor') continue;
      const k = owner.get(node.index);
      if (k === undefined) owner.set(node.index, j);
      else parent[find(j)] = find(k);
    }
  });
  const components = new Map<number, number[]>();
  reductions.forEach((_, j) => components.set(find(j), [...(components.get(find(j)) ?? []), j]));
  const cost = (part: readonly number[]) => accumulatorsIn(part.map((j) => reductions[j]));
  const passes: number[][] = [];
  for (const component of components.values()) {
    const last = passes[passes.length - 1];
    if (last && cost(last) + cost(component) <= ACCUMULATOR_BUDGET) last.push(...component);
    else passes.push([...component]);
  }
  return passes.map((pass) => pass.sort((a, b) => a - b));
}

/**
 * The float64 terms of one group for the sums: the promoted halves of an output's value and
 * the exact products of two, each computed once however many reductions read it (sumSquares(x)
 * and dot(x, x) share their product). In the tail only the low half exists.
 */
class SumTerms {
  private readonly halves = new Map<string, Code>();
  private readonly products = new Map<string, Code>();

  constructor(
    private readonly e: Emitter,
    private readonly value: (output: number) => Code,
    /**
     * Loads the low or high two float32 lanes of output `o` straight from memory (zeroing the
     * rest) when `o` is a tensor input and the group has four lanes, else undefined.
     */
    private readonly loadHalf: (output: number, high: 0 | 1) => Code | undefined,
  ) {}

  /**
   * The low (0) or high (1) two lanes of output `o`, in float64. A tensor input's halves are
   * loaded as 64 bits each and promoted (x86 folds the load into cvtps2pd), instead of shuffling
   * the loaded vector: the same values, with the shuffle moved onto the load ports.
   */
  half(o: number, high: 0 | 1): Code {
    const key = `${o}:${high}`;
    let code = this.halves.get(key);
    if (!code) {
      const loaded = this.loadHalf(o, high);
      code = this.e.bind(loaded ? promoteLow(loaded) : (high ? promoteHigh : promoteLow)(this.value(o)));
      this.halves.set(key, code);
    }
    return code;
  }

  /** The term of reduction `r` for one half: the value, its square, or the product of two outputs. */
  term(r: ProgramReduction, high: 0 | 1): Code {
    const [a, b] = r.op === 'sumSquares' ? [r.outputs[0], r.outputs[0]] : r.outputs;
    if (r.op === 'sum') return this.half(a, high);
    const key = `${Math.min(a, b)},${Math.max(a, b)}:${high}`;
    let code = this.products.get(key);
    if (!code) {
      code = this.e.bind(dmul(this.half(a, high), this.half(b, high)));
      this.products.set(key, code);
    }
    return code;
  }
}

/**
 * WebAssembly for reductions of a (specialized) program's outputs: `run(t_0..t_{T−1}, r_0..r_{R−1}, n,
 * s_0..s_{S−1})` evaluates the program per element exactly as `compileProgram` does (same loops,
 * same float32 node code, loop invariants hoisted) but, instead of storing outputs, folds them
 * into accumulators and stores reduction j as one float32 at byte offset r_j. Sums, sums of
 * squares and dot products accumulate float64 lanes of the float32 values (squares and products
 * exact, promotions and products shared between reductions), like the backend's `reduce`/`dot`;
 * the low and high halves of a group are added before they enter the accumulator, so each sum
 * holds one register per copy. max and min propagate NaN with f32x4.max/min; maxAbs takes the
 * pseudo-maximum of |v| (one instruction on x86) and records NaN lanes apart. In a small pass
 * each unrolled copy has its own accumulators, so the loop-carried chains are independent
 * (`copiesOf`).
 */
export function compileReduction(specialized: SpecializedProgram, reductions: readonly ProgramReduction[]): Uint8Array {
  const { program, plainScalars } = specialized;
  const T = program.tensors.length;
  const R = reductions.length;
  const S = program.scalars.length;
  const params = [...Array<number>(T + R + 1).fill(ValType.i32), ...Array<number>(S).fill(ValType.f32)];
  const e = new Emitter(params.length);
  const i = e.local(ValType.i32);
  const roots = reductions.flatMap((r) => r.outputs.map((o) => program.outputs[o].node));
  const invariant = evaluateInvariants(e, specialized, T + R + 1, roots);
  const invariantIds = invariantNodes(program);
  const copies = copiesOf(reductions);
  const accumulators: Accumulator[][] = reductions.map((r) => Array.from({ length: copies }, () => {
    const acc = { value: e.local(ValType.v128), nan: e.local(ValType.v128) };
    e.emit(identity(r.op), set(acc.value), f32x4Const(0), set(acc.nan));
    return acc;
  }));
  const at = (ptr: number): Code => [...get(ptr), ...get(i), Op.i32Add];

  emitElementLoops({ e, i, n: T + R }, (access, offset) => {
    const tail = access.width === 4;
    const copy = tail ? 0 : (offset / access.width) % copies;
    const nodes = new NodeCode(e, program, (index) => access.load(at(index), offset), invariant, invariantIds, plainScalars);
    const tensorOf = (o: number): number | undefined => {
      const node = program.nodes[program.outputs[o].node];
      return node.op === 'tensor' ? node.index : undefined;
    };
    const terms = new SumTerms(e, (o) => nodes.value(program.outputs[o].node), (o, high) => {
      const index = tensorOf(o);
      return tail || index === undefined ? undefined : [...at(index), ...simd(Simd.load64Zero, 2, ...sleb(offset + 8 * high))];
    });
    reductions.forEach((r, j) => {
      const acc = accumulators[j][copy];
      const update = (value: Code): void => e.emit(value, set(acc.value));
      switch (r.op) {
        case 'max': update(fmax(get(acc.value), nodes.value(program.outputs[r.outputs[0]].node))); break;
        case 'min': update(fmin(get(acc.value), nodes.value(program.outputs[r.outputs[0]].node))); break;
        case 'maxAbs': {
          const a = nodes.value(program.outputs[r.outputs[0]].node);
          update(fpmax(get(acc.value), absBits(e, a)));
          e.emit(vor(get(acc.nan), fne(a, a)), set(acc.nan));
          break;
        }
        default:
          // sum, sumSquares, dot: float64 terms of the low and (in the body) high lanes.
          update(dadd(get(acc.value), tail ? vand(terms.term(r, 0), e.constant(v128Const(LANE0_F64))) : dadd(terms.term(r, 0), terms.term(r, 1))));
      }
    });
  });

  reductions.forEach((r, j) => {
    const all = (combine: (a: Code, b: Code) => Code, field: 'value' | 'nan'): Code =>
      accumulators[j].slice(1).reduce((acc, a) => combine(acc, get(a[field])), get(accumulators[j][0][field]));
    let value: Code;
    if (r.op === 'max' || r.op === 'min' || r.op === 'maxAbs') {
      const combine = r.op === 'min' ? fmin : fmax;
      const pick = r.op === 'min' ? scalarMin : scalarMax;
      const v = e.bind(all(combine, 'value'));
      value = pick(pick(lane(v, 0), lane(v, 1)), pick(lane(v, 2), lane(v, 3)));
      if (r.op === 'maxAbs') {
        const sawNaN = [...all(vor, 'nan'), ...simd(Simd.anyTrue)];
        value = [Op.f32Const, ...new Uint8Array(new Float32Array([NaN]).buffer), ...value, ...sawNaN, Op.select];
      }
    } else {
      const total = e.bind(all(dadd, 'value'));
      value = [...total, ...simd(Simd.f64x2ExtractLane, 0), ...total, ...simd(Simd.f64x2ExtractLane, 1), Op.f64Add, Op.f32DemoteF64];
    }
    e.emit([...get(T + j), ...value, Op.f32Store, 2, 0]);
  });
  return moduleBytes({ params, results: [], locals: e.locals, code: e.body() });
}
