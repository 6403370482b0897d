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
  /** F(λ_i) without noise, updated when an agent's λ changes. */
  private readonly fitnessValues: Float64Array;
  private readonly point: number[];
  private readonly blockNormals: Float64Array;

  constructor(options: ReducedSystemOptions) {
    super(options);
    if (options.fitness.dim !== this.lambdaDim) {
      throw new ConfigError('fitness', `the fitness has dimension ${options.fitness.dim} but the domain is ${this.lambdaDim}D`);
    }
    this.fitness = options.fitness;
    this.form = checkForm(options.form);
    this.gamma = 0;
    this.q = 0;
    if (this.form === 'rate') {
      const gamma = options.gamma;
      if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
        throw new ConfigError('gamma', `${String(gamma)} is invalid; the rate form needs a finite selection rate γ ≥ 0`);
      }
      this.gamma = gamma;
    }
    if (this.form === 'truncation') {
      const q = options.q;
      if (typeof q !== 'number' || !(q > 0 && q <= 0.5)) {
        throw new ConfigError('q', `${String(q)} is invalid; the truncation fraction must satisfy 0 < q ≤ 0.5`);
      }
      this.q = q;
    }
    const noise = options.evaluationNoise ?? 0;
    if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0) {
      throw new ConfigError('evaluationNoise', `${noise} is invalid; expected a finite number ≥ 0`);
    }
    this.evaluationNoise = noise;

    this.point = new Array<number>(this.lambdaDim).fill(0);
    this.fitnessValues = new Float64Array(this.agents);
    for (let i = 0; i < this.agents; i++) this.fitnessValues[i] = this.evaluate(i);
    this.blockNormals = new Float64Array(noise > 0 ? Math.min(this.blocks.blockSize, this.agents) : 0);
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
    let replaced = 0;
    if (probability > 0 && this.form !== 'truncation' && this.selectsOnExactFitness()) {
      // Weights ∝ F need no logarithms: the alias table takes F itself.
      this.weights.set(this.fitnessValues);
      this.buildAliasTable();
      this.forEachBlock((block, start, end) => {
        replaced += this.selectByRate(block, start, end, probability);
      });
    } else if (probability > 0) {
      this.evaluateAll();
      this.estimateFitness();
      if (this.form === 'truncation') {
        const count = this.truncationCount;
        this.rankForTruncation(count);
        this.forEachBlock((block, start, end) => {
          replaced += this.selectByTruncation(block, start, end, count);
        });
      } else {
        this.weightsFromEstimates();
        this.forEachBlock((block, start, end) => {
          replaced += this.selectByRate(block, start, end, probability);
        });
      }
    } else {
      this.forEachBlock((block, start, end) => {
        replaced += this.selectByRate(block, start, end, 0);
      });
    }
    this.finishLambda();

    for (let i = 0; i < this.agents; i++) {
      if (this.parentIndex[i] >= 0) this.fitnessValues[i] = this.evaluate(i);
    }
    this.selectionCount += replaced;
    this.stepCount++;
    this.time += dt;
  }

  /** Returns whether selection uses F itself (raw estimates without evaluation noise); throws when every F is 0. */
  private selectsOnExactFitness(): boolean {
    if (this.estimator.options.kind !== 'raw' || this.evaluationNoise > 0) return false;
    for (let i = 0; i < this.agents; i++) if (this.fitnessValues[i] > 0) return true;
    throw new RangeError('particles: every agent has fitness 0, so selection is undefined; check F on the domain');
  }

  /** Writes this step's log evaluations: log F, plus noise drawn per block (one normal per agent). */
  private evaluateAll(): void {
    const s = this.evaluationNoise;
    const values = this.fitnessValues;
    if (s === 0) {
      for (let i = 0; i < this.agents; i++) this.logEvaluations[i] = Math.log(values[i]);
      return;
    }
    const normals = this.blockNormals;
    this.forEachBlock((block, start, end) => {
      this.draws[block].normals(normals, 0, end - start);
      for (let i = start; i < end; i++) {
        this.logEvaluations[i] = Math.log(values[i]) + s * normals[i - start] - 0.5 * s * s;
      }
    });
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

function checkForm(form: ReducedForm): ReducedForm {
  if (form !== 'rate' && form !== 'generational' && form !== 'truncation') {
    throw new ConfigError('form', `'${String(form)}' is unknown; use 'rate', 'generational' or 'truncation'`);
  }
  return form;
}
