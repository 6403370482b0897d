/**
 * Implementations of the effective fitness F(λ): from an expression, from
 * values on a grid, in closed form for the ridge-teacher model, and by
 * quadrature over θ from a training loss L, a validation loss V and a noise
 * temperature σ, as F(λ) = E_{θ∼μ_λ}[exp(−α V(θ, λ))] with the Gibbs
 * measure μ_λ ∝ exp(−L(θ, λ)/σ(λ)).
 *
 * Invalid options raise ConfigError with the field `fitness.<option>`.
 */

import type { Domain } from './domain.js';
import { ConfigError } from './errors.js';
import { compileExpression, type CompiledExpression } from './expression.js';
import type { Fitness } from './fitness.js';
import type { CellGrid } from './grid.js';

// ---------------------------------------------------------------------------
// Shared checks

/** Names of the λ variables in expressions: `lambda` in 1D, `lambda1`, `lambda2` in 2D. */
export function lambdaVariables(dim: 1 | 2): readonly string[] {
  return dim === 1 ? ['lambda'] : ['lambda1', 'lambda2'];
}

/** Names of the θ variables in expressions: `theta` in 1D, `theta1`, `theta2` in 2D. */
export function thetaVariables(dim: 1 | 2): readonly string[] {
  return dim === 1 ? ['theta'] : ['theta1', 'theta2'];
}

function field(name: string): string {
  return `fitness.${name}`;
}

function checkDimension(name: string, value: unknown): 1 | 2 {
  if (value !== 1 && value !== 2) {
    throw new ConfigError(field(name), `${String(value)} is invalid; the dimension must be 1 or 2`);
  }
  return value;
}

function checkFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(field(name), `${String(value)} is invalid; expected a finite number`);
  }
  return value;
}

function checkNonNegative(name: string, value: unknown): number {
  const x = checkFinite(name, value);
  if (x < 0) throw new ConfigError(field(name), `${x} is invalid; expected a finite number ≥ 0`);
  return x;
}

function checkPositive(name: string, value: unknown): number {
  const x = checkFinite(name, value);
  if (!(x > 0)) throw new ConfigError(field(name), `${x} is invalid; expected a finite number > 0`);
  return x;
}

/** Checks a number (repeated `length` times) or an array of exactly `length` finite numbers. */
function checkVector(name: string, value: unknown, length: number): number[] {
  if (typeof value === 'number') {
    checkFinite(name, value);
    return new Array<number>(length).fill(value);
  }
  if (!Array.isArray(value) || value.length !== length) {
    const got = Array.isArray(value) ? `an array of length ${value.length}` : String(value);
    throw new ConfigError(field(name), `got ${got}; expected a number or an array of ${length} numbers`);
  }
  return value.map((x, k) => checkFinite(`${name}[${k}]`, x));
}

function checkPoint(point: readonly number[], dim: number, kind: string): void {
  if (point.length !== dim) {
    throw new RangeError(`${kind} fitness: λ has ${point.length} coordinates but the fitness has dimension ${dim}`);
  }
}

/** F at the cell centres of `grid` after checking that the dimensions match. */
function sampleOnGrid(fitness: Fitness, grid: CellGrid): Float64Array {
  if (grid.dim !== fitness.dim) {
    throw new ConfigError('grid', `the grid has dimension ${grid.dim} but the fitness has dimension ${fitness.dim}`);
  }
  return grid.sampleAtCentres((point) => fitness.evaluate(point));
}

function formatPoint(point: ArrayLike<number>): string {
  return point.length === 1 ? String(point[0]) : `(${Array.from(point).join(', ')})`;
}

// ---------------------------------------------------------------------------
// F from an expression

/** F(λ) given as a user expression in `lambda` (1D) or `lambda1`, `lambda2` (2D). */
export class ExpressionFitness implements Fitness {
  readonly kind = 'expression' as const;
  readonly dim: 1 | 2;
  readonly source: string;
  readonly parameters: Readonly<Record<string, number>>;
  private readonly expression: CompiledExpression;

  /** Throws ExpressionError for an invalid expression and ConfigError for an invalid dimension. */
  constructor(source: string, dim: number, parameters: Record<string, number> = {}) {
    this.dim = checkDimension('dim', dim);
    this.source = source;
    this.parameters = Object.freeze({ ...parameters });
    this.expression = compileExpression(source, lambdaVariables(this.dim), parameters);
  }

