/**
 * Training models of the full particle system: the training loss L(θ, λ),
 * its gradient in θ, the noise temperature σ(λ) and the validation loss
 * V(θ, λ), evaluated over a block of agents at a time.
 */

import type { Domain } from '../../src/model/domain.js';
import { ConfigError } from '../../src/model/errors.js';
import { compileDerivative, compileExpression, type CompiledExpression } from '../../src/model/expression.js';
import { lambdaVariables, type RidgeFitness } from '../../src/model/fitness-models.js';

/** L, ∇_θ L, σ and V for agents with θ ∈ R^d and λ ∈ R^m, in the row-major layout of ParticleSystem. */
export interface ParticleModel {
  /** Dimension d of θ. */
  readonly thetaDim: number;
  /** Dimension m of λ. */
  readonly lambdaDim: number;
  /** Throws ConfigError when the model is undefined somewhere on the domain. */
  checkDomain(domain: Domain): void;
  /** Writes V(θ_i, λ_i) into out[i] for agents start … end − 1. */
  validationLosses(theta: Float64Array, lambda: Float64Array, start: number, end: number, out: Float64Array): void;
  /**
   * One Euler–Maruyama step for agents i = start … end − 1 from the θ of
   * agent s = source[i] and the agent's own λ_i:
   * next_i = θ_s − h ∇_θL(θ_s, λ_i) + sqrt(2σ(λ_i)h)·ξ_i, with h = Δt/ε and
   * ξ_i = normals[(i − start)d … (i − start)d + d − 1].
   */
  eulerMaruyama(
    theta: Float64Array,
    source: Int32Array,
    lambda: Float64Array,
    normals: Float64Array,
    h: number,
    start: number,
    end: number,
    next: Float64Array,
  ): void;
  /**
   * Optional: the work of `validationLosses` and of `eulerMaruyama` with
   * source[i] = i, for agents i = start … end − 1 that move from their own
   * θ with their own λ, in one pass over θ. It must write the same values
   * as the two separate calls. The full system calls it, when present, for
   * the agents that selection keeps.
   */
  validationLossesAndStep?(
    theta: Float64Array,
    lambda: Float64Array,
    normals: Float64Array,
    h: number,
    start: number,
    end: number,
    next: Float64Array,
    losses: Float64Array,
  ): void;
  /**
   * The largest eigenvalue of the Hessian ∇²_θ L over θ and the domain, when
   * known. Euler–Maruyama on a quadratic L is stable for h·curvature < 2.
   */
  maxCurvature(domain: Domain): number | undefined;
  describe(): string;
}

export interface RidgeModelOptions {
  /** Dimension of θ, an integer ≥ 1. */
  d: number;
  /** Teacher u of the training loss: one number for every coordinate, or d numbers. */
  u: number | readonly number[];
  /** Target w of the validation loss: one number or d numbers. */
  w: number | readonly number[];
  /** Noise temperature T > 0. */
  temperature: number;
}

/**
 * The ridge teacher in closed form: L = ½|θ − u|² + (λ/2)|θ|², so
 * ∇_θ L = (1 + λ)θ − u, σ ≡ T and V = ½|θ − w|², with λ > −1 scalar.
 */
export class RidgeModel implements ParticleModel {
  readonly thetaDim: number;
  readonly lambdaDim = 1;
  readonly u: Float64Array;
  readonly w: Float64Array;
  readonly temperature: number;

