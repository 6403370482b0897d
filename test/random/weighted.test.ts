import { describe, expect, it } from 'vitest';
import {
  AliasTable,
  Xoshiro128StarStar,
  boltzmannWeights,
  cumulativeWeights,
  exponential,
  sampleCumulative,
} from '../../src/random/index.js';
import { CHI_SQUARE_CRITICAL_0_001, chiSquareStatistic } from './statistics.js';

/** Ten weights, two of them zero: 8 categories with positive weight. */
const WEIGHTS = [1, 2, 3, 4, 0, 5, 0, 6, 7, 8];
const DRAWS = 1_000_000;

function aliasCounts(table: AliasTable, seed: number, draws = DRAWS): Float64Array {
  const rng = new Xoshiro128StarStar(seed);
  const counts = new Float64Array(table.size);
  for (let k = 0; k < draws; k++) counts[table.sample(rng)]++;
  return counts;
}

describe('AliasTable', () => {
  it('matches the weights by a chi-square test', () => {
    const counts = aliasCounts(new AliasTable(WEIGHTS), 201);
    // 8 positive weights: 7 degrees of freedom, critical value 24.322 at level 0.001.
    expect(chiSquareStatistic(counts, WEIGHTS)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[7]);
  });

  it('never samples a zero weight', () => {
    const counts = aliasCounts(new AliasTable(WEIGHTS), 202);
    expect(counts[4]).toBe(0);
    expect(counts[6]).toBe(0);
  });

  it('always samples a single non-zero weight', () => {
    const counts = aliasCounts(new AliasTable([0, 0, 3.5, 0, 0]), 203, 100_000);
    expect(Array.from(counts)).toEqual([0, 0, 100_000, 0, 0]);
  });

  it('samples one outcome of one weight', () => {
    const table = new AliasTable([2]);
    const rng = new Xoshiro128StarStar(204);
    for (let k = 0; k < 100; k++) expect(table.sample(rng)).toBe(0);
  });

  it('matches 50 random weights by a chi-square test', () => {
    const rng = new Xoshiro128StarStar(205);
    const weights = Array.from({ length: 50 }, () => exponential(rng));
    const counts = aliasCounts(new AliasTable(weights), 206);
    // 49 degrees of freedom: critical value 85.351 at level 0.001.
    expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[49]);
  });

  it('handles weights spanning 600 orders of magnitude', () => {
    // Without scaling by the maximum, the sum would overflow to Infinity.
    const counts = aliasCounts(new AliasTable([1e300, 1e-300, 3e300, 0]), 207, 100_000);
    expect(counts[1] + counts[3]).toBe(0);
    // 2 categories with non-negligible weight: 1 degree of freedom, critical value 10.828.
    expect(chiSquareStatistic([counts[0], counts[2]], [1, 3])).toBeLessThan(10.828);
  });

  it('rebuild reuses buffers when the weights fit', () => {
    const table = new AliasTable(WEIGHTS);
    // Reads the private buffers to check that no new ones were allocated.
    const buffers = table as unknown as { threshold: Float64Array; alias: Int32Array; worklist: Int32Array };
    const before = [buffers.threshold, buffers.alias, buffers.worklist];
    expect(table.rebuild([4, 3, 2, 1])).toBe(table);
    expect(table.size).toBe(4);
    expect(buffers.threshold).toBe(before[0]);
    expect(buffers.alias).toBe(before[1]);
    expect(buffers.worklist).toBe(before[2]);
  });

  it('rebuild shrinks to fewer outcomes', () => {
    const table = new AliasTable(WEIGHTS);
    table.rebuild([4, 3, 2, 1]);
    const counts = aliasCounts(table, 208);
    expect(counts).toHaveLength(4);
    // 3 degrees of freedom: critical value 16.266 at level 0.001.
    expect(chiSquareStatistic(counts, [4, 3, 2, 1])).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[3]);
  });

  it('rebuild grows to more outcomes', () => {
    const table = new AliasTable([1, 1]);
    table.rebuild(WEIGHTS);
    expect(table.size).toBe(WEIGHTS.length);
    const counts = aliasCounts(table, 209);
    expect(chiSquareStatistic(counts, WEIGHTS)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[7]);
  });

  it('rejects negative and non-finite weights by index', () => {
    expect(() => new AliasTable([1, -0.5, 2])).toThrow(/weights\[1\] = -0.5; every weight must be finite and ≥ 0/);
    expect(() => new AliasTable([1, 2, Number.NaN])).toThrow(/weights\[2\] = NaN/);
    expect(() => new AliasTable([Infinity, 1])).toThrow(/weights\[0\] = Infinity/);
  });

  it('rejects empty and all-zero weights', () => {
    expect(() => new AliasTable([])).toThrow(/weights is empty/);
    expect(() => new AliasTable([0, 0, 0])).toThrow(/all 3 weights are zero/);
  });

  it('keeps the previous table after a failed rebuild', () => {
    const table = new AliasTable([4, 3, 2, 1]);
    expect(() => table.rebuild([1, Number.NaN, 1, 1, 1, 1])).toThrow(/weights\[1\] = NaN/);
    expect(table.size).toBe(4);
    const counts = aliasCounts(table, 210);
    expect(chiSquareStatistic(counts, [4, 3, 2, 1])).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[3]);
  });
});

