import type { AxisReduceOp, Backend, BinaryOp, LinalgKernels, OrderKernels, OtKernels, ReduceOp, Scalar, UnaryOp } from '../backend.js';
import { elementwiseLead } from '../broadcast.js';
import { OptError } from '../errors.js';
import type { DType, HostArray, Shape, Tensor } from '../tensor.js';
import { isTensor, sameShape, sizeOf } from '../tensor.js';
import { collectTensors, disposeTensors, keep } from '../scope.js';
import type { Params, Transform, Updates } from '../transform.js';
import { treeLeaves, treeMap } from '../tree.js';
import { ProgramBuilder } from './builder.js';
import type { ElementwiseNode, ElementwiseProgram, ProgramReduceOp, ProgramReduction } from './ir.js';
import { lowerProgram } from './lower.js';

/** A tensor of the tracer: a node of the traced graph with a shape (constants broadcast). */
export class TraceTensor implements Tensor {
  readonly size: number;
  disposed = false;
  constructor(readonly backend: ElementwiseTracer, readonly shape: Shape, readonly dtype: DType, readonly node: number) {
    this.size = sizeOf(shape);
  }
}

type Operand = Tensor | Scalar;

/** A reduction recorded but not yet run: its result tensor exists and is filled when flushed. */
interface PendingReduction {
  readonly op: ProgramReduceOp;
  readonly nodes: readonly number[];
  readonly n: number;
  readonly out: Tensor;
  /** The real tensors it reads, and those of n elements (loaded per element). */
  readonly reads: ReadonlySet<Tensor>;
  readonly loads: readonly Tensor[];
}

/** A program over part of the traced graph, with the real arguments it reads. */
export interface BoundProgram {
  readonly program: ElementwiseProgram;
  readonly tensors: readonly Tensor[];
  readonly scalars: readonly Scalar[];
}

/**
 * A lazy Backend that records elementwise ops as nodes instead of computing them, so running a
 * composed rule's `update` on it yields the rule's per-element program (the rule is the scalar
 * function written once). Host numbers become scalar arguments (never constants, so a schedule
 * or a step count never changes the program). Reductions and dot products over traced values
 * become generated reduction passes when the real backend has `elementwise.reduce` (deferred and
 * batched, see `flush`); other ops that are not elementwise (matmul, slices, reads, and
 * reductions elsewhere) realize their inputs on the real backend by lowering the recorded
 * subgraph, run there, and enter the graph as inputs (a 0-d result is a device scalar). A 0-d
 * `where` whose branch needs a pending reduction is decided on the host when the backend is
 * synchronous (see `decideWhere`), so the other branch's pass runs only if something else reads it.
 */
export class ElementwiseTracer implements Backend {
  readonly name: string;
  readonly dtypes: readonly DType[];
  readonly synchronous: boolean;
  readonly graph = new ProgramBuilder();
  /** Real tensors read by the graph, by 'tensor' node index. */
  readonly inputs: Tensor[] = [];
  /** Host numbers of the graph, by 'scalar' node index. */
  readonly hosts: number[] = [];
  private readonly inputIds = new Map<Tensor, number>();
  private readonly realized = new Map<number, Tensor>();
  /**
   * Real tensors the tracer created (eager results, realizations). They are kept out of every
   * allocation scope, since scopes inside the traced update only see trace tensors in their
   * results; `release` frees the ones the final state does not hold.
   */
  private readonly owned = new Set<Tensor>();
  /**
   * Reductions deferred so that independent ones over the same elements share one pass (the
   * real backend's `elementwise.reduce`); run by `flush` before anything reads real data.
   */
  private pending: PendingReduction[] = [];
  /**
   * Pending reductions that only a branch `decideWhere` did not take reads: `flush` runs them
   * only for roots that read them, so they never run when nothing does.
   */
  private readonly discardable = new Set<PendingReduction>();

  /** The real backend's dense kernels, run eagerly (so a rule takes the same path as on the real backend). */
  readonly linalg?: LinalgKernels;
  /** The real backend's optimal-transport kernels, run eagerly. */
  readonly ot?: OtKernels;
  /** The real backend's order-statistic kernels, run eagerly on the realized inputs. */
  readonly order?: OrderKernels;

