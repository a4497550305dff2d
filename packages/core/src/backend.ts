import type { ElementwiseProgram, ProgramReduction } from './elementwise/ir.js';
import type { DType, HostArray, Shape, Tensor } from './tensor.js';

/** A scalar operand: a host number or a tensor of one element (a device scalar). */
export type Scalar = number | Tensor;

export type UnaryOp = 'neg' | 'abs' | 'sqrt' | 'square' | 'sign' | 'exp' | 'log' | 'reciprocal' | 'isFinite';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow';
export type ReduceOp = 'sum' | 'max' | 'min' | 'sumSquares' | 'maxAbs' | 'allFinite';
/** Reductions along one axis of a matrix; logSumExp is the stabilised log Σ exp (max-shifted). */
export type AxisReduceOp = 'sum' | 'max' | 'min' | 'sumSquares' | 'logSumExp';

/**
 * Fused single-pass optimizer kernels (tier 3). They write into `p` and the state tensors in
 * place and are only called by the `Optimizer` shell, never by the pure API.
 */
export interface FusedKernels {
  /** torch.optim.SGD step; `first` selects the momentum buffer initialisation. */
  sgd?(p: Tensor, g: Tensor, buf: Tensor | null, h: FusedSgdScalars): void;
  /** torch.optim.Adam / AdamW step (amsgrad when `vmax` is given). */
  adam?(p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor | null, h: FusedAdamScalars): void;
}

export interface FusedSgdScalars {
  lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; first: boolean;
}

/** Host-computed scalars of one Adam step: step size lr/bc1, sqrt(bc2), and the decay terms. */
export interface FusedAdamScalars {
  b1: number; b2: number; eps: number;
  stepSize: number; sqrtBc2: number;
  /** L2 coefficient added to the gradient (Adam); 0 for AdamW. */
  l2: number;
  /** Multiplier applied to p before the step (1 - lr*wd for AdamW; 1 for Adam). */
  decay: number;
}

/** Coefficients (a, b, c) of the quintic Newton–Schulz map X ← a·X + (b·A + c·A²)·X, A = X·Xᵀ. */
export interface NewtonSchulzCoefficients {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/**
 * Optional dense linear-algebra kernels for small and medium matrices. Algorithm packages use
 * them when a backend has them and fall back to compositions of Backend ops (or host math)
 * otherwise, so a backend may implement any subset.
 */
export interface LinalgKernels {
  /**
   * Newton–Schulz orthogonalization of a matrix [m, n]: X = x/(‖x‖_F + eps), transposed first
   * when m > n; `steps` quintic iterations; transposed back. The result has x's shape.
   */
  newtonSchulz?(x: Tensor, coefficients: NewtonSchulzCoefficients, steps: number, eps: number): Tensor;
  /** Thin QR of a matrix [m, n] with m ≥ n: q [m, n] with orthonormal columns, r [n, n] upper triangular. */
  qr?(x: Tensor): { q: Tensor; r: Tensor };
  /**
   * Thin SVD x = u·diag(s)·vᵀ of a matrix [m, n], k = min(m, n): u [m, k], s [k] descending
   * (ties keep column order), v [n, k]. Signs are fixed so every implementation returns the same
   * factors (@opt/rules' host `jacobiSvd` is the reference): the entry of largest magnitude of
   * each u_j (the first one on ties) is positive, and v_j flips with it; a zero singular value
   * of a matrix with m ≥ n gets u_j = 0 (of a wide one, v_j = 0).
   */
  svd?(x: Tensor): { u: Tensor; s: Tensor; v: Tensor };
}

/**
 * Optional optimal-transport kernels (used by @opt/ot). When a backend lacks them, @opt/ot
 * composes the same result from `binaryAxis`, `unary` and `reduceAxis` (the reference).
 */
export interface OtKernels {
  /**
   * The soft-min of log-domain Sinkhorn, fused in one pass over a cost matrix c [m, n]:
   *   axis 1: out[i] = −eps·log Σ_j exp((v[j] − c[i, j]) / eps)   (v has n elements, out [m])
   *   axis 0: out[j] = −eps·log Σ_i exp((v[i] − c[i, j]) / eps)   (v has m elements, out [n])
   * Max-shifted, so it is finite for any finite inputs and eps > 0; v[k] = −Infinity drops k.
   */
  softmin?(c: Tensor, v: Tensor, eps: number, axis: 0 | 1): Tensor;
}

/**
 * Optional order-statistic kernels. Without them, @opt/rules finds order statistics with
 * Backend ops (`kthLargestByBisection`: bisection on the value with count reductions, the
 * reference), so a backend adds them only where it can do better.
 */
export interface OrderKernels {
  /**
   * The k-th largest (k = 1 the maximum, k = N the minimum) of the N elements of `xs` taken
   * together, exactly (an element's value), as a 0-d tensor of their dtype, without reading
   * back. The elements must be non-negative: −0 counts as +0 (a zero result is +0), +Infinity
   * and subnormals are ordinary values. Any NaN element makes the result NaN (as the reference
   * bisection gives), and so does a negative one (outside the domain; the reference's answer
   * there is meaningless). A k that is not an integer in [1, N] is an InvalidHyperparameter
   * error naming `kthLargest.k`.
   */
  kthLargest(xs: readonly Tensor[], k: number): Tensor;
}

/**
 * Optional fused execution of per-element programs (core's elementwise IR): one pass over the
 * data, compiled per backend. Without it, core lowers programs to Backend ops (`runProgram`).
 */
export interface ElementwiseKernels {
  /**
   * Run `program` over `tensors` (in `program.tensors` order, all of one size) and `scalars`
   * (in `program.scalars` order: host numbers or one-element tensors, passed at run time), writing
   * output j into `outputs[j]`, which has the inputs' size and may be one of the inputs (in place).
   */
  run(program: ElementwiseProgram, tensors: readonly Tensor[], scalars: readonly Scalar[], outputs: readonly Tensor[]): void;
  /**
   * Optional: reduce the program's outputs without materializing them, in one pass: reduction j
   * (see `ProgramReduction`) is written into the one-element tensor `outputs[j]`. Arguments as
   * for `run`. Core's tracer uses it for the per-tensor norms, maxima and dot products of rules.
   */
  reduce?(program: ElementwiseProgram, tensors: readonly Tensor[], scalars: readonly Scalar[], reductions: readonly ProgramReduction[], outputs: readonly Tensor[]): void;
  /** Optional running totals of the passes run and the bytes they moved (what benchmarks divide by time). */
  readonly traffic?: ElementwiseTraffic;
}

/** Running totals of an `ElementwiseKernels`: passes over memory (programs over more than one element), and bytes read plus written. */
export interface ElementwiseTraffic {
  readonly passes: number;
  readonly bytes: number;
}

/**
 * The array API that rules are written against. Elementwise ops broadcast only scalars
 * (host numbers or one-element tensors). Nothing here reads data back to the host except
 * `read`/`readSync`; reductions return 0-d tensors that stay on the device.
 */
export interface Backend {
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** True when `readSync` is available (CPU backends). */
  readonly synchronous: boolean;

