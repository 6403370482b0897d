/**
 * The full particle system against the kinetic equation at finite ε.
 *
 * N agents (θ_i ∈ R, λ_i ∈ Λ) train by Euler–Maruyama at speed 1/ε and are
 * replaced at rate γ by Boltzmann-selected, mutated copies (ParticleSystem).
 * As N → ∞ their empirical measure tends to the solution f of the kinetic
 * equation, at the Monte Carlo rate: the Wasserstein-1 distance of the λ-
 * and θ-marginals to those of f should fall like N^{−1/2}. This module
 * measures that distance at one time over a ladder of N with seeded
 * replicas and fits the slope of log W1 against log N.
 *
 * The particles start from the law of the solver's initial state, the
 * piecewise-constant f₀ on the product grid, so both sides share t = 0
 * exactly. What separates their laws at later times, besides the N^{−1/2}
 * fluctuation, is measured or estimated and returned as `biases`:
 *
 * - the solver's own error: its time error (the same run at half the
 *   step) and its mesh error (backward Euler at one step on the grid and
 *   on a grid refined twice per axis).
 * - the stepped selection: per particle step of length Δt each agent is
 *   replaced with probability 1 − e^{−γΔt}, whose mean field is
 *   ρ ← e^{−γΔt}ρ + (1 − e^{−γΔt})G(ρ). It is measured as the distance
 *   between the reference and the kinetic solver run with that very step
 *   (`exponential` selection) at the particle Δt. That run's fast part is
 *   backward Euler, whose O(Δt/ε) error the figure includes.
 * - Euler–Maruyama: for L quadratic in θ with curvature c its stationary
 *   variance is σ/(c(1 − cΔt/(2ε))) in place of σ/c. The estimate returned
 *   is the W1 between two centred normals with these variances, averaged
 *   over ρ. It is exact only for a quadratic L.
 *
 * Choose Δt/ε small enough that every bias is well below the mean W1 at the
 * largest N, or the fitted slope flattens.
 */

import { Density } from '../src/model/density.js';
import { ConfigError } from '../src/model/errors.js';
import { CellGrid } from '../src/model/grid.js';
import { streamFor } from '../src/random/index.js';
import type { EpsilonStudyRows } from '../src/report/kinetic-figures.js';
// Imported module by module, because the particles index registers the
// particles solver as a side effect.
import { StreamDraws } from '../solvers/particles/blocks.js';
import { wassersteinBetweenDensities, wassersteinToDensity } from '../solvers/particles/empirical.js';
import { ExpressionModel, type ParticleModel } from '../solvers/particles/models.js';
import { DensitySampler } from '../solvers/particles/sampling.js';
import { ParticleSystem } from '../solvers/particles/system.js';
import { sigmaEvaluator } from '../solvers/kinetic/problem.js';
import {
  kineticJointGrid,
  kineticSolver,
  type FokkerPlanckIntegrator,
  type JointFunctionInput,
  type KineticProblem,
  type KineticSnapshot,
  type SelectionIntegrator,
} from '../solvers/kinetic/index.js';
import { observedOrder } from './convergence.js';
import { runEpsilonStudy, type EpsilonStudyOptions } from './epsilon-study.js';

/** The quick N ladder: 1e2 to 1e4, two points per decade. */
export const QUICK_PARTICLES: readonly number[] = [100, 316, 1000, 3162, 10000];

/**
 * Block index of the stream that draws the initial agents. The system's own
 * blocks use indices 0 … ⌈N/blockSize⌉ − 1, far below it.
 */
const INITIAL_STREAM_BLOCK = 2 ** 40;

export interface KineticReferenceOptions {
  /** @default 'exact' when n_θ ≤ EXACT_REFERENCE_CELLS, else 'backward-euler' */
  fokkerPlanck?: FokkerPlanckIntegrator;
  /** @default 'ssp-rk3' */
  selection?: SelectionIntegrator;
  /** @default the kinetic solver's default, min(0.02/γ, t/100) */
  dt?: number;
}

/**
 * Largest n_θ for which the reference uses the exact flow by default. Above
 * it the dense propagators cost more than backward Euler at a smaller step.
 */
