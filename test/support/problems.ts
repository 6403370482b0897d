import { Box, type Domain } from '../../src/model/domain.js';
import { Density } from '../../src/model/density.js';
import type { Fitness } from '../../src/model/fitness.js';
import { CellGrid } from '../../src/model/grid.js';

/** A fitness given by a plain function, for tests that must not depend on the expression parser. */
export function functionFitness(dim: number, f: (point: readonly number[]) => number): Fitness {
  return {
    kind: 'expression',
    dim,
    evaluate: f,
    onGrid: (grid) => grid.sampleAtCentres(f),
    describe: () => 'test fitness',
  };
}

/** exp(−|λ − centre|²/(2s²)), unnormalised Gaussian fitness. */
export function gaussianFitness(centre: readonly number[], s: number): Fitness {
  return functionFitness(centre.length, (p) => {
    let r2 = 0;
    for (let k = 0; k < centre.length; k++) r2 += (p[k] - centre[k]) ** 2;
    return Math.exp(-r2 / (2 * s * s));
  });
}

/** Cell averages of the normal density N(mean, variance) in 1D (8-point Gauss–Legendre per cell). */
export function normalCellAverages(grid: CellGrid, mean: number, variance: number): Density {
  const c = 1 / Math.sqrt(2 * Math.PI * variance);
  return Density.fromFunction(grid, (p) => c * Math.exp(-((p[0] - mean) ** 2) / (2 * variance)), 8);
}

export function lineGrid(lower: number, upper: number, cells: number, domain?: Domain): CellGrid {
  return new CellGrid(domain ?? new Box([lower], [upper]), cells);
}

/** L1 distance between two cell-average arrays on the same grid. */
export function l1Distance(grid: CellGrid, a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s * grid.cellVolume;
}