  constructor(readonly real: Backend) {
    this.name = `trace(${real.name})`;
    this.dtypes = real.dtypes;
    this.synchronous = real.synchronous;
    const { linalg, ot, order } = real;
    if (linalg) {
      this.linalg = {
        ...(linalg.newtonSchulz ? { newtonSchulz: (x, c, steps, eps) => this.eager(linalg.newtonSchulz!(this.realize(x), c, steps, eps)) } : {}),
        ...(linalg.qr ? { qr: (x) => {
          const { q, r } = linalg.qr!(this.realize(x));
          return { q: this.eager(q), r: this.eager(r) };
        } } : {}),
        ...(linalg.svd ? { svd: (x) => {
          const { u, s, v } = linalg.svd!(this.realize(x));
          return { u: this.eager(u), s: this.eager(s), v: this.eager(v) };
        } } : {}),
      };
    }
    if (ot?.softmin) this.ot = { softmin: (c, v, eps, axis) => this.eager(ot.softmin!(this.realize(c), this.realize(v), eps, axis)) };
    if (order) this.order = { kthLargest: (xs, k) => this.eager(order.kthLargest(xs.map((x) => this.realize(x)), k)) };
  }

  /** Take a real tensor the tracer created out of the allocation scopes (see `owned`). */
  private own(t: Tensor): Tensor {
    this.owned.add(keep(t));
    return t;
  }

  /** Free the real tensors the tracer created, except those in `kept`. */
  release(kept: ReadonlySet<Tensor>): void {
    disposeTensors([...this.owned], kept);
    this.owned.clear();
  }

  /** The traced handle of a real tensor (one node per tensor). */
  input(t: Tensor): TraceTensor {
    let id = this.inputIds.get(t);
    if (id === undefined) {
      id = this.graph.add({ op: 'tensor', index: this.inputs.push(t) - 1 });
      this.inputIds.set(t, id);
    }
    return new TraceTensor(this, t.shape, t.dtype, id);
  }

  private node(x: Operand, dtype: DType): number {
    if (typeof x === 'number') return this.graph.add({ op: 'scalar', index: this.hosts.push(x) - 1 });
    if (x instanceof TraceTensor && x.backend === this) return x.node;
    if (isTensor(x) && x.backend === this.real) return this.input(x).node;
    throw new OptError('InvalidSpec', 'operand', `a tensor of the ${this.real.name} backend`, isTensor(x) ? x.backend.name : x);
  }

  private make(node: ElementwiseNode, operands: readonly Operand[], shapeFrom = operands): TraceTensor {
    const lead = elementwiseLead(shapeFrom);
    const dtype = lead?.dtype ?? operands.find(isTensor)?.dtype ?? 'float32';
    return new TraceTensor(this, lead?.shape ?? [], dtype, this.graph.add(node));
  }

  private ids(xs: readonly Operand[]): number[] {
    const dtype = xs.find(isTensor)?.dtype ?? 'float32';
    return xs.map((x) => this.node(x, dtype));
  }

  /** The value of a traced tensor on the real backend (memoized; real tensors pass through). */
  realize(x: Tensor): Tensor {
    this.flush(x instanceof TraceTensor ? [x.node] : []);
    if (!(x instanceof TraceTensor)) return x;
    const node = this.graph.nodes[x.node];
    if (node.op === 'tensor' && this.inputs[node.index].size === x.size) {
      const t = this.inputs[node.index];
      return sameShape(t.shape, x.shape) ? t : this.own(this.real.reshape(t, x.shape));
    }
    let out = this.realized.get(x.node);
    if (!out || out.size !== x.size) {
      const bound = this.bind([{ name: 'out', node: x.node }], x.size);
      const value = lowerProgram(this.real, bound.program, bound.tensors, bound.scalars, x.dtype).out;
      out = this.own(value.size === x.size ? value : this.real.binary('add', this.real.full(x.shape, 0, x.dtype), value));
      this.realized.set(x.node, out);
    }
    return sameShape(out.shape, x.shape) ? out : this.own(this.real.reshape(out, x.shape));
  }