  constructor(options: RidgeModelOptions) {
    const d = options.d;
    if (!Number.isInteger(d) || d < 1) throw new ConfigError('model.d', `${d} is invalid; the dimension of θ must be an integer ≥ 1`);
    this.thetaDim = d;
    this.u = vectorOption('model.u', options.u, d);
    this.w = vectorOption('model.w', options.w, d);
    const t = options.temperature;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      throw new ConfigError('model.temperature', `${t} is invalid; expected a finite number > 0`);
    }
    this.temperature = t;
  }

  /** The model whose effective fitness is `fitness` (the selection strength stays with the system). */
  static fromFitness(fitness: RidgeFitness): RidgeModel {
    return new RidgeModel({ d: fitness.d, u: fitness.u, w: fitness.w, temperature: fitness.temperature });
  }

  checkDomain(domain: Domain): void {
    if (domain.dim !== 1) throw new ConfigError('domain', `the ridge model has one hyperparameter, but the domain is ${domain.dim}D`);
    if (!(domain.lower[0] > -1)) {
      throw new ConfigError(
        'domain',
        `the ridge model needs λ > −1, but the domain starts at ${domain.lower[0]}; choose a lower bound > −1`,
      );
    }
  }

  validationLosses(theta: Float64Array, _lambda: Float64Array, start: number, end: number, out: Float64Array): void {
    const d = this.thetaDim;
    const w = this.w;
    for (let i = start; i < end; i++) {
      const base = i * d;
      // Two partial sums, over even and odd k, halve the chain of dependent additions.
      let even = 0;
      let odd = 0;
      let k = 0;
      for (; k + 1 < d; k += 2) {
        const r0 = theta[base + k] - w[k];
        const r1 = theta[base + k + 1] - w[k + 1];
        even += r0 * r0;
        odd += r1 * r1;
      }
      if (k < d) {
        const r = theta[base + k] - w[k];
        even += r * r;
      }
      out[i] = 0.5 * (even + odd);
    }
  }

  eulerMaruyama(
    theta: Float64Array,
    source: Int32Array,
    lambda: Float64Array,
    normals: Float64Array,
    h: number,
    start: number,
    end: number,
    next: Float64Array,
  ): void {
    const d = this.thetaDim;
    const u = this.u;
    const amplitude = Math.sqrt(2 * this.temperature * h);
    for (let i = start; i < end; i++) {
      const from = source[i] * d;
      const to = i * d;
      const noise = (i - start) * d;
      const contraction = 1 - h * (1 + lambda[i]);
      for (let k = 0; k < d; k++) {
        next[to + k] = contraction * theta[from + k] + h * u[k] + amplitude * normals[noise + k];
      }
    }
  }

  /**
   * V and the Euler–Maruyama step of agents that move from their own θ,
   * with the arithmetic of `validationLosses` and `eulerMaruyama`, so the
   * bits are the same. Reading θ once for both saved about 15 ns per agent
   * at d = 10 (bench/particles.ts).
   */
  validationLossesAndStep(
    theta: Float64Array,
    lambda: Float64Array,
    normals: Float64Array,
    h: number,
    start: number,
    end: number,
    next: Float64Array,
    losses: Float64Array,
  ): void {
    const d = this.thetaDim;
    const u = this.u;
    const w = this.w;
    const amplitude = Math.sqrt(2 * this.temperature * h);
    let j = start * d;
    let noise = 0;
    for (let i = start; i < end; i++) {
      const contraction = 1 - h * (1 + lambda[i]);
      let even = 0;
      let odd = 0;
      let k = 0;
      for (; k + 1 < d; k += 2) {
        const t0 = theta[j];
        const t1 = theta[j + 1];
        const r0 = t0 - w[k];
        const r1 = t1 - w[k + 1];
        even += r0 * r0;
        odd += r1 * r1;
        next[j] = contraction * t0 + h * u[k] + amplitude * normals[noise];
        next[j + 1] = contraction * t1 + h * u[k + 1] + amplitude * normals[noise + 1];
        j += 2;
        noise += 2;
      }
      if (k < d) {
        const t = theta[j];
        const r = t - w[k];
        even += r * r;
        next[j] = contraction * t + h * u[k] + amplitude * normals[noise];
        j++;
        noise++;
      }
      losses[i] = 0.5 * (even + odd);
    }
  }

  maxCurvature(domain: Domain): number {
    return 1 + domain.upper[0];
  }

  describe(): string {
    return `ridge teacher: d = ${this.thetaDim}, T = ${this.temperature}`;
  }
}

