import type { Density } from './density.js';
import type { Logger } from './logger.js';
import type { Observer } from './observer.js';
import type { EquationForm, Problem } from './problem.js';

/** The state at one requested output time. */
export interface Snapshot {
  time: number;
  /** Number of steps (or generations) taken to reach it. */
  step: number;
  density: Density;
}

/** Counters and diagnostics of one run, written to the run metadata. */
export interface SolverStats {
  steps: number;
  dtMin: number;
  dtMax: number;
  /** max over snapshots of |mass − mass₀| / mass₀. */
  massDrift: number;
  /** min over all steps of min ρ. */
  minValue: number;
  wallSeconds: number;
  [key: string]: number | string;
}

/**
 * Per-step diagnostics, thinned to at most a few thousand rows: time,
 * mean of ρ (`mean[row][axis]`), mass, and min ρ.
 */
export interface Trace {
  time: number[];
  mean: number[][];
  mass: number[];
  minValue: number[];
}

export interface Solution {
  solver: string;
  scheme: string;
  problem: Problem;
  /** Snapshot 0 is the initial density at t = 0, then one per requested time. */
  snapshots: Snapshot[];
  trace: Trace;
  stats: SolverStats;
}

export interface SolveOptions {
  /** Time step; solvers choose a default from their stability bound when absent. */
  dt?: number;
  /** Scheme variant within a solver (for example `imex-euler` or `strang` for RM). */
  scheme?: string;
  /** Relative mass drift that aborts a run. @default 1e-10 */
  massTolerance?: number;
  /** Stop after this many steps with an error. @default 10_000_000 */
  maxSteps?: number;
  logger?: Logger;
}

export interface SchemeInfo {
  name: string;
  /** Order of accuracy in time (for the maps, 0: they are exact in time). */
  timeOrder: number;
  /** Order of accuracy in space, observed in L1 for smooth data. */
  spaceOrder: number;
  description: string;
}

/** A named solver. Register instances with `registerSolver`. */
export interface Solver {
  readonly name: string;
  readonly family: 'finite-volume' | 'spectral' | 'particles';
  readonly forms: readonly EquationForm[];
  /** Schemes per form; the first listed is the default. */
  schemes(form: EquationForm): readonly SchemeInfo[];
  solve(problem: Problem, options?: SolveOptions, observers?: readonly Observer[]): Solution;
}

const registry = new Map<string, Solver>();

export function registerSolver(solver: Solver): void {
  if (registry.has(solver.name)) throw new Error(`solver "${solver.name}" is already registered`);
  registry.set(solver.name, solver);
}

export function getSolver(name: string): Solver {
  const solver = registry.get(name);
  if (!solver) {
    const known = [...registry.keys()].join(', ') || '(none registered)';
    throw new RangeError(`unknown solver "${name}"; registered solvers: ${known}`);
  }
  return solver;
}

export function listSolvers(): Solver[] {
  return [...registry.values()];
}