  /**
   * The program computing `outputs` (graph nodes under names) over `n` elements: its real
   * tensor inputs of n elements become tensor arguments `t<i>`, one-element tensors (when n > 1)
   * and host numbers become scalar arguments `s<j>`. `targets` (distinct tensors of n elements)
   * come first, as `t0`, `t1`, ..., so an output named `t<i>` writes target i in place.
   */
  bind(outputs: readonly { name: string; node: number }[], n: number, targets: readonly Tensor[] = []): BoundProgram {
    this.flush(outputs.map((o) => o.node), false);
    const needed = this.subgraph(outputs.map((o) => o.node));
    const tensors: Tensor[] = [];
    const scalars: Scalar[] = [];
    const names = new Map<Tensor, string>();
    const tensorArg = (t: Tensor): number => {
      if (!names.has(t)) names.set(t, `t${tensors.push(t) - 1}`);
      return Number(names.get(t)!.slice(1));
    };
    targets.forEach(tensorArg);
    const b = new ProgramBuilder();
    const map = new Map<number, number>();
    for (const id of [...needed].sort((x, y) => x - y)) {
      const node = this.graph.nodes[id];
      let mapped: ElementwiseNode;
      if (node.op === 'tensor') {
        const t = this.inputs[node.index];
        mapped = t.size === n ? { op: 'tensor', index: tensorArg(t) } : { op: 'scalar', index: scalars.push(t) - 1 };
      } else if (node.op === 'scalar') {
        mapped = { op: 'scalar', index: scalars.push(this.hosts[node.index]) - 1 };
      } else if ('args' in node) {
        mapped = { ...node, args: node.args.map((a) => map.get(a)!) } as unknown as ElementwiseNode;
      } else {
        mapped = node;
      }
      map.set(id, b.add(mapped));
    }
    const program = b.finish(
      tensors.map((_, i) => `t${i}`),
      scalars.map((_, j) => `s${j}`),
      outputs.map((o) => ({ name: o.name, node: map.get(o.node)! })),
    );
    return { program, tensors, scalars };
  }

  /** The nodes `roots` depend on (themselves included). */
  private subgraph(roots: readonly number[]): Set<number> {
    const needed = new Set<number>();
    const visit = (id: number): void => {
      if (needed.has(id)) return;
      needed.add(id);
      const node = this.graph.nodes[id];
      if ('args' in node) node.args.forEach(visit);
    };
    roots.forEach(visit);
    return needed;
  }

  /**
   * Record a reduction of traced values (one pass with the others over as many elements, no
   * intermediate materialized) when the real backend has `elementwise.reduce`; undefined
   * otherwise. A reduction that reads the result of a pending one runs the pending ones first.
   */
  private deferReduction(op: ProgramReduceOp, xs: readonly Tensor[]): Tensor | undefined {
    const n = xs[0].size;
    if (!this.real.elementwise?.reduce || xs.some((x) => x.size !== n)) return undefined;
    const nodes = xs.map((x) => this.node(x, x.dtype));
    const reads = this.tensorsReadBy(nodes);
    if (this.pending.some((p) => reads.has(p.out))) this.flush(nodes);
    const out = this.own(this.real.full([], 0, xs[0].dtype));
    this.pending.push({ op, nodes, n, out, reads, loads: [...reads].filter((t) => t.size === n) });
    return this.input(out);
  }

  /** The real tensors the subgraph of `roots` reads. */
  private tensorsReadBy(roots: readonly number[]): Set<Tensor> {
    return new Set([...this.subgraph(roots)].flatMap((id) => {
      const node = this.graph.nodes[id];
      return node.op === 'tensor' ? [this.inputs[node.index]] : [];
    }));
  }

  /** The pending reductions (of `pending`) whose results the subgraph of `roots` reads. */
  private pendingReadBy(roots: readonly number[], pending = this.pending): PendingReduction[] {
    if (pending.length === 0) return [];
    const reads = this.tensorsReadBy(roots);
    return pending.filter((p) => reads.has(p.out));
  }

  /**
   * The reductions of `pending` that a flush for `roots` runs: those the subgraph of `roots`
   * reads, with `all` every other one too but the discardable ones, and the ones that read a
   * tensor those read (its elements are loaded anyway).
   */
  private duePending(roots: readonly number[], all: boolean, pending = this.pending): PendingReduction[] {
    const read = all && !pending.some((p) => this.discardable.has(p)) ? [] : this.pendingReadBy(roots, pending);
    const due = pending.filter((p) => read.includes(p) || (all && !this.discardable.has(p)));
    const loaded = new Set(due.flatMap((p) => p.loads));
    for (const p of pending) if (!due.includes(p) && p.loads.some((t) => loaded.has(t))) due.push(p);
    return due;
  }

