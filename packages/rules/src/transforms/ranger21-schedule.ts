import type { Schedule } from '@opt/core';
import { OptError } from '@opt/core';

export interface Ranger21ScheduleOptions {
  /** The base learning rate. */
  readonly lr: number;
  /** Epochs and batches per epoch: the run has numEpochs·numBatchesPerEpoch steps. */
  readonly numEpochs: number;
  readonly numBatchesPerEpoch: number;
  /** β2 of the second moment: the default warmup is ⌈2/(1 − β2)⌉ steps (Ma & Yarats). */
  readonly b2: number;
  /** Linear warmup on (default true). */
  readonly useWarmup?: boolean;
  /** Warmup length; 0 (default) picks ⌈2/(1 − β2)⌉, or ⌊warmupPctDefault·total⌋ when that exceeds 45 % of the run. */
  readonly numWarmupIterations?: number;
  readonly warmupPctDefault?: number;
  /** Linear warmdown on (default true), from step ⌊warmdownStartPct·total⌋ to warmdownMinLr. */
  readonly warmdownActive?: boolean;
  readonly warmdownStartPct?: number;
  readonly warmdownMinLr?: number;
  /**
   * Chebyshev steps (default false; official `use_cheb`): after the warmup, the learning rate is
   * multiplied by `ranger21ChebyshevMultipliers(numEpochs)` at the epoch index ⌊t/numBatchesPerEpoch⌋ − 1.
   */
  readonly useCheb?: boolean;
}

/** The warmup length Ranger21 uses (lessw2020/Ranger21 `__init__`). */
export function ranger21WarmupSteps(b2: number, total: number, numWarmupIterations: number, warmupPctDefault: number): number {
  if (numWarmupIterations > 0) return numWarmupIterations;
  const betaWarmup = Math.ceil(2 / (1 - b2));
  return betaWarmup / total > 0.45 ? Math.trunc(warmupPctDefault * total) : betaWarmup;
}

/**
 * The Chebyshev step sizes of Agarwal, Goel & Zhang ("Acceleration via Fractal Learning Rate
 * Schedules", ICML 2021, arXiv:2103.01338; Ranger21's `cheb_steps`): for k = 0..n−1, with
 * θ_k = (k + ½)·π/n, C = (M + m)/2 and R = (M − m)/2,
 *   step_k = 1/(C − R·cos θ_k),
 * the reciprocals of the Chebyshev nodes of [m, M], from about 1/m down to about 1/M.
 */
export function chebyshevSteps(m: number, M: number, n: number): number[] {
  const [c, r] = [(M + m) / 2, (M - m) / 2];
  return Array.from({ length: n }, (_, k) => 1 / (c - r * Math.cos(((k + 0.5) / n) * Math.PI)));
}

/**
 * The fractal permutation of the Chebyshev steps (Ranger21's `cheb_perm`): start from [0] and,
 * while shorter than n, interleave each entry i with 2·len − 1 − i, so
 * [0] → [0, 1] → [0, 3, 1, 2] → [0, 7, 3, 4, 1, 6, 2, 5]. Its length is the first power of two ≥ n
 * (1 for n ≤ 1).
 */
export function chebyshevPermutation(n: number): number[] {
  let perm = [0];
  while (perm.length < n) perm = perm.flatMap((i) => [i, 2 * perm.length - 1 - i]);
  return perm;
}

/**
 * Null when the official `get_chebs(numEpochs)` works, else the InvalidHyperparameter naming
 * `field`: it indexes the n = numEpochs − 2 steps with a permutation as long as the first power of
 * two ≥ n, so it fails (an IndexError) unless n is a power of two.
 */
export function ranger21ChebyshevEpochsError(numEpochs: number, field: string): OptError | null {
  const n = numEpochs - 2;
  if (Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0) return null;
  return new OptError('InvalidHyperparameter', field, 'numEpochs − 2 a power of two (1, 2, 4, 8, ...) when useCheb is on, as the official get_chebs requires', numEpochs);
}