export interface ExpressionModelOptions {
  /** Dimension d of θ: the expressions use `theta` when d = 1, else `theta1` … `theta<d>`. */
  thetaDim: number;
  /** Dimension m of λ: `lambda` when m = 1 (the default), `lambda1`, `lambda2` when m = 2. */
  lambdaDim?: 1 | 2;
  /** Training loss L(θ, λ). */
  loss: string;
  /** Validation loss V(θ, λ). */
  validation: string;
  /** Noise temperature σ(λ) > 0: an expression in λ only, or a number. */
  sigma: string | number;
  /** Constants substituted into every expression. */
  parameters?: Record<string, number>;
  /** Largest curvature of L in θ, if known; enables the stability check of the time step. */
  curvature?: number;
}

/** Names of the θ variables in expressions: `theta` for d = 1, else `theta1` … `theta<d>`. */
export function thetaNames(d: number): string[] {
  return d === 1 ? ['theta'] : Array.from({ length: d }, (_, k) => `theta${k + 1}`);
}

/**
 * L, V and σ from user expressions, compiled once. ∇_θ L is the symbolic
 * derivative of L in each θ coordinate (compileDerivative).
 */
export class ExpressionModel implements ParticleModel {
  readonly thetaDim: number;
  readonly lambdaDim: 1 | 2;
  private readonly gradient: CompiledExpression[];
  private readonly validation: CompiledExpression;
  private readonly sigma: CompiledExpression | number;
  private readonly curvature: number | undefined;
  private readonly sources: { loss: string; validation: string; sigma: string };
  /** A copy of the constructor options, from which a worker thread rebuilds the model. */
  readonly options: Readonly<ExpressionModelOptions>;
  /** Scratch variable values: θ coordinates, then λ coordinates. */
  private readonly variables: Float64Array;

  /** Throws ExpressionError for an invalid expression and ConfigError for an invalid option. */
  constructor(options: ExpressionModelOptions) {
    const d = options.thetaDim;
    if (!Number.isInteger(d) || d < 1) throw new ConfigError('model.thetaDim', `${d} is invalid; expected an integer ≥ 1`);
    const m = options.lambdaDim ?? 1;
    if (m !== 1 && m !== 2) throw new ConfigError('model.lambdaDim', `${String(m)} is invalid; expected 1 or 2`);
    this.thetaDim = d;
    this.lambdaDim = m;

    const parameters = options.parameters ?? {};
    const lambdaNames = lambdaVariables(m);
    const names = [...thetaNames(d), ...lambdaNames];
    this.gradient = thetaNames(d).map((name) => compileDerivative(options.loss, name, names, parameters));
    this.validation = compileExpression(options.validation, names, parameters);
    if (typeof options.sigma === 'number') {
      if (!Number.isFinite(options.sigma) || options.sigma <= 0) {
        throw new ConfigError('model.sigma', `${options.sigma} is invalid; expected a finite number > 0`);
      }
      this.sigma = options.sigma;
    } else {
      this.sigma = compileExpression(options.sigma, lambdaNames, parameters);
    }
    if (options.curvature !== undefined && !(options.curvature > 0 && Number.isFinite(options.curvature))) {
      throw new ConfigError('model.curvature', `${options.curvature} is invalid; expected a finite number > 0`);
    }
    this.curvature = options.curvature;
    this.sources = { loss: options.loss, validation: options.validation, sigma: String(options.sigma) };
    this.options = Object.freeze({ ...options, lambdaDim: m, parameters: { ...parameters } });
    this.variables = new Float64Array(d + m);
  }

  checkDomain(domain: Domain): void {
    if (domain.dim !== this.lambdaDim) {
      throw new ConfigError('domain', `the model has ${this.lambdaDim} hyperparameter(s), but the domain is ${domain.dim}D`);
    }
  }

