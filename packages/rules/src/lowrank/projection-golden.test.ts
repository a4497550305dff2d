import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, DType, Tensor } from '@opt/core';
import { Rng, jsBackend } from '@opt/core';
import type { GoldenCase, HostTensor, Tolerance } from '@opt/testing';
import { compareTrajectories, describeComparison, fixturesDir, float32Tolerance, loadCases, toleranceFor } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { createRule } from '../registry.js';
import { runTrajectory } from '../replay.js';
import { loadOtherBackends } from '../test-support/backends.js';
import type { ProjectionKind } from './projector.js';
import { dctMatrix, refreshBasis } from './projector.js';

// Goldens of the non-default projection kinds (fixtures/rules-c/README.md, "Projection kinds"):
// bases from independent numpy implementations (with a numpy Philox4x32-10 for the random kinds)
// and trajectories of frugal 'random' (official code), fira 'dct' and sn-sm 'qr' (numpy transcriptions).
const dir = join(fixturesDir, 'rules-c', 'projection');
const available = await loadOtherBackends();

/** One expected basis: `refreshBasis(h, rank, kind, new Rng(seed, stream))` and the stream after it. */
interface BasisCase {
  readonly id: string;
  readonly kind: ProjectionKind;
  readonly dtype: DType;
  readonly rank: number;
  readonly seed: number;
  readonly stream: number;
  readonly streamAfter: number;
  readonly h: HostTensor;
  readonly expected: HostTensor;
}

const basisCases = (dtype: DType): BasisCase[] => JSON.parse(readFileSync(join(dir, 'bases', `bases-${dtype}.json`), 'utf8')).cases;

/** Largest |refreshBasis − expected| for a case on `backend`; also checks the shape and how far the stream advanced. */
function basisError(c: BasisCase, backend: Backend): number {
  const rng = new Rng(c.seed, c.stream);
  const q: Tensor = refreshBasis(backend.fromArray(c.h.data, c.h.shape, c.dtype), c.rank, c.kind, rng);
  expect(q.shape).toEqual(c.expected.shape);
  expect(rng.stream).toBe(c.streamAfter);
  const got = backend.readSync!(q);
  return c.expected.data.reduce((worst, e, i) => Math.max(worst, Math.abs(got[i] - e)), 0);
}

function expectTrajectory(c: GoldenCase, backend: Backend, tolerance: Tolerance): void {
  const r = compareTrajectories(runTrajectory(createRule(c.rule, c.hparams), backend, c), c.expected, tolerance);
  expect(r.ok, describeComparison(r)).toBe(true);
}

describe('dctMatrix', () => {
  it('is the cosine formula, with mathematically equal magnitudes equal as numbers', () => {
    for (let n = 1; n <= 24; n++) {
      const c = dctMatrix(n);
      const byKey = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const exact = Math.sqrt((j === 0 ? 1 : 2) / n) * Math.cos((Math.PI * (2 * i + 1) * j) / (2 * n));
          expect(Math.abs(c[i * n + j] - exact)).toBeLessThan(1e-14); // the direct formula rounds its large angles
          // |cos(π·a/2n)| depends only on a mod 2n folded to [0, n].
          const a = ((2 * i + 1) * j) % (2 * n);
          const key = `${j === 0}:${Math.min(a, 2 * n - a)}`;
          const magnitude = Math.abs(c[i * n + j]);
          if (byKey.has(key)) expect(magnitude).toBe(byKey.get(key));
          else byKey.set(key, magnitude);
        }
      }
    }
  });
});

describe('refreshBasis against numpy bases', () => {
  it.each(basisCases('float64').map((c) => [c.id, c] as const))('%s (float64, js) within 1e-12', (_id, c) => {
    expect(basisError(c, jsBackend)).toBeLessThanOrEqual(1e-12);
  });

  // float32: H and Ω are float32 and 'qr' multiplies Hᵀ·Ω in float32, so the basis moves by about
  // cond(Hᵀ·Ω)·ε₃₂; the fixtures' f32VsF64MaxAbsDiff (≤ 2e-7) bounds it, well inside 2e-5.
  for (const { name, backend } of [{ name: 'js', backend: jsBackend }, ...available]) {
    describe.skipIf(!backend)(name, () => {
      it.each(basisCases('float32').map((c) => [c.id, c] as const))('%s within 2e-5', (_id, c) => {
        expect(basisError(c, backend!)).toBeLessThanOrEqual(2e-5);
      });
    });
  }
});

describe('trajectories with the qr, random and dct projections', () => {
  const cases = loadCases(dir);

  it('cover every non-svd kind in both dtypes', () => {
    for (const kind of ['qr', 'random', 'dct']) {
      expect(cases.filter((c) => c.hparams.projection === kind).map((c) => c.dtype).sort()).toEqual(['float32', 'float64', 'float64']);
    }
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s on the JS reference (own dtype)', (_id, c) => {
    expectTrajectory(c, jsBackend, toleranceFor(c.dtype));
  });

  for (const { name, backend } of available) {
    describe.skipIf(!backend)(name, () => {
      it.each(cases.filter((c) => c.dtype === 'float32').map((c) => [c.id, c] as const))('%s in float32 within 2e-5', (_id, c) => {
        expectTrajectory(c, backend!, float32Tolerance);
      });
    });
  }
});
