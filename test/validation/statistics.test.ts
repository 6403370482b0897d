import { describe, expect, it } from 'vitest';
import { particleLadder, parseValidationConfig } from '../../validation/settings.js';
import { deriveSeed, fitLogLogSlope, leastSquaresLine, meanAndStandardError } from '../../validation/statistics.js';
import { topSlope } from '../../validation/n-study.js';

describe('replica statistics', () => {
  it('mean and standard error of {1, 2, 3}', () => {
    // Sample variance 1, so SE = √(1/3).
    const { mean, standardError } = meanAndStandardError([1, 2, 3]);
    expect(mean).toBe(2);
    expect(standardError).toBeCloseTo(Math.sqrt(1 / 3), 14);
  });

  it('least squares recovers an exact line', () => {
    const { slope, intercept } = leastSquaresLine([0, 1, 2], [1, 3, 5]);
    expect(slope).toBeCloseTo(2, 14);
    expect(intercept).toBeCloseTo(1, 14);
  });

  it('log–log slope of exact N^(−1/2) data is −1/2 with a point interval', () => {
    const ladder = [100, 1000, 10000];
    const replicas = ladder.map((n) => [1 / Math.sqrt(n), 1 / Math.sqrt(n)]);
    const fit = fitLogLogSlope(ladder, replicas, 3, 200);
    expect(fit.slope).toBeCloseTo(-0.5, 12);
    expect(fit.standardError).toBe(0);
    expect(fit.confidenceInterval[0]).toBeCloseTo(-0.5, 12);
    expect(fit.confidenceInterval[1]).toBeCloseTo(-0.5, 12);
  });

  it('bootstrap interval contains the slope of noisy data', () => {
    // Replicas scattered by ±20% around N^(−1/2).
    const ladder = [100, 316, 1000, 3162];
    const replicas = ladder.map((n) => [0.8, 1, 1.2, 0.9, 1.1].map((f) => f / Math.sqrt(n)));
    replicas[3] = replicas[3].map((v) => v * 1.1);
    const fit = fitLogLogSlope(ladder, replicas, 5);
    expect(fit.confidenceInterval[0]).toBeLessThan(fit.slope);
    expect(fit.confidenceInterval[1]).toBeGreaterThan(fit.slope);
    expect(fit.standardError).toBeGreaterThan(0);
  });

  it('rejects a non-positive metric', () => {
    expect(() => fitLogLogSlope([10, 100], [[1], [0]], 1)).toThrow(/not positive/);
  });

  it('top slope spans the top decade', () => {
    const ladder = [100, 316, 1000, 3162, 10000];
    const values = ladder.map((n) => [2 / Math.sqrt(n)]);
    const top = topSlope(ladder, values);
    expect(top.fromParticles).toBe(1000);
    expect(top.toParticles).toBe(10000);
    expect(top.slope).toBeCloseTo(-0.5, 12);
  });

  it('derived seeds are reproducible and distinct', () => {
    expect(deriveSeed(1, 0, 100, 3)).toBe(deriveSeed(1, 0, 100, 3));
    const seeds = new Set([deriveSeed(1, 0, 100, 3), deriveSeed(1, 0, 100, 4), deriveSeed(1, 1, 100, 3), deriveSeed(2, 0, 100, 3)]);
    expect(seeds.size).toBe(4);
    for (const seed of seeds) expect(Number.isSafeInteger(seed)).toBe(true);
  });
});

describe('validation settings', () => {
  const base = {
    name: 'settings-test',
    form: 'SM',
    domain: { kind: 'box', lower: [0], upper: [1] },
    grid: { cells: 32 },
    fitness: { kind: 'expression', expression: 'exp(-(lambda - 0.3)^2 / 0.02)' },
    mutation: { kind: 'gaussian', std: 0.05 },
    gamma: 1,
    initial: { kind: 'uniform' },
    times: [0.5],
    seed: 7,
  };

  it('ladder has two rungs per decade from 1e2 to 1e5', () => {
    expect(particleLadder({ minParticles: 100, maxParticles: 100_000, rungsPerDecade: 2 })).toEqual([100, 316, 1000, 3162, 10000, 31623, 100000]);
  });

  it('defaults come from the config and the full study', () => {
    const { settings } = parseValidationConfig(base, 'test');
    expect(settings.seed).toBe(7);
    expect(settings.replicas).toBe(16);
    expect(settings.maxParticles).toBe(100_000);
  });

  it('quick and command-line overrides apply in order', () => {
    const quick = parseValidationConfig({ ...base, validation: { replicas: 40 } }, 'test', { quick: true });
    expect(quick.settings.replicas).toBe(12);
    expect(quick.settings.maxParticles).toBe(10_000);
    const given = parseValidationConfig(base, 'test', { quick: true, replicas: 5, maxParticles: 300 });
    expect(given.settings.replicas).toBe(5);
    expect(given.settings.maxParticles).toBe(300);
  });

  it('thins many output times to first, middle and last', () => {
    const many = parseValidationConfig({ ...base, times: [1, 2, 3, 4, 5, 6, 7] }, 'test');
    expect(many.config.times).toEqual([1, 4, 7]);
    const given = parseValidationConfig({ ...base, times: [1, 2, 3, 4, 5, 6, 7], validation: { times: [2, 5] } }, 'test');
    expect(given.config.times).toEqual([2, 5]);
  });

  it('rejects decreasing validation times', () => {
    expect(() => parseValidationConfig({ ...base, validation: { times: [2, 1] } }, 'test')).toThrow(/validation\.times\[1\]/);
  });

  it('rejects an unknown validation key with the allowed keys', () => {
    expect(() => parseValidationConfig({ ...base, validation: { replica: 3 } }, 'test')).toThrow(/validation\.replica: unknown key \(did you mean "replicas"\?\)/);
  });

  it('rejects the RM form, which has no particle system', () => {
    const rm = { ...base, form: 'RM', fitness: undefined, mutation: undefined, gamma: undefined, potential: { kind: 'expression', expression: '-lambda^2' }, beta: 1, nu: 0.01 };
    expect(() => parseValidationConfig(JSON.parse(JSON.stringify(rm)), 'test')).toThrow(/no particle system/);
  });

  it('rejects a ladder whose maximum is below its minimum', () => {
    expect(() => parseValidationConfig(base, 'test', { maxParticles: 50 })).toThrow(/below minParticles/);
  });
});
