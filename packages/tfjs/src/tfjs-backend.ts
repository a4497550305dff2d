import type { AxisReduceOp, Backend, BinaryOp, DType, HostArray, LinalgKernels, OrderKernels, ReduceOp, Scalar, Shape, Tensor, UnaryOp } from '@opt/core';
import { OptError, checkAxisVector, matmulDims, matrixDims, ownedTensor, sizeOf, trackTensor } from '@opt/core';
import * as tf from '@tensorflow/tfjs-core';
import { elementwiseShape, operandRole } from './elementwise-shape.js';
import type { TfjsKernelHost } from './linalg.js';
import { tfjsLinalg } from './linalg.js';
import { tfjsOrder } from './order.js';

/** An opt tensor backed by a float32 `tf.Tensor`. The wrapper owns the tf tensor. */
export class TfjsTensor implements Tensor {
  readonly dtype = 'float32';
  disposed = false;
  constructor(
    readonly backend: TfjsBackend,
    /** The tfjs tensor; read it, do not dispose it (dispose the wrapper). */
    readonly value: tf.Tensor,
  ) {}

  get shape(): Shape {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }
}

/** tfjs backends whose `dataSync` works for device data (webgpu reads need OffscreenCanvas). */
const ASYNC_ONLY = new Set(['webgpu']);
/**
 * tfjs backends whose Maximum, Minimum, ClipByValue and Pow kernels return NaN for a NaN second
 * operand, like the reference (tfjs-wasm returns the first operand for max/min and clips NaN to
 * the lower bound; its pow follows C, pow(1, NaN) = 1). Other backends get a NaN fix-up.
 */
const NAN_PROPAGATING = new Set(['cpu', 'webgpu', 'webgl', 'tensorflow']);

/** Results of reductions over zero elements (tfjs-wasm returns uninitialised memory for them). */
const EMPTY_REDUCTION: Record<ReduceOp, number> = { sum: 0, sumSquares: 0, max: -Infinity, min: Infinity, maxAbs: 0, allFinite: 1 };

/** Results of axis reductions over lines of zero elements (the same identities). */
const EMPTY_LINE: Record<AxisReduceOp, number> = { sum: 0, sumSquares: 0, max: -Infinity, min: Infinity, logSumExp: -Infinity };

type Operand = tf.Tensor | number;

const unaryKernels: Record<UnaryOp, (x: tf.Tensor) => tf.Tensor> = {
  neg: (x) => tf.neg(x),
  abs: (x) => tf.abs(x),
  sqrt: (x) => tf.sqrt(x),
  square: (x) => tf.square(x),
  // Built from comparisons: tfjs maps sign(NaN) to 0 on every backend (the reference keeps NaN),
  // and tfjs-wasm's sign returns 0 for |x| below about 1e-6. Zeros and NaN pass through as x.
  sign: (x) => tf.where(tf.greater(x, 0), tf.onesLike(x), tf.where(tf.less(x, 0), tf.neg(tf.onesLike(x)), x)),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  reciprocal: (x) => tf.reciprocal(x),
  isFinite: (x) => tf.cast(tf.isFinite(x), 'float32'),
};

const reduceKernels: Record<ReduceOp, (x: tf.Tensor) => tf.Tensor> = {
  sum: (x) => tf.sum(x),
  sumSquares: (x) => tf.sum(tf.square(x)),
  max: (x) => tf.max(x),
  min: (x) => tf.min(x),
  maxAbs: (x) => tf.max(tf.abs(x)),
  allFinite: (x) => tf.cast(tf.all(tf.isFinite(x)), 'float32'),
};

/** `coefficient * x`, skipping the multiply when the coefficient is the host number 1 (exact). */
const scaled = (coefficient: Operand, x: Operand): Operand => (coefficient === 1 ? x : tf.mul(coefficient, x));

/**
 * A Backend over one tfjs backend (cpu, wasm, webgpu, webgl, tensorflow, ...). Tensors wrap
 * float32 `tf.Tensor`s; each op is one `tf.tidy` expression (its temporaries are freed at
 * once) whose result is kept out of tfjs scopes and reported to core's `trackTensor`, so core's
 * `tidy` and the Optimizer shell own it. Reductions stay on the device as 0-d tensors.
 *
 * tfjs has one active backend per process: an op on this backend's tensors makes its tfjs
 * backend the active one first (a synchronous switch once the backend is initialised).
 */
