import { kernelsWasmBase64 } from '../build/kernels-wasm.js';

/** Byte offset into the module's linear memory. */
export type Ptr = number;

/** Broadcast flag of an elementwise operand (0 or 1): 1 walks a tensor, 0 reads a 16-byte splat. */
export type Step = number;

type UnaryKernel = (x: Ptr, out: Ptr, n: number) => void;
type BinaryKernel = (a: Ptr, sa: Step, b: Ptr, sb: Step, out: Ptr, n: number) => void;
type ReduceKernel = (x: Ptr, n: number, out: Ptr) => void;
/** Reduce each row of x[m, n] into out[m]. */
type RowsKernel = (x: Ptr, m: number, n: number, out: Ptr) => void;
/** Reduce each column of x[m, n] into out[n]; `acc` is scratch for n float64 values. */
type ColsKernel = (x: Ptr, m: number, n: number, out: Ptr, acc: Ptr) => void;
/** out = x op v along `axis`; `splat` is 16 bytes of scratch. */
type BinaryAxisKernel = (x: Ptr, v: Ptr, out: Ptr, m: number, n: number, axis: 0 | 1, splat: Ptr) => void;
type AdamScalarArgs = [b1: number, c1: number, b2: number, c2: number, eps: number, stepSize: number, invSqrtBc2: number, l2: number, shrink: number];