  evaluate(point: readonly number[]): number {
    checkPoint(point, this.dim, 'expression');
    return this.expression.evaluate(point);
  }

  onGrid(grid: CellGrid): Float64Array {
    return sampleOnGrid(this, grid);
  }

  describe(): string {
    const names = Object.keys(this.parameters);
    const parameters = names.length === 0 ? '' : ` with ${names.map((n) => `${n} = ${this.parameters[n]}`).join(', ')}`;
    return `F(λ) = ${this.source}${parameters}`;
  }
}

// ---------------------------------------------------------------------------
// F from values on a grid

/**
 * F given by its values at the cell centres of a uniform grid on `domain`,
 * in row-major order (flat index i·n₁ + j in 2D). Between centres it is
 * interpolated linearly along each axis (bilinear in 2D). On a box, the half
 * cells between the outermost centres and the faces, and any point outside,
 * take the value of the nearest centre along that axis. On a torus the
 * interpolation wraps from the last centre to the first.
 */
export class ValuesFitness implements Fitness {
  readonly kind = 'values' as const;
  readonly dim: 1 | 2;
  readonly domain: Domain;
  readonly shape: readonly number[];
  private readonly data: Float64Array;
  private readonly periodic: boolean;

  constructor(domain: Domain, values: ArrayLike<number>, shape: number | readonly number[]) {
    this.domain = domain;
    this.dim = domain.dim;
    const cells = typeof shape === 'number' ? new Array<number>(domain.dim).fill(shape) : [...shape];
    if (cells.length !== domain.dim) {
      throw new ConfigError(
        field('shape'),
        `has ${cells.length} entries but the domain has dimension ${domain.dim}; give one cell count per axis`,
      );
    }
    cells.forEach((n, k) => {
      if (!Number.isInteger(n) || n < 2) {
        throw new ConfigError(field(`shape[${k}]`), `${n} is invalid; the number of cells must be an integer ≥ 2`);
      }
    });
    const size = cells.reduce((p, n) => p * n, 1);
    if (values.length !== size) {
      throw new ConfigError(
        field('values'),
        `has ${values.length} entries but the shape ${cells.join('×')} has ${size} cells; give one value per cell`,
      );
    }
    this.data = Float64Array.from(values);
    this.data.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new ConfigError(field(`values[${i}]`), `${v} is invalid; expected a finite number`);
    });
    this.shape = Object.freeze(cells);
    this.periodic = domain.kind === 'torus';
  }

  /** Value at the centre of cell `index` (row-major). */
  valueAt(index: number): number {
    return this.data[index];
  }

  evaluate(point: readonly number[]): number {
    checkPoint(point, this.dim, 'values');
    const [i0, i1, w] = this.bracket(0, point[0]);
    if (this.dim === 1) return (1 - w) * this.data[i0] + w * this.data[i1];

    const [j0, j1, u] = this.bracket(1, point[1]);
    const n1 = this.shape[1];
    const low = (1 - u) * this.data[i0 * n1 + j0] + u * this.data[i0 * n1 + j1];
    const high = (1 - u) * this.data[i1 * n1 + j0] + u * this.data[i1 * n1 + j1];
    return (1 - w) * low + w * high;
  }

  /**
   * Finds the two cell indices around x on one axis and the weight of the
   * second, the distance from the first centre in cell widths.
   */
  private bracket(axis: number, x: number): [number, number, number] {
    const n = this.shape[axis];
    const h = this.domain.length(axis) / n;
    let t = (x - this.domain.lower[axis]) / h - 0.5;
    if (this.periodic) {
      t %= n;
      if (t < 0) t += n;
      const i = Math.min(Math.floor(t), n - 1);
      return [i, (i + 1) % n, t - i];
    }
    if (!(t > 0)) return [0, 1, 0];
    if (t >= n - 1) return [n - 2, n - 1, 1];
    const i = Math.floor(t);
    return [i, i + 1, t - i];
  }

  /** Returns the stored values when `grid` is the grid they were given on, else interpolated values. */
  onGrid(grid: CellGrid): Float64Array {
    const same =
      grid.dim === this.dim &&
      grid.shape.every((n, k) => n === this.shape[k]) &&
      grid.domain.lower.every((a, k) => a === this.domain.lower[k]) &&
      grid.domain.upper.every((b, k) => b === this.domain.upper[k]);
    return same ? Float64Array.from(this.data) : sampleOnGrid(this, grid);
  }

  describe(): string {
    return `F(λ) from ${this.shape.join('×')} values on ${this.domain.describe()}, ${this.dim === 1 ? 'linear' : 'bilinear'} interpolation`;
  }
}

