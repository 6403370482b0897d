/** Goodness-of-fit helpers for the random tests. */

import { erf } from 'mathjs';

/** Standard normal CDF Φ(x), from the mathjs error function. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/**
 * Upper tail P(X > x) of the standard normal. Computing 1 − erf loses
 * relative accuracy as x grows: the error is 4e-11 at x = 5, against
 * P(X > 5) = 2.866515718791939e-7.
 */
export function normalUpperTail(x: number): number {
  return 0.5 * (1 - erf(x / Math.SQRT2));
}

/** Kolmogorov–Smirnov statistic sup |F_n − F| of a sample against a continuous CDF. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/**
 * Critical value of the KS statistic at level α for n samples, from the
 * asymptotic Kolmogorov law: √(−ln(α/2)/2)/√n, which is 1.9495/√n at
 * α = 0.001. The exact finite-n critical value is slightly smaller, so the
 * test rejects a correct sampler slightly less often than α.
 */
export function ksCriticalValue(n: number, alpha = 0.001): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);
}

/**
 * Pearson's statistic Σ (O_i − E_i)²/E_i over the categories with positive
 * probability, with E_i = n·p_i and p the weights normalised to sum 1.
 */
export function chiSquareStatistic(counts: ArrayLike<number>, weights: ArrayLike<number>): number {
  let n = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    n += counts[i];
    total += weights[i];
  }
  let statistic = 0;
  for (let i = 0; i < counts.length; i++) {
    if (weights[i] === 0) continue;
    const expected = (n * weights[i]) / total;
    statistic += (counts[i] - expected) ** 2 / expected;
  }
  return statistic;
}

/** Sample mean, variance, skewness and excess kurtosis (biased central-moment estimators). */
export function sampleMoments(samples: ArrayLike<number>): {
  mean: number;
  variance: number;
  skewness: number;
  excessKurtosis: number;
} {
  const n = samples.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = samples[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: m2, skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3 };
}

/**
 * 0.999 quantiles of the chi-square law, keyed by degrees of freedom:
 * critical values for a test at level 0.001. Computed by bisection on the
 * regularized lower incomplete gamma function P(df/2, x/2).
 */
export const CHI_SQUARE_CRITICAL_0_001: Readonly<Record<number, number>> = Object.freeze({
  3: 16.266,
  7: 24.322,
  9: 27.877,
  49: 85.351,
  255: 330.52,
});