  fromArray(data: ArrayLike<number>, shape: Shape, dtype: DType): Tensor;
  full(shape: Shape, value: number, dtype: DType): Tensor;
  read(x: Tensor): Promise<HostArray>;
  readSync?(x: Tensor): HostArray;
  dispose(x: Tensor): void;
  /** A copy with a new shape of the same size. */
  reshape(x: Tensor, shape: Shape): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;

  unary(op: UnaryOp, x: Tensor): Tensor;
  binary(op: BinaryOp, a: Tensor | Scalar, b: Tensor | Scalar): Tensor;
  /** a*x + b*y, the workhorse of moving averages. */
  axpby(a: Scalar, x: Tensor, b: Scalar, y: Tensor): Tensor;
  /** x + c*(y / z), torch's addcdiv. */
  addcdiv(x: Tensor, c: Scalar, y: Tensor, z: Tensor): Tensor;
  /** Elementwise choice: cond != 0 ? a : b (cond may be a scalar). */
  where(cond: Tensor | Scalar, a: Tensor | Scalar, b: Tensor | Scalar): Tensor;
  clamp(x: Tensor, lo: Scalar, hi: Scalar): Tensor;
  /** Reduction over all elements to a 0-d tensor. */
  reduce(op: ReduceOp, x: Tensor): Tensor;
  dot(a: Tensor, b: Tensor): Tensor;
  /**
   * Reduce a matrix [m, n] along `axis`: axis 1 reduces each row (result [m]), axis 0 each
   * column (result [n]). logSumExp of an all -Infinity line is -Infinity.
   */
  reduceAxis(op: AxisReduceOp, x: Tensor, axis: 0 | 1): Tensor;
  /**
   * Combine a matrix [m, n] with a vector along `axis`: axis 1 pairs x[i, j] with v[j]
   * (v has n elements, the same for every row), axis 0 pairs x[i, j] with v[i] (v has m).
   * The result is x op v elementwise, shaped like x.
   */
  binaryAxis(op: BinaryOp, x: Tensor, v: Tensor, axis: 0 | 1): Tensor;
  /** The transpose of a matrix. */
  transpose(x: Tensor): Tensor;
  /** 2-D matrix product with optional transposes. */
  matmul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  /** Concatenate the flattened inputs into one 1-D tensor. */
  concat(xs: readonly Tensor[]): Tensor;
  /** A copy of `size` elements starting at `offset` of the flattened input, with `shape`. */
  slice(x: Tensor, offset: number, shape: Shape): Tensor;

  /** Fused in-place kernels, when the backend has them. */
  readonly fused?: FusedKernels;
  /** Dense linear-algebra kernels, when the backend has them (see LinalgKernels). */
  readonly linalg?: LinalgKernels;
  /** Optimal-transport kernels, when the backend has them (see OtKernels). */
  readonly ot?: OtKernels;
  /** Order-statistic kernels, when the backend has them (see OrderKernels). */
  readonly order?: OrderKernels;
  /** Fused per-element programs, when the backend compiles them (see ElementwiseKernels). */
  readonly elementwise?: ElementwiseKernels;
}
