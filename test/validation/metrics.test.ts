import { describe, expect, it } from 'vitest';
import { Box } from '../../src/model/domain.js';
import { Density } from '../../src/model/density.js';
import { CellGrid } from '../../src/model/grid.js';
import { Xoshiro128StarStar } from '../../src/random/index.js';
import {
  absoluteQuadraticIntegral,
  densityCdf,
  densityDistances,
  densityMeanFitness,
  iidW1Constant,
  ksBetweenCdfs,
  ksSamplesToCdf,
  l1Distance,
  projectedCdf,
  restrictDensity,
  sampleDistances,
  sampleMeanFitness,
  sampleMoments,
  sliceDirections,
  w1BetweenDensities,
  w1SamplesToCdf,
  w1SamplesToDensity,
} from '../../validation/metrics.js';
import { functionFitness } from '../support/problems.js';

// Every expected value below is worked out by hand in the comment beside it.
// Tolerances are 1e-12 absolute: the computations are exact up to round-off.
const EXACT = 12;

const unitLine = (cells: number) => new CellGrid(new Box([0], [1]), cells);
const unitSquare = (n0: number, n1: number) => new CellGrid(new Box([0, 0], [1, 1]), [n0, n1]);
const uniform = (grid: CellGrid) => new Density(grid, new Float64Array(grid.size).fill(1));

describe('absoluteQuadraticIntegral', () => {
  it('integrates |t − 1| over [0, 2] to 1', () => {
    expect(absoluteQuadraticIntegral(2, -1, 1, 0)).toBeCloseTo(1, EXACT);
  });

  it('integrates |t² − 1| over [0, 3] to 22/3', () => {
    // ∫₀¹ (1 − t²) + ∫₁³ (t² − 1) = 2/3 + 20/3.
    expect(absoluteQuadraticIntegral(3, -1, 0, 2)).toBeCloseTo(22 / 3, EXACT);
  });

  it('integrates |(t − 1)(t − 2)| over [0, 3] to 11/6', () => {
    // t² − 3t + 2: ∫₀¹ = 5/6, ∫₁² = 1/6 (negative part), ∫₂³ = 5/6.
    expect(absoluteQuadraticIntegral(3, 2, -3, 2)).toBeCloseTo(11 / 6, EXACT);
  });
});

describe('W1 between samples and a 1D density', () => {
  const density = uniform(unitLine(4));

  it('is 0.3125 for one sample at 0.25 against U[0, 1]', () => {
    // ∫₀^¼ x dx + ∫_¼¹ (1 − x) dx = 1/32 + 9/32.
    expect(w1SamplesToDensity(Float64Array.of(0.25), density)).toBeCloseTo(0.3125, EXACT);
  });

  it('is 0.125 for samples at 0.25 and 0.75', () => {
    // 1/32 + 2·(¼)²/2 + 1/32.
    expect(w1SamplesToDensity(Float64Array.of(0.25, 0.75), density)).toBeCloseTo(0.125, EXACT);
  });

  it('is 1 for a sample at 1.5, outside the grid', () => {
    // E|X − 1.5| with X ~ U[0, 1].
    expect(w1SamplesToDensity(Float64Array.of(1.5), density)).toBeCloseTo(1, EXACT);
  });

  it('normalises the density by its mass', () => {
    const doubled = new Density(unitLine(4), new Float64Array(4).fill(2));
    expect(w1SamplesToDensity(Float64Array.of(0.25), doubled)).toBeCloseTo(0.3125, EXACT);
  });

  it('handles repeated samples', () => {
    // All mass at 0.5: E|X − 0.5| = 1/4.
    expect(w1SamplesToDensity(Float64Array.of(0.5, 0.5, 0.5), density)).toBeCloseTo(0.25, EXACT);
  });

  it('rejects unsorted samples', () => {
    expect(() => w1SamplesToDensity(Float64Array.of(0.5, 0.1), density)).toThrow(/not in increasing order/);
  });
});