export class TfjsBackend implements Backend {
  readonly name: string;
  readonly dtypes = ['float32'] as const;
  readonly synchronous: boolean;
  /** Blocking read; present only when the tfjs backend supports `dataSync` (not webgpu). */
  readonly readSync?: (x: Tensor) => HostArray;
  private readonly nanPropagating: boolean;
  /** Newton–Schulz with tf.matMul and QR with tf.linalg.qr, on the device (see linalg.ts). */
  readonly linalg: LinalgKernels = tfjsLinalg(this.kernelHost());
  /** The exact k-th largest by tf.topk, on the device (see order.ts). */
  readonly order: OrderKernels = tfjsOrder(this.kernelHost());

  /** Prefer `tfjsBackendFor` (one instance per tfjs backend) or `createTfjsBackend`. */
  constructor(readonly tfjsName: string) {
    this.name = `tfjs-${tfjsName}`;
    this.synchronous = !ASYNC_ONLY.has(tfjsName);
    this.nanPropagating = NAN_PROPAGATING.has(tfjsName);
    if (this.synchronous) this.readSync = (x) => (this.own(x).dataSync() as Float32Array).slice();
  }

  /** Wrap a tf.Tensor this backend now owns (kept out of tfjs scopes, tracked by core's scopes). */
  adopt(value: tf.Tensor): TfjsTensor {
    if (value.dtype !== 'float32') throw new OptError('DTypeMismatch', 'tensor', 'a float32 tf.Tensor', value.dtype);
    const t = new TfjsTensor(this, tf.keep(value));
    trackTensor(t);
    return t;
  }

  /** Make this backend the active tfjs backend (it must be initialised already). */
  private activate(): void {
    if (tf.getBackend() === this.tfjsName) return;
    if (tf.findBackend(this.tfjsName) == null) {
      throw new OptError('BackendUnavailable', 'backend', `an initialised tfjs backend '${this.tfjsName}'`, 'an uninitialised one', 'create it with createTfjsBackend');
    }
    void tf.setBackend(this.tfjsName); // synchronous for an initialised backend
  }

  /** Run one op expression on this backend and adopt its result. */
  /** What the device kernels (linalg, order) need from this backend. */
  private kernelHost(): TfjsKernelHost {
    return { backend: this, run: (e) => this.run(e), own: (x, field) => this.own(x, field) };
  }

  private run(expression: () => tf.Tensor): TfjsTensor {
    this.activate();
    return this.adopt(tf.tidy(expression));
  }

  private own(x: Tensor, field = 'tensor'): tf.Tensor {
    return ownedTensor(x, this, TfjsTensor, field).value;
  }

  /**
   * An elementwise operand for a result of `shape`: host numbers stay numbers (tfjs uploads
   * them), one-element tensors become 0-d views. Call it inside `run` (the view is a temporary).
   */
  private operand(v: Tensor | Scalar, shape: Shape, field: string): Operand {
    if (typeof v === 'number') return v;
    const value = this.own(v, field);
    return operandRole(v, shape, field) === 'same' ? value : tf.reshape(value, []);
  }

  private checkDType(dtype: DType): void {
    if (dtype !== 'float32') throw new OptError('DTypeMismatch', 'dtype', `one of ${this.dtypes.join(', ')}`, dtype);
  }

  /**
   * `fn(a, b)` (max, min or pow) with NaN wherever `b` is NaN, as the reference computes it.
   * Needed only where NAN_PROPAGATING says so; a NaN in `a` already propagates everywhere.
   */
  private nanSafe(fn: (a: Operand, b: Operand) => tf.Tensor, a: Operand, b: Operand): tf.Tensor {
    const plain = fn(a, b);
    if (this.nanPropagating || plain.size === 0) return plain;
    if (typeof b === 'number') return Number.isNaN(b) ? tf.fill(plain.shape, NaN) : plain;
    return tf.where(tf.isNaN(b), b, plain);
  }

  fromArray(data: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
    this.checkDType(dtype);
    const n = sizeOf(shape);
    if (data.length !== n) throw new OptError('ShapeMismatch', 'data', `${n} elements for shape [${shape.join(', ')}]`, `${data.length} elements`);
    // A fresh array: tfjs keeps a reference to the typed array it is given.
    return this.run(() => tf.tensor(Float32Array.from(data), [...shape], 'float32'));
  }

  full(shape: Shape, value: number, dtype: DType): Tensor {
    this.checkDType(dtype);
    return this.run(() => tf.fill([...shape], value, 'float32'));
  }

