import type { Backend, OptError, Transform } from '@opt/core';
import { jsBackend } from '@opt/core';
import type { GoldenCase, Problem, Tolerance } from '@opt/testing';
import { compareTrajectories, describeComparison, float32Tolerance, trainOnProblem } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import type { ReplayOptions } from '../replay.js';
import { replayTrajectory } from '../replay.js';
import type { BackendAvailability } from './backends.js';

/** Elementwise |a − e| ≤ rtol·max(1, |e|), the relative check the rules tests share. */
export const closeTo = (actual: readonly number[], expected: readonly number[], rtol = 1e-12): void =>
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(expected[i]))));

/**
 * Replay a golden case through `replayTrajectory` on `backend` and assert the trajectory is
 * within `tolerance`; a failure names the worst element (prefixed by `label`).
 */
export function expectReplayMatches(c: GoldenCase, backend: Backend, tolerance: Tolerance, options: ReplayOptions = {}, label = ''): void {
  const r = compareTrajectories(replayTrajectory(c, backend, options), c.expected, tolerance);
  expect(r.ok, `${label}${describeComparison(r)}`).toBe(true);
}

/**
 * One describe per backend of `backends` (skipped, with the reason in its title, when it did not
 * load) that replays every case there with `options` within the float32 tolerance (2e-5).
 */
export function describeFloat32Replays(title: string, backends: readonly BackendAvailability[], cases: readonly GoldenCase[], options: ReplayOptions = {}): void {
  for (const { name, backend, reason } of backends) {
    describe.skipIf(!backend)(`${title} on ${name}${backend ? '' : ` (not loaded: ${reason?.slice(0, 160)})`}`, () => {
      it.each(cases.map((c) => [c.id, c] as const))('%s within 2e-5', (_id, c) => {
        expectReplayMatches(c, backend!, float32Tolerance, options);
      });
    });
  }
}

/**
 * Train `transform` for `steps` float32 steps on `problem` (JS backend) and assert every loss is
 * finite and the last is below `factor` times the first.
 */
export async function expectLossShrinks(transform: Transform<any>, problem: Problem, factor: number, steps = 300): Promise<void> {
  const losses = await trainOnProblem(transform, problem, jsBackend, { steps });
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[steps]).toBeLessThan(factor * losses[0]);
}

/** The OptError `fn` throws (fails the test when it does not throw one). */
export function thrown(fn: () => unknown): OptError {
  try {
    fn();
  } catch (e) {
    expect((e as Error).name).toBe('OptError');
    return e as OptError;
  }
  throw new Error('expected an OptError');
}
