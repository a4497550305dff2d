import { join } from 'node:path';
import { jsBackend } from '@opt/core';
import { fixturesDir, loadCases, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { paperRuleDefs } from './paper-rules.js';
import { loadOtherBackends } from './test-support/backends.js';
import { describeFloat32Replays, expectReplayMatches } from './test-support/assertions.js';

// Every case of fixtures/rules except Muon's (a geometry rule, tested with it).
const cases = loadCases(join(fixturesDir, 'rules'), (c) => c.rule !== 'muon');
const float32Cases = cases.filter((c) => c.dtype === 'float32');

describe('paper golden trajectories (fixtures/rules) on the JS reference backend', () => {
  it('has the 58 cases, covering every paper rule', () => {
    expect(cases).toHaveLength(58);
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(paperRuleDefs.map((d) => d.id)));
  });

  // float64 within 1e-10 of max(1, |expected|); float32 within 2e-5.
  it.each(cases.map((c) => [c.id, c] as const))('%s (own dtype)', (_id, c) => {
    expectReplayMatches(c, jsBackend, toleranceFor(c.dtype));
  });

  // The fixture README's suggestion: the float64 path on the float32-exact inputs, atol max(1e-6, 10·noise floor).
  it.each(float32Cases.map((c) => [c.id, c] as const))('%s (float64 run on the float32 inputs)', (_id, c) => {
    const atol = Math.max(1e-6, 10 * (c.f32VsF64MaxAbsDiff as number));
    expectReplayMatches(c, jsBackend, { atol, rtol: 0 }, { dtype: 'float64' });
  });
});

// grams-float32-1 (g = 3.3e-9 at step 14) pins @opt/tfjs's sign, which avoids tfjs-wasm's
// tf.sign (0 for |x| below about 1e-6).
describeFloat32Replays('paper float32 fixtures', await loadOtherBackends(), float32Cases);
