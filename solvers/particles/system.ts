/**
 * The full particle system of population-based training: N agents with
 * parameters θ_i ∈ R^d and hyperparameters λ_i ∈ Λ ⊂ R^m.
 *
 * One step of length Δt, in the law it follows (`step` describes the order
 * in which the work is done):
 * 1. every agent is evaluated, V_i = V(θ_i, λ_i), with Boltzmann weight
 *    ω_i = exp(−αV_i), and the fitness estimates are updated;
 * 2. every agent is replaced with probability 1 − exp(−γΔt): it draws a
 *    parent j with probability ω_j/Σω (ParentTable: a search in running
 *    sums of ω, or rejection), copies θ_j and takes the mutated λ_j.
 *    Parents are read from θ, λ and weights as they stood at the start of
 *    the step;
 * 3. θ takes one Euler–Maruyama step with the new λ:
 *    θ ← θ − (Δt/ε)∇_θL(θ, λ) + sqrt(2σ(λ)Δt/ε)·ξ.
 *
 * The law of this stepped system follows the selection term to first order
 * in Δt. Euler–Maruyama is first order in Δt weakly and biases the fast
 * equilibrium: for L quadratic with curvature c its stationary variance is
 * σ/(c(1 − cΔt/(2ε))) instead of σ/c, and it is unstable for cΔt/ε ≥ 2.
 */

import type { CellGrid } from '../../src/model/grid.js';
import { ConfigError, StepSizeError } from '../../src/model/errors.js';
import { columnCovariance, columnMeans, histogram, sortedColumn, type Histogram } from './empirical.js';
import { modelSpec, type ParticleModel } from './models.js';
import { WeightTransform } from './parents.js';
import { Parameter, Phase, WeightSource } from './phases.js';
import { Population, type PopulationOptions } from './population.js';

export interface ParticleSystemOptions extends PopulationOptions {
  /** L, ∇_θL, σ and V; its λ dimension must match the domain. */
  model: ParticleModel;
  /** Selection strength α ≥ 0 of the Boltzmann weights exp(−αV). */
  alpha: number;
  /** Selection rate γ ≥ 0 (events per agent per unit time); 0 turns selection off. */
  gamma: number;
  /** Time-scale ratio ε > 0: θ moves at speed 1/ε. */
  epsilon: number;
  /** Initial θ: N·d values (row-major), d values shared by every agent, or one number. @default 0 */
  initialTheta?: Float64Array | readonly number[] | number;
}

export class ParticleSystem extends Population {
  readonly thetaDim: number;
  readonly model: ParticleModel;
  readonly alpha: number;
  readonly gamma: number;
  readonly epsilon: number;

  constructor(options: ParticleSystemOptions) {
    const model = checkModel(options);
    super(options, { model, spec: () => modelSpec(model) });
    this.model = model;
    this.thetaDim = model.thetaDim;
    try {
      this.alpha = checkRate('alpha', options.alpha);
      this.gamma = checkRate('gamma', options.gamma);
      this.epsilon = checkEpsilon(options.epsilon);
      this.buffers.theta[0].set(initialTheta(options.initialTheta ?? 0, this.agents, this.thetaDim));
    } catch (error) {
      // The workers have started in the base constructor.
      this.close();
      throw error;
    }
  }

  /** θ of every agent, N·d values row-major. Each step replaces this array: read it again after a step. */
  get theta(): Float64Array {
    return this.buffers.theta[this.parity];
  }

  /**
   * Returns the largest stable step 2ε/c, because Euler–Maruyama needs
   * (Δt/ε)·c < 2 for the curvature bound c of the model. Returns undefined
   * when the model gives no bound.
   */
  maxStableStep(): number | undefined {
    const curvature = this.model.maxCurvature(this.domain);
    return curvature === undefined || curvature <= 0 ? undefined : (2 * this.epsilon) / curvature;
  }

