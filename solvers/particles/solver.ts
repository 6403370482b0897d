/**
 * The `particles` solver: runs the reduced particle system on SM (rate
 * form), G (generational) and T (truncation) problems and returns
 * histograms on the problem grid, so its solutions compare directly with
 * the finite-volume and spectral ones.
 */

import { sum, type Density } from '../../src/model/density.js';
import { ConfigError, InvariantError } from '../../src/model/errors.js';
import type { Observer, StepInfo } from '../../src/model/observer.js';
import type { EquationForm, GenerationalProblem, Problem, SelectionMutationProblem, TruncationProblem } from '../../src/model/problem.js';
import type { SchemeInfo, Snapshot, Solution, SolveOptions, Solver, SolverStats, Trace } from '../../src/model/solver.js';
import { ReducedParticleSystem, type ReducedForm } from './reduced.js';

export interface ParticleSolveOptions extends SolveOptions {
  /** Number of agents N. @default 10000 */
  particles?: number;
  /** Seed of the random streams, an integer in [0, 2^53 − 1]. @default 0 */
  seed?: number;
  /**
   * Threads that run the particle blocks, the calling thread included
   * (see PopulationOptions.threads); results do not depend on it. @default 1
   */
  threads?: number;
}

export const DEFAULT_PARTICLES = 10_000;

/** Upper bound on stored trace rows, as in the time driver; longer runs keep every k-th step. */
const TRACE_ROWS = 2000;

const MONTE_CARLO = 'Monte Carlo error O(N^(−1/2)) in place of a space order';

const SCHEMES: Partial<Record<EquationForm, readonly SchemeInfo[]>> = {
  SM: [
    {
      name: 'rate',
      timeOrder: 1,
      spaceOrder: 0,
      description: `each agent is replaced with probability 1 − e^(−γΔt) per step; ${MONTE_CARLO}`,
    },
  ],
  G: [{ name: 'generational', timeOrder: 0, spaceOrder: 0, description: `all agents resampled every generation; ${MONTE_CARLO}` }],
  T: [
    {
      name: 'truncation',
      timeOrder: 0,
      spaceOrder: 0,
      description: `the bottom round(qN) agents copy uniformly from the top round(qN), then mutate; ${MONTE_CARLO}`,
    },
  ],
};

type ParticleProblem = SelectionMutationProblem | GenerationalProblem | TruncationProblem;

const FORMS: Record<ParticleProblem['form'], ReducedForm> = { SM: 'rate', G: 'generational', T: 'truncation' };

function checkProblem(problem: Problem): ParticleProblem {
  if (problem.form !== 'SM' && problem.form !== 'G' && problem.form !== 'T') {
    throw new RangeError(`particles: the ${problem.form} form has no particle system here; use SM, G or T, or another solver`);
  }
  return problem;
}

function schemeName(form: EquationForm, requested: string | undefined): string {
  const available = SCHEMES[form] ?? [];
  if (requested === undefined) return available[0].name;
  if (!available.some((s) => s.name === requested)) {
    throw new RangeError(`particles: unknown scheme "${requested}" for ${form}; available: ${available.map((s) => s.name).join(', ')}`);
  }
  return requested;
}

function timeStep(problem: ParticleProblem, options: ParticleSolveOptions): number {
  // A map advances one generation per step, as in the finite-volume solver.
  if (problem.form !== 'SM') return 1;
  if (!(problem.gamma > 0) || !Number.isFinite(problem.gamma)) {
    throw new ConfigError('gamma', `${problem.gamma} is invalid; the selection rate γ must be finite and > 0`);
  }
  // γΔt = 0.01 keeps the first-order bias of the stepped selection near 0.5% of the change per unit time.
  const dt = options.dt ?? 0.01 / problem.gamma;
  if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`particles: dt = ${dt}; the time step must be finite and > 0`);
  return dt;
}

/** Builds the reduced particle system of a problem. */
export function reducedSystemFor(problem: Problem, options: ParticleSolveOptions = {}): ReducedParticleSystem {
  const checked = checkProblem(problem);
  const particles = options.particles ?? DEFAULT_PARTICLES;
  if (checked.form === 'T' && particles < 2) {
    throw new ConfigError('particles', `${particles} is invalid for truncation selection; it needs at least 2 agents`);
  }
  return new ReducedParticleSystem({
    domain: checked.grid.domain,
    particles,
    seed: options.seed ?? 0,
    threads: options.threads ?? 1,
    kernel: checked.kernel,
    initialLambda: checked.initial,
    fitness: checked.fitness,
    form: FORMS[checked.form],
    gamma: checked.form === 'SM' ? checked.gamma : undefined,
    q: checked.form === 'T' ? checked.q : undefined,
  });
}

