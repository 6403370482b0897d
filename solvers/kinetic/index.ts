/**
 * Finite-volume solver of the joint kinetic equation for f(t, θ, λ),
 *
 *   ∂ₜf = (1/ε) ∂_θ(f ∂_θL + σ(λ) ∂_θf) + γ (K_δ ⋆_λ (ωf)/⟨ω⟩_f − f),
 *
 * by Strang splitting: half a step of the fast Fokker–Planck part, a full
 * step of selection–mutation, half a step of the fast part.
 *
 * The fast part (fokker-planck.ts) uses Chang–Cooper fluxes in θ and either
 * backward Euler (first order, tridiagonal M-matrix solve) or the exact flow
 * (exact-flow.ts). Both are unconditionally stable and positive, conserve
 * mass and keep the discrete Gibbs state, so the stiffness 1/ε puts no bound
 * on Δt. The slow part (selection.ts) is explicit, with γΔt ≤ 1 checked up
 * front for `euler` and `ssp-rk3`.
 *
 * Every variant is asymptotic preserving in the sense of Jin (Riv. Mat.
 * Univ. Parma 3 (2012) 177–216). Its stability does not depend on ε, and at
 * fixed Δt it becomes a scheme for the limit equation as ε → 0. As
 * Δt/ε → ∞ both fast integrators tend to the mass-preserving projection of
 * every λ column onto its discrete Gibbs state. Selection then always acts
 * on f = ρ(λ) μ_{λ,h}(θ). With the `euler` or `exponential` selection
 * integrator the λ-marginal then takes, step by step, the same integrator's
 * step of the selection–mutation equation with the discrete effective
 * fitness F_h (limit.ts).
 */

import { Density, sum } from '../../src/model/density.js';
import { InvariantError, NonFiniteError } from '../../src/model/errors.js';
import type { CellGrid } from '../../src/model/grid.js';
import type { Logger } from '../../src/model/logger.js';
import type { StepInfo } from '../../src/model/observer.js';
import type { Snapshot, SolverStats, Trace } from '../../src/model/solver.js';
import { minimum, weightedMean } from '../time/driver.js';
import { BackwardEulerFokkerPlanck, fokkerPlanckRates } from './fokker-planck.js';
import { ExactFokkerPlanckFlow } from './exact-flow.js';
import { lambdaMarginal, prepareKineticProblem, type KineticProblem, type KineticSetup } from './problem.js';
import {
  checkSelectionStep,
  makeSelectionStep,
  SELECTION_INTEGRATORS,
  type SelectionIntegrator,
} from './selection.js';

export type FokkerPlanckIntegrator = 'backward-euler' | 'exact';

export const FOKKER_PLANCK_INTEGRATORS: readonly FokkerPlanckIntegrator[] = ['backward-euler', 'exact'];

export interface KineticSolveOptions {
  /**
   * Target time step. Every interval between output times is split into
   * equal steps no longer than this. Default: 0.02/γ, capped at a hundredth
   * of the final time.
   */
  dt?: number;
  /** Integrator of the fast part. @default 'backward-euler' */
  fokkerPlanck?: FokkerPlanckIntegrator;
  /** Integrator of selection–mutation. @default 'euler' */
  selection?: SelectionIntegrator;
  /** Relative mass drift that aborts a run. @default 1e-10 */
  massTolerance?: number;
  /** Stop after this many steps with an error. @default 10_000_000 */
  maxSteps?: number;
  logger?: Logger;
}

export interface KineticSchemeInfo {
  name: string;
  fokkerPlanck: FokkerPlanckIntegrator;
  selection: SelectionIntegrator;
  /** Order in time at fixed ε when Δt resolves the fast scale. */
  timeOrder: number;
  /** Order in θ and λ for smooth data. */
  spaceOrder: number;
  /** Whether the λ-marginal reproduces the same integrator on (SM) with F_h as Δt/ε → ∞. */
  exactLimit: boolean;
  description: string;
}

/** The state at one output time. */
export interface KineticSnapshot {
  time: number;
  step: number;
  /** f on the product grid (θ axis 0, λ axis 1). */
  joint: Density;
  /** λ-marginal ρ(λ) = ∫ f dθ on the λ grid. */
  marginal: Density;
}

export interface KineticRunStart {
  problem: KineticProblem;
  solver: string;
  scheme: string;
  endTime: number;
  jointGrid: CellGrid;
}

/** Hooks called by the kinetic solver; `step` receives the θ-major state on the product grid. */
export interface KineticObserver {
  start?(info: KineticRunStart): void;
  step?(info: StepInfo): void;
  snapshot?(snapshot: KineticSnapshot): void;
  finish?(solution: KineticSolution): void;
}

