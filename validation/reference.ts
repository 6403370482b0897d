/**
 * Mean-field references for the N-study:
 *
 * - the PDE solution by finite volume on a grid refined until the
 *   estimated reference error is below a target;
 * - the stepped mean field ρ ← e^{−γΔt}ρ + (1 − e^{−γΔt})·K⋆(Fρ)/⟨F⟩, the
 *   exact law of the SM particle scheme at step Δt, whose distance to the
 *   PDE is the time-step bias of the particles;
 * - i.i.d. draws from a density of cell averages, the baseline without the
 *   correlation that copying creates.
 */

import { Density } from '../src/model/density.js';
import { CellGrid } from '../src/model/grid.js';
import type { Logger } from '../src/model/logger.js';
import { silentLogger } from '../src/model/logger.js';
import { makeMutationOperator } from '../src/model/mutation.js';
import type { GenerationalProblem, Problem, SelectionMutationProblem, TruncationProblem } from '../src/model/problem.js';
import { getSolver, type Solution } from '../src/model/solver.js';
import { AliasTable, type RandomSource } from '../src/random/index.js';
import { densityDistances, type ParticleSample } from './metrics.js';

/** Problems that have a particle system: the rate form SM and the maps G and T. */
export type ParticleProblem = SelectionMutationProblem | GenerationalProblem | TruncationProblem;

/** Checks that a problem has a reduced particle system, naming the form otherwise. */
export function asParticleProblem(problem: Problem): ParticleProblem {
  if (problem.form === 'RM') {
    throw new RangeError('the N-study needs a problem with a particle system (form SM, G or T); the RM form has none');
  }
  return problem;
}

/**
 * Moves a problem onto a grid refined by `factor` per axis. Each fine cell
 * takes the value of the coarse cell it lies in, so the initial density is
 * the same piecewise-constant function, the one the particles are drawn
 * from.
 */
export function refineProblem<P extends Problem>(problem: P, factor: number): P {
  if (factor === 1) return problem;
  const grid = problem.grid;
  const fine = new CellGrid(grid.domain, grid.shape.map((n) => n * factor));
  const values = new Float64Array(fine.size);
  const columns = grid.dim === 2 ? grid.shape[1] : 1;
  const fineColumns = fine.dim === 2 ? fine.shape[1] : 1;
  for (let c = 0; c < fine.size; c++) {
    const i = Math.floor(Math.floor(c / fineColumns) / factor);
    const j = Math.floor((c % fineColumns) / factor);
    values[c] = problem.initial.values[grid.dim === 2 ? i * columns + j : i];
  }
  return { ...problem, grid: fine, initial: new Density(fine, values) };
}

/** Default step of the finite-volume reference for SM: γΔt = 0.02, as the solver's own default. */
function referenceStep(problem: ParticleProblem): number | undefined {
  return problem.form === 'SM' ? 0.02 / problem.gamma : undefined;
}

export interface ReferenceOptions {
  /** Largest accepted estimated W1 error of the reference, per output time. */
  targetError: readonly number[];
  /** Largest number of cells per axis before refinement stops. */
  maxCellsPerAxis: number;
  /** Finite-volume scheme; the solver's default when absent. */
  scheme?: string;
  logger?: Logger;
}

export interface ReferenceLevel {
  cells: number[];
  dt: number | null;
  /** W1 to the next finer level at each output time, when that level was computed. */
  w1ToFiner: number[] | null;
}

export interface Reference {
  /** The problem on the reference grid. */
  problem: ParticleProblem;
  solution: Solution;
  cells: number[];
  dt: number | null;
  /**
   * Estimated W1 error of the reference at each output time: the W1
   * distance between the reference and the level below it. It bounds the
   * reference's own error when the scheme converges with order ≥ 1, since
   * then e_fine ≤ e_coarse − e_fine.
   */
  errorEstimate: number[];
  levels: ReferenceLevel[];
  /** Whether every error estimate is at most its target. */
  reachedTarget: boolean;
}

/**
 * Solves the problem by finite volume on its own grid and on grids refined
 * by 2, 4, …, halving the step with the cells. Refinement stops when the W1
 * distance between the last two levels is at most the target at every
 * output time, or when the next level would exceed `maxCellsPerAxis`. The
 * finest level is the reference.
 */
