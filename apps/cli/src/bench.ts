import type { Backend, Params, Tensor } from '@opt/core';
import { OptError, Optimizer, collectTensors, disposeTensors, tracedFusedStep } from '@opt/core';
import { createRule, generatedTierRuleIds } from '@opt/rules';
import { chooseBackend } from './backends.js';
import { benchValues, medianStepMs, plainJsAdamMs, tfjsAdamMs, torchAdamMs } from './baselines.js';
import type { NewtonSchulzRow } from './bench-newton-schulz.js';
import { benchNewtonSchulz } from './bench-newton-schulz.js';
import { formatNumber, formatTable } from './table.js';

/** The three ways a rule can run (see docs/architecture.md, "Tiers"). */
export const TIERS = ['composed', 'flat', 'fused'] as const;
export type Tier = (typeof TIERS)[number];

/** One measurement: step throughput of a rule on a backend and tier at `n` parameters. */
export interface BenchRow {
  readonly rule: string;
  readonly backend: string;
  /** A tier, or 'baseline' for the reference implementations measured in the same run. */
  readonly tier: Tier | 'baseline';
  readonly n: number;
  readonly msPerStep: number;
  readonly mparamsPerSec: number;
  /** Bytes the rule must move per parameter (read p, g, state; write p, state) over the step time. */
  readonly gbPerSec: number;
  /** gbPerSec over the measured triad bandwidth (CPU rows, when measured). */
  readonly bandwidthFraction?: number;
  /**
   * Generated-kernel rows: passes over memory per step (update passes and the reduction passes
   * of per-tensor norms, maxima and dot products), and the bytes per parameter they actually
   * read and wrote, which exceed the state formula of `gbPerSec` when a rule needs reductions.
   */
  readonly passes?: number;
  readonly movedBytesPerParam?: number;
  /** Bytes actually moved per second over the triad bandwidth (generated-kernel rows). */
  readonly movedBandwidthFraction?: number;
}

