/**
 * The mesh study: observed orders of convergence of every registered PDE
 * solver (family finite-volume or spectral) and every one of its schemes,
 * in space and in time, and the finite-volume–spectral difference on the
 * config's own problem.
 *
 * Space orders are measured against exact solutions where one exists (RM:
 * the moving Gaussian; SM: the stationary Gaussian; G: the Gaussian
 * recursion) and against the same scheme on a grid 8 times finer for T.
 * Time orders are measured on a fixed grid against the solver's
 * highest-order scheme at a step 64 times smaller than the smallest one
 * tested, so the spatial error cancels. Errors are L1 distances of cell
 * averages. Maps (G, T) are exact in the generation count and have no time
 * order.
 */

import { Box } from '../src/model/domain.js';
import { Density } from '../src/model/density.js';
import type { Fitness } from '../src/model/fitness.js';
import { CellGrid } from '../src/model/grid.js';
import type { Logger } from '../src/model/logger.js';
import { silentLogger } from '../src/model/logger.js';
import { EQUATION_FORMS, type EquationForm, type Problem } from '../src/model/problem.js';
import { getSolver, listSolvers, type SchemeInfo, type Solver } from '../src/model/solver.js';
import { observedOrder, pairwiseOrders } from './convergence.js';
import {
  generationalGaussianStep,
  replicatorMutatorGaussian,
  selectionMutationStationaryGaussian,
  type Gaussian1D,
} from './exact.js';
import { densityDistances, l1Distance, restrictDensity } from './metrics.js';

export interface OrderMeasurement {
  solver: string;
  family: string;
  form: EquationForm;
  scheme: string;
  kind: 'space' | 'time';
  /** Description of the reference the errors are measured against. */
  reference: string;
  /** Declared order (SchemeInfo); Infinity for spectral accuracy. */
  expectedOrder: number;
  /** Cell widths (space) or time steps (time), decreasing. */
  steps: number[];
  errors: number[];
  /** Least-squares slope of log error against log step, over the errors above the round-off floor. */
  observedOrder: number;
  pairwiseOrders: number[];
  /** Whether the observation agrees with the declared order (see `ORDER_TOLERANCE`). */
  agrees: boolean;
}

export interface SolverDifference {
  solvers: [string, string];
  times: number[];
  w1: number[];
  l1: number[];
}

export interface MeshStudyResult {
  orders: OrderMeasurement[];
  /** Finite volume against spectral on the config's problem, when both can solve it. */
  difference: SolverDifference | null;
  /** Solvers, forms or comparisons not measured, with the reason. */
  skipped: string[];
  wallSeconds: number;
}

/**
 * A finite order agrees when the observed order is within this distance of
 * the declared one. The solver tests hold their orders to ±0.15; the study
 * allows more because its grids are shorter in quick mode.
 */
export const ORDER_TOLERANCE = 0.3;

/** A spectral method agrees when its error at the finest level is at most this (L1), or its observed order is at least 6. */
export const SPECTRAL_ERROR = 1e-7;

/** Errors below this are round-off and are left out of the fitted order. */
const ERROR_FLOOR = 1e-13;

// ---------------------------------------------------------------------------
// Test problems

function gaussianFitness(centre: number, width: number): Fitness {
  const f = (p: readonly number[]) => Math.exp(-((p[0] - centre) ** 2) / (2 * width * width));
  return { kind: 'expression', dim: 1, evaluate: f, onGrid: (grid) => grid.sampleAtCentres(f), describe: () => `exp(−(λ − ${centre})²/(2·${width}²))` };
}

function quadraticPotential(a: number, optimum: number): Fitness {
  const f = (p: readonly number[]) => -(a / 2) * (p[0] - optimum) ** 2;
  return { kind: 'expression', dim: 1, evaluate: f, onGrid: (grid) => grid.sampleAtCentres(f), describe: () => `−(${a}/2)(λ − ${optimum})²` };
}

function normalAverages(grid: CellGrid, state: Gaussian1D): Density {
  const c = 1 / Math.sqrt(2 * Math.PI * state.variance);
  return Density.fromFunction(grid, (p) => c * Math.exp(-((p[0] - state.mean) ** 2) / (2 * state.variance)), 8);
}

const reflect = (std: number) => ({ kind: 'gaussian' as const, std: [std], boundary: 'reflect' as const });