export const EXACT_REFERENCE_CELLS = 128;

export interface KineticParticleStudyOptions {
  /** The kinetic problem; λ must live on a box. Its output times are replaced by `time`. */
  problem: KineticProblem;
  /**
   * L, ∇_θL, σ and V of the agents, the same functions as the problem's.
   * Default: an ExpressionModel compiled from the problem's expression
   * strings (an error when they are plain functions).
   */
  model?: ParticleModel;
  /**
   * Bound on ∂²L/∂θ² where the agents are. It enables the Euler–Maruyama
   * stability check of the default model and the estimate of its variance
   * bias, which it overstates where the curvature is lower.
   */
  curvature?: number;
  /** Population sizes, at least two, increasing. @default QUICK_PARTICLES */
  particles?: readonly number[];
  /** Seeded replicas per population size, at least 2. */
  replicas: number;
  /** Comparison time. @default the problem's last output time */
  time?: number;
  /** Particle time step. The run takes ⌈t/Δt⌉ equal steps. */
  particleDt: number;
  /** Seed of the first replica; replica k of ladder entry n uses seed + n·replicas + k. @default 0 */
  seed?: number;
  reference?: KineticReferenceOptions;
  /** Also solve on a grid refined twice per axis to measure the mesh error. @default true */
  meshCheck?: boolean;
  /** Called after every replica with the number done and the total. */
  onReplica?: (done: number, total: number) => void;
}

/** Mean and standard error of the mean over the replicas. */
export interface ReplicaStatistic {
  mean: number;
  standardError: number;
  values: number[];
}

export interface KineticParticleRow {
  particles: number;
  /** W1 of the λ-marginal, particles against the reference. */
  w1Lambda: ReplicaStatistic;
  /** W1 of the θ-marginal, particles against the reference. */
  w1Theta: ReplicaStatistic;
  /** Mean number of agents outside the θ interval of the grid at the comparison time. */
  outsideTheta: number;
  /** Wall time of all replicas of this N. */
  wallSeconds: number;
}

/** Least-squares slope of log(mean W1) against log N with its standard error (delta method on the replica means). */
export interface SlopeFit {
  slope: number;
  standardError: number;
}

/** W1 distances of the λ- and θ-marginals. */
export interface MarginalDistances {
  lambda: number;
  theta: number;
}

export interface KineticParticleBiases {
  /** Reference at its step against the same at half the step. */
  referenceTime: MarginalDistances;
  /** Reference against the run on a grid refined twice per axis; null without the mesh check. */
  mesh: MarginalDistances | null;
  /** Reference against the mean field of the stepped selection at the particle Δt. */
  selectionStep: MarginalDistances;
  /** Estimated W1 bias of the θ-marginal from the Euler–Maruyama variance; null without `curvature`. */
  eulerMaruyamaTheta: number | null;
}

export interface KineticParticleStudyResult {
  time: number;
  epsilon: number;
  particleDt: number;
  particleSteps: number;
  replicas: number;
  seed: number;
  rows: KineticParticleRow[];
  slopes: { lambda: SlopeFit; theta: SlopeFit };
  biases: KineticParticleBiases;
  /** Largest bias of each marginal over the measured and estimated ones. */
  largestBias: MarginalDistances;
  /** The reference state at the comparison time. */
  reference: KineticSnapshot;
  referenceScheme: string;
  referenceDt: number;
}

// ---------------------------------------------------------------------------
// Setup

/** Source text of an expression input, or undefined for a plain function. */
function expressionSource(input: JointFunctionInput | KineticProblem['sigma']): string | number | undefined {
  if (typeof input === 'string' || typeof input === 'number') return input;
  if (typeof input === 'function') return undefined;
  return input.source;
}

/**
 * Builds the ExpressionModel of a kinetic problem given by expression
 * strings (or compiled expressions, whose source is recompiled with the
 * problem's parameters). Throws ConfigError when L, V or σ is a plain
 * function, whose gradient is unknown.
 */
