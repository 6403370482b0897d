import { Box } from '../src/model/domain.js';
import { Density } from '../src/model/density.js';
import type { Fitness } from '../src/model/fitness.js';
import { CellGrid } from '../src/model/grid.js';
import type { Problem } from '../src/model/problem.js';
import { finiteVolumeSolver } from '../solvers/finite-volume/index.js';

export interface BenchRow {
  name: string;
  size: string;
  /** Microseconds per step (per generation for maps). */
  microsecondsPerStep: number;
  steps: number;
}

function smoothFitness(dim: number): Fitness {
  const f = (p: readonly number[]) => Math.exp(-2 * p.reduce((s, x) => s + (x - 0.3) ** 2, 0));
  return { kind: 'expression', dim, evaluate: f, onGrid: (grid) => grid.sampleAtCentres(f), describe: () => 'bench' };
}

/** Builds a problem of each form on `cells` cells (1D) or cells × cells (2D). */
export function benchProblems(cells: number, dim: 1 | 2, steps: number): Problem[] {
  const domain = dim === 1 ? new Box([-1], [1]) : new Box([-1, -1], [1, 1]);
  const grid = new CellGrid(domain, cells);
  const initial = Density.fromFunction(grid, () => 1 / domain.volume(), 1);
  const fitness = smoothFitness(dim);
  const kernel = { kind: 'gaussian' as const, std: new Array<number>(dim).fill(0.1), boundary: 'reflect' as const };
  const common = { grid, initial, name: `bench-${dim}d-${cells}` };
  const potential: Fitness = {
    ...fitness,
    onGrid: (g) => fitness.onGrid(g).map(Math.log),
    evaluate: (p) => Math.log(fitness.evaluate(p)),
  };
  return [
    { ...common, form: 'SM', fitness, kernel, gamma: 1, times: [steps * 0.01] },
    { ...common, form: 'RM', potential, beta: 1, nu: 0.005, times: [steps * 0.01] },
    { ...common, form: 'G', fitness, kernel, times: [steps] },
    { ...common, form: 'T', fitness, kernel, q: 0.2, times: [steps] },
  ];
}

/** Times finite-volume steps of every form and default scheme; the caller prints. */
export function benchFiniteVolume(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const sizes: Array<[number, 1 | 2]> = quick
    ? [
        [256, 1],
        [1024, 1],
        [64, 2],
      ]
    : [
        [256, 1],
        [1024, 1],
        [4096, 1],
        [64, 2],
        [256, 2],
      ];
  for (const [cells, dim] of sizes) {
    // Large 2D grids take tens of milliseconds per step, so they get fewer steps.
    const large = dim === 2 && cells >= 256;
    const steps = quick || large ? 20 : 200;
    for (const problem of benchProblems(cells, dim, steps)) {
      const dt = problem.form === 'G' || problem.form === 'T' ? 1 : 0.01;
      // One warm-up run lets the JIT compile the hot loops before timing.
      finiteVolumeSolver.solve({ ...problem, times: [problem.times[0] / 10 || 1] }, { dt });
      const solution = finiteVolumeSolver.solve(problem, { dt });
      const steps = solution.stats.steps;
      rows.push({
        name: `finite-volume ${problem.form} ${solution.scheme}`,
        size: dim === 1 ? `n = ${cells}` : `${cells}×${cells}`,
        microsecondsPerStep: (solution.stats.wallSeconds * 1e6) / steps,
        steps,
      });
    }
  }
  return rows;
}