export interface KineticSolution {
  solver: 'kinetic';
  scheme: string;
  problem: KineticProblem;
  /** Product grid of the joint snapshots. */
  jointGrid: CellGrid;
  /** Snapshot 0 is the initial state at t = 0, then one per output time. */
  snapshots: KineticSnapshot[];
  /** The λ-marginals as the snapshots of the other solvers, for reports. */
  marginals: Snapshot[];
  /** Per-step time, mass, min f, and the means of θ and λ (`mean[row] = [E θ, E λ]`). */
  trace: Trace;
  stats: SolverStats;
}

const SCHEMES: readonly KineticSchemeInfo[] = FOKKER_PLANCK_INTEGRATORS.flatMap((fokkerPlanck) =>
  SELECTION_INTEGRATORS.map((selection): KineticSchemeInfo => {
    const secondOrder = fokkerPlanck === 'exact' && selection === 'ssp-rk3';
    const fast = fokkerPlanck === 'exact' ? 'exact Chang–Cooper flow' : 'backward Euler Chang–Cooper';
    const bound = selection === 'exponential' ? 'any Δt' : 'γΔt ≤ 1';
    return {
      name: schemeName(fokkerPlanck, selection),
      fokkerPlanck,
      selection,
      timeOrder: secondOrder ? 2 : 1,
      spaceOrder: 2,
      exactLimit: selection !== 'ssp-rk3',
      description: `Strang splitting: ${fast} half steps around ${selection} selection–mutation, f ≥ 0 for ${bound}`,
    };
  }),
);

function schemeName(fokkerPlanck: FokkerPlanckIntegrator, selection: SelectionIntegrator): string {
  return `strang(${fokkerPlanck}, ${selection})`;
}

/** Upper bound on stored trace rows. Longer runs keep every k-th step. */
const TRACE_ROWS = 2000;

function defaultStep(problem: KineticProblem): number {
  const endTime = problem.times[problem.times.length - 1];
  const accuracyStep = problem.gamma > 0 ? 0.02 / problem.gamma : Infinity;
  return Math.min(accuracyStep, endTime / 100);
}

function resolveOptions(problem: KineticProblem, options: KineticSolveOptions) {
  const fokkerPlanck = options.fokkerPlanck ?? 'backward-euler';
  const selection = options.selection ?? 'euler';
  if (!FOKKER_PLANCK_INTEGRATORS.includes(fokkerPlanck)) {
    throw new RangeError(
      `kinetic: unknown Fokker–Planck integrator "${fokkerPlanck}"; available: ${FOKKER_PLANCK_INTEGRATORS.join(', ')}`,
    );
  }
  if (!SELECTION_INTEGRATORS.includes(selection)) {
    throw new RangeError(`kinetic: unknown selection integrator "${selection}"; available: ${SELECTION_INTEGRATORS.join(', ')}`);
  }
  const dt = options.dt ?? defaultStep(problem);
  if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`kinetic: dt = ${dt}; the time step must be finite and > 0`);
  checkSelectionStep(selection, problem.gamma, dt);
  return {
    fokkerPlanck,
    selection,
    dt,
    massTolerance: options.massTolerance ?? 1e-10,
    maxSteps: options.maxSteps ?? 10_000_000,
  };
}

/**
 * Builds the Strang step f ← F_{Δt/2} S_Δt F_{Δt/2} f in place, with F the
 * fast flow and S the selection step.
 */
export function makeKineticStepper(
  setup: KineticSetup,
  fokkerPlanck: FokkerPlanckIntegrator,
  selection: SelectionIntegrator,
): (values: Float64Array, dt: number) => void {
  const rates = fokkerPlanckRates(setup.loss, setup.sigma, setup.thetaCells, setup.thetaSpacing, setup.problem.epsilon);
  const fast = fokkerPlanck === 'exact' ? new ExactFokkerPlanckFlow(rates) : new BackwardEulerFokkerPlanck(rates);
  const select = makeSelectionStep(setup, selection);
  return (values, dt) => {
    fast.step(values, dt / 2);
    select(values, dt);
    fast.step(values, dt / 2);
  };
}

function snapshotOf(setup: KineticSetup, values: Float64Array, time: number, step: number): KineticSnapshot {
  const joint = new Density(setup.jointGrid, Float64Array.from(values));
  const marginalValues = lambdaMarginal(values, setup.thetaCells, setup.lambdaCells, setup.thetaSpacing);
  return { time, step, joint, marginal: new Density(setup.problem.lambdaGrid, marginalValues) };
}

/**
 * Integrates a kinetic problem from t = 0 through every output time. Each
 * interval between output times is split into equal steps, as in the other
 * solvers, so output times are hit exactly. Throws ConfigError for an
 * invalid problem, StepSizeError when Δt breaks the selection bound,
 * NonFiniteError for a NaN or ±Infinity in the state, and InvariantError
 * when the mass drifts by more than `massTolerance`.
 */