// ---------------------------------------------------------------------------
// Ridge teacher in closed form

export interface RidgeFitnessOptions {
  /** Dimension of θ, an integer ≥ 1. */
  d: number;
  /** Teacher of the training loss, a number (every coordinate) or an array of length d. */
  u: number | readonly number[];
  /** Target of the validation loss, a number or an array of length d. */
  w: number | readonly number[];
  /** Noise temperature T > 0, constant in λ. */
  temperature: number;
  /** Selection strength α ≥ 0. */
  alpha: number;
}

export interface FitnessMaximum {
  lambda: number;
  value: number;
}

/**
 * The ridge-teacher model: L(θ, λ) = ½|θ − u|² + (λ/2)|θ|², σ ≡ T,
 * V(θ) = ½|θ − w|², θ ∈ R^d, with the weight decay λ > −1 as the only
 * hyperparameter. The Gibbs measure is N(u/(1+λ), T/(1+λ) I_d), so
 *
 *   F(λ) = (1 + α s²)^(−d/2) exp(−(α/2) |u/(1+λ) − w|² / (1 + α s²)),  s² = T/(1+λ).
 */
export class RidgeFitness implements Fitness {
  readonly kind = 'ridge' as const;
  readonly dim = 1;
  readonly d: number;
  readonly u: readonly number[];
  readonly w: readonly number[];
  readonly temperature: number;
  readonly alpha: number;

  constructor(options: RidgeFitnessOptions) {
    const d = options.d;
    if (!Number.isInteger(d) || d < 1) {
      throw new ConfigError(field('d'), `${d} is invalid; the dimension of θ must be an integer ≥ 1`);
    }
    this.d = d;
    this.u = Object.freeze(checkVector('u', options.u, d));
    this.w = Object.freeze(checkVector('w', options.w, d));
    this.temperature = checkPositive('temperature', options.temperature);
    this.alpha = checkNonNegative('alpha', options.alpha);
  }

  private checkLambda(lambda: number): void {
    if (!(lambda > -1) || !Number.isFinite(lambda)) {
      throw new ConfigError(
        'lambda',
        `λ = ${lambda} is outside the ridge model, which needs a finite λ > −1; choose a domain with lower bound > −1`,
      );
    }
  }

  /** Mean u/(1+λ) of the Gibbs measure μ_λ. */
  gibbsMean(lambda: number): number[] {
    this.checkLambda(lambda);
    return this.u.map((uk) => uk / (1 + lambda));
  }

  /** Variance T/(1+λ) of each coordinate under μ_λ, whose coordinates are independent. */
  gibbsVariance(lambda: number): number {
    this.checkLambda(lambda);
    return this.temperature / (1 + lambda);
  }

  /** log F(λ). */
  logFitness(lambda: number): number {
    this.checkLambda(lambda);
    const p = 1 / (1 + lambda);
    const alphaS2 = this.alpha * this.temperature * p;
    const spread = 1 + alphaS2;
    let r2 = 0;
    for (let k = 0; k < this.d; k++) {
      const r = this.u[k] * p - this.w[k];
      r2 += r * r;
    }
    return -0.5 * this.d * Math.log1p(alphaS2) - (0.5 * this.alpha * r2) / spread;
  }

  /**
   * d log F / dλ. With p = 1/(1+λ), D = 1 + αTp and r = u p − w:
   * d log F/dλ = p² (dαT/(2D) + α (r·u)/D − α²T|r|²/(2D²)).
   */
  logFitnessDerivative(lambda: number): number {
    this.checkLambda(lambda);
    const p = 1 / (1 + lambda);
    const alphaT = this.alpha * this.temperature;
    const spread = 1 + alphaT * p;
    let r2 = 0;
    let ru = 0;
    for (let k = 0; k < this.d; k++) {
      const r = this.u[k] * p - this.w[k];
      r2 += r * r;
      ru += r * this.u[k];
    }
    const a = (this.d * alphaT) / (2 * spread);
    const b = (this.alpha * ru) / spread;
    const c = (this.alpha * alphaT * r2) / (2 * spread * spread);
    return p * p * (a + b - c);
  }

  evaluate(point: readonly number[]): number {
    checkPoint(point, 1, 'ridge');
    return Math.exp(this.logFitness(point[0]));
  }

