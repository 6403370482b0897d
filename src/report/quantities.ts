/**
 * Quantities the figures and the summary table derive from a Solution: axis
 * labels, the fitness on the grid and its argmax, and per-step diagnostics.
 */

import type { Fitness } from '../model/fitness.js';
import { isMap, type Problem } from '../model/problem.js';
import type { Snapshot, Solution, Trace } from '../model/solver.js';
import { formatNumber } from './format.js';

/**
 * Axis titles of Λ: the domain's `labels` (symbols with units, such as
 * "weight decay λ") where it has them, else λ in 1D and λ₁, λ₂ in 2D.
 */
export function axisLabels(problem: Problem): string[] {
  const domain = problem.grid.domain;
  const labels = (domain as { labels?: unknown }).labels;
  const defaults = domain.dim === 1 ? ['λ'] : ['λ₁', 'λ₂'];
  return defaults.map((fallback, k) => {
    const label = Array.isArray(labels) ? (labels as unknown[])[k] : undefined;
    return typeof label === 'string' && label.trim() !== '' ? label : fallback;
  });
}

/** Title of the time axis: generations for the maps G and T, time otherwise. */
export function timeAxisLabel(problem: Problem): string {
  return isMap(problem) ? 'generation n' : 'time t';
}

/** Formats one output time as a short tag, such as `t = 0.5` or `n = 3`. */
export function timeTag(problem: Problem, time: number): string {
  return `${isMap(problem) ? 'n' : 't'} = ${formatNumber(time)}`;
}

export interface FitnessOnGrid {
  /** `Φ` for the replicator–mutator form, `F` for the others. */
  symbol: 'F' | 'Φ';
  fitness: Fitness;
  /** Values at the cell centres, in the grid's row-major order. */
  values: Float64Array;
  /** Centre of the cell with the largest value (the first one on ties). */
  argmax: number[];
  /** The largest finite value. */
  max: number;
}

// Quadrature fitnesses are costly on fine grids, and every figure needs the values.
const fitnessCache = new WeakMap<Problem, FitnessOnGrid>();

/** Evaluates the problem's fitness F (or potential Φ for RM) at the cell centres. */
export function fitnessOnGrid(problem: Problem): FitnessOnGrid {
  const cached = fitnessCache.get(problem);
  if (cached) return cached;

  const fitness = problem.form === 'RM' ? problem.potential : problem.fitness;
  const grid = problem.grid;
  const values = fitness.onGrid(grid);
  if (values.length !== grid.size) {
    throw new RangeError(`fitness: onGrid returned ${values.length} values for a grid of ${grid.size} cells`);
  }
  let best = -1;
  for (let c = 0; c < values.length; c++) {
    if (Number.isFinite(values[c]) && (best < 0 || values[c] > values[best])) best = c;
  }
  if (best < 0) throw new RangeError(`fitness: ${fitness.describe()} has no finite value on the grid ${grid.describe()}`);

  const coordinates = grid.centreCoordinates();
  const result: FitnessOnGrid = {
    symbol: problem.form === 'RM' ? 'Φ' : 'F',
    fitness,
    values,
    argmax: coordinates.map((axis) => axis[best]),
    max: values[best],
  };
  fitnessCache.set(problem, result);
  return result;
}

/** Per-step diagnostics with the means stored as one series per axis. */
export interface DiagnosticSeries {
  time: number[];
  /** mean[axis][row]. */
  mean: number[][];
  mass: number[];
  minValue: number[];
  /** `trace` when the solution has trace rows, else `snapshots` (one row per snapshot). */
  source: 'trace' | 'snapshots';
}

/** Collects the per-step diagnostics from the trace, or from the snapshots when the trace is empty. */
export function diagnosticSeries(solution: Solution): DiagnosticSeries {
  const dim = solution.problem.grid.dim;
  const trace = solution.trace;
  if (trace.time.length > 0) {
    return {
      time: trace.time,
      mean: traceMeans(trace, dim),
      mass: trace.mass,
      minValue: trace.minValue,
      source: 'trace',
    };
  }
  const snapshots = requireSnapshots(solution);
  const means = snapshots.map((s) => s.density.mean());
  return {
    time: snapshots.map((s) => s.time),
    mean: Array.from({ length: dim }, (_, axis) => means.map((m) => m[axis])),
    mass: snapshots.map((s) => s.density.mass()),
    minValue: snapshots.map((s) => s.density.min()),
    source: 'snapshots',
  };
}

/**
 * Means of a trace as one series per axis. Rows that store the mean vector of
 * each step (`mean[row][axis]`) are read as such, and a trace stored as one
 * series per axis (`mean[axis][row]`) is accepted as well.
 */
export function traceMeans(trace: Trace, dim: number): number[][] {
  const rows = trace.time.length;
  const mean = trace.mean;
  // NOTE: with exactly `dim` rows both layouts fit, and the per-row reading wins.
  if (mean.length === rows && mean.every((m) => m.length === dim)) {
    return Array.from({ length: dim }, (_, axis) => mean.map((m) => m[axis]));
  }
  if (mean.length === dim && mean.every((m) => m.length === rows)) return mean.map((m) => [...m]);
  throw new RangeError(
    `trace: mean has ${mean.length} entries for ${rows} rows in dimension ${dim}; ` +
      `expected ${rows} rows of ${dim} values (or ${dim} series of ${rows} values)`,
  );
}

export function requireSnapshots(solution: Solution): Snapshot[] {
  if (solution.snapshots.length === 0) {
    throw new RangeError(`solution of ${solution.solver}/${solution.scheme} has no snapshots; a report needs at least one`);
  }
  return solution.snapshots;
}

export function lastSnapshot(solution: Solution): Snapshot {
  const snapshots = requireSnapshots(solution);
  return snapshots[snapshots.length - 1];
}