export function particleModelFor(problem: KineticProblem, curvature?: number): ExpressionModel {
  const loss = expressionSource(problem.loss);
  const validation = expressionSource(problem.validation);
  const sigma = expressionSource(problem.sigma);
  if (typeof loss !== 'string' || typeof validation !== 'string' || sigma === undefined) {
    throw new ConfigError(
      'model',
      'the problem gives L, V or σ as a plain function, so the gradient of L is unknown; pass a ParticleModel with the same functions',
    );
  }
  return new ExpressionModel({ thetaDim: 1, loss, validation, sigma, parameters: problem.parameters, curvature });
}

/**
 * Draws N agents from the piecewise-constant initial density of the
 * problem: a product-grid cell with probability f₀·|cell|, then a point
 * uniform in it. Returns θ and λ, N values each.
 */
export function sampleInitialAgents(problem: KineticProblem, count: number, seed: number): { theta: Float64Array; lambda: Float64Array } {
  const grid = kineticJointGrid(problem.thetaGrid, problem.lambdaGrid);
  const sampler = new DensitySampler(new Density(grid, problem.initial), 'initial');
  const draws = new StreamDraws(streamFor(seed, INITIAL_STREAM_BLOCK));
  const pair = new Float64Array(2);
  const theta = new Float64Array(count);
  const lambda = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    sampler.sample(draws, pair, 0);
    theta[i] = pair[0];
    lambda[i] = pair[1];
  }
  return { theta, lambda };
}

/** Returns the problem on a grid refined by 2 per axis, with f₀ prolonged as the same piecewise-constant law. */
function refinedProblem(problem: KineticProblem): KineticProblem {
  const { thetaGrid, lambdaGrid } = problem;
  const thetaCells = thetaGrid.shape[0];
  const lambdaCells = lambdaGrid.shape[0];
  const fineTheta = new CellGrid(thetaGrid.domain, 2 * thetaCells);
  const fineLambda = new CellGrid(lambdaGrid.domain, 2 * lambdaCells);
  const initial = new Float64Array(4 * thetaCells * lambdaCells);
  for (let j = 0; j < 2 * thetaCells; j++) {
    for (let i = 0; i < 2 * lambdaCells; i++) {
      initial[j * 2 * lambdaCells + i] = problem.initial[(j >> 1) * lambdaCells + (i >> 1)];
    }
  }
  return { ...problem, thetaGrid: fineTheta, lambdaGrid: fineLambda, initial };
}

/** Copies each coarse cell value to its two fine children, giving the same piecewise-constant density on the fine grid. */
function prolong(coarse: Density, fine: CellGrid): Density {
  const values = new Float64Array(fine.size);
  for (let i = 0; i < values.length; i++) values[i] = coarse.values[i >> 1];
  return new Density(fine, values);
}

function marginalDistances(a: KineticSnapshot, b: KineticSnapshot): MarginalDistances {
  const lambda = (s: KineticSnapshot) => s.marginal;
  const theta = (s: KineticSnapshot) => s.joint.marginal(0);
  const distance = (x: Density, y: Density) =>
    x.grid.shape[0] === y.grid.shape[0] ? wassersteinBetweenDensities(x, y) : wassersteinBetweenDensities(prolong(x, y.grid), y);
  return { lambda: distance(lambda(a), lambda(b)), theta: distance(theta(a), theta(b)) };
}

function statistic(values: number[]): ReplicaStatistic {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n), values };
}

/**
 * Fits log(mean) = slope·log N + c by least squares. The standard error
 * propagates the replica standard errors through the log (var log m ≈
 * (se/m)²), treating the N as independent.
 */
export function fitSlope(particles: readonly number[], statistics: readonly ReplicaStatistic[]): SlopeFit {
  const means = statistics.map((s) => s.mean);
  const slope = observedOrder(particles, means);
  const x = particles.map(Math.log);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  let sxx = 0;
  let variance = 0;
  for (let k = 0; k < x.length; k++) {
    sxx += (x[k] - mx) ** 2;
    variance += (x[k] - mx) ** 2 * (statistics[k].standardError / statistics[k].mean) ** 2;
  }
  return { slope, standardError: Math.sqrt(variance) / sxx };
}

