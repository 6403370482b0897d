/** Hand-built solutions for the report tests: Gaussian bumps drifting towards the fitness maximum. */

import { Density } from '../../src/model/density.js';
import { Box, type Domain } from '../../src/model/domain.js';
import type { Fitness } from '../../src/model/fitness.js';
import { CellGrid } from '../../src/model/grid.js';
import type { Problem } from '../../src/model/problem.js';
import type { Snapshot, Solution, Trace } from '../../src/model/solver.js';

export function makeFitness(dim: number, f: (point: readonly number[]) => number, description: string): Fitness {
  return {
    kind: 'expression',
    dim,
    evaluate: f,
    onGrid: (grid) => grid.sampleAtCentres(f),
    describe: () => description,
  };
}

/** Builds a domain with axis labels, as a config loader may attach them. */
export function labelledBox(lower: number[], upper: number[], labels: string[]): Domain {
  return Object.assign(new Box(lower, upper), { labels });
}

export interface SyntheticOptions {
  cells?: number | number[];
  snapshots?: number;
  domain?: Domain;
  form?: 'SM' | 'RM' | 'G';
  /** Relative mass drift of trace row k, exact zeros by default. */
  drift?: (row: number) => number;
  solver?: string;
  scheme?: string;
  /** Added to every density value, to make two solutions differ. */
  offset?: number;
}

const TRACE_ROWS = 21;

/** Builds a 1D solution on [0, 2] (unless `domain` is given) whose Gaussian bump moves from 0.5 to the argmax 1.31. */
export function solution1d(options: SyntheticOptions = {}): Solution {
  const domain = options.domain ?? new Box([0], [2]);
  const grid = new CellGrid(domain, options.cells ?? 40);
  const target = 1.31;
  const centre = (t: number) => target + (0.5 - target) * Math.exp(-t);
  const bump = (t: number) => (p: readonly number[]) => Math.exp(-((p[0] - centre(t)) ** 2) / (2 * 0.04)) + 1e-3;
  const fitness = makeFitness(1, (p) => Math.exp(-((p[0] - target) ** 2)), 'exp(-(λ - 1.31)^2)');
  return assemble(grid, fitness, bump, options);
}

/** Builds a 2D solution on [0, 1] × [0, 2] (unless `domain` is given) whose bump moves from (0.2, 0.4) to the argmax. */
export function solution2d(options: SyntheticOptions = {}): Solution {
  const domain = options.domain ?? new Box([0, 0], [1, 2]);
  const grid = new CellGrid(domain, options.cells ?? [10, 16]);
  const target = [0.72, 1.3];
  const bump = (t: number) => (p: readonly number[]) => {
    const w = Math.exp(-t);
    const cx = target[0] + (0.2 - target[0]) * w;
    const cy = target[1] + (0.4 - target[1]) * w;
    return Math.exp(-((p[0] - cx) ** 2 + (p[1] - cy) ** 2) / (2 * 0.02)) + 1e-3;
  };
  const fitness = makeFitness(2, (p) => Math.exp(-((p[0] - target[0]) ** 2) - (p[1] - target[1]) ** 2), 'two-bump test fitness');
  return assemble(grid, fitness, bump, options);
}

function assemble(
  grid: CellGrid,
  fitness: Fitness,
  bump: (t: number) => (p: readonly number[]) => number,
  options: SyntheticOptions,
): Solution {
  const count = options.snapshots ?? 5;
  const form = options.form ?? 'SM';
  const isMap = form === 'G';
  const timeOf = (k: number) => (isMap ? k : (3 * k) / Math.max(1, count - 1));
  const normalised = (t: number): Density => {
    const density = Density.fromFunction(grid, bump(t), 2);
    const mass = density.mass();
    for (let c = 0; c < density.values.length; c++) density.values[c] = density.values[c] / mass + (options.offset ?? 0);
    return density;
  };

  const initial = normalised(0);
  const snapshots: Snapshot[] = [];
  for (let k = 0; k < count; k++) snapshots.push({ time: timeOf(k), step: 10 * k, density: normalised(timeOf(k)) });

  const trace: Trace = { time: [], mean: [], mass: [], minValue: [] };
  const endTime = timeOf(count - 1);
  for (let row = 0; row < TRACE_ROWS; row++) {
    const t = (endTime * row) / (TRACE_ROWS - 1);
    const density = normalised(t);
    trace.time.push(t);
    trace.mean.push(density.mean());
    trace.mass.push(initial.mass() * (1 + (options.drift ? options.drift(row) : 0)));
    trace.minValue.push(density.min());
  }

  const common = { name: 'synthetic drift', grid, initial, times: snapshots.slice(1).map((s) => s.time) };
  let problem: Problem;
  if (form === 'RM') problem = { ...common, form, potential: fitness, beta: 1, nu: 0.01 };
  else if (form === 'G') problem = { ...common, form, fitness, kernel: { kind: 'gaussian', std: grid.spacing.map(() => 0.05), boundary: 'reflect' } };
  else problem = { ...common, form, fitness, gamma: 1, kernel: { kind: 'gaussian', std: grid.spacing.map(() => 0.05), boundary: 'reflect' } };

  return {
    solver: options.solver ?? 'synthetic',
    scheme: options.scheme ?? 'exact',
    problem,
    snapshots,
    trace,
    stats: { steps: 10 * (count - 1), dtMin: 0.01, dtMax: 0.01, massDrift: 0, minValue: Math.min(...trace.minValue), wallSeconds: 0.25 },
  };
}
