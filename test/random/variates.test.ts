import { describe, expect, it } from 'vitest';
import { Xoshiro128StarStar, bernoulli, exponential, uniformInt } from '../../src/random/index.js';
import type { RandomSource } from '../../src/random/index.js';
import { CHI_SQUARE_CRITICAL_0_001, chiSquareStatistic, ksCriticalValue, ksStatistic } from './statistics.js';

/** Returns a source that replays fixed 32-bit outputs, to drive the rejection path. */
function replay(outputs: number[]): RandomSource {
  let k = 0;
  return {
    nextUint32: () => outputs[k++],
    nextFloat64: () => {
      throw new Error('replay: nextFloat64 is not scripted');
    },
  };
}

describe('exponential', () => {
  it('passes a KS test for rate 2.5', () => {
    const n = 100_000;
    const rate = 2.5;
    const rng = new Xoshiro128StarStar(301);
    const samples = new Float64Array(n);
    for (let i = 0; i < n; i++) samples[i] = exponential(rng, rate);
    // Level 0.001: critical value 1.9495/√n = 0.00616.
    expect(ksStatistic(samples, (x) => 1 - Math.exp(-rate * x))).toBeLessThan(ksCriticalValue(n));
  });

  it('has mean 1 by default', () => {
    const n = 1_000_000;
    const rng = new Xoshiro128StarStar(302);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += exponential(rng);
    // 5 standard errors of the mean: 5/√n.
    expect(Math.abs(sum / n - 1)).toBeLessThan(5 / Math.sqrt(n));
  });

  it('rejects invalid rates', () => {
    const rng = new Xoshiro128StarStar(303);
    for (const rate of [0, -1, Number.NaN, Infinity]) {
      expect(() => exponential(rng, rate)).toThrow(/expected a finite rate > 0/);
    }
  });
});

describe('bernoulli', () => {
  it('succeeds with frequency p', () => {
    const n = 1_000_000;
    const p = 0.3;
    const rng = new Xoshiro128StarStar(304);
    let successes = 0;
    for (let i = 0; i < n; i++) if (bernoulli(rng, p)) successes++;
    // 5 binomial standard deviations: 5·√(n p (1 − p)) = 2291.
    expect(Math.abs(successes - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
  });

  it('is certain at p = 0 and p = 1', () => {
    const rng = new Xoshiro128StarStar(305);
    let successesAtZero = 0;
    let failuresAtOne = 0;
    for (let i = 0; i < 100_000; i++) {
      if (bernoulli(rng, 0)) successesAtZero++;
      if (!bernoulli(rng, 1)) failuresAtOne++;
    }
    expect(successesAtZero).toBe(0);
    expect(failuresAtOne).toBe(0);
  });

  it('rejects p outside [0, 1]', () => {
    const rng = new Xoshiro128StarStar(306);
    for (const p of [-0.1, 1.1, Number.NaN]) {
      expect(() => bernoulli(rng, p)).toThrow(/expected a probability in \[0, 1\]/);
    }
  });
});

describe('uniformInt', () => {
  it('fills 10 values evenly', () => {
    const n = 1_000_000;
    const rng = new Xoshiro128StarStar(307);
    const counts = new Float64Array(10);
    for (let i = 0; i < n; i++) counts[uniformInt(rng, 10)]++;
    // 9 degrees of freedom: critical value 27.877 at level 0.001.
    expect(chiSquareStatistic(counts, new Float64Array(10).fill(1))).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[9]);
  });

  it('rejects draws above the last multiple of n', () => {
    // For n = 3, 2^32 = 3·1431655765 + 1, so only the draw 2^32 − 1 is rejected.
    expect(uniformInt(replay([0xffffffff, 7]), 3)).toBe(1);
    expect(uniformInt(replay([0xfffffffe]), 3)).toBe(0xfffffffe % 3);
  });

  it('covers the extremes n = 1 and n = 2^32', () => {
    const rng = new Xoshiro128StarStar(308);
    const copy = rng.clone();
    expect(uniformInt(rng, 1)).toBe(0);
    copy.nextUint32();
    expect(uniformInt(rng, 2 ** 32)).toBe(copy.nextUint32());
  });

  it('rejects invalid n', () => {
    const rng = new Xoshiro128StarStar(309);
    for (const n of [0, 2.5, 2 ** 32 + 1, Number.NaN]) {
      expect(() => uniformInt(rng, n)).toThrow(/expected an integer in \[1, 2\^32\]/);
    }
  });
});