/**
 * Estimates the W1 bias of the θ-marginal from the Euler–Maruyama
 * stationary variance σ/(c(1 − ch/2)), h = Δt/ε, against σ/c: for centred
 * normals W1 = √(2/π)·|s' − s|, averaged over ρ with s = √(σ(λ)/c).
 */
function eulerMaruyamaBias(problem: KineticProblem, marginal: Density, curvature: number, h: number): number {
  if (!(curvature * h < 2)) {
    throw new RangeError(`particle study: curvature·Δt/ε = ${curvature * h}; Euler–Maruyama is unstable for values ≥ 2, so lower particleDt`);
  }
  const sigma = sigmaEvaluator(problem.sigma, problem.parameters ?? {});
  const centres = marginal.grid.centres(0);
  const inflation = 1 / Math.sqrt(1 - (curvature * h) / 2) - 1;
  let average = 0;
  for (let i = 0; i < centres.length; i++) average += marginal.values[i] * Math.sqrt(sigma(centres[i]) / curvature);
  average *= marginal.grid.spacing[0];
  return Math.sqrt(2 / Math.PI) * average * inflation;
}

function checkOptions(options: KineticParticleStudyOptions, particles: readonly number[]): void {
  const { problem } = options;
  if (problem.lambdaGrid.domain.kind !== 'box') {
    throw new ConfigError('problem.lambdaGrid', 'the particle study needs λ on a box, because W1 on the line does not apply to a torus');
  }
  if (particles.length < 2 || particles.some((n, k) => !Number.isInteger(n) || n < 1 || (k > 0 && n <= particles[k - 1]))) {
    throw new RangeError(`particle study: particles = [${particles.join(', ')}]; give at least two increasing integers ≥ 1`);
  }
  if (!Number.isInteger(options.replicas) || options.replicas < 2) {
    throw new RangeError(`particle study: replicas = ${options.replicas}; give an integer ≥ 2, because the standard error needs two`);
  }
  if (options.curvature !== undefined && !(options.curvature > 0 && Number.isFinite(options.curvature))) {
    throw new RangeError(`particle study: curvature = ${options.curvature}; give a finite bound > 0 or leave it out`);
  }
  if (!(options.particleDt > 0) || !Number.isFinite(options.particleDt)) {
    throw new RangeError(`particle study: particleDt = ${options.particleDt}; give a finite step > 0`);
  }
}

// ---------------------------------------------------------------------------
// The study

/**
 * Runs the particle system over the N ladder with seeded replicas and
 * compares each final state with an accurate kinetic solution at `time`.
 * Returns the W1 statistics per N, the fitted slopes (−1/2 expected) and
 * the biases described in the file comment.
 */
