/**
 * A minimal WebAssembly binary writer: LEB128 integers, the opcodes the elementwise code
 * generator uses, and a module with one imported memory and one exported function.
 */

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A length-prefixed byte vector. */
const sized = (bytes: readonly number[]): number[] => [...uleb(bytes.length), ...bytes];

/** A vector of `items` (count first). */
const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];

export const ValType = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;

/** Core opcodes (single byte). */
export const Op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  f32Load: 0x2a, f32Store: 0x38,
  i32Const: 0x41, f32Const: 0x43,
  f32Min: 0x96, f32Max: 0x97, f64Add: 0xa0, f32DemoteF64: 0xb6,
  i32GeU: 0x4f, i32Add: 0x6a, i32And: 0x71, i32Shl: 0x74,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00, store: 0x0b, const: 0x0c, shuffle: 0x0d, load64Zero: 0x5d,
  i32x4Splat: 0x11, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21,
  f32x4Eq: 0x41, f32x4Ne: 0x42, f32x4Lt: 0x43, f32x4Gt: 0x44, f32x4Le: 0x45, f32x4Ge: 0x46,
  not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, anyTrue: 0x53, f64x2PromoteLowF32x4: 0x5f,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab, i32x4ShrS: 0xac, i32x4Sub: 0xb1,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5,
  f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Min: 0xe8, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb,
  f64x2Add: 0xf0, f64x2Mul: 0xf2,
  f32x4ConvertI32x4S: 0xfa,
} as const;

/** One SIMD instruction (prefix, opcode, immediates). */
export const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...uleb(op), ...immediates];

/** v128.const of four equal float32 lanes. */
export function f32x4Const(value: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let lane = 0; lane < 4; lane++) view.setFloat32(lane * 4, value, true);
  return simd(Simd.const, ...bytes);
}

/** v128.const of 16 raw bytes. */
export const v128Const = (bytes: readonly number[]): number[] => simd(Simd.const, ...bytes);

/** v128.const of four equal int32 lanes. */
export function i32x4Const(value: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let lane = 0; lane < 4; lane++) view.setInt32(lane * 4, value, true);
  return simd(Simd.const, ...bytes);
}

/** A function body: local declarations (runs of one type) and code. */
export interface FunctionBody {
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly locals: readonly number[];
  readonly code: readonly number[];
}

/**
 * A module that imports `env.memory` (the backend's linear memory, so generated code reads and
 * writes the tensors in place) and exports `body` as `run`.
 */
export function moduleBytes(body: FunctionBody): Uint8Array {
  const section = (id: number, content: readonly number[]): number[] => [id, ...sized(content)];
  const type = section(1, vec([[0x60, ...vec(body.params.map((t) => [t])), ...vec(body.results.map((t) => [t]))]]));
  const imports = section(2, vec([[...sized(utf8('env')), ...sized(utf8('memory')), 0x02, 0x00, 0x00]]));
  const functions = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...sized(utf8('run')), 0x00, ...uleb(0)]]));
  const runs: number[][] = [];
  for (const t of body.locals) {
    const last = runs[runs.length - 1];
    if (last && last[1] === t) last[0]++;
    else runs.push([1, t]);
  }
  const code = section(10, vec([sized([...vec(runs.map(([n, t]) => [...uleb(n), t])), ...body.code, Op.end])]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...functions, ...exports, ...code]);
}