export function computeReference(problem: ParticleProblem, options: ReferenceOptions): Reference {
  const logger = options.logger ?? silentLogger;
  const solver = getSolver('finite-volume');
  const baseStep = referenceStep(problem);
  const solve = (factor: number) => {
    const refined = refineProblem(problem, factor);
    const dt = baseStep === undefined ? undefined : baseStep / factor;
    return { problem: refined, dt, solution: solver.solve(refined, { dt, scheme: options.scheme }) };
  };

  let factor = 1;
  let coarse = solve(factor);
  const levels: ReferenceLevel[] = [];
  for (;;) {
    const maxCells = Math.max(...problem.grid.shape) * factor * 2;
    if (maxCells > options.maxCellsPerAxis) {
      levels.push({ cells: [...coarse.problem.grid.shape], dt: coarse.dt ?? null, w1ToFiner: null });
      logger.warn(
        `reference: stopped refining at ${coarse.problem.grid.shape.join('×')} cells (limit ${options.maxCellsPerAxis} per axis) ` +
          'before the error estimate met its target; the reference error may limit the study at the largest N',
      );
      const estimate = levels.length >= 2 ? (levels[levels.length - 2].w1ToFiner as number[]) : problem.times.map(() => Infinity);
      return finish(coarse, estimate, levels, options.targetError);
    }
    factor *= 2;
    const fine = solve(factor);
    const w1ToFiner = coarse.solution.snapshots.slice(1).map((s, k) => densityDistances(s.density, fine.solution.snapshots[k + 1].density).w1);
    levels.push({ cells: [...coarse.problem.grid.shape], dt: coarse.dt ?? null, w1ToFiner });
    logger.debug(`reference: ${coarse.problem.grid.shape.join('×')} → ${fine.problem.grid.shape.join('×')} cells, W1 change ${w1ToFiner.map((v) => v.toExponential(2)).join(', ')}`);
    coarse = fine;
    if (w1ToFiner.every((w, k) => w <= options.targetError[k])) {
      levels.push({ cells: [...fine.problem.grid.shape], dt: fine.dt ?? null, w1ToFiner: null });
      return finish(fine, w1ToFiner, levels, options.targetError);
    }
  }
}

function finish(
  level: { problem: ParticleProblem; dt: number | undefined; solution: Solution },
  errorEstimate: number[],
  levels: ReferenceLevel[],
  target: readonly number[],
): Reference {
  return {
    problem: level.problem,
    solution: level.solution,
    cells: [...level.problem.grid.shape],
    dt: level.dt ?? null,
    errorEstimate,
    levels,
    reachedTarget: errorEstimate.every((e, k) => e <= target[k]),
  };
}

/**
 * Computes the law of the SM particle scheme at step `dt`: from ρ₀, each step
 * ρ ← e^{−γh}ρ + (1 − e^{−γh})·K⋆(Fρ)/⟨F⟩ with the steps of the particle
 * solver (each interval between output times split into ⌈length/dt⌉ equal
 * steps h). F is taken at cell centres and K is the exact cell-to-cell
 * Gaussian transfer, as in the finite-volume solver. Returns the density
 * at each output time.
 */
export function steppedMeanField(problem: SelectionMutationProblem, dt: number): Density[] {
  const grid = problem.grid;
  const fitness = problem.fitness.onGrid(grid);
  const mutation = makeMutationOperator(grid, problem.kernel);
  const rho = Float64Array.from(problem.initial.values);
  const selected = new Float64Array(rho.length);
  const mutated = new Float64Array(rho.length);
  const out: Density[] = [];
  let time = 0;
  for (const target of problem.times) {
    const count = Math.max(1, Math.ceil((target - time) / dt - 1e-9));
    const h = (target - time) / count;
    const keep = Math.exp(-problem.gamma * h);
    for (let step = 0; step < count; step++) {
      let weighted = 0;
      let mass = 0;
      for (let i = 0; i < rho.length; i++) {
        weighted += fitness[i] * rho[i];
        mass += rho[i];
      }
      const scale = mass / weighted;
      for (let i = 0; i < rho.length; i++) selected[i] = fitness[i] * rho[i] * scale;
      mutation.apply(selected, mutated);
      for (let i = 0; i < rho.length; i++) rho[i] = keep * rho[i] + (1 - keep) * mutated[i];
    }
    time = target;
    out.push(new Density(grid, Float64Array.from(rho)));
  }
  return out;
}

/**
 * Draws `count` i.i.d. points from the piecewise-constant reconstruction of
 * a density: a cell with probability proportional to its value (alias
 * table, negative round-off counted as 0), then a uniform point inside it.
 */
export function drawFromDensity(density: Density, count: number, rng: RandomSource): ParticleSample {
  const grid = density.grid;
  // FFT convolutions leave round-off of order −1e-16·max ρ in empty cells; such cells get weight 0.
  const table = new AliasTable(density.values.map((v) => Math.max(0, v)));
  const dim = grid.dim;
  const values = new Float64Array(count * dim);
  const columns = dim === 2 ? grid.shape[1] : 1;
  for (let i = 0; i < count; i++) {
    const cell = table.sample(rng);
    const indices = dim === 2 ? [Math.floor(cell / columns), cell % columns] : [cell];
    for (let k = 0; k < dim; k++) {
      const x = grid.domain.lower[k] + (indices[k] + rng.nextFloat64()) * grid.spacing[k];
      values[i * dim + k] = Math.min(grid.domain.upper[k], x);
    }
  }
  return { dim, values };
}
