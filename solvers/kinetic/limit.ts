/**
 * The ε → 0 limit of the kinetic problem on its own θ grid.
 *
 * For fixed λ the Chang–Cooper flow relaxes to the discrete Gibbs state
 * μ_{λ,h}(θ_j) = exp(−L(θ_j, λ)/σ(λ)) / Σ_k exp(−L(θ_k, λ)/σ(λ)) h_θ. The
 * λ-marginal then follows the selection–mutation equation with the discrete
 * effective fitness
 *
 *   F_h(λ) = Σ_j ω(θ_j, λ) μ_{λ,h}(θ_j) h_θ,   ω = exp(−αV),
 *
 * the midpoint rule on the θ cells. Comparing the kinetic solver with the
 * selection–mutation solver on F_h, not on the exact F, leaves only the ε
 * and time-step effects in the difference.
 */

import type { Fitness } from '../../src/model/fitness.js';
import type { CellGrid } from '../../src/model/grid.js';
import { ConfigError } from '../../src/model/errors.js';
import { gibbsWeights } from './fokker-planck.js';
import { jointEvaluator, sampleJointFunction, sampleSigma, sigmaEvaluator, type KineticProblem } from './problem.js';

/** The parts of a kinetic problem that define the fast equilibrium and F_h. */
export type KineticLimitData = Pick<KineticProblem, 'thetaGrid' | 'loss' | 'validation' | 'sigma' | 'alpha' | 'parameters'>;

/**
 * F_h(λ) as a Fitness of dimension 1. `evaluate` sums over the θ cells at
 * any λ, so `onGrid` on the kinetic λ grid returns the values that the
 * kinetic scheme reaches as ε → 0.
 */
class DiscreteEffectiveFitness implements Fitness {
  readonly kind = 'quadrature' as const;
  readonly dim = 1;
  private readonly theta: Float64Array;
  private readonly loss: (theta: number, lambda: number) => number;
  private readonly validation: (theta: number, lambda: number) => number;
  private readonly sigma: (lambda: number) => number;
  private readonly alpha: number;
  private readonly exponents: Float64Array;
  private readonly source: string;

  constructor(data: KineticLimitData) {
    if (data.thetaGrid.dim !== 1) {
      throw new ConfigError('kinetic.thetaGrid', 'θ needs a 1D CellGrid on a Box');
    }
    const parameters = data.parameters ?? {};
    this.theta = data.thetaGrid.centres(0);
    this.loss = jointEvaluator('loss', data.loss, parameters);
    this.validation = jointEvaluator('validation', data.validation, parameters);
    this.sigma = sigmaEvaluator(data.sigma, parameters);
    this.alpha = data.alpha;
    this.exponents = new Float64Array(this.theta.length);
    this.source = `${data.thetaGrid.shape[0]} θ cells on [${data.thetaGrid.domain.lower[0]}, ${data.thetaGrid.domain.upper[0]}]`;
  }

  evaluate(point: readonly number[]): number {
    if (point.length !== 1) {
      throw new RangeError(`discrete effective fitness: λ has ${point.length} coordinates but the fitness has dimension 1`);
    }
    const lambda = point[0];
    const sigma = this.sigma(lambda);
    const n = this.theta.length;
    let maxExponent = -Infinity;
    for (let j = 0; j < n; j++) {
      const exponent = -this.loss(this.theta[j], lambda) / sigma;
      this.exponents[j] = exponent;
      if (exponent > maxExponent) maxExponent = exponent;
    }
    let partition = 0;
    let selected = 0;
    for (let j = 0; j < n; j++) {
      const gibbs = Math.exp(this.exponents[j] - maxExponent);
      partition += gibbs;
      selected += this.alpha === 0 ? gibbs : gibbs * Math.exp(-this.alpha * this.validation(this.theta[j], lambda));
    }
    return selected / partition;
  }

  onGrid(grid: CellGrid): Float64Array {
    if (grid.dim !== 1) {
      throw new ConfigError('grid', `the grid has dimension ${grid.dim} but the discrete effective fitness has dimension 1`);
    }
    return grid.sampleAtCentres((point) => this.evaluate(point));
  }

  describe(): string {
    return `F_h(λ): discrete Gibbs average of exp(−αV) over ${this.source}, α = ${this.alpha}`;
  }
}

/**
 * Returns the discrete effective fitness F_h(λ) = Σ_j ω(θ_j, λ) μ_{λ,h}(θ_j) h_θ
 * of the kinetic problem's θ grid, the fitness of its ε → 0 limit.
 */
export function discreteEffectiveFitness(data: KineticLimitData): Fitness {
  return new DiscreteEffectiveFitness(data);
}

/**
 * Returns the discrete Gibbs state μ_{λ_i,h}(θ_j), θ-major, with every λ
 * column normalised to Σ_j μ h_θ = 1. It is the equilibrium of the
 * Chang–Cooper flow on each column.
 */
export function discreteGibbsState(data: KineticLimitData, lambdaGrid: CellGrid): Float64Array {
  const parameters = data.parameters ?? {};
  const loss = sampleJointFunction('loss', data.loss, data.thetaGrid, lambdaGrid, parameters);
  const sigma = sampleSigma(data.sigma, lambdaGrid, parameters);
  const thetaCells = data.thetaGrid.shape[0];
  const lambdaCells = lambdaGrid.shape[0];
  const weights = gibbsWeights(loss, sigma, thetaCells);
  const h = data.thetaGrid.spacing[0];
  for (let i = 0; i < lambdaCells; i++) {
    let z = 0;
    for (let j = 0; j < thetaCells; j++) z += weights[j * lambdaCells + i];
    const scale = 1 / (z * h);
    for (let j = 0; j < thetaCells; j++) weights[j * lambdaCells + i] *= scale;
  }
  return weights;
}

/**
 * Builds f(θ_j, λ_i) = ρ(λ_i)·μ_{λ_i,h}(θ_j), θ-major: the λ density ρ
 * (cell averages on `lambdaGrid`) at local equilibrium in θ.
 */
export function gibbsProduct(data: KineticLimitData, lambdaGrid: CellGrid, rho: Float64Array): Float64Array {
  const lambdaCells = lambdaGrid.shape[0];
  if (rho.length !== lambdaCells) {
    throw new RangeError(`gibbsProduct: ρ has ${rho.length} values but the λ grid has ${lambdaCells} cells`);
  }
  const out = discreteGibbsState(data, lambdaGrid);
  for (let k = 0; k < out.length; k++) out[k] *= rho[k % lambdaCells];
  return out;
}