/**
 * Ranger21's Chebyshev learning-rate multipliers (official `get_chebs(num_epochs)`): with
 * n = numEpochs − 2, `chebyshevSteps(0.1, 1, n)` taken in the order of `chebyshevPermutation(n)`,
 * one per epoch index (values between about 1 and 10). Throws `ranger21ChebyshevEpochsError`
 * unless n is a power of two.
 */
export function ranger21ChebyshevMultipliers(numEpochs: number, field = 'ranger21Schedule.numEpochs'): number[] {
  const error = ranger21ChebyshevEpochsError(numEpochs, field);
  if (error) throw error;
  const n = numEpochs - 2;
  const steps = chebyshevSteps(0.1, 1, n);
  return chebyshevPermutation(n).map((i) => steps[i]);
}

/**
 * Ranger21's learning rate as a schedule of the 0-based step s (t = s + 1 is the official 1-based
 * step; lessw2020/Ranger21 ranger21.py `warmup_dampening` and `get_warm_down`), with
 * T = numEpochs·numBatchesPerEpoch, W the warmup length and D = ⌊warmdownStartPct·numEpochs·numBatchesPerEpoch⌋:
 *   explore (warmup):   lr·min(1, t/W) while t ≤ W, then lr;
 *   Chebyshev (useCheb): for t > W, the explore value times c[clamp(⌊t/numBatchesPerEpoch⌋ − 1, 0, len − 1)],
 *     c = `ranger21ChebyshevMultipliers(numEpochs)`;
 *   exploit (warmdown): for t ≥ D, lr − (lr − minLr)·min(1, (t + 1 − D)/(T − D + 1)), at least minLr
 *   (the warmdown starts from the base lr, replacing any unfinished warmup, as the official code).
 * Official quirks kept (`get_cheb_lr` and the order of the step's lr code): the Chebyshev factor
 * applies only once the warmup is complete, so never when useWarmup is false; the warmdown
 * replaces it (Chebyshev steps act on W < t < D only); the epoch index ⌊t/numBatchesPerEpoch⌋ − 1
 * already moves on at the last step of an epoch (t = k·numBatchesPerEpoch).
 */
export function ranger21Schedule(o: Ranger21ScheduleOptions): Schedule {
  const { lr, numEpochs, numBatchesPerEpoch, b2, useWarmup = true, numWarmupIterations = 0, warmupPctDefault = 0.22 } = o;
  const { warmdownActive = true, warmdownStartPct = 0.72, warmdownMinLr = 3e-5, useCheb = false } = o;
  const total = numEpochs * numBatchesPerEpoch;
  if (!(Number.isInteger(total) && total >= 1)) throw new OptError('InvalidHyperparameter', 'ranger21Schedule.numEpochs', 'numEpochs·numBatchesPerEpoch an integer >= 1', total);
  const warmup = ranger21WarmupSteps(b2, total, numWarmupIterations, warmupPctDefault);
  const start = Math.trunc(warmdownStartPct * numEpochs * numBatchesPerEpoch);
  const cheb = useCheb ? ranger21ChebyshevMultipliers(numEpochs) : null;
  /** The learning rate before the warmdown: the warmup, then the Chebyshev factor once the warmup is complete. */
  const explore = (t: number): number => {
    if (!useWarmup) return lr;
    if (t <= warmup) return lr * Math.min(1, t / warmup);
    if (!cheb) return lr;
    return lr * cheb[Math.min(cheb.length - 1, Math.max(0, Math.floor(t / numBatchesPerEpoch) - 1))];
  };
  return (s) => {
    const t = s + 1;
    const warm = explore(t);
    if (!warmdownActive || t < start) return warm;
    const pct = Math.min(1, (t + 1 - start) / (total - start + 1));
    return Math.max(warmdownMinLr, lr - (lr - warmdownMinLr) * pct);
  };
}
