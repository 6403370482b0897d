/**
 * Replica statistics of the N-study: means with standard errors, the
 * least-squares slope of log(mean) against log N with two confidence
 * intervals, and seeds derived from a base seed.
 */

import { splitMix64, uniformInt, Xoshiro128StarStar } from '../src/random/index.js';

/** Mean and standard error of the mean (sample standard deviation / √n; 0 for one value). */
export function meanAndStandardError(values: readonly number[]): { mean: number; standardError: number } {
  const count = values.length;
  if (count === 0) throw new RangeError('meanAndStandardError: no values given');
  const mean = values.reduce((s, v) => s + v, 0) / count;
  if (count === 1) return { mean, standardError: 0 };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (count - 1);
  return { mean, standardError: Math.sqrt(variance / count) };
}

/** Ordinary least-squares line y ≈ intercept + slope·x. */
export function leastSquaresLine(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  if (x.length !== y.length || x.length < 2) {
    throw new RangeError(`leastSquaresLine: need at least two (x, y) pairs of equal length, got ${x.length} and ${y.length}`);
  }
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (!(sxx > 0)) throw new RangeError('leastSquaresLine: all x are equal, so the slope is undefined');
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Fitted slope of log(mean metric) against log N, with its uncertainty. */
export interface SlopeFit {
  slope: number;
  intercept: number;
  /**
   * Standard error of the slope propagated from the replica spread: the
   * variance of log(mean) at each N is taken as (SE/mean)² (delta method)
   * and carried through the least-squares weights.
   */
  standardError: number;
  /** 95% percentile bootstrap interval: replicas resampled with replacement at each N. */
  confidenceInterval: [number, number];
  bootstrapSamples: number;
}

/** Number of bootstrap resamples of a slope fit. */
export const BOOTSTRAP_SAMPLES = 2000;

/**
 * Fits log(mean of replicas) = a + s·log N over the ladder. `replicas[k]`
 * contains the metric of every replica at `particles[k]`. The bootstrap draws
 * from a generator seeded with `seed`, so the interval is reproducible.
 */
export function fitLogLogSlope(
  particles: readonly number[],
  replicas: readonly (readonly number[])[],
  seed: number,
  samples = BOOTSTRAP_SAMPLES,
): SlopeFit {
  if (particles.length !== replicas.length || particles.length < 2) {
    throw new RangeError(`fitLogLogSlope: need at least two rungs with replicas, got ${particles.length} and ${replicas.length}`);
  }
  replicas.forEach((values, k) => {
    if (values.length === 0) throw new RangeError(`fitLogLogSlope: no replicas at N = ${particles[k]}`);
    values.forEach((v) => {
      if (!(v > 0)) throw new RangeError(`fitLogLogSlope: a metric value ${v} at N = ${particles[k]} is not positive; a log–log fit needs positive values`);
    });
  });

  const x = particles.map(Math.log);
  const stats = replicas.map(meanAndStandardError);
  const { slope, intercept } = leastSquaresLine(
    x,
    stats.map((s) => Math.log(s.mean)),
  );

  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  let variance = 0;
  for (let k = 0; k < x.length; k++) variance += ((x[k] - mx) / sxx) ** 2 * (stats[k].standardError / stats[k].mean) ** 2;

  const rng = new Xoshiro128StarStar(seed);
  const slopes = new Float64Array(samples);
  const logMeans = new Array<number>(x.length);
  for (let b = 0; b < samples; b++) {
    for (let k = 0; k < x.length; k++) {
      const values = replicas[k];
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[uniformInt(rng, values.length)];
      logMeans[k] = Math.log(total / values.length);
    }
    slopes[b] = leastSquaresLine(x, logMeans).slope;
  }
  slopes.sort();
  const quantile = (p: number) => slopes[Math.min(samples - 1, Math.max(0, Math.round(p * (samples - 1))))];

  return {
    slope,
    intercept,
    standardError: Math.sqrt(variance),
    confidenceInterval: [quantile(0.025), quantile(0.975)],
    bootstrapSamples: samples,
  };
}

/**
 * Derives a seed in [0, 2^53 − 1] from a base seed and integer parts (such
 * as N, the replica index and a stream tag) by chained SplitMix64 mixing.
 * Distinct parts give unrelated seeds, and the result depends on nothing else.
 */
export function deriveSeed(base: number, ...parts: number[]): number {
  let state = splitMix64(BigInt(base), 1)[0];
  for (const part of parts) {
    if (!Number.isSafeInteger(part) || part < 0) throw new RangeError(`deriveSeed: part ${part} must be a non-negative safe integer`);
    state = splitMix64(state ^ BigInt(part), 1)[0];
  }
  return Number(state >> 11n);
}
