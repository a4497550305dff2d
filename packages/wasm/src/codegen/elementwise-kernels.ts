import type { ElementwiseKernels, ElementwiseProgram, ElementwiseTraffic, ProgramReduction, Scalar, Tensor } from '@opt/core';
import { OptError, programTraffic, reductionsKey } from '@opt/core';
import { compileProgram } from './compile-program.js';
import { compileReduction, reductionPasses } from './compile-reduction.js';
import { liveNodes } from './node-code.js';
import type { SpecializedProgram } from './specialize.js';
import { specializeProgram } from './specialize.js';

/** The generated `run` export: pointers, element count, scalars. */
type ProgramFn = (...args: number[]) => void;

/** Entries each cache below keeps (the oldest is evicted). */
const MAX_MODULES = 256;

/** The value under `key` in a bounded cache, made on first use. */
function cachedIn<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= MAX_MODULES) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  }
  return value;
}

/** Compiled modules by key, shared by every backend instance. */
const modules = new Map<string, WebAssembly.Module>();

/** Compile (synchronously, so the backend stays synchronous) or reuse the module with `key`. */
const cachedModule = (key: string, compile: () => Uint8Array): WebAssembly.Module =>
  cachedIn(modules, key, () => new WebAssembly.Module(compile() as Uint8Array<ArrayBuffer>));

/** The compiled module of a specialized program. */
const programModule = (specialized: SpecializedProgram): WebAssembly.Module => cachedModule(specialized.key, () => compileProgram(specialized));

/** The compiled module of reductions of a specialized program's outputs, and its key. */
const reductionModule = (specialized: SpecializedProgram, reductions: readonly ProgramReduction[]): { key: string; module: WebAssembly.Module } => {
  const key = `reduce[${reductionsKey(reductions)}]${specialized.key}`;
  return { key, module: cachedModule(key, () => compileReduction(specialized, reductions)) };
};

/** How many tensor inputs the reductions `part` read. */
const tensorsRead = (program: ElementwiseProgram, part: readonly ProgramReduction[]): number =>
  [...liveNodes(program, part.flatMap((r) => r.outputs.map((o) => program.outputs[o].node)))].filter((id) => program.nodes[id].op === 'tensor').length;

/** One pass of a `reduce` call: which reductions (indices), its module, and the tensors it reads. */
interface ReductionPass {
  readonly indices: readonly number[];
  readonly key: string;
  readonly module: WebAssembly.Module;
  readonly reads: number;
}

/** The passes of reductions of a specialized program (`reductionPasses`), by key. */
const plans = new Map<string, ReductionPass[]>();
const reductionPlan = (specialized: SpecializedProgram, reductions: readonly ProgramReduction[]): ReductionPass[] =>
  cachedIn(plans, `${reductionsKey(reductions)}|${specialized.key}`, () => reductionPasses(specialized.program, reductions).map((indices) => {
    const part = indices.map((j) => reductions[j]);
    return { indices, ...reductionModule(specialized, part), reads: tensorsRead(specialized.program, part) };
  }));

/** Tensors a program reads per element (`programTraffic`), by program key. */
const reads = new Map<string, number>();

/** What the capability needs from its backend: the memory, and pointers of its own tensors. */
export interface ProgramHost {
  readonly memory: WebAssembly.Memory;
  /** Byte offset of a live float32 tensor of this backend (else a typed error naming `field`). */
  pointer(x: Tensor, field: string): number;
  /** The value of a one-element tensor of this backend. */
  scalarValue(x: Tensor, field: string): number;
}

/**
 * The WASM backend's `elementwise` capability: each program is compiled once to a module with
 * f32x4 SIMD (compileProgram; reductions with compileReduction) that imports this backend's
 * linear memory, instantiated once per backend, and run in one pass. Scalars are passed as
 * arguments on every call; the code is specialized for the classes of their values
 * (specializeProgram), so a class change selects another cached module. A `reduce` call runs
 * as one pass per group of `reductionPasses` (independent reductions over disjoint tensors are
 * split when their accumulators would not fit the registers). `traffic` counts the passes over
 * more than one element and the bytes every pass read and wrote.
 */