  /**
   * Advances by one step of length dt (see the file comment for the
   * order). Throws StepSizeError when dt breaks the stability bound, and a
   * RangeError when V or θ becomes non-finite.
   *
   * The step runs as phases over all blocks. MoveKept decides which agents
   * are replaced, evaluates V and moves the kept agents. The selection
   * weights come next: their minimum or estimates on this thread, then the
   * running sums per block unless parents are drawn by rejection.
   * ReplaceAndMove then draws the parents and mutations and moves the
   * replaced agents. Kept agents move before the parents are drawn because
   * neither depends on the other, and this reads θ once for both V and the
   * move. The current θ and λ stay unchanged until the step ends, so every
   * parent is read as it stood at the start.
   */
  step(dt: number): void {
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`ParticleSystem.step: dt = ${dt}; expected a finite dt > 0`);
    const bound = this.maxStableStep();
    if (bound !== undefined && dt >= bound) {
      throw new StepSizeError('Euler–Maruyama', dt, bound, 'the step is unstable for (Δt/ε)·curvature ≥ 2');
    }
    const probability = -Math.expm1(-this.gamma * dt);
    this.beginStep(probability);
    this.setParameter(Parameter.H, dt / this.epsilon);
    this.runPhase(Phase.MoveKept);
    if (probability > 0) {
      this.prepareSelection();
      this.runPhase(Phase.ReplaceAndMove);
    }
    this.finishStep(this.replacedThisStep(), dt);
  }

  /** Updates the fitness estimates from V and builds the parent table of the selection weights. */
  private prepareSelection(): void {
    if (this.estimator.options.kind === 'raw') {
      // Boltzmann weights exp(−α(V − min V)): the best agent has weight 1, so the sum cannot underflow.
      let min = Infinity;
      for (let b = 0; b < this.blocks.count; b++) min = Math.min(min, this.buffers.blockMinima[b]);
      this.prepareParents(WeightSource.Losses, WeightTransform.Exp, -this.alpha, min, 1);
      return;
    }
    const losses = this.buffers.losses;
    const logEvaluations = this.buffers.logEvaluations;
    for (let i = 0; i < this.agents; i++) logEvaluations[i] = -this.alpha * losses[i];
    this.estimateFitness();
    this.weightsFromEstimates();
  }

  /** Mean of θ per coordinate. */
  thetaMean(): Float64Array {
    return columnMeans(this.theta, this.thetaDim);
  }

  /** Covariance of θ (d × d, normalised by N). */
  thetaCovariance(): number[][] {
    return columnCovariance(this.theta, this.thetaDim);
  }

  /** Coordinate `axis` of θ over all agents, sorted. */
  sortedTheta(axis = 0): Float64Array {
    return sortedColumn(this.theta, this.thetaDim, axis);
  }

  /**
   * Histogram of θ coordinates `axes` (one per grid dimension) on a grid
   * whose box is a window of θ-space, with the number of agents outside it.
   */
  thetaHistogram(grid: CellGrid, axes: readonly number[] = grid.dim === 1 ? [0] : [0, 1]): Histogram {
    return histogram(this.theta, this.thetaDim, axes, grid);
  }
}

/** Checks that the model fits the domain before the population is built. */
function checkModel(options: ParticleSystemOptions): ParticleModel {
  const model = options.model;
  model.checkDomain(options.domain);
  if (model.lambdaDim !== options.domain.dim) {
    throw new ConfigError('model', `the model has ${model.lambdaDim} hyperparameter(s) but the domain is ${options.domain.dim}D`);
  }
  return model;
}

function checkEpsilon(epsilon: number): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new ConfigError('epsilon', `${epsilon} is invalid; the time-scale ratio must be finite and > 0`);
  }
  return epsilon;
}

function checkRate(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `${value} is invalid; expected a finite number ≥ 0`);
  }
  return value;
}

function initialTheta(initial: Float64Array | readonly number[] | number, agents: number, d: number): Float64Array {
  const theta = new Float64Array(agents * d);
  if (typeof initial === 'number') {
    theta.fill(initial);
  } else if (initial.length === agents * d) {
    theta.set(initial);
  } else if (initial.length === d) {
    for (let i = 0; i < agents; i++) for (let k = 0; k < d; k++) theta[i * d + k] = initial[k];
  } else {
    throw new ConfigError('initialTheta', `${initial.length} values given; expected N·d = ${agents * d}, d = ${d}, or one number`);
  }
  for (let j = 0; j < theta.length; j++) {
    if (!Number.isFinite(theta[j])) throw new ConfigError('initialTheta', `entry ${j} = ${theta[j]} is invalid; expected finite values`);
  }
  return theta;
}