  onGrid(grid: CellGrid): Float64Array {
    return sampleOnGrid(this, grid);
  }

  /**
   * Finds the maximiser of F on [lower, upper]. A scan of `samples` equally
   * spaced points finds the best sample. The maximum is then located to
   * round-off by bisection on the sign of d log F/dλ between its
   * neighbours, or placed on a face where F decreases into the interval.
   * Ties go to the smallest λ, so a constant F (α = 0) returns `lower`.
   */
  argmax(lower: number, upper: number, samples = 2049): FitnessMaximum {
    this.checkLambda(lower);
    this.checkLambda(upper);
    if (!(lower < upper)) {
      throw new ConfigError('lambda', `the interval [${lower}, ${upper}] is empty; give lower < upper`);
    }
    if (!Number.isInteger(samples) || samples < 3) {
      throw new ConfigError('samples', `${samples} is invalid; use an integer ≥ 3`);
    }

    const step = (upper - lower) / (samples - 1);
    const at = (k: number): number => (k === samples - 1 ? upper : lower + k * step);
    let best = 0;
    let bestLog = -Infinity;
    for (let k = 0; k < samples; k++) {
      const value = this.logFitness(at(k));
      if (value > bestLog) {
        bestLog = value;
        best = k;
      }
    }

    const slope = (lambda: number): number => this.logFitnessDerivative(lambda);
    if (best === 0 && slope(lower) <= 0) return this.maximum(lower);
    if (best === samples - 1 && slope(upper) >= 0) return this.maximum(upper);

    let a = at(Math.max(best - 1, 0));
    let b = at(Math.min(best + 1, samples - 1));
    // NOTE: without a sign change between the neighbours (several extrema
    // within two sample spacings) the best sample is returned unrefined.
    if (!(slope(a) > 0 && slope(b) < 0)) return this.maximum(at(best));
    for (let iteration = 0; iteration < 200; iteration++) {
      const mid = 0.5 * (a + b);
      // Stop when a and b are adjacent doubles.
      if (mid <= a || mid >= b) break;
      if (slope(mid) > 0) a = mid;
      else b = mid;
    }
    return this.maximum(0.5 * (a + b));
  }

  private maximum(lambda: number): FitnessMaximum {
    return { lambda, value: Math.exp(this.logFitness(lambda)) };
  }

  describe(): string {
    return `ridge teacher: d = ${this.d}, u = [${this.u.join(', ')}], w = [${this.w.join(', ')}], T = ${this.temperature}, α = ${this.alpha}`;
  }
}

// ---------------------------------------------------------------------------
// F by quadrature over θ

export interface QuadratureFitnessOptions {
  /** Dimension of θ: the expressions use `theta` (1) or `theta1`, `theta2` (2). */
  thetaDim: 1 | 2;
  /** Training loss L(θ, λ), an expression. */
  loss: string;
  /** Validation loss V(θ, λ), an expression. */
  validation: string;
  /** Noise temperature σ(λ) > 0: an expression in λ only, or a number. */
  sigma: string | number;
  /** Selection strength α ≥ 0. */
  alpha: number;
  /** Lower corner of the θ box, a number (every axis) or one number per axis. */
  thetaLower: number | readonly number[];
  /** Upper corner of the θ box. */
  thetaUpper: number | readonly number[];
  /** Quadrature nodes per θ axis, including both ends, 201 by default. */
  points?: number | readonly number[];
  /** Constants substituted into all three expressions. */
  parameters?: Record<string, number>;
  /** Dimension of λ: `lambda` (1, the default) or `lambda1`, `lambda2` (2). */
  lambdaDim?: 1 | 2;
}

const DEFAULT_QUADRATURE_POINTS = 201;

/** F(λ) and the Gibbs weight on the box boundary, from one pass over the nodes. */
interface QuadratureResult {
  fitness: number;
  edgeWeight: number;
}

/**
 * F(λ) = ∫ exp(−αV) exp(−L/σ) dθ / ∫ exp(−L/σ) dθ over a θ box, by the
 * trapezoid rule on a tensor grid of nodes. For smooth integrands that have
 * decayed to round-off before the box faces, the rule converges faster
 * than any power of the node spacing, which makes ~1e-12 relative accuracy
 * cheap. The box truncation error is about edgeWeight(λ) times the box
 * width over the spacing; check it when choosing the box.
 *
 * Both integrals are evaluated with the exponent −L/σ shifted by its
 * maximum over the nodes (log-sum-exp), so a large L/σ does not underflow.
 * L or V may be +Infinity at a node (zero weight); NaN or −Infinity raises
 * ConfigError naming θ and λ, as does σ(λ) ≤ 0 or non-finite.
 */