  /**
   * Run pending reductions, one `elementwise.reduce` pass per element count: with `all` (so
   * that independent reductions share passes), every one but the discardable ones that
   * `roots` do not read; else only what `roots` read (see `duePending`).
   */
  flush(roots: readonly number[] = [], all = true): void {
    if (this.pending.length === 0) return;
    const due = this.duePending(roots, all);
    if (due.length === 0) return;
    due.forEach((p) => this.discardable.delete(p));
    this.pending = this.pending.filter((p) => !due.includes(p));
    for (const n of new Set(due.map((p) => p.n))) {
      const group = due.filter((p) => p.n === n);
      const roots = [...new Set(group.flatMap((p) => p.nodes))];
      const bound = this.bind(roots.map((node, j) => ({ name: `r${j}`, node })), n);
      const reductions: ProgramReduction[] = group.map((p) => ({ op: p.op, outputs: p.nodes.map((node) => roots.indexOf(node)) }));
      this.real.elementwise!.reduce!(bound.program, bound.tensors, bound.scalars, reductions, group.map((p) => p.out));
    }
  }

  // ---- Backend: data and copies --------------------------------------------------------------

  fromArray(data: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
    return this.eager(this.real.fromArray(data, shape, dtype));
  }
  full(shape: Shape, value: number, dtype: DType): Tensor {
    return new TraceTensor(this, [...shape], dtype, this.node(value, dtype));
  }
  read(x: Tensor): Promise<HostArray> {
    return this.real.read(this.realize(x));
  }
  readSync(x: Tensor): HostArray {
    if (!this.real.readSync) throw new OptError('InvalidState', 'readSync', 'a synchronous backend', this.real.name);
    return this.real.readSync(this.realize(x));
  }
  dispose(x: Tensor): void {
    if (x instanceof TraceTensor) x.disposed = true;
    else this.real.dispose(x);
  }
  reshape(x: Tensor, shape: Shape): Tensor {
    if (sizeOf(shape) !== x.size) throw new OptError('ShapeMismatch', 'shape', `${x.size} elements`, `shape [${shape.join(', ')}]`);
    return new TraceTensor(this, [...shape], x.dtype, this.node(x, x.dtype));
  }
  cast(x: Tensor, dtype: DType): Tensor {
    return this.eager(this.real.cast(this.realize(x), dtype));
  }

  // ---- Backend: elementwise ops become nodes -----------------------------------------------