  validationLosses(theta: Float64Array, lambda: Float64Array, start: number, end: number, out: Float64Array): void {
    const d = this.thetaDim;
    const m = this.lambdaDim;
    const variables = this.variables;
    for (let i = start; i < end; i++) {
      for (let k = 0; k < d; k++) variables[k] = theta[i * d + k];
      for (let k = 0; k < m; k++) variables[d + k] = lambda[i * m + k];
      out[i] = this.validation.evaluate(variables);
    }
  }

  eulerMaruyama(
    theta: Float64Array,
    source: Int32Array,
    lambda: Float64Array,
    normals: Float64Array,
    h: number,
    start: number,
    end: number,
    next: Float64Array,
  ): void {
    const d = this.thetaDim;
    const m = this.lambdaDim;
    const variables = this.variables;
    for (let i = start; i < end; i++) {
      const from = source[i] * d;
      for (let k = 0; k < d; k++) variables[k] = theta[from + k];
      for (let k = 0; k < m; k++) variables[d + k] = lambda[i * m + k];
      const amplitude = Math.sqrt(2 * this.sigmaAt(variables) * h);
      const noise = (i - start) * d;
      for (let k = 0; k < d; k++) {
        next[i * d + k] = variables[k] - h * this.gradient[k].evaluate(variables) + amplitude * normals[noise + k];
      }
    }
  }

  /** σ at the λ part of `variables`, checked to be finite and > 0. */
  private sigmaAt(variables: Float64Array): number {
    if (typeof this.sigma === 'number') return this.sigma;
    const sigma = this.sigma.evaluate(variables.subarray(this.thetaDim));
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      const lambda = Array.from(variables.subarray(this.thetaDim)).join(', ');
      throw new ConfigError('model.sigma', `σ(λ = ${lambda}) = ${sigma}; σ must be finite and > 0 at every λ of the domain`);
    }
    return sigma;
  }

  maxCurvature(): number | undefined {
    return this.curvature;
  }

  describe(): string {
    return `L = ${this.sources.loss}, V = ${this.sources.validation}, σ = ${this.sources.sigma}, θ ∈ R^${this.thetaDim}`;
  }
}

/** The data from which a worker thread rebuilds one of the built-in models. */
export type ModelSpec = { kind: 'ridge'; options: RidgeModelOptions } | { kind: 'expression'; options: ExpressionModelOptions };

/**
 * Returns the spec of a RidgeModel or ExpressionModel. Throws ConfigError
 * for any other model, because worker threads can rebuild only these two.
 */
export function modelSpec(model: ParticleModel): ModelSpec {
  if (model instanceof RidgeModel) {
    return {
      kind: 'ridge',
      options: { d: model.thetaDim, u: Array.from(model.u), w: Array.from(model.w), temperature: model.temperature },
    };
  }
  if (model instanceof ExpressionModel) return { kind: 'expression', options: model.options };
  throw new ConfigError(
    'threads',
    `worker threads can run only RidgeModel and ExpressionModel, not ${model.describe()}; set threads to 1`,
  );
}

/** Rebuilds a model from `modelSpec`; expressions are compiled again from their source. */
export function modelFromSpec(spec: ModelSpec): ParticleModel {
  return spec.kind === 'ridge' ? new RidgeModel(spec.options) : new ExpressionModel(spec.options);
}

function vectorOption(field: string, value: number | readonly number[], length: number): Float64Array {
  const values = typeof value === 'number' ? new Array<number>(length).fill(value) : [...value];
  if (values.length !== length) {
    throw new ConfigError(field, `${values.length} values given; expected one number or ${length}`);
  }
  values.forEach((x, k) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ConfigError(field, `entry ${k} = ${x} is invalid; expected a finite number`);
  });
  return Float64Array.from(values);
}