/** The reduced particle system for SM, G and T problems. */
export const particleSolver: Solver = {
  name: 'particles',
  family: 'particles',
  forms: ['SM', 'G', 'T'],
  schemes: (form) => SCHEMES[form] ?? [],
  solve(problem: Problem, options: ParticleSolveOptions = {}, observers: readonly Observer[] = []): Solution {
    const checked = checkProblem(problem);
    const scheme = schemeName(checked.form, options.scheme);
    const dt = timeStep(checked, options);
    const system = reducedSystemFor(checked, options);
    try {
      return runParticles(checked, system, scheme, dt, options, observers);
    } finally {
      system.close();
    }
  },
};

/**
 * Steps `system` through every output time of the problem, with the
 * contract of the time driver: each interval between output times is split
 * into ⌈length/dt⌉ equal steps, snapshot 0 is the state at t = 0 (here the
 * histogram of the initial agents), and the trace keeps at most 2000 rows.
 * The trace mean is the mean of the agents, not of the histogram.
 */
function runParticles(
  problem: ParticleProblem,
  system: ReducedParticleSystem,
  scheme: string,
  dt: number,
  options: ParticleSolveOptions,
  observers: readonly Observer[],
): Solution {
  const started = performance.now();
  const grid = problem.grid;
  const times = problem.times;
  const endTime = times[times.length - 1];
  const maxSteps = options.maxSteps ?? 10_000_000;
  const massTolerance = options.massTolerance ?? 1e-10;
  const stepObservers = observers.filter((observer) => observer.step !== undefined);

  const trace: Trace = { time: [], mean: [], mass: [], minValue: [] };
  const traceStride = Math.max(1, Math.ceil(Math.ceil(endTime / dt) / TRACE_ROWS));
  let massDrift = 0;
  let minValue = Infinity;

  /** Histogram of the agents, with its mass and minimum folded into the run statistics. */
  const observe = (time: number, step: number, record: boolean): Density => {
    const density = system.lambdaHistogram(grid);
    const mass = sum(density.values) * grid.cellVolume;
    const drift = Math.abs(mass - 1);
    if (drift > massDrift) massDrift = drift;
    if (drift > massTolerance) {
      throw new InvariantError(`particles: the histogram mass is ${mass}, which drifts from 1 by more than ${massTolerance}`, step, time);
    }
    const lowest = density.min();
    if (lowest < minValue) minValue = lowest;
    if (record) {
      trace.time.push(time);
      trace.mean.push(Array.from(system.lambdaMean()));
      trace.mass.push(mass);
      trace.minValue.push(lowest);
    }
    return density;
  };

  const initial = observe(0, 0, true);
  const snapshots: Snapshot[] = [{ time: 0, step: 0, density: initial }];
  for (const observer of observers) observer.start?.({ problem, solver: particleSolver.name, scheme, endTime });
  for (const observer of observers) observer.snapshot?.(snapshots[0]);

  let time = 0;
  let step = 0;
  let dtMin = Infinity;
  let dtMax = 0;
  let latest = initial;
  const info: StepInfo = { step, time, dt, endTime, grid, values: initial.values };
  for (const target of times) {
    const start = time;
    const count = Math.max(1, Math.ceil((target - start) / dt - 1e-9));
    const h = (target - start) / count;
    for (let k = 1; k <= count; k++) {
      if (step >= maxSteps) {
        throw new RangeError(`particles: maxSteps = ${maxSteps} reached at time ${time}; raise maxSteps or dt`);
      }
      system.step(h);
      step++;
      // Setting the last step's time to the target avoids round-off drift in t.
      time = k === count ? target : start + k * h;
      dtMin = Math.min(dtMin, h);
      dtMax = Math.max(dtMax, h);
      // The last step of an interval is always recorded, so `latest` is the state at the output time.
      const record = step % traceStride === 0 || k === count;
      if (stepObservers.length > 0 || record) {
        latest = observe(time, step, record);
        info.step = step;
        info.time = time;
        info.dt = h;
        info.values = latest.values;
        for (const observer of stepObservers) observer.step?.(info);
      }
    }
    const snapshot: Snapshot = { time, step, density: latest.clone() };
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
    particles: system.agents,
    seed: system.seed,
    blockSize: system.blocks.blockSize,
    selections: system.selectionCount,
  };
  const solution: Solution = { solver: particleSolver.name, scheme, problem, snapshots, trace, stats };
  for (const observer of observers) observer.finish?.(solution);
  return solution;
}