  unary(op: UnaryOp, x: Tensor): Tensor {
    const [a] = this.ids([x]);
    return this.make({ op, args: [a] }, [x]);
  }
  binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
    const [x, y] = this.ids([a, b]);
    return this.make({ op, args: [x, y] }, [a, b]);
  }
  axpby(a: Scalar, x: Tensor, b: Scalar, y: Tensor): Tensor {
    const [ia, ix, ib, iy] = this.ids([a, x, b, y]);
    const ax = this.graph.add({ op: 'mul', args: [ia, ix] });
    const by = this.graph.add({ op: 'mul', args: [ib, iy] });
    return this.make({ op: 'add', args: [ax, by] }, [a, x, b, y], [x, y]);
  }
  addcdiv(x: Tensor, c: Scalar, y: Tensor, z: Tensor): Tensor {
    const [ix, ic, iy, iz] = this.ids([x, c, y, z]);
    const q = this.graph.add({ op: 'div', args: [iy, iz] });
    const cq = this.graph.add({ op: 'mul', args: [ic, q] });
    return this.make({ op: 'add', args: [ix, cq] }, [x, c, y, z], [x, y, z]);
  }
  /**
   * Whether the write groups (graph nodes, and the tensors each writes) can run in order with
   * each group's pending reductions run just before it (its tensors are then still in cache):
   * true when none of those reductions reads a tensor that an earlier group writes.
   */
  canInterleave(groups: readonly { nodes: readonly number[]; targets: readonly Tensor[] }[]): boolean {
    const written = new Set<Tensor>();
    let pending = this.pending;
    for (const group of groups) {
      const due = this.duePending(group.nodes, false, pending);
      if (due.some((p) => [...p.reads].some((t) => written.has(t)))) return false;
      pending = pending.filter((p) => !due.includes(p));
      group.targets.forEach((t) => written.add(t));
    }
    return true;
  }

  /**
   * A where(cond, a, b) with a 0-d condition decided now, on a synchronous backend: the
   * condition is computed on the real backend and read back (one float), and the chosen branch
   * is returned, so the other branch is never computed. Two cases:
   * - 0-d branches, when a branch reads a pending reduction that the condition does not: the
   *   pending reductions only the other branch reads become discardable, so their pass runs only
   *   if something else reads them (e.g. Stable-SPAM's norm of the clipped gradient, needed only
   *   when something was clipped);
   * - per-element branches, when the condition reads no pending reduction (a state flag such as
   *   SWATS' phase): the untaken branch's per-element work leaves the kernel.
   * Exact: it is the branch the generated code would select (c ≠ 0, NaN included). Undefined
   * when the where stays a node.
   */
  private decideWhere(cond: Operand, a: Operand, b: Operand): Tensor | undefined {
    if (!this.real.synchronous || !this.real.readSync || !isTensor(cond) || cond.size !== 1) return undefined;
    const pendingOf = (x: Operand): PendingReduction[] => (isTensor(x) ? this.pendingReadBy([this.node(x, x.dtype)]) : []);
    const needed = pendingOf(cond);
    const perElement = [a, b].some((x) => isTensor(x) && x.size !== 1);
    const branches = perElement ? [] : [...pendingOf(a), ...pendingOf(b)].filter((p) => !needed.includes(p));
    if (perElement ? needed.length > 0 : branches.length === 0) return undefined;
    // The branches' reductions stay pending while the condition is computed, and those of the
    // branch taken become ordinary pending reductions again.
    branches.forEach((p) => this.discardable.add(p));
    const chosen = this.real.readSync(this.realize(cond))[0] !== 0 ? a : b;
    pendingOf(chosen).forEach((p) => this.discardable.delete(p));
    const lead = elementwiseLead([a, b, cond]);
    const shape = lead?.shape ?? [];
    return isTensor(chosen) ? this.reshape(chosen, shape) : this.full(shape, chosen, lead?.dtype ?? cond.dtype);
  }

  where(cond: Operand, a: Operand, b: Operand): Tensor {
    const decided = this.decideWhere(cond, a, b);
    if (decided) return decided;
    const [c, x, y] = this.ids([cond, a, b]);
    return this.make({ op: 'where', args: [c, x, y] }, [cond, a, b], [a, b, cond]);
  }
  clamp(x: Tensor, lo: Scalar, hi: Scalar): Tensor {
    const [ix, il, ih] = this.ids([x, lo, hi]);
    return this.make({ op: 'clamp', args: [ix, il, ih] }, [x, lo, hi], [x]);
  }

  // ---- Backend: everything else runs on the real backend ------------------------------------

  private eager(t: Tensor): Tensor {
    return this.input(this.own(t));
  }
  reduce(op: ReduceOp, x: Tensor): Tensor {
    return (op !== 'allFinite' ? this.deferReduction(op, [x]) : undefined) ?? this.eager(this.real.reduce(op, this.realize(x)));
  }
  dot(a: Tensor, b: Tensor): Tensor {
    return this.deferReduction('dot', [a, b]) ?? this.eager(this.real.dot(this.realize(a), this.realize(b)));
  }
  reduceAxis(op: AxisReduceOp, x: Tensor, axis: 0 | 1): Tensor {
    return this.eager(this.real.reduceAxis(op, this.realize(x), axis));
  }
  binaryAxis(op: BinaryOp, x: Tensor, v: Tensor, axis: 0 | 1): Tensor {
    return this.eager(this.real.binaryAxis(op, this.realize(x), this.realize(v), axis));
  }
  transpose(x: Tensor): Tensor {
    return this.eager(this.real.transpose(this.realize(x)));
  }
  matmul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor {
    return this.eager(this.real.matmul(this.realize(a), this.realize(b), transposeA, transposeB));
  }
  concat(xs: readonly Tensor[]): Tensor {
    return this.eager(this.real.concat(xs.map((x) => this.realize(x))));
  }
  slice(x: Tensor, offset: number, shape: Shape): Tensor {
    return this.eager(this.real.slice(this.realize(x), offset, shape));
  }
}

/** Replace every tensor in plain data (arrays, records, tensors, other values kept). */
function mapTensors(value: unknown, fn: (t: Tensor, path: readonly (string | number)[]) => unknown, path: (string | number)[] = []): unknown {
  if (isTensor(value)) return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapTensors(v, fn, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, fn, [...path, k])]));
  }
  return value;
}