interface SpaceCase {
  description: string;
  levels: { 'finite-volume': number[]; spectral: number[] };
  build(cells: number): Problem;
  /** Exact cell averages at the final time, or null to use a fine reference. */
  exact(grid: CellGrid): Density | null;
  /**
   * Step for a grid of width h, given the coarsest width h0 of the ladder
   * and the scheme. It must keep the time error below the space error.
   */
  dt(h: number, h0: number, scheme: SchemeInfo, family: string): number | undefined;
}

interface TimeCase {
  cells: { 'finite-volume': number; spectral: number };
  build(cells: number): Problem;
  steps: number[];
}

const RM_PARAMS = { beta: 2, nu: 0.01, a: 1.5, optimum: 0.3 };
const RM_INITIAL = { mean: -0.4, variance: 0.05 };
const SM_STATIONARY = { centre: 0.4, width: 1, delta: 0.5 };
const G_PARAMS = { centre: 0.5, width: 0.8, delta: 0.3 };
const G_INITIAL = { mean: -1, variance: 0.3 };
const GENERATIONS = 6;

const SPACE_CASES: Record<EquationForm, SpaceCase> = {
  RM: {
    description: 'exact moving Gaussian of RM with quadratic Φ (β = 2, ν = 0.01, a = 1.5) at t = 2',
    levels: { 'finite-volume': [64, 128, 256, 512], spectral: [24, 32, 48, 64] },
    build: (cells) => {
      const grid = new CellGrid(new Box([-2.5], [2.5]), cells);
      return {
        form: 'RM',
        name: 'rm-exact',
        grid,
        initial: normalAverages(grid, RM_INITIAL),
        times: [2],
        potential: quadraticPotential(RM_PARAMS.a, RM_PARAMS.optimum),
        beta: RM_PARAMS.beta,
        nu: RM_PARAMS.nu,
      };
    },
    exact: (grid) => normalAverages(grid, replicatorMutatorGaussian(RM_PARAMS, RM_INITIAL, 2)),
    // Δt = 0.5·h0·(h/h0)^(p_space/p_time) makes the time error shrink at the
    // space order (Δt ∝ h for Strang, ∝ h² for IMEX Euler). The spectral
    // schemes, fourth order in time, get a small fixed step.
    dt: (h, h0, scheme, family) =>
      family === 'spectral' ? 0.005 : 0.5 * h0 * (h / h0) ** Math.max(1, scheme.spaceOrder / Math.max(1, scheme.timeOrder)),
  },
  SM: {
    description: 'stationary Gaussian N(c, v*) of SM with Gaussian F (c = 0.4, s = 1) and δ = 0.5, reached by t = 80',
    levels: { 'finite-volume': [48, 96, 192, 384], spectral: [12, 16, 24, 32] },
    build: (cells) => {
      const grid = new CellGrid(new Box([-7], [7]), cells);
      return {
        form: 'SM',
        name: 'sm-stationary',
        grid,
        initial: normalAverages(grid, { mean: -1, variance: 1 }),
        times: [80],
        fitness: gaussianFitness(SM_STATIONARY.centre, SM_STATIONARY.width),
        kernel: reflect(SM_STATIONARY.delta),
        gamma: 1,
      };
    },
    exact: (grid) => normalAverages(grid, selectionMutationStationaryGaussian(SM_STATIONARY)),
    dt: () => 0.1,
  },
  G: {
    description: `exact Gaussian recursion of G (c = 0.5, s = 0.8, δ = 0.3) after ${GENERATIONS} generations`,
    levels: { 'finite-volume': [40, 80, 160, 320], spectral: [16, 24, 32, 48] },
    build: (cells) => {
      const grid = new CellGrid(new Box([-6], [6]), cells);
      return {
        form: 'G',
        name: 'g-exact',
        grid,
        initial: normalAverages(grid, G_INITIAL),
        times: [GENERATIONS],
        fitness: gaussianFitness(G_PARAMS.centre, G_PARAMS.width),
        kernel: reflect(G_PARAMS.delta),
      };
    },
    exact: (grid) => {
      let state = G_INITIAL;
      for (let g = 0; g < GENERATIONS; g++) state = generationalGaussianStep(G_PARAMS, state);
      return normalAverages(grid, state);
    },
    dt: () => undefined,
  },
  T: {
    description: `T with q = 0.2 and Gaussian F and K after ${GENERATIONS} generations, against the same scheme on a grid 8 times finer`,
    levels: { 'finite-volume': [40, 80, 160, 320], spectral: [40, 80, 160, 320] },
    build: (cells) => {
      const grid = new CellGrid(new Box([-6], [6]), cells);
      return {
        form: 'T',
        name: 't-fine',
        grid,
        initial: normalAverages(grid, G_INITIAL),
        times: [GENERATIONS],
        fitness: gaussianFitness(G_PARAMS.centre, G_PARAMS.width),
        kernel: reflect(G_PARAMS.delta),
        q: 0.2,
      };
    },
    exact: () => null,
    dt: () => undefined,
  },
};