describe('W1 between two densities', () => {
  it('is 0.25 between U[0, 1] and U[0, ½]', () => {
    // ∫₀^½ (2x − x) dx + ∫_½¹ (1 − x) dx = 1/8 + 1/8.
    const grid = unitLine(4);
    expect(w1BetweenDensities(uniform(grid), new Density(grid, Float64Array.of(2, 2, 0, 0)))).toBeCloseTo(0.25, EXACT);
  });

  it('is 0 between one uniform density on two different grids', () => {
    expect(w1BetweenDensities(uniform(unitLine(2)), uniform(unitLine(6)))).toBeCloseTo(0, EXACT);
  });

  it('is the shift between a cell and its neighbour', () => {
    const grid = unitLine(4);
    const a = new Density(grid, Float64Array.of(4, 0, 0, 0));
    const b = new Density(grid, Float64Array.of(0, 4, 0, 0));
    expect(w1BetweenDensities(a, b)).toBeCloseTo(0.25, EXACT);
  });
});

describe('Kolmogorov–Smirnov distance', () => {
  const cdf = densityCdf(uniform(unitLine(4)));

  it('is 0.75 for one sample at 0.25 against U[0, 1]', () => {
    // Just after 0.25: F_N = 1, G = 0.25.
    expect(ksSamplesToCdf(Float64Array.of(0.25), cdf)).toBeCloseTo(0.75, EXACT);
  });

  it('is 0.25 for samples at 0.25 and 0.75', () => {
    expect(ksSamplesToCdf(Float64Array.of(0.25, 0.75), cdf)).toBeCloseTo(0.25, EXACT);
  });

  it('is 0.5 between U[0, 1] and U[0, ½]', () => {
    // At x = ½: G_b = 1, G_a = ½.
    const grid = unitLine(4);
    const other = densityCdf(new Density(grid, Float64Array.of(2, 2, 0, 0)));
    expect(ksBetweenCdfs(cdf, other)).toBeCloseTo(0.5, EXACT);
  });

  it('finds the interior extremum of a quadratic difference', () => {
    // Projection of U[0,1]² on (1, 1): G(s) = s²/2 on [0, 1]. Against U[0, 2]
    // (G = s/2) the difference s/2 − s²/2 peaks at s = ½ with value 1/8.
    const triangle = projectedCdf(uniform(unitSquare(2, 2)), { x: 1, y: 1 });
    const flat = densityCdf(uniform(new CellGrid(new Box([0], [2]), 2)));
    expect(ksBetweenCdfs(triangle, flat)).toBeCloseTo(0.125, EXACT);
  });
});

describe('projected CDF of a 2D density', () => {
  it('gives E|S − 1| = 1/3 for S = λ₁ + λ₂ on the uniform square, on any grid', () => {
    // S is triangular on [0, 2]: 2∫₀¹ (1 − s)·s ds = 1/3.
    for (const [n0, n1] of [
      [2, 2],
      [3, 5],
    ]) {
      const cdf = projectedCdf(uniform(unitSquare(n0, n1)), { x: 1, y: 1 });
      expect(w1SamplesToCdf(Float64Array.of(1), cdf), `${n0}×${n1}`).toBeCloseTo(1 / 3, EXACT);
    }
  });

  it('projects one cell to a triangle', () => {
    // Mass on [0, ½]²: S is triangular on [0, 1] and E|S − ½| = 1/6.
    const density = new Density(unitSquare(2, 2), Float64Array.of(4, 0, 0, 0));
    expect(w1SamplesToCdf(Float64Array.of(0.5), projectedCdf(density, { x: 1, y: 1 }))).toBeCloseTo(1 / 6, EXACT);
  });

  it('handles a direction with a negative component', () => {
    // λ₁ − λ₂ is triangular on [−1, 1]: E|S| = 1/3.
    const cdf = projectedCdf(uniform(unitSquare(4, 4)), { x: 1, y: -1 });
    expect(w1SamplesToCdf(Float64Array.of(0), cdf)).toBeCloseTo(1 / 3, EXACT);
  });

  it('reflects the marginal for a negative axis direction', () => {
    // −λ₂ is uniform on [−1, 0]: E|S + ½| = ¼.
    const cdf = projectedCdf(uniform(unitSquare(4, 4)), { x: 0, y: -1 });
    expect(w1SamplesToCdf(Float64Array.of(-0.5), cdf)).toBeCloseTo(0.25, EXACT);
  });
});

