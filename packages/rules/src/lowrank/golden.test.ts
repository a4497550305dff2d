import { join } from 'node:path';
import { jsBackend } from '@opt/core';
import { fixturesDir, loadCases, toleranceFor } from '@opt/testing';
import { describe, it } from 'vitest';
import { loadOtherBackends } from '../test-support/backends.js';
import { describeFloat32Replays, expectReplayMatches } from '../test-support/assertions.js';

// Goldens of the low-rank rules from the reference code (fixtures/rules-c/README.md names each source;
// the closure-based cases, with an `objective`, are replayed in zeroth-order/zeroth-order.test.ts).
const cases = loadCases(join(fixturesDir, 'rules-c'), (c) => !('objective' in c));
const available = await loadOtherBackends();

describe('rules-c golden trajectories', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s on the JS reference (own dtype)', (_id, c) => {
    expectReplayMatches(c, jsBackend, toleranceFor(c.dtype));
  });

  describeFloat32Replays('float32 cases', available, cases.filter((c) => c.dtype === 'float32'));
});