  async read(x: Tensor): Promise<HostArray> {
    // A copy: tfjs-cpu hands out its own buffer.
    return ((await this.own(x).data()) as Float32Array).slice();
  }

  dispose(x: Tensor): void {
    const value = this.own(x);
    (x as TfjsTensor).disposed = true;
    value.dispose();
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    const value = this.own(x);
    if (sizeOf(shape) !== value.size) throw new OptError('ShapeMismatch', 'shape', `${value.size} elements`, `shape [${shape.join(', ')}]`);
    return this.run(() => tf.reshape(value, [...shape]));
  }

  cast(x: Tensor, dtype: DType): Tensor {
    this.checkDType(dtype);
    const value = this.own(x);
    return this.run(() => tf.clone(value));
  }

  unary(op: UnaryOp, x: Tensor): Tensor {
    const value = this.own(x);
    return this.run(() => unaryKernels[op](value));
  }

  /** `x op y` with tfjs broadcasting and the reference's NaN semantics. */
  private combine(op: BinaryOp, x: Operand, y: Operand): tf.Tensor {
    switch (op) {
      case 'add': return tf.add(x, y);
      case 'sub': return tf.sub(x, y);
      case 'mul': return tf.mul(x, y);
      case 'div': return tf.div(x, y);
      case 'pow': return this.nanSafe(tf.pow, x, y);
      case 'max': return this.nanSafe(tf.maximum, x, y);
      case 'min': return this.nanSafe(tf.minimum, x, y);
    }
  }

  binary(op: BinaryOp, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
    const shape = elementwiseShape([a, b], ['a', 'b']);
    return this.run(() => this.combine(op, this.operand(a, shape, 'a'), this.operand(b, shape, 'b')));
  }

  axpby(a: Scalar, x: Tensor, b: Scalar, y: Tensor): Tensor {
    const shape = elementwiseShape([x, y], ['x', 'y']);
    return this.run(() => tf.add(
      scaled(this.operand(a, shape, 'a'), this.operand(x, shape, 'x')),
      scaled(this.operand(b, shape, 'b'), this.operand(y, shape, 'y')),
    ));
  }

  addcdiv(x: Tensor, c: Scalar, y: Tensor, z: Tensor): Tensor {
    const shape = elementwiseShape([x, y, z], ['x', 'y', 'z']);
    return this.run(() => tf.add(
      this.operand(x, shape, 'x'),
      scaled(this.operand(c, shape, 'c'), tf.div(this.operand(y, shape, 'y'), this.operand(z, shape, 'z'))),
    ));
  }

  where(cond: Tensor | Scalar, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
    const shape = elementwiseShape([a, b, cond], ['a', 'b', 'cond']);
    return this.run(() => {
      const [c, x, y] = [this.operand(cond, shape, 'cond'), this.operand(a, shape, 'a'), this.operand(b, shape, 'b')];
      return tf.where(tf.notEqual(c, 0), x, y);
    });
  }

  clamp(x: Tensor, lo: Scalar, hi: Scalar): Tensor {
    const shape = x.shape;
    return this.run(() => {
      const [vx, vlo, vhi] = [this.operand(x, shape, 'x'), this.operand(lo, shape, 'lo'), this.operand(hi, shape, 'hi')];
      // One ClipByValue kernel where it keeps NaN; it rejects lo > hi, which the reference allows.
      if (this.nanPropagating && typeof vlo === 'number' && typeof vhi === 'number' && vlo <= vhi) return tf.clipByValue(vx, vlo, vhi);
      return this.nanSafe(tf.minimum, this.nanSafe(tf.maximum, vx, vlo), vhi);
    });
  }

  reduce(op: ReduceOp, x: Tensor): Tensor {
    const value = this.own(x);
    if (value.size === 0) return this.full([], EMPTY_REDUCTION[op], 'float32');
    return this.run(() => reduceKernels[op](value));
  }

  dot(a: Tensor, b: Tensor): Tensor {
    const [va, vb] = [this.own(a, 'a'), this.own(b, 'b')];
    if (va.size !== vb.size) throw new OptError('ShapeMismatch', 'b', `${va.size} elements`, `${vb.size} elements`);
    if (va.size === 0) return this.full([], 0, 'float32');
    return this.run(() => tf.dot(tf.reshape(va, [-1]), tf.reshape(vb, [-1])));
  }