export function runKineticParticleStudy(options: KineticParticleStudyOptions): KineticParticleStudyResult {
  const particles = options.particles ?? QUICK_PARTICLES;
  checkOptions(options, particles);
  const time = options.time ?? options.problem.times[options.problem.times.length - 1];
  const problem: KineticProblem = { ...options.problem, times: [time] };
  const model = options.model ?? particleModelFor(problem, options.curvature);
  const seed = options.seed ?? 0;

  // The reference and its time error.
  const thetaCells = problem.thetaGrid.shape[0];
  const referenceOptions = {
    fokkerPlanck: options.reference?.fokkerPlanck ?? (thetaCells <= EXACT_REFERENCE_CELLS ? 'exact' : 'backward-euler'),
    selection: options.reference?.selection ?? 'ssp-rk3',
    dt: options.reference?.dt,
  };
  const reference = kineticSolver.solve(problem, referenceOptions);
  const finalReference = reference.snapshots[1];
  const referenceDt = reference.stats.dtMax;
  const halfStep = kineticSolver.solve(problem, { ...referenceOptions, dt: referenceDt / 2 }).snapshots[1];

  // The mesh error: backward Euler on both meshes at the same step, so
  // that its time error, nearly the same on both, cancels in the difference.
  let mesh: MarginalDistances | null = null;
  if (options.meshCheck ?? true) {
    const meshOptions = { ...referenceOptions, fokkerPlanck: 'backward-euler' as const, dt: referenceDt };
    const coarse = kineticSolver.solve(problem, meshOptions).snapshots[1];
    const fine = kineticSolver.solve(refinedProblem(problem), meshOptions).snapshots[1];
    mesh = marginalDistances(coarse, fine);
  }

  // The mean field of the stepped selection, with backward Euler for the
  // fast part: its O(Δt/ε) time error is included, so this overstates the
  // selection-step bias.
  const steps = Math.max(1, Math.ceil(time / options.particleDt - 1e-9));
  const dt = time / steps;
  const stepped = kineticSolver.solve(problem, { fokkerPlanck: 'backward-euler', selection: 'exponential', dt });
  const curvature = options.curvature;
  const biases: KineticParticleBiases = {
    referenceTime: marginalDistances(finalReference, halfStep),
    mesh,
    selectionStep: marginalDistances(finalReference, stepped.snapshots[1]),
    eulerMaruyamaTheta:
      curvature === undefined ? null : eulerMaruyamaBias(problem, finalReference.marginal, curvature, dt / problem.epsilon),
  };

  // The particle runs.
  const lambdaDensity = finalReference.marginal;
  const thetaDensity = finalReference.joint.marginal(0);
  const total = particles.length * options.replicas;
  let done = 0;
  const rows = particles.map((count, n): KineticParticleRow => {
    const started = performance.now();
    const lambdaDistances: number[] = [];
    const thetaDistances: number[] = [];
    let outside = 0;
    for (let r = 0; r < options.replicas; r++) {
      const replicaSeed = seed + n * options.replicas + r;
      const agents = sampleInitialAgents(problem, count, replicaSeed);
      const system = new ParticleSystem({
        domain: problem.lambdaGrid.domain,
        particles: count,
        kernel: problem.kernel,
        initialLambda: agents.lambda,
        initialTheta: agents.theta,
        model,
        alpha: problem.alpha,
        gamma: problem.gamma,
        epsilon: problem.epsilon,
        seed: replicaSeed,
      });
      for (let k = 0; k < steps; k++) system.step(dt);
      lambdaDistances.push(wassersteinToDensity(system.sortedLambda(), lambdaDensity));
      const theta = system.sortedTheta();
      thetaDistances.push(wassersteinToDensity(theta, thetaDensity));
      outside += countOutside(theta, problem.thetaGrid.domain.lower[0], problem.thetaGrid.domain.upper[0]);
      options.onReplica?.(++done, total);
    }
    return {
      particles: count,
      w1Lambda: statistic(lambdaDistances),
      w1Theta: statistic(thetaDistances),
      outsideTheta: outside / options.replicas,
      wallSeconds: (performance.now() - started) / 1000,
    };
  });

  const measured = [biases.referenceTime, biases.mesh, biases.selectionStep].filter((b): b is MarginalDistances => b !== null);
  const largestBias = {
    lambda: Math.max(...measured.map((b) => b.lambda)),
    theta: Math.max(...measured.map((b) => b.theta), biases.eulerMaruyamaTheta ?? 0),
  };
  return {
    time,
    epsilon: problem.epsilon,
    particleDt: dt,
    particleSteps: steps,
    replicas: options.replicas,
    seed,
    rows,
    slopes: {
      lambda: fitSlope(particles, rows.map((row) => row.w1Lambda)),
      theta: fitSlope(particles, rows.map((row) => row.w1Theta)),
    },
    biases,
    largestBias,
    reference: finalReference,
    referenceScheme: reference.scheme,
    referenceDt,
  };
}

function countOutside(sorted: Float64Array, lower: number, upper: number): number {
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (sorted[i] < lower || sorted[i] > upper) count++;
  return count;
}

// ---------------------------------------------------------------------------
// The ε-study for reports

/**
 * Runs the ε-study (runEpsilonStudy) and returns its rows and rates in the
 * form the kinetic report draws, without the reference solution.
 */
export function runKineticEpsilonStudy(options: EpsilonStudyOptions): EpsilonStudyRows {
  const study = runEpsilonStudy(options);
  return {
    times: study.times,
    rows: study.rows.map((row) => ({ epsilon: row.epsilon, dt: row.dt, steps: row.steps, wallSeconds: row.wallSeconds, errors: row.errors })),
    rates: study.rates,
  };
}
