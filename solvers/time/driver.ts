import { Density, sum } from '../../src/model/density.js';
import { NonFiniteError } from '../../src/model/errors.js';
import type { Observer, StepInfo } from '../../src/model/observer.js';
import type { Problem } from '../../src/model/problem.js';
import type { Snapshot, Solution, SolverStats, Trace } from '../../src/model/solver.js';

/** Advances `values` in place from `time` by `dt`. */
export type Stepper = (values: Float64Array, time: number, dt: number) => void;

export interface IntegrationSetup {
  solver: string;
  scheme: string;
  problem: Problem;
  /** Target step; every interval between output times is split into equal steps no longer than this. */
  dt: number;
  stepper: Stepper;
  observers?: readonly Observer[];
  maxSteps?: number;
  /** Extra counters for the run metadata. */
  stats?: Record<string, number | string>;
}

/** Upper bound on stored trace rows; longer runs keep every k-th step. */
const TRACE_ROWS = 2000;

/**
 * Runs a one-step method from t = 0 through every output time of the
 * problem. Each interval [tₖ, tₖ₊₁] is split into ⌈(tₖ₊₁ − tₖ)/dt⌉ equal
 * steps, so output times are hit exactly and the step stays uniform inside
 * an interval (what convergence studies need). After every step the state
 * is scanned for non-finite values, which abort the run with the step and
 * time where they appeared.
 */
export function integrate(setup: IntegrationSetup): Solution {
  const { problem, stepper, dt } = setup;
  const observers = setup.observers ?? [];
  const maxSteps = setup.maxSteps ?? 10_000_000;
  const grid = problem.grid;
  const times = problem.times;
  const endTime = times[times.length - 1];
  const started = performance.now();

  const values = Float64Array.from(problem.initial.values);
  const initialMass = sum(values);
  const snapshots: Snapshot[] = [{ time: 0, step: 0, density: new Density(grid, Float64Array.from(values)) }];
  const trace: Trace = { time: [], mean: [], mass: [], minValue: [] };
  const expectedSteps = Math.ceil(endTime / dt);
  const traceStride = Math.max(1, Math.ceil(expectedSteps / TRACE_ROWS));
  const cellVolume = grid.cellVolume;
  const coordinates = grid.centreCoordinates();

  const recordTrace = (time: number, minValue: number, mass: number): void => {
    trace.time.push(time);
    trace.mass.push(mass * cellVolume);
    trace.minValue.push(minValue);
    trace.mean.push(coordinates.map((c) => weightedMean(values, c)));
  };

  for (const observer of observers) observer.start?.({ problem, solver: setup.solver, scheme: setup.scheme, endTime });
  for (const observer of observers) observer.snapshot?.(snapshots[0]);
  recordTrace(0, minimum(values), initialMass);

  let time = 0;
  let step = 0;
  let dtMin = Infinity;
  let dtMax = 0;
  let massDrift = 0;
  let minValue = minimum(values);
  const info: StepInfo = { step, time, dt, endTime, grid, values };

  for (const target of times) {
    const start = time;
    const count = Math.max(1, Math.ceil((target - start) / dt - 1e-9));
    const h = (target - start) / count;
    for (let k = 1; k <= count; k++) {
      if (step >= maxSteps) {
        throw new RangeError(`${setup.solver}: maxSteps = ${maxSteps} reached at time ${time}; raise maxSteps or dt`);
      }
      stepper(values, time, h);
      step++;
      // Setting the last step's time to the target avoids round-off drift in t.
      time = k === count ? target : start + k * h;
      if (h < dtMin) dtMin = h;
      if (h > dtMax) dtMax = h;

      // Scan for non-finite values and collect the minimum in one pass.
      let stepMin = Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) throw new NonFiniteError(step, time, i, v);
        if (v < stepMin) stepMin = v;
      }
      if (stepMin < minValue) minValue = stepMin;
      const mass = sum(values);
      const drift = Math.abs(mass - initialMass) / Math.abs(initialMass);
      if (drift > massDrift) massDrift = drift;

      info.step = step;
      info.time = time;
      info.dt = h;
      for (const observer of observers) observer.step?.(info);
      if (step % traceStride === 0 || k === count) recordTrace(time, stepMin, mass);
    }
    const snapshot: Snapshot = { time, step, density: new Density(grid, Float64Array.from(values)) };
    snapshots.push(snapshot);
    for (const observer of observers) observer.snapshot?.(snapshot);
  }

  const stats: SolverStats = {
    steps: step,
    dtMin,
    dtMax,
    massDrift,
    minValue,
    wallSeconds: (performance.now() - started) / 1000,
    ...setup.stats,
  };
  const solution: Solution = { solver: setup.solver, scheme: setup.scheme, problem, snapshots, trace, stats };
  for (const observer of observers) observer.finish?.(solution);
  return solution;
}

/** Smallest entry of `values`. */
export function minimum(values: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < m) m = values[i];
  return m;
}

/** Σ wᵢxᵢ / Σ wᵢ. */
export function weightedMean(weights: Float64Array, x: Float64Array): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < weights.length; i++) {
    s += weights[i] * x[i];
    w += weights[i];
  }
  return s / w;
}