function solveKinetic(
  problem: KineticProblem,
  options: KineticSolveOptions = {},
  observers: readonly KineticObserver[] = [],
): KineticSolution {
  const started = performance.now();
  const setup = prepareKineticProblem(problem);
  const resolved = resolveOptions(problem, options);
  const scheme = schemeName(resolved.fokkerPlanck, resolved.selection);
  const stepper = makeKineticStepper(setup, resolved.fokkerPlanck, resolved.selection);
  const times = problem.times;
  const endTime = times[times.length - 1];
  options.logger?.info(`kinetic: ${scheme}, ${setup.jointGrid.describe()}, ε = ${problem.epsilon}, dt = ${resolved.dt}`);

  const values = Float64Array.from(problem.initial);
  const initialMass = sum(values);
  const snapshots: KineticSnapshot[] = [snapshotOf(setup, values, 0, 0)];
  const trace: Trace = { time: [], mean: [], mass: [], minValue: [] };
  const traceStride = Math.max(1, Math.ceil(Math.ceil(endTime / resolved.dt) / TRACE_ROWS));
  const coordinates = setup.jointGrid.centreCoordinates();
  const cellVolume = setup.jointGrid.cellVolume;
  const recordTrace = (time: number, minValue: number, mass: number): void => {
    trace.time.push(time);
    trace.mass.push(mass * cellVolume);
    trace.minValue.push(minValue);
    trace.mean.push(coordinates.map((c) => weightedMean(values, c)));
  };

  const start: KineticRunStart = { problem, solver: 'kinetic', scheme, endTime, jointGrid: setup.jointGrid };
  for (const observer of observers) observer.start?.(start);
  for (const observer of observers) observer.snapshot?.(snapshots[0]);
  recordTrace(0, minimum(values), initialMass);

  let time = 0;
  let step = 0;
  let dtMin = Infinity;
  let dtMax = 0;
  let massDrift = 0;
  let minValue = minimum(values);
  const info: StepInfo = { step, time, dt: resolved.dt, endTime, grid: setup.jointGrid, values };

  for (const target of times) {
    const begin = time;
    const count = Math.max(1, Math.ceil((target - begin) / resolved.dt - 1e-9));
    const h = (target - begin) / count;
    for (let k = 1; k <= count; k++) {
      if (step >= resolved.maxSteps) {
        throw new RangeError(`kinetic: maxSteps = ${resolved.maxSteps} reached at time ${time}; raise maxSteps or dt`);
      }
      stepper(values, h);
      step++;
      time = k === count ? target : begin + k * h;
      dtMin = Math.min(dtMin, h);
      dtMax = Math.max(dtMax, h);

      let stepMin = Infinity;
      for (let c = 0; c < values.length; c++) {
        const v = values[c];
        if (!Number.isFinite(v)) throw new NonFiniteError(step, time, c, v);
        if (v < stepMin) stepMin = v;
      }
      minValue = Math.min(minValue, stepMin);
      const mass = sum(values);
      const drift = Math.abs(mass - initialMass) / initialMass;
      massDrift = Math.max(massDrift, drift);
      if (drift > resolved.massTolerance) {
        throw new InvariantError(`kinetic: relative mass drift ${drift.toExponential(3)} exceeds ${resolved.massTolerance}`, step, time);
      }

      info.step = step;
      info.time = time;
      info.dt = h;
      for (const observer of observers) observer.step?.(info);
      if (step % traceStride === 0 || k === count) recordTrace(time, stepMin, mass);
    }
    const snapshot = snapshotOf(setup, values, time, step);
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
    epsilon: problem.epsilon,
    stiffness: dtMax / problem.epsilon,
  };
  const marginals: Snapshot[] = snapshots.map((s) => ({ time: s.time, step: s.step, density: s.marginal }));
  const solution: KineticSolution = {
    solver: 'kinetic',
    scheme,
    problem,
    jointGrid: setup.jointGrid,
    snapshots,
    marginals,
    trace,
    stats,
  };
  for (const observer of observers) observer.finish?.(solution);
  return solution;
}

/**
 * The kinetic solver. It is not in the shared solver registry, whose
 * `solve` takes the λ-only problems of the other solvers.
 */
export const kineticSolver = {
  name: 'kinetic',
  family: 'finite-volume',
  schemes: (): readonly KineticSchemeInfo[] => SCHEMES,
  solve: solveKinetic,
} as const;

export { discreteEffectiveFitness, discreteGibbsState, gibbsProduct, type KineticLimitData } from './limit.js';
export {
  kineticJointGrid,
  lambdaMarginal,
  prepareKineticProblem,
  type JointFunctionInput,
  type KineticProblem,
  type KineticSetup,
  type SigmaInput,
} from './problem.js';
export { SELECTION_INTEGRATORS, selectionStepBound, type SelectionIntegrator } from './selection.js';
export { BackwardEulerFokkerPlanck, bernoulli, fokkerPlanckRates, gibbsWeights, type ChainRates } from './fokker-planck.js';
export { EXACT_FLOW_MAX_CELLS, ExactFokkerPlanckFlow } from './exact-flow.js';
