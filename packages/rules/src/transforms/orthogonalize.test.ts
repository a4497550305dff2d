import { jsBackend } from '@opt/core';
import { float32Tolerance, toFloat32 } from '@opt/testing';
import { describe, expect, it } from 'vitest';
import { orthogonalGradient } from './orthogonalize.js';

const N = 1000;
/** Deterministic float32 weights of magnitude about 1. */
const w = toFloat32(Array.from({ length: N }, (_, i) => Math.sin(1.3 * i + 0.4) * (1 + 0.3 * Math.cos(0.7 * i))));
const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

/** A direction orthogonal to w (in float64) with w's norm. */
const across = ((): number[] => {
  const z = Array.from({ length: N }, (_, i) => Math.cos(2.1 * i + 1.1) * (1 + 0.5 * Math.sin(0.37 * i)));
  const c = dot(w, z) / dot(w, w);
  const orth = z.map((x, i) => x - c * w[i]);
  const scale = Math.sqrt(dot(w, w) / dot(orth, orth));
  return orth.map((x) => x * scale);
})();

/** A float32 gradient 1.7·(cos θ·w + sin θ·across) at angle θ from the weights. */
const gradientAt = (sinTheta: number): number[] =>
  toFloat32(w.map((x, i) => 1.7 * (Math.sqrt(1 - sinTheta ** 2) * x + sinTheta * across[i])));

/** The official direct formula in float64: g⊥ = g − c·w rescaled by ‖g‖/(‖g − c·w‖ + 1e-30). */
function direct(g: readonly number[]): number[] {
  const c = dot(w, g) / (dot(w, w) + 1e-30);
  const orth = g.map((x, i) => x - c * w[i]);
  const scale = Math.sqrt(dot(g, g)) / (Math.sqrt(dot(orth, orth)) + 1e-30);
  return orth.map((x) => x * scale);
}

/** The closed-form transform on the JS backend in float32. */
const closedForm = (g: readonly number[]): number[] =>
  Array.from(jsBackend.readSync(orthogonalGradient(jsBackend.fromArray(w, [N], 'float32'), jsBackend.fromArray(g, [N], 'float32'))));

/** Largest |a − e|/max(1, |e|) (the form of the float32 tolerance). */
const worstError = (actual: readonly number[], expected: readonly number[]): number =>
  Math.max(...actual.map((a, i) => Math.abs(a - expected[i]) / Math.max(1, Math.abs(expected[i]))));

describe('orthogonalGradient: ‖g⊥‖ in closed form from ⟨w, g⟩, ⟨w, w⟩, ‖g‖²', () => {
  it('matches the direct formula in float64 within the float32 tolerance when g is nearly parallel to w (cos θ = 0.995)', () => {
    const g = gradientAt(0.1);
    const expected = direct(g);
    expect(worstError(closedForm(g), expected)).toBeLessThanOrEqual(float32Tolerance.rtol);
    // The output keeps the gradient's norm and is orthogonal to the weights.
    expect(Math.sqrt(dot(expected, expected))).toBeCloseTo(Math.sqrt(dot(g, g)), 6);
  });

  it('loses accuracy as u/sin²θ from the cancellation (u = 2^-24), the documented bound', () => {
    for (const sinTheta of [0.05, 0.01, 1e-3]) {
      const g = gradientAt(sinTheta);
      expect(worstError(closedForm(g), direct(g)), `sin θ = ${sinTheta}`).toBeLessThanOrEqual(2 ** -24 / sinTheta ** 2);
    }
  });

  it('floors ‖g⊥‖² at u·‖g‖²: a gradient parallel to the weights gives a step of at most about √u·‖g‖, not its rounding residue over 1e-30', () => {
    const g = gradientAt(0);
    const out = closedForm(g);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(Math.sqrt(dot(out, out))).toBeLessThanOrEqual(16 * 2 ** -12 * Math.sqrt(dot(g, g)));
  });

  it('returns zeros for a zero gradient', () => {
    expect(closedForm(Array<number>(N).fill(0))).toEqual(Array<number>(N).fill(0));
  });
});
