import type { AxisReduceOp, Backend, BinaryOp, DType, ElementwiseKernels, FusedAdamScalars, FusedKernels, FusedSgdScalars, HostArray, LinalgKernels, OrderKernels, OtKernels, ReduceOp, Scalar, Shape, Tensor, UnaryOp } from '@opt/core';
import { OptError, checkAxisVector, elementwiseLead, matmulDims, matrixDims, ownedTensor, sizeOf, trackTensor } from '@opt/core';
import type { MemoryStats } from './allocator.js';
import { LinearAllocator } from './allocator.js';
import type { KernelExports, Ptr, Step } from './kernels.js';
import type { KernelHost } from './linalg.js';
import { wasmLinalg } from './linalg.js';
import { wasmOrder } from './order.js';
import { wasmOt } from './ot.js';
import { wasmElementwise } from './codegen/elementwise-kernels.js';

/**
 * A float32 tensor in the module's linear memory: `size` floats at byte offset `ptr`.
 * Freed only by `backend.dispose` (directly, through `tidy`, or by the Optimizer shell).
 */
export class WasmTensor implements Tensor {
  readonly dtype = 'float32' as const;
  readonly size: number;
  disposed = false;
  constructor(readonly backend: WasmBackend, readonly shape: Shape, readonly ptr: Ptr) {
    this.size = sizeOf(shape);
  }
  /** Bytes of the payload (the allocator's block may be larger). */
  get bytes(): number {
    return this.size * 4;
  }
}

/** Scratch splats for broadcast operands: at most four per kernel call, 16 bytes each. */
const SPLAT_SLOTS = 4;

type Operand = Tensor | Scalar;

