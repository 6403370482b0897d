/**
 * The two-time-scale limit measured: the λ-marginal of the kinetic solution
 * against the selection–mutation equation with the discrete effective
 * fitness F_h of the same θ grid, for a ladder of ε.
 *
 * Away from the initial layer the difference is O(ε), so the fitted slope
 * of log(error) against log(ε) should be close to 1. Both solutions share
 * the λ grid, the mutation operator and F_h, so the difference contains no
 * spatial error. The time error of the kinetic scheme must stay below the ε
 * effect, which is why the default step is a fixed fraction of ε.
 */

import { Density } from '../src/model/density.js';
import type { Problem } from '../src/model/problem.js';
import type { Solution } from '../src/model/solver.js';
import { finiteVolumeSolver } from '../solvers/finite-volume/index.js';
import {
  discreteEffectiveFitness,
  kineticSolver,
  lambdaMarginal,
  type FokkerPlanckIntegrator,
  type KineticProblem,
  type SelectionIntegrator,
} from '../solvers/kinetic/index.js';
import { observedOrder } from './convergence.js';

export interface EpsilonStudyOptions {
  /** The kinetic problem, whose `epsilon` is replaced by each entry of `epsilons`. Comparisons run at its output times. */
  problem: KineticProblem;
  /** At least two values of ε > 0. */
  epsilons: readonly number[];
  /** Kinetic time step as a fraction of ε, Δt = stepRatio·ε. Ignored when `dt` is given. @default 0.1 */
  stepRatio?: number;
  /** One kinetic time step for every ε instead of stepRatio·ε. */
  dt?: number;
  /** Time step of the selection–mutation reference (finite volume, SSP-RK3). @default 1e-3 */
  referenceDt?: number;
  fokkerPlanck?: FokkerPlanckIntegrator;
  selection?: SelectionIntegrator;
}

export interface EpsilonStudyRow {
  epsilon: number;
  /** Kinetic time step used. */
  dt: number;
  steps: number;
  wallSeconds: number;
  /** ‖ρ_kinetic − ρ_SM‖₁ at each output time of the problem. */
  errors: number[];
}

export interface EpsilonStudyResult {
  /** The output times compared. */
  times: number[];
  rows: EpsilonStudyRow[];
  /** Least-squares slope of log(error) against log(ε), one per output time. */
  rates: number[];
  /** The selection–mutation reference with F_h. */
  reference: Solution;
}

/** L1 distance Σ|a − b|·h between cell averages on the λ grid. */
function l1Distance(a: Float64Array, b: Float64Array, spacing: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s * spacing;
}

/**
 * Runs the kinetic solver once per ε and the selection–mutation reference
 * once, and returns the L1 distances of the λ-marginals at every output
 * time with the fitted ε-rates. Choose output times past the initial
 * layer, whose length is about ε divided by the spectral gap of the fast
 * dynamics.
 */
export function runEpsilonStudy(options: EpsilonStudyOptions): EpsilonStudyResult {
  const { problem, epsilons } = options;
  if (epsilons.length < 2 || epsilons.some((e) => !(e > 0) || !Number.isFinite(e))) {
    throw new RangeError(`runEpsilonStudy: epsilons = [${epsilons.join(', ')}]; give at least two finite values > 0`);
  }
  const stepRatio = options.stepRatio ?? 0.1;
  const lambdaGrid = problem.lambdaGrid;
  const thetaGrid = problem.thetaGrid;
  const initialMarginal = lambdaMarginal(problem.initial, thetaGrid.shape[0], lambdaGrid.shape[0], thetaGrid.spacing[0]);

  const limitProblem: Problem = {
    form: 'SM',
    name: `${problem.name} (ε → 0 limit)`,
    grid: lambdaGrid,
    initial: new Density(lambdaGrid, initialMarginal),
    fitness: discreteEffectiveFitness(problem),
    kernel: problem.kernel,
    gamma: problem.gamma,
    times: [...problem.times],
  };
  const reference = finiteVolumeSolver.solve(limitProblem, { dt: options.referenceDt ?? 1e-3, scheme: 'ssp-rk3' });

  const rows = epsilons.map((epsilon): EpsilonStudyRow => {
    const dt = options.dt ?? stepRatio * epsilon;
    const solution = kineticSolver.solve(
      { ...problem, epsilon },
      { dt, fokkerPlanck: options.fokkerPlanck, selection: options.selection },
    );
    const errors = problem.times.map((_, k) =>
      l1Distance(solution.marginals[k + 1].density.values, reference.snapshots[k + 1].density.values, lambdaGrid.spacing[0]),
    );
    return { epsilon, dt, steps: solution.stats.steps, wallSeconds: solution.stats.wallSeconds, errors };
  });

  const rates = problem.times.map((_, k) =>
    observedOrder(
      rows.map((row) => row.epsilon),
      rows.map((row) => row.errors[k]),
    ),
  );
  return { times: [...problem.times], rows, rates, reference };
}