describe('boltzmannWeights', () => {
  it('computes exp(−α (v − min v))', () => {
    const weights = boltzmannWeights([3, 1, 2], 2);
    expect(weights[0]).toBeCloseTo(Math.exp(-4), 15);
    expect(weights[1]).toBe(1);
    expect(weights[2]).toBeCloseTo(Math.exp(-2), 15);
  });

  it('shifts large values so the best weight is 1', () => {
    // Unshifted, exp(−1024·1e6) would underflow to 0 for every agent. The
    // offsets 1 and 2^-10 are exact in binary, so the exponents are exactly
    // −1024 and −1.
    const weights = boltzmannWeights([1e6 + 1, 1e6, 1e6 + 2 ** -10], 1024);
    expect(weights[1]).toBe(1);
    expect(weights[0]).toBe(0);
    expect(weights[2]).toBe(Math.exp(-1));
  });

  it('gives equal weights for α = 0', () => {
    const weights = boltzmannWeights([-1e308, 1e308, 0], 0);
    expect(Array.from(weights)).toEqual([1, 1, 1]);
  });

  it('writes into and returns out', () => {
    const out = new Float64Array(2);
    expect(boltzmannWeights([0, 1], 1, out)).toBe(out);
    expect(out[0]).toBe(1);
  });

  it('rejects non-finite values by index', () => {
    expect(() => boltzmannWeights([0, 1, Number.NaN], 1)).toThrow(/values\[2\] = NaN; every value must be finite/);
    expect(() => boltzmannWeights([-Infinity, 1], 1)).toThrow(/values\[0\] = -Infinity/);
  });

  it('rejects invalid alpha and out length', () => {
    expect(() => boltzmannWeights([0, 1], -1)).toThrow(/alpha = -1; expected a finite selection strength ≥ 0/);
    expect(() => boltzmannWeights([0, 1], Number.NaN)).toThrow(/alpha = NaN/);
    expect(() => boltzmannWeights([0, 1], 1, new Float64Array(3))).toThrow(/out has length 3 but values has length 2/);
  });
});

describe('sampleCumulative', () => {
  const cumsum = cumulativeWeights(WEIGHTS);

  it('cumulativeWeights returns running sums', () => {
    expect(Array.from(cumsum)).toEqual([1, 3, 6, 10, 10, 15, 15, 21, 28, 36]);
  });

  it('matches the weights by a chi-square test', () => {
    const rng = new Xoshiro128StarStar(211);
    const counts = new Float64Array(WEIGHTS.length);
    for (let k = 0; k < DRAWS; k++) counts[sampleCumulative(cumsum, rng.nextFloat64())]++;
    expect(counts[4]).toBe(0);
    expect(counts[6]).toBe(0);
    // 7 degrees of freedom: critical value 24.322 at level 0.001.
    expect(chiSquareStatistic(counts, WEIGHTS)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[7]);
  });

  it('maps u to the interval that contains u·total', () => {
    // Exact cases: u·36 at and around the interval ends.
    expect(sampleCumulative(cumsum, 0)).toBe(0);
    expect(sampleCumulative(cumsum, 1 / 36)).toBe(1);
    expect(sampleCumulative(cumsum, 9.999 / 36)).toBe(3);
    expect(sampleCumulative(cumsum, 10 / 36)).toBe(5);
    expect(sampleCumulative(cumsum, 15 / 36)).toBe(7);
  });

  it('skips zero weights at both ends', () => {
    const padded = cumulativeWeights([0, 0, 2, 3, 0, 0]);
    expect(sampleCumulative(padded, 0)).toBe(2);
    expect(sampleCumulative(padded, 1 - 2 ** -53)).toBe(3);
  });

  it('rejects invalid u and totals', () => {
    expect(() => sampleCumulative(cumsum, 1)).toThrow(/u = 1; expected a uniform variate in \[0, 1\)/);
    expect(() => sampleCumulative(cumsum, -0.1)).toThrow(/u = -0.1/);
    expect(() => sampleCumulative(cumsum, Number.NaN)).toThrow(/u = NaN/);
    expect(() => sampleCumulative([], 0.5)).toThrow(/cumsum is empty/);
    expect(() => sampleCumulative([0, 0], 0.5)).toThrow(/last entry of cumsum is 0/);
  });

  it('cumulativeWeights rejects invalid weights', () => {
    expect(() => cumulativeWeights([1, -1])).toThrow(/cumulativeWeights: weights\[1\] = -1/);
    expect(() => cumulativeWeights([0, 0])).toThrow(/all 2 weights are zero/);
    expect(() => cumulativeWeights([1e308, 1e308])).toThrow(/sum of the weights overflows/);
    expect(() => cumulativeWeights([1, 2], new Float64Array(3))).toThrow(/out has length 3/);
  });
});