/** What `opt bench` measures. Defaults: adam, adamw, sgd (momentum 0.9) on the backends that load. */
export interface BenchOptions {
  readonly rules?: readonly string[];
  /** Sizes for every backend; default per backend (DEFAULT_SIZES). */
  readonly sizes?: readonly number[];
  readonly backends?: readonly string[];
  readonly tiers?: readonly Tier[];
  readonly warmup?: number;
  readonly repeats?: number;
  /** Measure memory bandwidth and the plain-JS / tf.train.adam / torch baselines (default true). */
  readonly baselines?: boolean;
  /** Size of the square float32 matrix for the Newton–Schulz-5 comparison (default 1024; 0 skips it). Runs with the baselines. */
  readonly newtonSchulzSize?: number;
  /**
   * Add a fused row on wasm, at its largest size, for every rule of FUSED_BENCH_RULES not in
   * `rules`, and a `<rule>/generated` row for each hand-written kernel (default true).
   */
  readonly fusedRules?: boolean;
  /** Called before each measurement with its index, the total and a label. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** Everything a bench run found: rows, bandwidth, ratios, and what was skipped and why. */
export interface BenchReport {
  readonly rows: BenchRow[];
  readonly bandwidth?: { readonly copyGBs: number; readonly triadGBs: number };
  /** Named ratios, e.g. "fused adamw (wasm) vs tf.train.adam (tfjs-wasm)": speed-up factor. */
  readonly ratios: Record<string, number>;
  readonly skipped: { what: string; reason: string }[];
  /** Muon's Newton–Schulz-5 in GFLOP/s: opt's WASM kernel against tf.matMul on tfjs-backend-wasm. */
  readonly newtonSchulz?: NewtonSchulzRow[];
}

export const DEFAULT_RULES = ['adam', 'adamw', 'sgd'] as const;
export const DEFAULT_BACKENDS = ['wasm', 'js', 'tfjs-wasm', 'tfjs-cpu'] as const;

/** Sizes per backend when `--sizes` is not given: large for WASM, smaller for the slow ones. */
export const DEFAULT_SIZES: Record<string, readonly number[]> = {
  wasm: [1e6, 1e7],
  js: [1e5],
  'tfjs-wasm': [1e6],
  'tfjs-cpu': [1e5],
};
const FALLBACK_SIZES = [1e5];

/** Hyperparameters for the benchmark: torch defaults, plus the momentum that makes SGD realistic. */
const BENCH_HPARAMS: Record<string, Record<string, unknown>> = { sgd: { lr: 0.01, momentum: 0.9 } };

/** The fused kernel each rule's tier-3 path uses. */
const FUSED_KERNEL: Record<string, 'sgd' | 'adam'> = { sgd: 'sgd', adam: 'adam', adamw: 'adam' };

/** Parameters are split into this many leaves, so tier 1 does per-leaf work as in a real model. */
const LEAVES = 4;

function leafSizes(n: number): number[] {
  const base = Math.floor(n / LEAVES);
  return Array.from({ length: LEAVES }, (_, i) => (i === 0 ? n - base * (LEAVES - 1) : base)).filter((s) => s > 0);
}

const upload = (backend: Backend, n: number, scale: number, offset: number): Params =>
  Object.fromEntries(leafSizes(n).map((s, i) => [`leaf${i}`, backend.fromArray(benchValues(s, scale, offset + i), [s], 'float32')]));

/** Why a tier cannot run a rule on a backend, or undefined when it can. */
function tierUnavailable(tier: Tier, rule: string, backend: Backend, transform: ReturnType<typeof createRule>): string | undefined {
  if (tier === 'flat' && transform.elementwise !== true) return `${rule} is not elementwise`;
  if (tier === 'fused') {
    const kernel = FUSED_KERNEL[rule];
    if (!transform.fusedStep) return `${rule} has no fused path`;
    if (!(kernel && backend.fused?.[kernel]) && !backend.elementwise) return `backend ${backend.name} has no fused kernel for ${rule}`;
  }
  return undefined;
}

/** State tensors per parameter: the state's tensor elements over n (adam 2, sgd+momentum 1). */
const stateTensorsPerParam = (state: unknown, n: number): number =>
  Math.round([...collectTensors(state)].reduce((s, t: Tensor) => s + (t.size > 1 ? t.size : 0), 0) / n);

/** Wait for an asynchronous backend to finish the queued step (read back one parameter element). */
async function settle(optimizer: Optimizer<any>, flat: boolean): Promise<void> {
  if (optimizer.backend.synchronous) return;
  const params = optimizer.params;
  const one = optimizer.backend.slice(Object.values(params as Record<string, Tensor>)[0], 0, [1]);
  await optimizer.backend.read(one);
  disposeTensors(flat ? [one, params] : one);
}

/**
 * The rules with a generated tier 3 whose work is per element: `opt bench` adds a fused row on
 * wasm for each. Left out: the matrix and low-rank rules (see the Newton–Schulz comparison).
 * coord-clip is in: its threshold is a global order statistic (the backend's `order` kernel), the
 * clipping and SGD step per element.
 */
export const FUSED_BENCH_RULES: readonly string[] = generatedTierRuleIds.filter((id) => !/^(muon|lmo-.*|fira|frugal|osd|sn-sm)$/.test(id));

/** Rows labelled `<rule>/generated` time the generated kernel of a rule that also has a hand-written one. */
const GENERATED_SUFFIX = '/generated';

/** The rule to time: `<rule>/generated` drops the hand-written fused step, keeping the generated one. */
function benchTransform(rule: string): ReturnType<typeof createRule> {
  const base = rule.endsWith(GENERATED_SUFFIX) ? rule.slice(0, -GENERATED_SUFFIX.length) : rule;
  const t = createRule(base, BENCH_HPARAMS[base] ?? {});
  return base === rule ? t : { ...t, fusedStep: tracedFusedStep(t) };
}

/** Time one (rule, backend, tier, n) with core's Optimizer; bytes per parameter from the state the rule keeps. */
async function measure(rule: string, backend: Backend, name: string, tier: Tier, n: number, warmup: number, repeats: number): Promise<BenchRow | string> {
  const transform = benchTransform(rule);
  const why = tierUnavailable(tier, rule, backend, transform);
  if (why) return why;
  const grads = upload(backend, n, 0.01, 1);
  const optimizer = new Optimizer(transform, upload(backend, n, 1, 0), { fused: tier === 'fused', flatten: tier === 'flat', nonFinite: 'ignore' });
  try {
    const traffic = backend.elementwise?.traffic;
    const before = traffic && { passes: traffic.passes, bytes: traffic.bytes };
    const ms = await medianStepMs(async () => {
      optimizer.step(grads);
      await settle(optimizer, tier === 'flat');
    }, warmup, repeats);
    const bytes = (3 + 2 * stateTensorsPerParam(optimizer.state, n)) * 4;
    const steps = warmup + repeats;
    const moved = traffic && before && traffic.passes > before.passes
      ? { passes: (traffic.passes - before.passes) / steps, movedBytesPerParam: (traffic.bytes - before.bytes) / steps / n }
      : {};
    return { ...row(rule, name, tier, n, ms, bytes), ...moved };
  } finally {
    optimizer.dispose();
    disposeTensors(grads);
  }
}

function row(rule: string, backend: string, tier: BenchRow['tier'], n: number, ms: number, bytesPerParam: number): BenchRow {
  return { rule, backend, tier, n, msPerStep: ms, mparamsPerSec: n / ms / 1e3, gbPerSec: (n * bytesPerParam) / ms / 1e6 };
}

/** STREAM bandwidth from @opt/wasm, or undefined (recorded in `skipped`) when the package does not load. */
async function measureMemoryBandwidth(skipped: BenchReport['skipped']): Promise<BenchReport['bandwidth']> {
  try {
    const { measureBandwidth } = await import('@opt/wasm');
    return measureBandwidth();
  } catch (e) {
    skipped.push({ what: 'memory bandwidth', reason: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/** Adam's 28 bytes per float32 parameter: read p, g, m, v; write p, m, v. */
const ADAM_BYTES = 28;

/**
 * Measure step throughput for every rule × backend × size × tier (warm-up, then the median of
 * several steps), and — with `baselines` — the machine's memory bandwidth (STREAM in WASM) and
 * the same Adam update by a plain JS loop, by tfjs's tf.train.adam on tfjs-backend-wasm and by
 * torch (when /usr/bin/python3 can import it), at the largest size measured on wasm.
 */
export async function benchmark(options: BenchOptions = {}): Promise<BenchReport> {
  const rules = options.rules ?? DEFAULT_RULES;
  const tiers = options.tiers ?? TIERS;
  const warmup = options.warmup ?? 2;
  const repeats = options.repeats ?? 7;
  for (const r of rules) createRule(r, BENCH_HPARAMS[r] ?? {});
  const skipped: BenchReport['skipped'] = [];
  const backends: { name: string; backend: Backend; sizes: readonly number[] }[] = [];
  for (const name of options.backends ?? DEFAULT_BACKENDS) {
    try {
      const chosen = await chooseBackend(name);
      backends.push({ name, backend: chosen.backend, sizes: options.sizes ?? DEFAULT_SIZES[name] ?? FALLBACK_SIZES });
    } catch (e) {
      if (!(e instanceof OptError)) throw e;
      skipped.push({ what: `backend ${name}`, reason: e.message });
    }
  }
  if (backends.length === 0) throw new OptError('BackendUnavailable', '--backends', 'at least one backend that loads', options.backends ?? DEFAULT_BACKENDS, skipped.map((s) => s.reason).join('; '));

  const jobs = backends.flatMap((b) => b.sizes.flatMap((n) => rules.flatMap((rule) => tiers.map((tier) => ({ ...b, n, rule, tier })))));
  const rows: BenchRow[] = [];
  for (const [i, job] of jobs.entries()) {
    options.onProgress?.(i, jobs.length, `${job.rule} ${job.name} ${job.tier} n=${job.n}`);
    const r = await measure(job.rule, job.backend, job.name, job.tier, job.n, warmup, repeats);
    if (typeof r === 'string') skipped.push({ what: `${job.rule} ${job.tier} on ${job.name}`, reason: r });
    else rows.push(r);
  }
  const wasm = backends.find((b) => b.name === 'wasm');
  if (wasm && tiers.includes('fused') && options.fusedRules !== false) {
    const extra = [...FUSED_BENCH_RULES.filter((r) => !rules.includes(r)), ...rules.filter((r) => FUSED_KERNEL[r]).map((r) => r + GENERATED_SUFFIX)];
    const n = Math.max(...wasm.sizes);
    for (const [i, rule] of extra.entries()) {
      options.onProgress?.(i, extra.length, `${rule} wasm fused n=${n}`);
      const r = await measure(rule, wasm.backend, wasm.name, 'fused', n, warmup, repeats);
      if (typeof r === 'string') skipped.push({ what: `${rule} fused on wasm`, reason: r });
      else rows.push(r);
    }
  }
  options.onProgress?.(jobs.length, jobs.length, 'done');
  if (options.baselines === false) return { rows, ratios: {}, skipped: dedupe(skipped) };

  const bandwidth = await measureMemoryBandwidth(skipped);
  const wasmSizes = rows.filter((r) => r.backend === 'wasm').map((r) => r.n);
  const n = Math.max(...(wasmSizes.length ? wasmSizes : rows.map((r) => r.n)), 1);
  rows.push(row('adam', 'plain-js', 'baseline', n, await plainJsAdamMs(n, warmup, repeats), ADAM_BYTES));
  try {
    rows.push(row('adam', 'tf.train.adam (tfjs-wasm)', 'baseline', n, await tfjsAdamMs(n, warmup, repeats), ADAM_BYTES));
  } catch (e) {
    skipped.push({ what: 'tf.train.adam baseline', reason: e instanceof Error ? e.message : String(e) });
  }
  const torch = torchAdamMs(n, warmup, repeats);
  if ('ms' in torch) rows.push(row('adam', `torch.optim.Adam (${torch.version})`, 'baseline', n, torch.ms, ADAM_BYTES));
  else skipped.push({ what: 'torch baseline', reason: torch.unavailable });

  const nsSize = options.newtonSchulzSize ?? 1024;
  const ns = nsSize > 0 ? await benchNewtonSchulz(nsSize, Math.min(warmup, 1), Math.min(repeats, 3)) : undefined;
  skipped.push(...(ns?.skipped ?? []));

  const cpu = new Set(backends.filter((b) => b.backend.synchronous).map((b) => b.name));
  const withFraction = rows.map((r) => (bandwidth && (cpu.has(r.backend) || r.tier === 'baseline')
    ? { ...r, bandwidthFraction: r.gbPerSec / bandwidth.triadGBs, ...(r.movedBytesPerParam ? { movedBandwidthFraction: (r.n * r.movedBytesPerParam) / r.msPerStep / 1e6 / bandwidth.triadGBs } : {}) }
    : r));
  return { rows: withFraction, ...(bandwidth ? { bandwidth } : {}), ratios: { ...ratiosOf(withFraction, n), ...newtonSchulzRatios(ns?.rows ?? []) }, skipped: dedupe(skipped), ...(ns ? { newtonSchulz: ns.rows } : {}) };
}

const dedupe = (xs: BenchReport['skipped']) => xs.filter((x, i) => xs.findIndex((y) => y.what === x.what && y.reason === x.reason) === i);

/** The headline comparisons at the baseline size n: fused AdamW/Adam on wasm against the baselines. */
function ratiosOf(rows: readonly BenchRow[], n: number): Record<string, number> {
  const find = (pred: (r: BenchRow) => boolean) => rows.find((r) => r.n === n && pred(r));
  const out: Record<string, number> = {};
  for (const rule of ['adamw', 'adam']) {
    const fused = find((r) => r.rule === rule && r.backend === 'wasm' && r.tier === 'fused');
    if (!fused) continue;
    for (const base of rows.filter((r) => r.tier === 'baseline' && r.n === n)) {
      out[`fused ${rule} (wasm) speed-up over ${base.backend}`] = base.msPerStep / fused.msPerStep;
    }
    if (fused.bandwidthFraction !== undefined) out[`fused ${rule} (wasm) fraction of triad bandwidth`] = fused.bandwidthFraction;
  }
  return out;
}

/** The Newton–Schulz headline: opt's WASM kernel over tf.matMul on tfjs-backend-wasm. */
function newtonSchulzRatios(rows: readonly NewtonSchulzRow[]): Record<string, number> {
  const kernel = rows.find((r) => r.impl.startsWith('opt wasm (linalg'));
  const tfjs = rows.find((r) => r.impl.startsWith('tfjs-backend-wasm'));
  return kernel && tfjs ? { [`Newton–Schulz-5 ${kernel.size}×${kernel.size}: opt wasm kernel speed-up over tfjs-backend-wasm`]: tfjs.msPerCall / kernel.msPerCall } : {};
}

/** The human-readable bench report: an aligned table, the bandwidth, the ratios and the skips. */
export function formatBench(report: BenchReport): string {
  const lines = [
    formatTable(report.rows, [
      { header: 'rule', cell: (r) => r.rule },
      { header: 'backend', cell: (r) => r.backend },
      { header: 'tier', cell: (r) => r.tier },
      { header: 'n', cell: (r) => r.n.toExponential(0).replace('e+', 'e'), align: 'right' },
      { header: 'ms/step', cell: (r) => formatNumber(r.msPerStep, 3), align: 'right' },
      { header: 'Mparam/s', cell: (r) => formatNumber(r.mparamsPerSec, 3), align: 'right' },
      { header: 'GB/s', cell: (r) => formatNumber(r.gbPerSec, 3), align: 'right' },
      { header: 'of triad', cell: (r) => (r.bandwidthFraction === undefined ? '-' : `${(100 * r.bandwidthFraction).toFixed(0)}%`), align: 'right' },
      { header: 'passes', cell: (r) => (r.passes === undefined ? '-' : formatNumber(r.passes, 3)), align: 'right' },
      { header: 'moved B/param', cell: (r) => (r.movedBytesPerParam === undefined ? '-' : formatNumber(r.movedBytesPerParam, 3)), align: 'right' },
      { header: 'moved of triad', cell: (r) => (r.movedBandwidthFraction === undefined ? '-' : `${(100 * r.movedBandwidthFraction).toFixed(0)}%`), align: 'right' },
    ]),
  ];
  if (report.newtonSchulz?.length) {
    lines.push('', formatTable(report.newtonSchulz, [
      { header: 'Newton–Schulz-5 (float32)', cell: (r) => r.impl },
      { header: 'matrix', cell: (r) => `${r.size}×${r.size}`, align: 'right' },
      { header: 'ms/call', cell: (r) => formatNumber(r.msPerCall, 3), align: 'right' },
      { header: 'GFLOP/s', cell: (r) => formatNumber(r.gflops, 3), align: 'right' },
    ]));
  }
  if (report.bandwidth) lines.push('', `memory bandwidth (STREAM in WASM): copy ${formatNumber(report.bandwidth.copyGBs, 3)} GB/s, triad ${formatNumber(report.bandwidth.triadGBs, 3)} GB/s`);
  const ratios = Object.entries(report.ratios);
  if (ratios.length) lines.push('', ...ratios.map(([k, v]) => `${k}: ${k.includes('fraction') ? `${(100 * v).toFixed(0)}%` : `${v.toFixed(2)}x`}`));
  if (report.skipped.length) lines.push('', 'not measured:', ...report.skipped.map((s) => `  ${s.what}: ${s.reason}`));
  return lines.join('\n');
}