  /**
   * `tf.max`/`tf.min` along `axis` (kept as a size-1 dimension), NaN wherever the line holds a
   * NaN (tfjs-wasm skips a NaN that is not the first element of a line).
   */
  private extremeAlong(op: 'max' | 'min', x: tf.Tensor, axis: 0 | 1): tf.Tensor {
    const plain = op === 'max' ? tf.max(x, axis, true) : tf.min(x, axis, true);
    return this.nanPropagating ? plain : tf.where(tf.any(tf.isNaN(x), axis, true), NaN, plain);
  }

  /**
   * Lines of zero elements give the identities (tfjs-wasm returns uninitialised memory for
   * them). logSumExp is max + log Σ exp(x - max) over lines with a finite max and the max
   * itself elsewhere (all -Infinity, +Infinity or NaN); tf.logSumExp would give NaN there.
   */
  reduceAxis(op: AxisReduceOp, x: Tensor, axis: 0 | 1): Tensor {
    const value = this.own(x, 'x');
    const [m, n] = matrixDims(x);
    const [lines, length] = axis === 1 ? [m, n] : [n, m];
    if (lines === 0 || length === 0) return this.full([lines], EMPTY_LINE[op], 'float32');
    return this.run(() => {
      switch (op) {
        case 'sum': return tf.sum(value, axis);
        case 'sumSquares': return tf.sum(tf.square(value), axis);
        case 'max': case 'min': return tf.reshape(this.extremeAlong(op, value, axis), [lines]);
        case 'logSumExp': {
          const hi = this.extremeAlong('max', value, axis);
          const finite = tf.isFinite(hi);
          const shift = tf.where(finite, hi, 0);
          const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(value, shift)), axis, true)), shift);
          return tf.reshape(tf.where(finite, lse, hi), [lines]);
        }
      }
    });
  }

  binaryAxis(op: BinaryOp, x: Tensor, v: Tensor, axis: 0 | 1): Tensor {
    const [value, vector] = [this.own(x, 'x'), this.own(v, 'v')];
    const [m, n] = matrixDims(x);
    checkAxisVector(v, m, n, axis);
    if (m * n === 0) return this.full([m, n], 0, 'float32');
    return this.run(() => this.combine(op, value, tf.reshape(vector, axis === 1 ? [1, n] : [m, 1])));
  }

  transpose(x: Tensor): Tensor {
    const value = this.own(x, 'x');
    const [m, n] = matrixDims(x);
    if (m * n === 0) return this.full([n, m], 0, 'float32');
    return this.run(() => tf.transpose(value));
  }

  matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
    const [va, vb] = [this.own(a, 'a'), this.own(b, 'b')];
    const { m, k, n } = matmulDims(a, b, transposeA, transposeB);
    // An empty product is zeros; tfjs-wasm's XNNPACK rejects empty operands.
    if (m * n * k === 0) return this.full([m, n], 0, 'float32');
    return this.run(() => tf.matMul(va, vb, transposeA, transposeB));
  }

  concat(xs: readonly Tensor[]): Tensor {
    const values = xs.map((x, i) => this.own(x, `concat[${i}]`)).filter((v) => v.size > 0);
    if (values.length === 0) return this.full([0], 0, 'float32');
    return this.run(() => tf.concat(values.map((v) => tf.reshape(v, [-1])), 0));
  }

  slice(x: Tensor, offset: number, shape: Shape): Tensor {
    const value = this.own(x);
    const n = sizeOf(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset + n > value.size) {
      throw new OptError('ShapeMismatch', 'slice', `a range inside ${value.size} elements`, `[${offset}, ${offset + n})`);
    }
    if (n === 0) return this.full(shape, 0, 'float32');
    return this.run(() => tf.reshape(tf.slice(tf.reshape(value, [-1]), [offset], [n]), [...shape]));
  }
}

const instances = new Map<string, TfjsBackend>();

/**
 * The Backend for an initialised tfjs backend, by its tfjs name ('cpu', 'wasm', 'webgpu', ...).
 * Synchronous: use it for the backend tfjs already runs on (e.g. `tfjsBackendFor(tf.getBackend())`).
 */
export function tfjsBackendFor(tfjsName: string): TfjsBackend {
  let backend = instances.get(tfjsName);
  if (!backend) {
    backend = new TfjsBackend(tfjsName);
    instances.set(tfjsName, backend);
  }
  return backend;
}
