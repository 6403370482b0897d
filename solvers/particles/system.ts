/**
 * The full particle system of population-based training: N agents with
 * parameters θ_i ∈ R^d and hyperparameters λ_i ∈ Λ ⊂ R^m.
 *
 * One step of length Δt:
 * 1. every agent is evaluated, V_i = V(θ_i, λ_i), with Boltzmann weight
 *    ω_i = exp(−αV_i), and the fitness estimates are updated;
 * 2. every agent is replaced with probability 1 − exp(−γΔt): it draws a
 *    parent j with probability ω_j/Σω (alias table, O(1) per draw), copies
 *    θ_j and takes the mutated λ_j. Parents are read from θ, λ and weights
 *    as they stood at the start of the step;
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
import { boltzmannWeights } from '../../src/random/index.js';
import { columnCovariance, columnMeans, histogram, sortedColumn, type Histogram } from './empirical.js';
import type { ParticleModel } from './models.js';
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
  private thetaCurrent: Float64Array;
  private thetaNext: Float64Array;
  private readonly losses: Float64Array;
  /** Normals of one block: blockSize·d entries. */
  private readonly blockNormals: Float64Array;

  constructor(options: ParticleSystemOptions) {
    super(options);
    const model = options.model;
    model.checkDomain(options.domain);
    if (model.lambdaDim !== this.lambdaDim) {
      throw new ConfigError('model', `the model has ${model.lambdaDim} hyperparameter(s) but the domain is ${this.lambdaDim}D`);
    }
    this.model = model;
    this.thetaDim = model.thetaDim;
    this.alpha = checkRate('alpha', options.alpha);
    this.gamma = checkRate('gamma', options.gamma);
    const epsilon = options.epsilon;
    if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
      throw new ConfigError('epsilon', `${epsilon} is invalid; the time-scale ratio must be finite and > 0`);
    }
    this.epsilon = epsilon;

    const size = this.agents * this.thetaDim;
    this.thetaCurrent = initialTheta(options.initialTheta ?? 0, this.agents, this.thetaDim);
    this.thetaNext = new Float64Array(size);
    this.losses = new Float64Array(this.agents);
    this.blockNormals = new Float64Array(Math.min(this.blocks.blockSize, this.agents) * this.thetaDim);
  }

  /** θ of every agent, N·d values row-major. Each step replaces this array: read it again after a step. */
  get theta(): Float64Array {
    return this.thetaCurrent;
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
   */
  step(dt: number): void {
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`ParticleSystem.step: dt = ${dt}; expected a finite dt > 0`);
    const bound = this.maxStableStep();
    if (bound !== undefined && dt >= bound) {
      throw new StepSizeError('Euler–Maruyama', dt, bound, 'the step is unstable for (Δt/ε)·curvature ≥ 2');
    }
    const probability = -Math.expm1(-this.gamma * dt);
    if (probability > 0) this.prepareSelection();

    const h = dt / this.epsilon;
    const d = this.thetaDim;
    let replaced = 0;
    // NOTE: every block runs on this thread. Worker threads over SharedArrayBuffer
    // would each take a set of blocks here. Because every block has its own stream,
    // any such split gives the same bits as this loop (the block-order tests check it).
    this.forEachBlock((block, start, end) => {
      replaced += this.selectByRate(block, start, end, probability);
      const normals = this.blockNormals;
      this.draws[block].normals(normals, 0, (end - start) * d);
      this.model.eulerMaruyama(this.thetaCurrent, this.sourceIndex, this.nextLambda, normals, h, start, end, this.thetaNext);
      this.checkTheta(start, end);
    });

    this.finishLambda();
    const previous = this.thetaCurrent;
    this.thetaCurrent = this.thetaNext;
    this.thetaNext = previous;
    this.selectionCount += replaced;
    this.stepCount++;
    this.time += dt;
  }

  /** Evaluates V, updates the estimates, and builds the alias table of the selection weights. */
  private prepareSelection(): void {
    const theta = this.thetaCurrent;
    this.forEachBlock((_block, start, end) => this.model.validationLosses(theta, this.lambda, start, end, this.losses));
    for (let i = 0; i < this.agents; i++) {
      const loss = this.losses[i];
      if (!Number.isFinite(loss)) {
        throw new RangeError(`ParticleSystem: V(θ, λ) = ${loss} for agent ${i} at step ${this.stepCount + 1}; V must be finite`);
      }
    }
    if (this.estimator.options.kind === 'raw') {
      // Boltzmann weights exp(−α(V − min V)), shifted by the best agent so they cannot underflow.
      boltzmannWeights(this.losses, this.alpha, this.weights);
      this.buildAliasTable();
      return;
    }
    for (let i = 0; i < this.agents; i++) this.logEvaluations[i] = -this.alpha * this.losses[i];
    this.estimateFitness();
    this.weightsFromEstimates();
  }

  private checkTheta(start: number, end: number): void {
    const d = this.thetaDim;
    const next = this.thetaNext;
    for (let j = start * d; j < end * d; j++) {
      if (!Number.isFinite(next[j])) {
        throw new RangeError(
          `ParticleSystem: θ of agent ${Math.floor(j / d)} became ${next[j]} at step ${this.stepCount + 1} ` +
            `(time ${this.time}); reduce dt or check ∇L and σ`,
        );
      }
    }
  }

  /** Mean of θ per coordinate. */
  thetaMean(): Float64Array {
    return columnMeans(this.thetaCurrent, this.thetaDim);
  }

  /** Covariance of θ (d × d, normalised by N). */
  thetaCovariance(): number[][] {
    return columnCovariance(this.thetaCurrent, this.thetaDim);
  }

  /** Coordinate `axis` of θ over all agents, sorted. */
  sortedTheta(axis = 0): Float64Array {
    return sortedColumn(this.thetaCurrent, this.thetaDim, axis);
  }

  /**
   * Histogram of θ coordinates `axes` (one per grid dimension) on a grid
   * whose box is a window of θ-space, with the number of agents outside it.
   */
  thetaHistogram(grid: CellGrid, axes: readonly number[] = grid.dim === 1 ? [0] : [0, 1]): Histogram {
    return histogram(this.thetaCurrent, this.thetaDim, axes, grid);
  }
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
