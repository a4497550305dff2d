/**
 * Runs in the browser: a few steps of three rules on every backend this page can load, each
 * compared with the JS float64 reference run from the same float32-exact inputs. The results
 * land in `window.__optResults` for the Playwright test (test/browser.test.ts).
 */
import type { Backend, Tensor } from '@opt/core';
import { Optimizer, jsBackend, selectBackend } from '@opt/core';
import { createRule } from '@opt/rules';
import '@opt/tfjs';
import '@opt/wasm';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Make tfjs run every op on the GPU backends instead of handing small ones to its CPU kernels.
 * A backend registers its flags when it loads, so this runs after each selection.
 */
function keepOpsOnGpu(): void {
  const flags: [string, boolean | number][] = [['WEBGL_CPU_FORWARD', false], ['WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0]];
  const registered = tf.env() as unknown as { flagRegistry: Record<string, unknown> };
  for (const [flag, value] of flags) if (flag in registered.flagRegistry) tf.env().set(flag, value);
}

export interface BackendCheck {
  readonly backend: string;
  readonly rule: string;
  readonly ok: boolean;
  readonly maxRelError?: number;
  readonly reason?: string;
}

const N = 4096;
const STEPS = 6;
const RULES: Record<string, Record<string, unknown>> = {
  adamw: { lr: 0.01, weightDecay: 0.01 },
  sgd: { lr: 0.05, momentum: 0.9, nesterov: true },
  // The threshold is a global order statistic: the backend's `order.kthLargest` (WASM radix
  // select, tf.topk on tfjs) against the reference bisection.
  'coord-clip': { lr: 0.05, quantile: 0.1, momentum: 0.9 },
};
/** The backends a browser may offer; ours first. */
const CANDIDATES = ['wasm', 'tfjs-cpu', 'tfjs-webgl', 'tfjs-webgpu'];

const start = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
const gradient = (t: number) => Float32Array.from({ length: N }, (_, i) => Math.cos(0.37 * i + t) * 10 ** ((t % 3) - 1));

/** Run `rule` for STEPS steps on `backend` and return the final parameters. */
async function run(backend: Backend, rule: string, dtype: 'float32' | 'float64'): Promise<Float64Array> {
  // 'ignore': no host read per step, which tfjs-webgpu cannot do synchronously.
  const opt = new Optimizer(createRule(rule, RULES[rule]), { w: backend.fromArray(start, [N], dtype) }, { nonFinite: 'ignore' });
  for (let t = 0; t < STEPS; t++) {
    const g = backend.fromArray(gradient(t), [N], dtype);
    opt.step({ w: g });
    backend.dispose(g);
  }
  const out = Float64Array.from(await backend.read((opt.params as { w: Tensor }).w));
  opt.dispose();
  return out;
}

const maxRelError = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]) / Math.max(1, Math.abs(b[i]))), 0);

async function main(): Promise<BackendCheck[]> {
  const results: BackendCheck[] = [];
  for (const name of CANDIDATES) {
    let backend: Backend;
    try {
      backend = (await selectBackend({ require: name })).backend;
      keepOpsOnGpu();
    } catch (e) {
      results.push({ backend: name, rule: '-', ok: false, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const rule of Object.keys(RULES)) {
      const err = maxRelError(await run(backend, rule, 'float32'), await run(jsBackend, rule, 'float64'));
      results.push({ backend: name, rule, ok: err <= 2e-5, maxRelError: err });
    }
  }
  return results;
}

main().then(
  (results) => {
    (window as unknown as { __optResults: unknown }).__optResults = results;
    document.getElementById('out')!.textContent = JSON.stringify(results, null, 2);
  },
  (e) => {
    (window as unknown as { __optResults: unknown }).__optResults = { error: String(e?.stack ?? e) };
  },
);
