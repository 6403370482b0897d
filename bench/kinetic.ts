/**
 * Time per step of the kinetic solver on (n_θ, n_λ) product grids. Each
 * step is two Fokker–Planck half steps and one selection step (n_θ FFT
 * convolutions of length 2n_λ per evaluation). The exact-flow row includes
 * the one-off O(n_λ·n_θ³) propagator build, spread over its steps.
 */
import { Box } from '../src/model/domain.js';
import { CellGrid } from '../src/model/grid.js';
import {
  gibbsProduct,
  kineticSolver,
  type FokkerPlanckIntegrator,
  type KineticProblem,
  type SelectionIntegrator,
} from '../solvers/kinetic/index.js';

export interface KineticBenchRow {
  name: string;
  size: string;
  microsecondsPerStep: number;
  steps: number;
}

/** Double-well kinetic problem on n_θ × n_λ cells, ρ₀ uniform at local equilibrium, run for `steps` steps of 0.01. */
function benchProblem(thetaCells: number, lambdaCells: number, steps: number): KineticProblem {
  const thetaGrid = new CellGrid(new Box([-2.5], [2.5]), thetaCells);
  const lambdaGrid = new CellGrid(new Box([-1], [1]), lambdaCells);
  const base = {
    name: `bench-kinetic-${thetaCells}x${lambdaCells}`,
    thetaGrid,
    lambdaGrid,
    loss: (theta: number, lambda: number) => (theta * theta - 1) ** 2 / 4 + 0.3 * lambda * theta,
    validation: (theta: number) => 0.5 * (theta - 0.8) ** 2,
    sigma: (lambda: number) => 0.4 + 0.1 * lambda,
    alpha: 2,
    gamma: 1,
    epsilon: 0.01,
    kernel: { kind: 'gaussian' as const, std: [0.1], boundary: 'reflect' as const },
    times: [steps * 0.01],
  };
  const uniform = new Float64Array(lambdaCells).fill(1 / lambdaGrid.domain.volume());
  return { ...base, initial: gibbsProduct(base, lambdaGrid, uniform) };
}

function timeRun(
  thetaCells: number,
  lambdaCells: number,
  steps: number,
  fokkerPlanck: FokkerPlanckIntegrator,
  selection: SelectionIntegrator,
): KineticBenchRow {
  const options = { dt: 0.01, fokkerPlanck, selection };
  // One short warm-up run lets the JIT compile the hot loops before timing.
  kineticSolver.solve(benchProblem(thetaCells, lambdaCells, Math.min(steps, 5)), options);
  const solution = kineticSolver.solve(benchProblem(thetaCells, lambdaCells, steps), options);
  return {
    name: `kinetic ${solution.scheme}`,
    size: `${thetaCells}×${lambdaCells}`,
    microsecondsPerStep: (solution.stats.wallSeconds * 1e6) / solution.stats.steps,
    steps: solution.stats.steps,
  };
}

/** Times kinetic steps on (64, 64), (128, 128) and (256, 256) cells; quick runs the first two. */
export function benchKinetic(quick: boolean): KineticBenchRow[] {
  const sizes = quick ? [64, 128] : [64, 128, 256];
  const rows: KineticBenchRow[] = [];
  for (const cells of sizes) {
    let steps = cells >= 256 ? 50 : 200;
    if (quick) steps = 20;
    rows.push(timeRun(cells, cells, steps, 'backward-euler', 'euler'));
    rows.push(timeRun(cells, cells, steps, 'backward-euler', 'ssp-rk3'));
  }
  if (!quick) rows.push(timeRun(64, 64, 200, 'exact', 'ssp-rk3'));
  return rows;
}