export function wasmElementwise(host: ProgramHost): ElementwiseKernels {
  const instances = new Map<string, ProgramFn>();
  const instance = (key: string, module: () => WebAssembly.Module): ProgramFn =>
    cachedIn(instances, key, () => new WebAssembly.Instance(module(), { env: { memory: host.memory } }).exports.run as ProgramFn);
  /**
   * Check the argument counts; the arguments (pointers of tensors, n elements each, and outputs,
   * `outputSize` each; n; scalar values) and the program specialized for those values.
   */
  const argumentsOf = (program: ElementwiseProgram, tensors: readonly Tensor[], scalars: readonly Scalar[], outputs: readonly Tensor[],
    outputCount: number, outputSize: (n: number) => number, outputName: (j: number) => string): { args: number[]; specialized: SpecializedProgram } => {
    if (tensors.length !== program.tensors.length || scalars.length !== program.scalars.length || outputs.length !== outputCount) {
      throw new OptError('InvalidSpec', 'elementwise', `${program.tensors.length} tensors, ${program.scalars.length} scalars, ${outputCount} outputs`,
        `${tensors.length}, ${scalars.length}, ${outputs.length}`);
    }
    const n = tensors[0]?.size ?? outputs[0]?.size ?? 0;
    const pointers = [...tensors, ...outputs].map((t, k) => {
      const [field, size] = k < tensors.length ? [`tensors.${program.tensors[k]}`, n] : [`outputs.${outputName(k - tensors.length)}`, outputSize(n)];
      if (t.size !== size) throw new OptError('ShapeMismatch', field, `${size} elements`, `${t.size} elements`);
      return host.pointer(t, field);
    });
    const values = scalars.map((s, j) => (typeof s === 'number' ? s : host.scalarValue(s, `scalars.${program.scalars[j]}`)));
    return { args: [...pointers, n, ...values], specialized: specializeProgram(program, values) };
  };
  const traffic = { passes: 0, bytes: 0 };
  /**
   * Count a pass over n elements reading `read` tensors and writing `written` (one-element
   * programs, such as a rule's scalar state updates, move bytes but are not counted as passes
   * over memory).
   */
  const count = (n: number, read: number, written: number): void => {
    if (n > 1) traffic.passes += 1;
    traffic.bytes += 4 * n * (read + written);
  };
  return {
    traffic: traffic as ElementwiseTraffic,
    run(program: ElementwiseProgram, tensors: readonly Tensor[], scalars: readonly Scalar[], outputs: readonly Tensor[]): void {
      const call = argumentsOf(program, tensors, scalars, outputs, program.outputs.length, (n) => n, (j) => program.outputs[j].name);
      instance(call.specialized.key, () => programModule(call.specialized))(...call.args);
      count(call.args[tensors.length + outputs.length], cachedIn(reads, program.key, () => programTraffic(program).reads), outputs.length);
    },
    reduce(program: ElementwiseProgram, tensors: readonly Tensor[], scalars: readonly Scalar[], reductions: readonly ProgramReduction[], outputs: readonly Tensor[]): void {
      const call = argumentsOf(program, tensors, scalars, outputs, reductions.length, () => 1, (j) => `${j} (${reductions[j].op})`);
      const T = tensors.length;
      const [pointers, results, rest] = [call.args.slice(0, T), call.args.slice(T, T + outputs.length), call.args.slice(T + outputs.length)];
      for (const pass of reductionPlan(call.specialized, reductions)) {
        instance(pass.key, () => pass.module)(...pointers, ...pass.indices.map((j) => results[j]), ...rest);
        count(rest[0], pass.reads, 0);
      }
    },
  };
}