/** The exports of build/kernels.wasm (assembly/*.ts); every pointer is a byte offset. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  copyBytes(dst: Ptr, src: Ptr, bytes: number): void;
  fill(out: Ptr, n: number, value: number): void;

  unary_neg: UnaryKernel; unary_abs: UnaryKernel; unary_sqrt: UnaryKernel; unary_square: UnaryKernel;
  unary_sign: UnaryKernel; unary_exp: UnaryKernel; unary_log: UnaryKernel; unary_reciprocal: UnaryKernel;
  unary_isFinite: UnaryKernel;
  binary_add: BinaryKernel; binary_sub: BinaryKernel; binary_mul: BinaryKernel; binary_div: BinaryKernel;
  binary_max: BinaryKernel; binary_min: BinaryKernel; binary_pow: BinaryKernel;
  axpby(a: Ptr, sa: Step, x: Ptr, sx: Step, b: Ptr, sb: Step, y: Ptr, sy: Step, out: Ptr, n: number): void;
  addcdiv(x: Ptr, sx: Step, c: Ptr, sc: Step, y: Ptr, sy: Step, z: Ptr, sz: Step, out: Ptr, n: number): void;
  where(cond: Ptr, sc: Step, a: Ptr, sa: Step, b: Ptr, sb: Step, out: Ptr, n: number): void;
  clamp(x: Ptr, sx: Step, lo: Ptr, sl: Step, hi: Ptr, sh: Step, out: Ptr, n: number): void;

  reduce_sum: ReduceKernel; reduce_sumSquares: ReduceKernel; reduce_max: ReduceKernel; reduce_min: ReduceKernel;
  reduce_maxAbs: ReduceKernel; reduce_allFinite: ReduceKernel;
  dot(a: Ptr, b: Ptr, n: number, out: Ptr): void;

  reduceRows_sum: RowsKernel; reduceRows_sumSquares: RowsKernel; reduceRows_max: RowsKernel; reduceRows_min: RowsKernel;
  reduceRows_logSumExp: RowsKernel;
  reduceCols_sum: ColsKernel; reduceCols_sumSquares: ColsKernel; reduceCols_max: ColsKernel; reduceCols_min: ColsKernel;
  reduceCols_logSumExp: ColsKernel;
  binaryAxis_add: BinaryAxisKernel; binaryAxis_sub: BinaryAxisKernel; binaryAxis_mul: BinaryAxisKernel;
  binaryAxis_div: BinaryAxisKernel; binaryAxis_max: BinaryAxisKernel; binaryAxis_min: BinaryAxisKernel;
  binaryAxis_pow: BinaryAxisKernel;
  transpose(x: Ptr, out: Ptr, rows: number, cols: number): void;
  matmul(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number): void;
  /** Muon's Newton–Schulz iteration on x[rows, cols] into out; scratch holds 2·m·n + 2·m² floats (m = min, n = max). */
  newton_schulz(x: Ptr, out: Ptr, rows: number, cols: number, a: number, b: number, c: number, steps: number, eps: number, scratch: Ptr): void;
  /** Thin Householder QR of x[rows, cols] (rows ≥ cols) into q [rows, cols] and r [cols, cols], in float64 (assembly/factorizations.ts). */
  householder_qr(x: Ptr, rows: number, cols: number, q: Ptr, r: Ptr, scratch: Ptr): void;
  householder_qr_scratch(rows: number, cols: number): number;
  /** Thin one-sided Jacobi SVD of x[rows, cols] into u [rows, k], s [k], v [cols, k], k = min, in float64. */
  jacobi_svd(x: Ptr, rows: number, cols: number, u: Ptr, s: Ptr, v: Ptr, scratch: Ptr): void;
  jacobi_svd_scratch(rows: number, cols: number): number;
  /** Fused log-domain Sinkhorn soft-min (assembly/ot.ts): rows reduce along j, cols along i with n float64 slots of scratch. */
  ot_softmin_rows(c: Ptr, v: Ptr, out: Ptr, m: number, n: number, eps: number): void;
  ot_softmin_cols(c: Ptr, v: Ptr, out: Ptr, m: number, n: number, eps: number, acc: Ptr): void;

  /** Order statistics on float32 keys (assembly/order.ts): radix histogram passes and the bucket pick, the strided sample and the band pass. */
  order_histogram_bytes(): number;
  order_histogram(x: Ptr, n: number, matchShift: number, prefix: number, shift: number, mask: number, hist: Ptr, largest: number): number;
  order_pick(hist: Ptr, slots: number, rank: number, state: Ptr): number;
  order_sample(x: Ptr, n: number, stride: number, out: Ptr): Ptr;
  order_band(x: Ptr, n: number, lo: number, hi: number, out: Ptr, outEnd: Ptr, state: Ptr): Ptr;

  fused_sgd(p: Ptr, g: Ptr, n: number, lr: number, wd: number): void;
  fused_sgd_momentum(p: Ptr, g: Ptr, buf: Ptr, n: number, lr: number, momentum: number, keep: number, wd: number, nesterov: number, first: number): void;
  fused_adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, ...h: AdamScalarArgs): void;
  fused_adam_amsgrad(p: Ptr, g: Ptr, m: Ptr, v: Ptr, vmax: Ptr, n: number, ...h: AdamScalarArgs): void;

  stream_copy(dst: Ptr, src: Ptr, n: number): void;
  stream_triad(a: Ptr, b: Ptr, c: Ptr, s: number, n: number): void;
}

/** Decode base64 without Node's Buffer (atob exists in browsers and in Node >= 16). */
function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiled: WebAssembly.Module | undefined;

/** The bytes of build/kernels.wasm, embedded at build time. */
export const kernelBytes = (): Uint8Array => decodeBase64(kernelsWasmBase64);

/**
 * Instantiate a fresh kernel module (its own linear memory). Compiles once per process, then
 * reuses the compiled module. Works wherever WebAssembly with SIMD does: Node, browsers, workers.
 */
export async function instantiateKernels(): Promise<KernelExports> {
  compiled ??= await WebAssembly.compile(kernelBytes() as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(compiled, {});
  return instance.exports as unknown as KernelExports;
}

/**
 * `instantiateKernels` without awaiting: for Node, workers, and browser main threads (where
 * the small module is under the synchronous-compile limit).
 */
export function instantiateKernelsSync(): KernelExports {
  compiled ??= new WebAssembly.Module(kernelBytes() as Uint8Array<ArrayBuffer>);
  return new WebAssembly.Instance(compiled, {}).exports as unknown as KernelExports;
}