export class QuadratureFitness implements Fitness {
  readonly kind = 'quadrature' as const;
  readonly dim: 1 | 2;
  readonly thetaDim: 1 | 2;
  readonly alpha: number;
  readonly thetaLower: readonly number[];
  readonly thetaUpper: readonly number[];
  readonly points: readonly number[];
  private readonly loss: CompiledExpression;
  private readonly validation: CompiledExpression;
  private readonly sigma: CompiledExpression | number;
  private readonly sources: { loss: string; validation: string; sigma: string };
  /** Node coordinates, thetaDim per node, in row-major node order. */
  private readonly nodes: Float64Array;
  private readonly weights: Float64Array;
  /** 1 for nodes on a face of the θ box. */
  private readonly onEdge: Uint8Array;
  /** Scratch arrays, one entry per node, reused by every evaluation. */
  private readonly exponents: Float64Array;
  private readonly penalties: Float64Array;
  /** Scratch variable values: θ coordinates, then λ coordinates. */
  private readonly variableValues: Float64Array;

  constructor(options: QuadratureFitnessOptions) {
    this.thetaDim = checkDimension('thetaDim', options.thetaDim);
    this.dim = checkDimension('lambdaDim', options.lambdaDim ?? 1);
    this.alpha = checkNonNegative('alpha', options.alpha);
    this.thetaLower = Object.freeze(checkVector('thetaLower', options.thetaLower, this.thetaDim));
    this.thetaUpper = Object.freeze(checkVector('thetaUpper', options.thetaUpper, this.thetaDim));
    this.thetaLower.forEach((a, k) => {
      const b = this.thetaUpper[k];
      if (!(a < b)) {
        throw new ConfigError(field('thetaLower'), `axis ${k} has bounds [${a}, ${b}]; give thetaLower < thetaUpper`);
      }
    });
    this.points = Object.freeze(
      checkVector('points', options.points ?? DEFAULT_QUADRATURE_POINTS, this.thetaDim).map((n, k) => {
        if (!Number.isInteger(n) || n < 3) {
          throw new ConfigError(field(`points[${k}]`), `${n} is invalid; use an integer ≥ 3`);
        }
        return n;
      }),
    );

    const parameters = options.parameters ?? {};
    const lambdaNames = lambdaVariables(this.dim);
    const jointNames = [...thetaVariables(this.thetaDim), ...lambdaNames];
    this.loss = compileExpression(checkSource('loss', options.loss), jointNames, parameters);
    this.validation = compileExpression(checkSource('validation', options.validation), jointNames, parameters);
    if (typeof options.sigma === 'number') {
      this.sigma = checkPositive('sigma', options.sigma);
    } else {
      this.sigma = compileExpression(checkSource('sigma', options.sigma), lambdaNames, parameters);
    }
    this.sources = { loss: options.loss, validation: options.validation, sigma: String(options.sigma) };

    const rule = trapezoidNodes(this.thetaLower, this.thetaUpper, this.points);
    this.nodes = rule.nodes;
    this.weights = rule.weights;
    this.onEdge = rule.onEdge;
    this.exponents = new Float64Array(this.weights.length);
    this.penalties = new Float64Array(this.weights.length);
    this.variableValues = new Float64Array(this.thetaDim + this.dim);
  }

