/**
 * The reduced particle system (ε → 0): agents carry λ only and are
 * selected on the effective fitness F(λ), each step in one of three forms:
 *
 * - `rate`: every agent is replaced with probability 1 − exp(−γΔt) by a
 *   mutated copy of a parent drawn with probability ∝ F. Its law follows
 *   ρ ← e^{−γΔt}ρ + (1 − e^{−γΔt}) K_δ ⋆ (Fρ)/⟨F⟩_ρ, which is the
 *   selection–mutation equation to first order in Δt;
 * - `generational`: every agent is replaced at once, the map
 *   ρ ← K_δ ⋆ (Fρ)/⟨F⟩_ρ;
 * - `truncation`: the round(qN) agents with the lowest fitness (at most
 *   N/2) become mutated copies of agents drawn uniformly from the same
 *   number of agents with the highest fitness. The others are kept.
 *
 * Parents are read from the population as it stood at the start of the
 * step. F is evaluated at the agents' exact λ, once per new λ. With
 * `evaluationNoise` s > 0 each step's evaluation is F·exp(sξ − s²/2),
 * ξ ~ N(0, 1), which has mean F.
 */

import { ConfigError } from '../../src/model/errors.js';
import type { Fitness } from '../../src/model/fitness.js';
import { WeightTransform } from './parents.js';
import { Parameter, Phase, WeightSource } from './phases.js';
import { Population, type PopulationOptions } from './population.js';

export type ReducedForm = 'rate' | 'generational' | 'truncation';

export interface ReducedSystemOptions extends PopulationOptions {
  /** Effective fitness F(λ) ≥ 0; its dimension must match the domain. */
  fitness: Fitness;
  form: ReducedForm;
  /** Selection rate γ ≥ 0 of the `rate` form. */
  gamma?: number;
  /** Truncation fraction 0 < q ≤ ½ of the `truncation` form. */
  q?: number;
  /** Standard deviation s ≥ 0 of the log of the multiplicative evaluation noise. @default 0 */
  evaluationNoise?: number;
}

export class ReducedParticleSystem extends Population {
  readonly fitness: Fitness;
  readonly form: ReducedForm;
  readonly gamma: number;
  readonly q: number;
  readonly evaluationNoise: number;
  private readonly point: number[];

  constructor(options: ReducedSystemOptions) {
    super(options, { model: null, spec: () => null });
    try {
      if (options.fitness.dim !== this.lambdaDim) {
        throw new ConfigError('fitness', `the fitness has dimension ${options.fitness.dim} but the domain is ${this.lambdaDim}D`);
      }
      this.fitness = options.fitness;
      this.form = checkForm(options.form);
      this.gamma = this.form === 'rate' ? checkGamma(options.gamma) : 0;
      this.q = this.form === 'truncation' ? checkTruncationFraction(options.q) : 0;
      this.evaluationNoise = checkEvaluationNoise(options.evaluationNoise ?? 0);
      this.point = new Array<number>(this.lambdaDim).fill(0);
      const values = this.buffers.fitnessValues;
      for (let i = 0; i < this.agents; i++) values[i] = this.evaluate(i);
    } catch (error) {
      // The workers have started in the base constructor.
      this.close();
      throw error;
    }
  }

  /** Number of agents replaced per truncation step: round(qN), at most ⌊N/2⌋. */
  get truncationCount(): number {
    return Math.min(Math.round(this.q * this.agents), Math.floor(this.agents / 2));
  }

  /**
   * Advances by one step: one time step of length dt in the rate form, one
   * generation of length dt in the other two.
   */
  step(dt = 1): void {
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`ReducedParticleSystem.step: dt = ${dt}; expected a finite dt > 0`);
    const probability = this.form === 'rate' ? -Math.expm1(-this.gamma * dt) : 1;
    this.beginStep(probability);
    const maxFitness = probability > 0 && this.form !== 'truncation' ? this.maxExactFitness() : undefined;
    if (maxFitness !== undefined) {
      // Weights ∝ F need no logarithms: the parent draws take F itself.
      this.prepareParents(WeightSource.FitnessValues, WeightTransform.Identity, 0, 0, maxFitness);
      this.runPhase(Phase.SelectByRate);
    } else if (probability > 0) {
      this.evaluateAll();
      this.estimateFitness();
      if (this.form === 'truncation') {
        this.rankForTruncation(this.truncationCount);
        this.runPhase(Phase.SelectByTruncation);
      } else {
        this.weightsFromEstimates();
        this.runPhase(Phase.SelectByRate);
      }
    } else {
      // Probability 0: every agent is kept and nothing is drawn.
      this.runPhase(Phase.SelectByRate);
    }
    this.finishStep(this.replacedThisStep(), dt);

    const values = this.buffers.fitnessValues;
    const parents = this.buffers.parentIndex;
    for (let i = 0; i < this.agents; i++) {
      if (parents[i] >= 0) values[i] = this.evaluate(i);
    }
  }

  /**
   * Returns the largest F when selection uses F itself (raw estimates
   * without evaluation noise), else undefined. Throws when every F is 0.
   */
  private maxExactFitness(): number | undefined {
    if (this.estimator.options.kind !== 'raw' || this.evaluationNoise > 0) return undefined;
    const values = this.buffers.fitnessValues;
    let max = 0;
    for (let i = 0; i < this.agents; i++) if (values[i] > max) max = values[i];
    if (max > 0) return max;
    throw new RangeError('particles: every agent has fitness 0, so selection is undefined; check F on the domain');
  }

  /** Writes this step's log evaluations: log F, plus noise drawn per block (one normal per agent). */
  private evaluateAll(): void {
    const s = this.evaluationNoise;
    if (s === 0) {
      const values = this.buffers.fitnessValues;
      const logEvaluations = this.buffers.logEvaluations;
      for (let i = 0; i < this.agents; i++) logEvaluations[i] = Math.log(values[i]);
      return;
    }
    this.setParameter(Parameter.NoiseStd, s);
    this.runPhase(Phase.EvaluationNoise);
  }

  /** Evaluates F(λ_i) and checks that it is finite and ≥ 0. */
  private evaluate(agent: number): number {
    const m = this.lambdaDim;
    const lambda = this.lambda;
    for (let k = 0; k < m; k++) this.point[k] = lambda[agent * m + k];
    const value = this.fitness.evaluate(this.point);
    if (!(value >= 0) || value === Infinity) {
      throw new ConfigError('fitness', `F(λ = ${this.point.join(', ')}) = ${value}; F must be finite and ≥ 0 on the domain`);
    }
    return value;
  }
}

function checkGamma(gamma: number | undefined): number {
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
    throw new ConfigError('gamma', `${String(gamma)} is invalid; the rate form needs a finite selection rate γ ≥ 0`);
  }
  return gamma;
}

function checkTruncationFraction(q: number | undefined): number {
  if (typeof q !== 'number' || !(q > 0 && q <= 0.5)) {
    throw new ConfigError('q', `${String(q)} is invalid; the truncation fraction must satisfy 0 < q ≤ 0.5`);
  }
  return q;
}

function checkEvaluationNoise(noise: number): number {
  if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0) {
    throw new ConfigError('evaluationNoise', `${noise} is invalid; expected a finite number ≥ 0`);
  }
  return noise;
}

function checkForm(form: ReducedForm): ReducedForm {
  if (form !== 'rate' && form !== 'generational' && form !== 'truncation') {
    throw new ConfigError('form', `'${String(form)}' is unknown; use 'rate', 'generational' or 'truncation'`);
  }
  return form;
}