describe('distances in 2D', () => {
  it('gives the marginal W1 of each axis', () => {
    const sample = { dim: 2, values: Float64Array.of(0.25, 0.25, 0.75, 0.75) };
    const result = sampleDistances(sample, uniform(unitSquare(4, 4)));
    expect(result.marginalW1[0]).toBeCloseTo(0.125, EXACT);
    expect(result.marginalW1[1]).toBeCloseTo(0.125, EXACT);
    expect(result.slicedW1).toHaveLength(8);
  });

  it('gives the sliced W1 of a translation as the mean of |u·shift|', () => {
    // b is a moved by (½, ½), so along u the projections differ by a shift.
    const grid = unitSquare(2, 2);
    const a = new Density(grid, Float64Array.of(4, 0, 0, 0));
    const b = new Density(grid, Float64Array.of(0, 0, 0, 4));
    const directions = sliceDirections(8);
    const expected = directions.reduce((s, u) => s + 0.5 * Math.abs(u.x + u.y), 0) / directions.length;
    const result = densityDistances(a, b);
    expect(result.w1).toBeCloseTo(expected, EXACT);
    expect(result.marginalW1[0]).toBeCloseTo(0.5, EXACT);
  });

  it('includes both axes among eight directions', () => {
    const directions = sliceDirections(8);
    expect(directions[0]).toMatchObject({ x: 1, y: 0 });
    expect(directions[4]).toMatchObject({ x: 0, y: 1 });
  });
});

describe('L1, restriction and moments', () => {
  it('L1 between U[0, 1] and U[0, ½] is 1', () => {
    const grid = unitLine(4);
    expect(l1Distance(uniform(grid), new Density(grid, Float64Array.of(2, 2, 0, 0)))).toBeCloseTo(1, EXACT);
  });

  it('restricts 1D cell averages by pairs', () => {
    const fine = new Density(unitLine(4), Float64Array.of(1, 3, 2, 2));
    expect(Array.from(restrictDensity(fine, unitLine(2)).values)).toEqual([2, 2]);
  });

  it('restricts 2D cell averages by blocks', () => {
    // Rows of the 4×4 grid; each 2×2 block averages to one coarse cell.
    const fine = new Density(unitSquare(4, 4), Float64Array.of(1, 3, 0, 0, 2, 2, 4, 4, 5, 5, 1, 1, 5, 5, 1, 1));
    expect(Array.from(restrictDensity(fine, unitSquare(2, 2)).values)).toEqual([2, 2, 5, 1]);
  });

  it('rejects a grid that is not an integer refinement', () => {
    expect(() => restrictDensity(uniform(unitLine(3)), unitLine(2))).toThrow(/not an integer refinement/);
  });

  it('sample moments of {0, 1} are ½ and ¼', () => {
    const moments = sampleMoments({ dim: 1, values: Float64Array.of(0, 1) });
    expect(moments.mean[0]).toBe(0.5);
    expect(moments.covariance[0][0]).toBe(0.25);
  });

  it('⟨F⟩ of U[0, 1] is exact for F = λ²', () => {
    const square = functionFitness(1, (p) => p[0] * p[0]);
    expect(densityMeanFitness(uniform(unitLine(4)), square)).toBeCloseTo(1 / 3, EXACT);
    expect(sampleMeanFitness({ dim: 1, values: Float64Array.of(0, 1) }, square)).toBe(0.5);
  });
});

describe('i.i.d. W1 constant', () => {
  it('is √(2π)/8 for U[0, 1]', () => {
    // √(2/π)·∫₀¹ √(x(1 − x)) dx = √(2/π)·π/8.
    expect(iidW1Constant(uniform(unitLine(8)))).toBeCloseTo(Math.sqrt(2 * Math.PI) / 8, EXACT);
  });

  it('matches the mean W1·√N of seeded uniform draws within 4%', () => {
    // 400 replicas of N = 1000: the relative standard error of the mean is
    // about 0.5/√400 = 2.5%, and the finite-N bias is below 1%.
    const rng = new Xoshiro128StarStar(11);
    const density = uniform(unitLine(8));
    const count = 1000;
    let total = 0;
    const replicas = 400;
    for (let r = 0; r < replicas; r++) {
      const draws = new Float64Array(count);
      for (let i = 0; i < count; i++) draws[i] = rng.nextFloat64();
      total += w1SamplesToDensity(draws.sort(), density) * Math.sqrt(count);
    }
    const measured = total / replicas;
    expect(Math.abs(measured / iidW1Constant(density) - 1)).toBeLessThan(0.04);
  });
});
