import { describe, expect, it } from 'vitest';
import type { BenchRow } from './bench.js';
import { runCli } from './test-helpers.js';

describe('opt bench --json', () => {
  it('measures every rule, backend and tier on a tiny size, with bytes per parameter from the rule state', () => {
    const r = runCli(['bench', '--json', '--sizes', '4096', '--rules', 'adam,sgd,rmsprop', '--backends', 'js,wasm', '--warmup', '1', '--repeats', '3', '--ns-size', '48']);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as BenchRow[];
    const measured = rows.filter((x) => x.tier !== 'baseline');
    for (const x of rows) {
      expect(Object.keys(x).slice(0, 7)).toEqual(['rule', 'backend', 'tier', 'n', 'msPerStep', 'mparamsPerSec', 'gbPerSec']);
      expect(x.n).toBe(4096);
      expect(x.msPerStep).toBeGreaterThan(0);
      expect(x.mparamsPerSec).toBeCloseTo(x.n / x.msPerStep / 1e3, 9);
    }
    // GB/s over Mparam/s is the bytes per parameter / 1000: adam 28, sgd with momentum 20, rmsprop 20.
    const bytes = (x: BenchRow) => Math.round((1000 * x.gbPerSec) / x.mparamsPerSec);
    expect(new Set(measured.filter((x) => x.rule === 'adam').map(bytes))).toEqual(new Set([28]));
    expect(new Set(measured.filter((x) => x.rule === 'sgd').map(bytes))).toEqual(new Set([20]));
    expect(new Set(measured.filter((x) => x.rule === 'rmsprop').map(bytes))).toEqual(new Set([20]));
    const tiers = (backend: string, rule: string) => measured.filter((x) => x.backend === backend && x.rule === rule).map((x) => x.tier);
    expect(tiers('wasm', 'adam')).toEqual(['composed', 'flat', 'fused']);
    expect(tiers('wasm', 'rmsprop')).toEqual(['composed', 'flat', 'fused']);
    // A generated fused row on wasm for every converted rule not asked for, and a generated twin
    // of each hand-written kernel; bytes per parameter from each rule's state (nadam 2, lion 1).
    const fusedWasm = (rule: string) => measured.filter((x) => x.rule === rule && x.backend === 'wasm' && x.tier === 'fused');
    expect(fusedWasm('nadam').map(bytes)).toEqual([28]);
    expect(fusedWasm('lion').map(bytes)).toEqual([20]);
    expect(fusedWasm('adam/generated').map(bytes)).toEqual([28]);
    expect(fusedWasm('rmsprop/generated')).toEqual([]);
    for (const x of fusedWasm('adagrad')) expect(x.bandwidthFraction).toBeGreaterThan(0);
    // Generated rows count their passes and the bytes they actually moved: nadam one update pass
    // per leaf (28 B/param); ⊥Grad reads w and g once for ⟨w, g⟩, ⟨w, w⟩, ‖g‖² (‖g⊥‖² follows in
    // closed form), then updates (8 + 12 B/param). Hand-written kernels report no passes.
    expect(fusedWasm('nadam').map((x) => [x.passes, x.movedBytesPerParam])).toEqual([[4, 28]]);
    expect(fusedWasm('orthograd').map((x) => x.movedBytesPerParam)).toEqual([20]);
    for (const x of fusedWasm('orthograd')) expect(x.movedBandwidthFraction).toBeCloseTo(x.bandwidthFraction! * 20 / 12, 9);
    expect(fusedWasm('adam').map((x) => x.passes)).toEqual([undefined]);
    expect(tiers('js', 'sgd')).toContain('composed');
    // Baselines at the same size: plain JS and tf.train.adam always; torch only where importable.
    const baselines = rows.filter((x) => x.tier === 'baseline').map((x) => x.backend);
    expect(baselines.slice(0, 2)).toEqual(['plain-js', 'tf.train.adam (tfjs-wasm)']);
    expect(r.stderr).toMatch(/memory bandwidth \(STREAM in WASM\): copy [\d.]+ GB\/s, triad [\d.]+ GB\/s/);
    expect(r.stderr).toMatch(/fused adam \(wasm\) speed-up over tf\.train\.adam \(tfjs-wasm\): [\d.]+x/);
    expect(r.stderr).toMatch(/rmsprop fused on js: backend js has no fused kernel for rmsprop/);
    // Muon's Newton–Schulz-5 on a 48×48 float32 matrix: opt's WASM kernel, the same iteration as
    // Backend ops, and tf.matMul on tfjs-backend-wasm, in GFLOP/s, with the kernel's speed-up.
    for (const impl of ['opt wasm \\(linalg.newtonSchulz kernel\\)', 'opt wasm \\(Backend ops: matmul, axpby\\)', 'tfjs-backend-wasm \\(tf.matMul\\)']) {
      expect(r.stderr).toMatch(new RegExp(`${impl}\\s+48×48\\s+[\\d.]+\\s+[\\d.]+`));
    }
    expect(r.stderr).toMatch(/Newton–Schulz-5 48×48: opt wasm kernel speed-up over tfjs-backend-wasm: [\d.]+x/);
  });

  it('rejects an unknown tier', () => {
    const r = runCli(['bench', '--tiers', 'composed,turbo']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/InvalidSpec: --tiers: expected a list of composed, flat, fused, received "turbo"/);
  });
});