/**
 * The WASM SIMD CPU backend: float32 tensors in one WebAssembly linear memory, AssemblyScript
 * f32x4 kernels (assembly/*.ts), a JS-side allocator (`LinearAllocator`), and fused in-place
 * Adam/SGD kernels. Synchronous: `readSync` copies out of linear memory.
 *
 * Broadcasting follows core's JS backend: every elementwise operand is a tensor of the result's
 * size or a scalar (a host number or a one-element tensor). Scalars are written as 16-byte
 * splats to scratch memory, so kernels read them like tensors with a zero stride.
 *
 * Accuracy against the JS reference (float32 inputs): single-op elementwise kernels round
 * once like the reference (exact for + - * / sqrt, exp/log/pow through float64 per lane);
 * host scalars are rounded to float32 first (as the reference and torch do); axpby and addcdiv
 * round each product, so they agree to ~1e-6 relative to the size of their terms. Sums, sums of squares and dot products
 * accumulate in float64. matmul accumulates in float32 (relative error ~k·6e-8).
 * Axis reductions accumulate sums in float64; logSumExp agrees to ~1e-7 absolute plus one
 * float32 rounding.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly dtypes = ['float32'] as const;
  readonly synchronous = true;
  readonly allocator: LinearAllocator;
  private readonly splats: Ptr;
  private live = 0;
  /** Dense linear algebra: Newton–Schulz, QR and SVD, each one kernel call (see linalg.ts). */
  readonly linalg: LinalgKernels;
  /** Optimal transport: the fused log-domain Sinkhorn soft-min (see ot.ts). */
  readonly ot: OtKernels;
  /** Order statistics: exact radix select on the float32 bits (see order.ts). */
  readonly order: OrderKernels;
  /** Per-element programs compiled to f32x4 WebAssembly that shares this memory (codegen/). */
  readonly elementwise: ElementwiseKernels;

  constructor(private readonly kernels: KernelExports) {
    this.allocator = new LinearAllocator(kernels.memory, kernels.heapBase());
    this.splats = this.allocator.alloc(SPLAT_SLOTS * 16);
    const host: KernelHost = {
      kernels,
      allocate: (shape) => this.allocate(shape),
      own: (x, field) => this.own(x, field),
      scratch: (bytes) => this.allocator.alloc(bytes),
      free: (ptr, bytes) => this.allocator.free(ptr, bytes),
    };
    this.linalg = wasmLinalg(host);
    this.ot = wasmOt(host);
    this.order = wasmOrder(host);
    this.elementwise = wasmElementwise({
      memory: kernels.memory,
      pointer: (x, field) => this.own(x, field).ptr,
      scalarValue: (x, field) => this.allocator.floats()[this.own(x, field).ptr >>> 2],
    });
  }

  /** Number of tensors allocated and not yet disposed (like tf.memory().numTensors). */
  get liveTensors(): number {
    return this.live;
  }

  /** Allocator counters (heap size, live and free blocks). */
  memoryStats(): MemoryStats {
    return this.allocator.stats();
  }

  // ---- allocation and transfer ---------------------------------------------------------

  private allocate(shape: Shape): WasmTensor {
    const t = new WasmTensor(this, [...shape], this.allocator.alloc(sizeOf(shape) * 4));
    this.live++;
    trackTensor(t);
    return t;
  }

  private own(x: Tensor, field = 'tensor'): WasmTensor {
    return ownedTensor(x, this, WasmTensor, field);
  }

  private checkDType(dtype: DType, field = 'dtype'): void {
    if (dtype !== 'float32') throw new OptError('DTypeMismatch', field, "'float32' (the wasm backend's only dtype)", dtype);
  }

  fromArray(data: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
    this.checkDType(dtype);
    const n = sizeOf(shape);
    if (data.length !== n) throw new OptError('ShapeMismatch', 'data', `${n} elements for shape [${shape.join(', ')}]`, `${data.length} elements`);
    const t = this.allocate(shape);
    this.allocator.floats().set(data, t.ptr >>> 2);
    return t;
  }

  full(shape: Shape, value: number, dtype: DType): Tensor {
    this.checkDType(dtype);
    const t = this.allocate(shape);
    this.kernels.fill(t.ptr, t.size, value);
    return t;
  }

  async read(x: Tensor): Promise<HostArray> {
    return this.readSync(x);
  }

  readSync(x: Tensor): HostArray {
    const t = this.own(x);
    const at = t.ptr >>> 2;
    return this.allocator.floats().slice(at, at + t.size);
  }

  /** Free the tensor's block. Disposing twice is an InvalidState error, as on the JS backend. */
  dispose(x: Tensor): void {
    const t = this.own(x);
    t.disposed = true;
    this.live--;
    this.allocator.free(t.ptr, t.bytes);
  }

  private copyOf(t: WasmTensor, shape: Shape): Tensor {
    const out = this.allocate(shape);
    this.kernels.copyBytes(out.ptr, t.ptr, t.bytes);
    return out;
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    const t = this.own(x);
    if (sizeOf(shape) !== t.size) throw new OptError('ShapeMismatch', 'shape', `${t.size} elements`, `shape [${shape.join(', ')}]`);
    return this.copyOf(t, shape);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    this.checkDType(dtype);
    const t = this.own(x);
    return this.copyOf(t, t.shape);
  }

  // ---- elementwise -----------------------------------------------------------------------

  /** Shape of an elementwise result: core's shared scalar-broadcast rule. */
  private resultShape(operands: readonly Operand[]): Shape {
    return elementwiseLead(operands)?.shape ?? [];
  }

  /** Pointer and step of an operand for a kernel over `n` elements (scalars become splats). */
  private operand(v: Operand, n: number, field: string, slot: number): [Ptr, Step] {
    const splat = this.splats + slot * 16;
    const at = splat >>> 2;
    if (typeof v === 'number') {
      this.allocator.floats().fill(v, at, at + 4);
      return [splat, 0];
    }
    const t = this.own(v, field);
    if (t.size === n) return [t.ptr, 1];
    if (t.size === 1) {
      this.kernels.fill(splat, 4, this.allocator.floats()[t.ptr >>> 2]);
      return [splat, 0];
    }
    throw new OptError('ShapeMismatch', field, `${n} elements or a scalar`, `shape [${t.shape.join(', ')}]`);
  }

  /**
   * Run an elementwise kernel `(op0, step0, op1, step1, ..., out, n)` over `operands`, with the
   * result shaped like `shapeFrom` (default: all operands).
   */
  private map(kernel: (...args: number[]) => void, operands: readonly Operand[], fields: readonly string[], shapeFrom = operands): Tensor {
    const shape = this.resultShape(shapeFrom);
    const n = sizeOf(shape);
    const args = operands.flatMap((o, i) => this.operand(o, n, fields[i], i));
    const out = this.allocate(shape);
    kernel(...args, out.ptr, n);
    return out;
  }

  unary(op: UnaryOp, x: Tensor): Tensor {
    const t = this.own(x, 'x');
    const out = this.allocate(t.shape);
    this.kernels[`unary_${op}`](t.ptr, out.ptr, t.size);
    return out;
  }

  binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
    return this.map(this.kernels[`binary_${op}`], [a, b], ['a', 'b']);
  }

  axpby(a: Scalar, x: Tensor, b: Scalar, y: Tensor): Tensor {
    return this.map(this.kernels.axpby, [a, x, b, y], ['a', 'x', 'b', 'y'], [x, y]);
  }

  addcdiv(x: Tensor, c: Scalar, y: Tensor, z: Tensor): Tensor {
    return this.map(this.kernels.addcdiv, [x, c, y, z], ['x', 'c', 'y', 'z'], [x, y, z]);
  }

  where(cond: Operand, a: Operand, b: Operand): Tensor {
    return this.map(this.kernels.where, [cond, a, b], ['cond', 'a', 'b'], [a, b, cond]);
  }

  clamp(x: Tensor, lo: Scalar, hi: Scalar): Tensor {
    return this.map(this.kernels.clamp, [x, lo, hi], ['x', 'lo', 'hi'], [this.own(x, 'x')]);
  }

  // ---- reductions and products -------------------------------------------------------------

  reduce(op: ReduceOp, x: Tensor): Tensor {
    const t = this.own(x, 'x');
    const out = this.allocate([]);
    this.kernels[`reduce_${op}`](t.ptr, t.size, out.ptr);
    return out;
  }

  dot(a: Tensor, b: Tensor): Tensor {
    const x = this.own(a, 'a');
    const y = this.own(b, 'b');
    if (x.size !== y.size) throw new OptError('ShapeMismatch', 'b', `${x.size} elements`, `${y.size} elements`);
    const out = this.allocate([]);
    this.kernels.dot(x.ptr, y.ptr, x.size, out.ptr);
    return out;
  }

  // ---- axis ops on matrices ------------------------------------------------------------------

  /**
   * Axis 1 reduces each contiguous row with SIMD; axis 0 adds rows into an output vector
   * (sums in a float64 scratch vector). logSumExp is max + log Σ exp(x - max) with a
   * vectorised float32 exp (≤ 1 ulp) summed in float64.
   */
  reduceAxis(op: AxisReduceOp, x: Tensor, axis: 0 | 1): Tensor {
    const t = this.own(x, 'x');
    const [m, n] = matrixDims(t);
    const out = this.allocate([axis === 1 ? m : n]);
    if (axis === 1) {
      this.kernels[`reduceRows_${op}`](t.ptr, m, n, out.ptr);
      return out;
    }
    const acc = this.allocator.alloc(n * 8);
    try {
      this.kernels[`reduceCols_${op}`](t.ptr, m, n, out.ptr, acc);
    } finally {
      this.allocator.free(acc, n * 8);
    }
    return out;
  }

  binaryAxis(op: BinaryOp, x: Tensor, v: Tensor, axis: 0 | 1): Tensor {
    const t = this.own(x, 'x');
    const [m, n] = matrixDims(t);
    const w = this.own(v, 'v');
    checkAxisVector(w, m, n, axis);
    const out = this.allocate([m, n]);
    this.kernels[`binaryAxis_${op}`](t.ptr, w.ptr, out.ptr, m, n, axis, this.splats);
    return out;
  }

  /** Cache-blocked (32×32 tiles of 4×4 SIMD register transposes). */
  transpose(x: Tensor): Tensor {
    const t = this.own(x, 'x');
    const [m, n] = matrixDims(t);
    const out = this.allocate([n, m]);
    this.kernels.transpose(t.ptr, out.ptr, m, n);
    return out;
  }

  /** Row-major copy of a stored [rows, cols] matrix transposed, in a scratch block. */
  private packTransposed(t: WasmTensor): Ptr {
    const ptr = this.allocator.alloc(t.bytes);
    this.kernels.transpose(t.ptr, ptr, t.shape[0], t.shape[1]);
    return ptr;
  }

  matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
    const A = this.own(a, 'a');
    const B = this.own(b, 'b');
    const { m, k, n } = matmulDims(A, B, transposeA, transposeB);
    const pa = transposeA ? this.packTransposed(A) : A.ptr;
    const pb = transposeB ? this.packTransposed(B) : B.ptr;
    try {
      const out = this.allocate([m, n]);
      this.kernels.matmul(pa, pb, out.ptr, m, k, n);
      return out;
    } finally {
      if (transposeA) this.allocator.free(pa, A.bytes);
      if (transposeB) this.allocator.free(pb, B.bytes);
    }
  }

  // ---- copies ------------------------------------------------------------------------------

  concat(xs: readonly Tensor[]): Tensor {
    const ts = xs.map((x, i) => this.own(x, `concat[${i}]`));
    const out = this.allocate([ts.reduce((s, t) => s + t.size, 0)]);
    let at = out.ptr;
    for (const t of ts) {
      this.kernels.copyBytes(at, t.ptr, t.bytes);
      at += t.bytes;
    }
    return out;
  }

  slice(x: Tensor, offset: number, shape: Shape): Tensor {
    const t = this.own(x);
    const n = sizeOf(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset + n > t.size) {
      throw new OptError('ShapeMismatch', 'slice', `a range inside ${t.size} elements`, `[${offset}, ${offset + n})`);
    }
    const out = this.allocate(shape);
    this.kernels.copyBytes(out.ptr, t.ptr + offset * 4, n * 4);
    return out;
  }

  // ---- fused optimizer steps (tier 3) ------------------------------------------------------

  /** A state tensor of a fused step: live, of this backend, and as large as the parameter. */
  private stateOf(x: Tensor, p: WasmTensor, field: string): WasmTensor {
    const t = this.own(x, field);
    if (t.size !== p.size) throw new OptError('ShapeMismatch', field, `${p.size} elements (like p)`, `shape [${t.shape.join(', ')}]`);
    return t;
  }

  /**
   * In-place single-pass kernels (one read and one write per buffer, f32x4 SIMD):
   * - `sgd`: torch.optim.SGD. g += wd·p; buf = g on the first step, else
   *   momentum·buf + (1 - dampening)·g; d = nesterov ? g + momentum·buf : buf; p -= lr·d.
   *   momentum 0 uses no buffer (`buf` may be null).
   * - `adam`: torch.optim.Adam/AdamW with host-computed scalars (FusedAdamScalars).
   *   p *= decay (as p -= (1 - decay)·p, exact for small lr·wd); g += l2·p; m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
   *   vmax = max(vmax, v) when `vmax` is given (amsgrad); p -= stepSize·m / (sqrt(v̂)/sqrtBc2 + eps).
   */
  readonly fused: Required<FusedKernels> = {
    sgd: (p: Tensor, g: Tensor, buf: Tensor | null, h: FusedSgdScalars): void => {
      const P = this.own(p, 'p');
      const G = this.stateOf(g, P, 'g');
      if (h.momentum === 0) {
        this.kernels.fused_sgd(P.ptr, G.ptr, P.size, h.lr, h.weightDecay);
        return;
      }
      if (buf === null) throw new OptError('MissingInput', 'buf', 'a momentum buffer when momentum != 0');
      const B = this.stateOf(buf, P, 'buf');
      this.kernels.fused_sgd_momentum(P.ptr, G.ptr, B.ptr, P.size, h.lr, h.momentum, 1 - h.dampening, h.weightDecay, h.nesterov ? 1 : 0, h.first ? 1 : 0);
    },
    adam: (p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor | null, h: FusedAdamScalars): void => {
      const P = this.own(p, 'p');
      const [G, M, V] = [this.stateOf(g, P, 'g'), this.stateOf(m, P, 'm'), this.stateOf(v, P, 'v')];
      const scalars = [h.b1, 1 - h.b1, h.b2, 1 - h.b2, h.eps, h.stepSize, 1 / h.sqrtBc2, h.l2, 1 - h.decay] as const;
      if (vmax === null) this.kernels.fused_adam(P.ptr, G.ptr, M.ptr, V.ptr, P.size, ...scalars);
      else this.kernels.fused_adam_amsgrad(P.ptr, G.ptr, M.ptr, V.ptr, this.stateOf(vmax, P, 'vmax').ptr, P.size, ...scalars);
    },
  };
}