  /** σ(λ), checked to be finite and > 0. */
  sigmaAt(point: readonly number[]): number {
    checkPoint(point, this.dim, 'quadrature');
    const sigma = typeof this.sigma === 'number' ? this.sigma : this.sigma.evaluate(point);
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new ConfigError(
        field('sigma'),
        `σ(λ = ${formatPoint(point)}) = ${sigma}; σ must be finite and > 0 at every λ of the domain`,
      );
    }
    return sigma;
  }

  evaluate(point: readonly number[]): number {
    return this.integrate(point).fitness;
  }

  /**
   * Returns the largest Gibbs weight exp(−L/σ) on a face of the θ box,
   * relative to its maximum over all nodes. Near round-off (say below 1e-16) the box
   * truncation error of F is negligible.
   */
  edgeWeight(point: readonly number[]): number {
    return this.integrate(point).edgeWeight;
  }

  onGrid(grid: CellGrid): Float64Array {
    return sampleOnGrid(this, grid);
  }

  private integrate(point: readonly number[]): QuadratureResult {
    const sigma = this.sigmaAt(point);
    const args = this.variableValues;
    const thetaDim = this.thetaDim;
    for (let k = 0; k < this.dim; k++) args[thetaDim + k] = point[k];

    const count = this.weights.length;
    const withSelection = this.alpha > 0;
    let maxExponent = -Infinity;
    for (let j = 0; j < count; j++) {
      for (let k = 0; k < thetaDim; k++) args[k] = this.nodes[j * thetaDim + k];
      const loss = this.loss.evaluate(args);
      if (Number.isNaN(loss) || loss === -Infinity) this.rejectValue('loss', 'L', loss, args);
      const exponent = -loss / sigma;
      this.exponents[j] = exponent;
      if (exponent > maxExponent) maxExponent = exponent;
      if (withSelection) {
        const v = this.validation.evaluate(args);
        if (Number.isNaN(v) || v === -Infinity) this.rejectValue('validation', 'V', v, args);
        this.penalties[j] = this.alpha * v;
      }
    }
    if (maxExponent === -Infinity) {
      throw new ConfigError(
        field('loss'),
        `L = +Infinity at every quadrature node for λ = ${formatPoint(point)}; the Gibbs measure is undefined there`,
      );
    }

    let partition = 0;
    let selected = 0;
    let edgeWeight = 0;
    for (let j = 0; j < count; j++) {
      const gibbs = Math.exp(this.exponents[j] - maxExponent);
      partition += this.weights[j] * gibbs;
      if (withSelection) selected += this.weights[j] * Math.exp(this.exponents[j] - maxExponent - this.penalties[j]);
      if (this.onEdge[j] === 1 && gibbs > edgeWeight) edgeWeight = gibbs;
    }
    return { fitness: withSelection ? selected / partition : 1, edgeWeight };
  }

  private rejectValue(name: 'loss' | 'validation', symbol: string, value: number, args: Float64Array): never {
    const theta = formatPoint(args.subarray(0, this.thetaDim));
    const lambda = formatPoint(args.subarray(this.thetaDim));
    throw new ConfigError(
      field(name),
      `${symbol}(θ = ${theta}, λ = ${lambda}) = ${value}; ${symbol} must be a number or +Infinity at every quadrature node`,
    );
  }

  describe(): string {
    const box = this.thetaLower.map((a, k) => `[${a}, ${this.thetaUpper[k]}]`).join(' × ');
    return (
      `F(λ) by quadrature: L = ${this.sources.loss}, V = ${this.sources.validation}, σ = ${this.sources.sigma}, ` +
      `α = ${this.alpha}, θ ∈ ${box} with ${this.points.join('×')} trapezoid nodes`
    );
  }
}

function checkSource(name: string, source: unknown): string {
  if (typeof source !== 'string') {
    throw new ConfigError(field(name), `${String(source)} is invalid; expected an expression string`);
  }
  return source;
}

/** Tensor trapezoid rule on a box, nodes in row-major order. */
function trapezoidNodes(
  lower: readonly number[],
  upper: readonly number[],
  points: readonly number[],
): { nodes: Float64Array; weights: Float64Array; onEdge: Uint8Array } {
  const axes = lower.map((a, k) => {
    const n = points[k];
    const h = (upper[k] - a) / (n - 1);
    const x = new Float64Array(n);
    const w = new Float64Array(n).fill(h);
    for (let i = 0; i < n; i++) x[i] = a + i * h;
    x[n - 1] = upper[k];
    w[0] = w[n - 1] = h / 2;
    return { x, w, n };
  });
  const dim = axes.length;
  const count = axes.reduce((p, axis) => p * axis.n, 1);
  const nodes = new Float64Array(count * dim);
  const weights = new Float64Array(count);
  const onEdge = new Uint8Array(count);
  for (let j = 0; j < count; j++) {
    let rest = j;
    let weight = 1;
    let edge = 0;
    for (let k = dim - 1; k >= 0; k--) {
      const { x, w, n } = axes[k];
      const i = rest % n;
      rest = (rest - i) / n;
      nodes[j * dim + k] = x[i];
      weight *= w[i];
      if (i === 0 || i === n - 1) edge = 1;
    }
    weights[j] = weight;
    onEdge[j] = edge;
  }
  return { nodes, weights, onEdge };
}
