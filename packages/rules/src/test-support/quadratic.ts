import type { Backend, DType, Extra, Params, Tensor, Transform, Updates } from '@opt/core';
import { Optimizer, disposeTensors } from '@opt/core';

/** f(x) = ½xᵀAx − bᵀx over the leaves of a tree flattened in order (a test problem with a closure). */
export interface QuadraticClosure {
  readonly gradFn: (params: Params) => Updates;
  readonly lossFn: (params: Params) => number;
}

/** Host flattening of a tree of tensors (synchronous backends; tests only). */
const flat = (backend: Backend, params: Params): number[] => Object.values(params as Record<string, Tensor>).flatMap((t) => Array.from(backend.readSync!(t)));

/** The gradient and loss closures of the quadratic (A row-major n×n, n the total parameter count). */
export function quadraticClosure(backend: Backend, a: readonly number[], b: readonly number[], dtype: DType): QuadraticClosure {
  const n = b.length;
  const ax = (x: number[]) => Array.from({ length: n }, (_, i) => x.reduce((s, v, j) => s + a[i * n + j] * v, 0));
  return {
    lossFn: (params) => {
      const x = flat(backend, params);
      const y = ax(x);
      return x.reduce((s, v, i) => s + 0.5 * v * y[i] - b[i] * v, 0);
    },
    gradFn: (params) => {
      const x = flat(backend, params);
      const g = ax(x).map((v, i) => v - b[i]);
      let offset = 0;
      return Object.fromEntries(Object.entries(params as Record<string, Tensor>).map(([k, t]) => {
        const part = g.slice(offset, offset + t.size);
        offset += t.size;
        return [k, backend.fromArray(part, t.shape, dtype)];
      }));
    },
  };
}

/**
 * Run `transform` closed loop for `steps` steps from the host tree `x0`: at step t the gradient
 * is `closureAt(t).gradFn` at the parameters, and `closureAt(t)` is the step's `extra` (gradFn,
 * and lossFn when given). Returns the iterates (host arrays per leaf).
 */
export function runClosedLoop(
  transform: Transform<any>, backend: Backend, x0: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: readonly number[] }>>,
  closureAt: (t: number) => Extra & Pick<QuadraticClosure, 'gradFn'>, steps: number, dtype: DType,
): Record<string, number[]>[] {
  const opt = new Optimizer(transform, Object.fromEntries(Object.entries(x0).map(([k, p]) => [k, backend.fromArray(p.data, p.shape, dtype)])));
  const out: Record<string, number[]>[] = [];
  try {
    for (let t = 0; t < steps; t++) {
      const closure = closureAt(t);
      const g = closure.gradFn(opt.params);
      opt.step(g, closure);
      disposeTensors(g);
      out.push(Object.fromEntries(Object.entries(opt.params as Record<string, Tensor>).map(([k, x]) => [k, Array.from(backend.readSync!(x))])));
    }
  } finally {
    opt.dispose();
  }
  return out;
}

/** Run `transform` closed loop on the quadratic from `x0` (one leaf `x`); return the iterates (host arrays). */
export function runOnQuadratic(transform: Transform<any>, backend: Backend, q: QuadraticClosure, x0: readonly number[], steps: number, dtype: DType): number[][] {
  return runClosedLoop(transform, backend, { x: { shape: [x0.length], data: x0 } }, () => ({ gradFn: q.gradFn, lossFn: q.lossFn }), steps, dtype).map((step) => step.x);
}

/**
 * A closed-loop golden case (fixtures' `closure/` folders): per-step quadratics
 * f_t(x) = ½xᵀAx − b_tᵀx over the leaves (`shapes`, in order) flattened, started at `x0`;
 * `expected[t]` holds the parameters after step t + 1.
 */
export interface QuadraticCase {
  readonly id: string;
  readonly rule: string;
  readonly hparams: Record<string, unknown>;
  readonly dtype: DType;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly problem: { readonly A: readonly number[]; readonly b: readonly (readonly number[])[] };
  readonly x0: readonly number[];
  readonly expected: readonly Record<string, readonly number[]>[];
}

/** Run `transform` on the quadratics of `c` in `dtype` (the gradient of step t also as `extra.gradFn`); the iterates. */
export function runQuadraticCase(transform: Transform<any>, backend: Backend, c: QuadraticCase, dtype: DType): Record<string, number[]>[] {
  let offset = 0;
  const x0 = Object.fromEntries(Object.entries(c.shapes).map(([k, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    offset += n;
    return [k, { shape, data: c.x0.slice(offset - n, offset) }];
  }));
  return runClosedLoop(transform, backend, x0, (t) => ({ gradFn: quadraticClosure(backend, c.problem.A, c.problem.b[t], dtype).gradFn }), c.problem.b.length, dtype);
}