const TIME_CASES: Partial<Record<EquationForm, TimeCase>> = {
  RM: {
    cells: { 'finite-volume': 256, spectral: 64 },
    build: (cells) => ({ ...SPACE_CASES.RM.build(cells), name: 'rm-time' }),
    steps: [0.08, 0.04, 0.02, 0.01],
  },
  SM: {
    cells: { 'finite-volume': 128, spectral: 64 },
    build: (cells) => {
      const grid = new CellGrid(new Box([-5], [5]), cells);
      return {
        form: 'SM',
        name: 'sm-time',
        grid,
        initial: normalAverages(grid, { mean: -1, variance: 0.5 }),
        times: [2],
        fitness: gaussianFitness(0.5, 0.8),
        kernel: reflect(0.3),
        gamma: 1.5,
      };
    },
    steps: [0.2, 0.1, 0.05, 0.025],
  },
};

// ---------------------------------------------------------------------------
// Measurements

function lastDensity(solver: Solver, problem: Problem, scheme: string, dt: number | undefined): Density {
  const solution = solver.solve(problem, { scheme, dt });
  return solution.snapshots[solution.snapshots.length - 1].density;
}

function fitOrder(steps: number[], errors: number[]): { observed: number; pairwise: number[] } {
  const kept = errors.map((e, i) => i).filter((i) => errors[i] > ERROR_FLOOR);
  const pairwise = pairwiseOrders(steps, errors.map((e) => Math.max(e, ERROR_FLOOR)));
  if (kept.length < 2) return { observed: NaN, pairwise };
  return {
    observed: observedOrder(
      kept.map((i) => steps[i]),
      kept.map((i) => errors[i]),
    ),
    pairwise,
  };
}

/** Checks whether an observation agrees with a declared order (finite: within ORDER_TOLERANCE; spectral: see SPECTRAL_ERROR). */
export function orderAgrees(expected: number, observed: number, errors: readonly number[]): boolean {
  if (expected === Infinity) return errors[errors.length - 1] <= SPECTRAL_ERROR || observed >= 6;
  return Math.abs(observed - expected) <= ORDER_TOLERANCE;
}

function measureSpace(solver: Solver, form: EquationForm, scheme: SchemeInfo, levelCount: number): OrderMeasurement {
  const family = solver.family as 'finite-volume' | 'spectral';
  const spaceCase = SPACE_CASES[form];
  const levels = spaceCase.levels[family].slice(-levelCount);
  const steps: number[] = [];
  const errors: number[] = [];
  const fineFactor = 8;
  for (const cells of levels) {
    const problem = spaceCase.build(cells);
    const h = problem.grid.spacing[0];
    const h0 = spaceCase.build(levels[0]).grid.spacing[0];
    const result = lastDensity(solver, problem, scheme.name, spaceCase.dt(h, h0, scheme, family));
    let reference = spaceCase.exact(problem.grid);
    if (reference === null) {
      const fine = spaceCase.build(cells * fineFactor);
      reference = restrictDensity(lastDensity(solver, fine, scheme.name, spaceCase.dt(h / fineFactor, h0, scheme, family)), problem.grid);
    }
    steps.push(h);
    errors.push(l1Distance(result, reference));
  }
  const { observed, pairwise } = fitOrder(steps, errors);
  return {
    solver: solver.name,
    family,
    form,
    scheme: scheme.name,
    kind: 'space',
    reference: spaceCase.description,
    expectedOrder: scheme.spaceOrder,
    steps,
    errors,
    observedOrder: observed,
    pairwiseOrders: pairwise,
    agrees: orderAgrees(scheme.spaceOrder, observed, errors),
  };
}