/** The value at `path` in plain data, or undefined. */
function at(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** An output of the traced step: a graph node written into a real tensor in place. */
interface InPlaceWrite {
  readonly node: number;
  readonly target: Tensor;
}

/** Union-find over the real tensors a write touches, so writes that share a buffer run in one pass. */
function groupWrites(tracer: ElementwiseTracer, writes: readonly InPlaceWrite[]): InPlaceWrite[][] {
  const parent = writes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<Tensor, number>();
  const touch = (t: Tensor, i: number): void => {
    if (t.size === 1 && writes[i].target.size !== 1) return;
    const j = owner.get(t);
    if (j === undefined) owner.set(t, i);
    else parent[find(i)] = find(j);
  };
  writes.forEach((w, i) => {
    touch(w.target, i);
    const seen = new Set<number>();
    const visit = (id: number): void => {
      if (seen.has(id)) return;
      seen.add(id);
      const node = tracer.graph.nodes[id];
      if (node.op === 'tensor') touch(tracer.inputs[node.index], i);
      if ('args' in node) node.args.forEach(visit);
    };
    visit(w.node);
  });
  const groups = new Map<number, InPlaceWrite[]>();
  writes.forEach((w, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), w]);
  });
  return [...groups.values()];
}

/**
 * Tier 3 for any rule composed from Backend ops: trace `transform.update` on an
 * `ElementwiseTracer`, then run the per-element work as one fused pass per group of buffers
 * with the backend's `elementwise` capability, writing the parameters and the state tensors in
 * place. The returned state is the one the composed update returns (host numbers such as step
 * counts advance exactly as there), with each traced state tensor written into the tensor that
 * held that position before, so the tiers are interchangeable mid-run; a traced state tensor
 * with no same-sized predecessor (e.g. a buffer created on the first step) is computed by
 * lowering. Returns undefined when the backend cannot run programs (the shell then composes).
 * Rules that need `extra` (closures, the loss) must not use it: `fusedStep` receives none.
 */
export function tracedFusedStep<S>(transform: Transform<S>): (params: Params, grads: Updates, state: S) => S | undefined {
  return (params, grads, state) => {
    const ps = treeLeaves(params);
    const backend = ps[0]?.backend;
    if (!backend?.elementwise) return undefined;
    const tracer = new ElementwiseTracer(backend);
    let result: S | undefined;
    try {
      const traced = <T>(x: T): T => mapTensors(x, (t) => tracer.input(t)) as T;
      const [updates, next] = transform.update(traced(grads), traced(state), traced(params));
      const newParams = treeLeaves(treeMap((p: Tensor, u: Tensor) => tracer.binary('add', tracer.input(p), u), params, updates));
      const writes: InPlaceWrite[] = ps.map((p, i) => ({ target: p, node: (newParams[i] as TraceTensor).node }));
      const original = collectTensors([params, grads, state]);
      const claimed = new Set<Tensor>(ps);
      result = mapTensors(next, (t, path) => {
        if (!(t instanceof TraceTensor)) return t;
        const old = at(state, path);
        const node = tracer.graph.nodes[t.node];
        const source = node.op === 'tensor' && sameShape(tracer.inputs[node.index].shape, t.shape) ? tracer.inputs[node.index] : undefined;
        if (source && source === old) return old;
        if (source && !original.has(source)) return source;
        if (isTensor(old) && sameShape(old.shape, t.shape) && !claimed.has(old)) {
          claimed.add(old);
          writes.push({ target: old, node: t.node });
          return old;
        }
        const value = tracer.realize(t);
        return original.has(value) ? backend.reshape(value, value.shape) : value;
      }) as S;
      // Every read (the realizations and reductions included) happens before the in-place write
      // that could change its input. Each group of writes runs right after the reductions it
      // reads when that order allows (they read no tensor an earlier group writes), else every
      // reduction runs first; discardable reductions run only if a write or the new state reads them.
      tracer.flush([...collectTensors(result)].map((t) => tracer.input(t).node), false);
      const groups = groupWrites(tracer, writes).map((group) => ({ nodes: group.map((w) => w.node), targets: group.map((w) => w.target) }));
      if (!tracer.canInterleave(groups)) tracer.flush(groups.flatMap((g) => g.nodes));
      for (const group of groups) {
        const { program, tensors, scalars } = tracer.bind(group.nodes.map((node, j) => ({ name: `t${j}`, node })), group.targets[0].size, group.targets);
        backend.elementwise.run(program, tensors, scalars, program.outputs.map((_, j) => tensors[j]));
      }
    } finally {
      tracer.release(collectTensors(result));
    }
    return result;
  };
}