function measureTime(solver: Solver, form: EquationForm, scheme: SchemeInfo, schemes: readonly SchemeInfo[]): OrderMeasurement | null {
  const timeCase = TIME_CASES[form];
  if (!timeCase || scheme.timeOrder <= 0) return null;
  const family = solver.family as 'finite-volume' | 'spectral';
  const problem = timeCase.build(timeCase.cells[family]);
  const best = schemes.reduce((a, b) => (b.timeOrder > a.timeOrder ? b : a));
  const smallest = timeCase.steps[timeCase.steps.length - 1];
  const reference = lastDensity(solver, problem, best.name, smallest / 64);
  const errors = timeCase.steps.map((dt) => l1Distance(lastDensity(solver, problem, scheme.name, dt), reference));
  const { observed, pairwise } = fitOrder(timeCase.steps, errors);
  return {
    solver: solver.name,
    family,
    form,
    scheme: scheme.name,
    kind: 'time',
    reference: `${best.name} at Δt = ${smallest}/64 on the same ${problem.grid.shape[0]}-cell grid`,
    expectedOrder: scheme.timeOrder,
    steps: [...timeCase.steps],
    errors,
    observedOrder: observed,
    pairwiseOrders: pairwise,
    agrees: orderAgrees(scheme.timeOrder, observed, errors),
  };
}

export interface MeshStudyOptions {
  /** Grids per space ladder (the last `levels` of each). @default 4 */
  levels?: number;
  /** The config's problem, for the finite-volume–spectral difference. */
  problem?: Problem;
  logger?: Logger;
  /** Called after each measurement with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Measures every registered solver of family finite-volume or spectral, for
 * every form it supports and every scheme, in space and (for time-stepping
 * schemes) in time, then compares finite volume with spectral on `problem`.
 */
export function runMeshStudy(options: MeshStudyOptions = {}): MeshStudyResult {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const levels = options.levels ?? 4;
  const orders: OrderMeasurement[] = [];
  const skipped: string[] = [];

  const tasks: { solver: Solver; form: EquationForm; scheme: SchemeInfo; schemes: readonly SchemeInfo[] }[] = [];
  for (const solver of listSolvers()) {
    if (solver.family !== 'finite-volume' && solver.family !== 'spectral') continue;
    for (const form of solver.forms) {
      if (!EQUATION_FORMS.includes(form)) {
        skipped.push(`${solver.name} ${form}: no test problem for this form`);
        continue;
      }
      const schemes = solver.schemes(form);
      for (const scheme of schemes) tasks.push({ solver, form, scheme, schemes });
    }
  }

  tasks.forEach((task, index) => {
    const { solver, form, scheme, schemes } = task;
    const space = measureSpace(solver, form, scheme, levels);
    orders.push(space);
    const time = measureTime(solver, form, scheme, schemes);
    if (time) orders.push(time);
    for (const measurement of time ? [space, time] : [space]) {
      const line = describeMeasurement(measurement);
      if (measurement.agrees) logger.debug(line);
      else logger.warn(`${line}: differs from the declared order`);
    }
    options.onProgress?.(index + 1, tasks.length);
  });

  const difference = options.problem ? compareSolvers(options.problem, skipped) : null;
  return { orders, difference, skipped, wallSeconds: (performance.now() - started) / 1000 };
}

/** Formats one line per measurement, for logs and the CLI: solver, form, scheme, kind, expected and observed order. */
export function describeMeasurement(m: OrderMeasurement): string {
  const expected = m.expectedOrder === Infinity ? 'spectral' : String(m.expectedOrder);
  const observed = Number.isNaN(m.observedOrder) ? 'n/a' : m.observedOrder.toFixed(2);
  const finest = m.errors[m.errors.length - 1].toExponential(2);
  return `${m.solver} ${m.form} ${m.scheme} ${m.kind}: expected ${expected}, observed ${observed} (finest error ${finest})`;
}

/** Solves `problem` with finite volume and spectral and measures their difference at each output time. */
function compareSolvers(problem: Problem, skipped: string[]): SolverDifference | null {
  const names = ['finite-volume', 'spectral'] as const;
  const registered = listSolvers().map((s) => s.name);
  for (const name of names) {
    if (!registered.includes(name)) {
      skipped.push(`finite-volume–spectral difference: solver ${name} is not registered`);
      return null;
    }
  }
  let solutions;
  try {
    solutions = names.map((name) => getSolver(name).solve(problem));
  } catch (error) {
    skipped.push(`finite-volume–spectral difference: ${(error as Error).message}`);
    return null;
  }
  const [a, b] = solutions.map((s) => s.snapshots.slice(1).map((snapshot) => snapshot.density));
  return {
    solvers: [names[0], names[1]],
    times: [...problem.times],
    w1: a.map((d, k) => densityDistances(d, b[k]).w1),
    l1: a.map((d, k) => l1Distance(d, b[k])),
  };
}
