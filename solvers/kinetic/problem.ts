/**
 * The joint kinetic problem for f(t, θ, λ) with θ ∈ R (d = 1) and λ on a
 * 1D box or torus:
 *
 *   ∂ₜf = (1/ε) ∂_θ(f ∂_θL + σ(λ) ∂_θf) + γ (K_δ ⋆_λ (ωf)/⟨ω⟩_f − f),
 *   ω = exp(−αV(θ, λ)),   ⟨ω⟩_f = ∬ ωf dθ dλ.
 *
 * θ lives on a truncated interval with no-flux faces. The state is stored as
 * cell averages on the product grid in θ-major order. The value of θ cell j
 * and λ cell i is at flat index j·n_λ + i, so every θ row (fixed θ, all λ)
 * is contiguous. This is the row-major order of a 2D CellGrid with θ as
 * axis 0 and λ as axis 1 (see `kineticJointGrid`).
 */

import { Box } from '../../src/model/domain.js';
import { sum } from '../../src/model/density.js';
import { ConfigError } from '../../src/model/errors.js';
import { compileExpression, type CompiledExpression } from '../../src/model/expression.js';
import { CellGrid } from '../../src/model/grid.js';
import type { GaussianKernel } from '../../src/model/kernel.js';

/**
 * A function of (θ, λ): a plain function, an expression in `theta` and
 * `lambda` (compiled with the problem's `parameters`), or an expression
 * already compiled over exactly the variables `theta`, `lambda`.
 */
export type JointFunctionInput = ((theta: number, lambda: number) => number) | string | CompiledExpression;

/**
 * The noise temperature σ(λ) > 0: a number, a plain function of λ, an
 * expression in `lambda`, or an expression compiled over exactly `lambda`.
 * σ does not depend on θ, because the fast dynamics must have the Gibbs
 * measure exp(−L/σ) as its equilibrium.
 */
export type SigmaInput = number | ((lambda: number) => number) | string | CompiledExpression;

export interface KineticProblem {
  /** Short label for reports. */
  name: string;
  /** Cells of the truncated θ interval, a 1D grid on a Box. No mass crosses its faces. */
  thetaGrid: CellGrid;
  /** Cells of the hyperparameter domain Λ, a 1D grid on a Box or a Torus. */
  lambdaGrid: CellGrid;
  /** Training loss L(θ, λ). It must be finite at every cell centre. */
  loss: JointFunctionInput;
  /** Validation loss V(θ, λ). It may be +Infinity (zero selection weight) but not NaN or −Infinity. */
  validation: JointFunctionInput;
  sigma: SigmaInput;
  /** Selection strength α ≥ 0. */
  alpha: number;
  /** Selection rate γ ≥ 0. γ = 0 turns selection and mutation off. */
  gamma: number;
  /** Time-scale ratio ε > 0: the fast dynamics runs at speed 1/ε. */
  epsilon: number;
  /** Mutation kernel on Λ, applied along λ for every θ row. */
  kernel: GaussianKernel;
  /** Initial cell averages of f, θ-major (index j·n_λ + i), non-negative, with mass ∬ f = 1. */
  initial: Float64Array;
  /** Output times, increasing, all > 0. */
  times: number[];
  /** Constants substituted into the expression strings of `loss`, `validation` and `sigma`. */
  parameters?: Record<string, number>;
}

/** The problem with L, ω and σ sampled at the cell centres, ready for the schemes. */
export interface KineticSetup {
  problem: KineticProblem;
  /** Number of θ cells n_θ. */
  thetaCells: number;
  /** Number of λ cells n_λ. */
  lambdaCells: number;
  thetaSpacing: number;
  lambdaSpacing: number;
  /** Product grid for storage and plotting (see `kineticJointGrid`). */
  jointGrid: CellGrid;
  /** L(θ_j, λ_i), θ-major. */
  loss: Float64Array;
  /**
   * Selection weights exp(−α(V(θ_j, λ_i) − V_min)), θ-major. The shift by the
   * minimum V_min over the grid avoids overflow and cancels in K ⋆ (ωf)/⟨ω⟩_f.
   */
  weight: Float64Array;
  /** σ(λ_i), one value per λ cell. */
  sigma: Float64Array;
}

/** Largest accepted |∬ f₀ − 1|. The selection term assumes mass 1. */
const MASS_TOLERANCE = 1e-9;

function field(name: string): string {
  return `kinetic.${name}`;
}

/**
 * Builds the product grid of a kinetic problem: θ along axis 0 and λ along
 * axis 1, so that its row-major order is the θ-major order of the state.
 * Its domain is always a Box, even when Λ is a torus, because the joint grid
 * serves for storage, cell volumes and plots only.
 */
export function kineticJointGrid(thetaGrid: CellGrid, lambdaGrid: CellGrid): CellGrid {
  const theta = thetaGrid.domain;
  const lambda = lambdaGrid.domain;
  const labels = ['θ', lambda.labels?.[0] ?? 'λ'];
  const domain = new Box([theta.lower[0], lambda.lower[0]], [theta.upper[0], lambda.upper[0]], labels);
  return new CellGrid(domain, [thetaGrid.shape[0], lambdaGrid.shape[0]]);
}

/**
 * Evaluates a joint function at every cell centre of the product grid,
 * θ-major. Expression strings are compiled once with `parameters`.
 */
export function sampleJointFunction(
  name: string,
  input: JointFunctionInput,
  thetaGrid: CellGrid,
  lambdaGrid: CellGrid,
  parameters: Record<string, number> = {},
): Float64Array {
  const evaluate = jointEvaluator(name, input, parameters);
  const theta = thetaGrid.centres(0);
  const lambda = lambdaGrid.centres(0);
  const out = new Float64Array(theta.length * lambda.length);
  for (let j = 0; j < theta.length; j++) {
    for (let i = 0; i < lambda.length; i++) out[j * lambda.length + i] = evaluate(theta[j], lambda[i]);
  }
  return out;
}

/** Evaluates σ at every λ cell centre and checks that it is finite and > 0. */
export function sampleSigma(input: SigmaInput, lambdaGrid: CellGrid, parameters: Record<string, number> = {}): Float64Array {
  const evaluate = sigmaEvaluator(input, parameters);
  const lambda = lambdaGrid.centres(0);
  const out = new Float64Array(lambda.length);
  for (let i = 0; i < lambda.length; i++) out[i] = evaluate(lambda[i]);
  return out;
}

/**
 * Turns a joint-function input into a function of (θ, λ). Expression
 * strings are compiled once with `parameters`. A compiled expression must
 * have the variables `theta`, `lambda` in this order.
 */
export function jointEvaluator(
  name: string,
  input: JointFunctionInput,
  parameters: Record<string, number> = {},
): (theta: number, lambda: number) => number {
  if (typeof input === 'function') return input;
  const compiled = typeof input === 'string' ? compileExpression(input, ['theta', 'lambda'], parameters) : input;
  checkVariables(name, compiled, ['theta', 'lambda']);
  const args = new Float64Array(2);
  return (theta, lambda) => {
    args[0] = theta;
    args[1] = lambda;
    return compiled.evaluate(args);
  };
}

/** Turns a σ input into a function of λ that throws ConfigError where σ is not finite and > 0. */
export function sigmaEvaluator(input: SigmaInput, parameters: Record<string, number> = {}): (lambda: number) => number {
  let evaluate: (lambda: number) => number;
  if (typeof input === 'number') {
    evaluate = () => input;
  } else if (typeof input === 'function') {
    evaluate = input;
  } else {
    const compiled = typeof input === 'string' ? compileExpression(input, ['lambda'], parameters) : input;
    checkVariables('sigma', compiled, ['lambda']);
    const args = new Float64Array(1);
    evaluate = (x) => {
      args[0] = x;
      return compiled.evaluate(args);
    };
  }
  return (lambda) => {
    const value = evaluate(lambda);
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new ConfigError(field('sigma'), `σ(λ = ${lambda}) = ${value}; σ must be finite and > 0 at every λ of the domain`);
    }
    return value;
  };
}

/** Computes the λ-marginal ρ_i = Σ_j f_{j,i} h_θ of θ-major cell averages. */
export function lambdaMarginal(values: Float64Array, thetaCells: number, lambdaCells: number, thetaSpacing: number): Float64Array {
  const out = new Float64Array(lambdaCells);
  for (let j = 0; j < thetaCells; j++) {
    const row = j * lambdaCells;
    for (let i = 0; i < lambdaCells; i++) out[i] += values[row + i];
  }
  for (let i = 0; i < lambdaCells; i++) out[i] *= thetaSpacing;
  return out;
}

function checkVariables(name: string, compiled: CompiledExpression, expected: readonly string[]): void {
  const same = compiled.variables.length === expected.length && compiled.variables.every((v, k) => v === expected[k]);
  if (!same) {
    throw new ConfigError(
      field(name),
      `the compiled expression "${compiled.source}" has variables (${compiled.variables.join(', ')}); ` +
        `compile it with the variables (${expected.join(', ')}) in this order`,
    );
  }
}

function checkGrids(problem: KineticProblem): void {
  const { thetaGrid, lambdaGrid } = problem;
  if (!(thetaGrid instanceof CellGrid) || thetaGrid.dim !== 1 || thetaGrid.domain.kind !== 'box') {
    throw new ConfigError(field('thetaGrid'), 'θ needs a 1D CellGrid on a Box (a truncated interval with no-flux faces)');
  }
  if (!(lambdaGrid instanceof CellGrid) || lambdaGrid.dim !== 1) {
    throw new ConfigError(field('lambdaGrid'), 'λ needs a 1D CellGrid on a Box or a Torus');
  }
}

function checkScalars(problem: KineticProblem): void {
  const { alpha, gamma, epsilon } = problem;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new ConfigError(field('alpha'), `${alpha} is invalid; the selection strength must be finite and ≥ 0`);
  }
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
    throw new ConfigError(field('gamma'), `${gamma} is invalid; the selection rate must be finite and ≥ 0`);
  }
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || !(epsilon > 0)) {
    throw new ConfigError(field('epsilon'), `${epsilon} is invalid; the time-scale ratio must be finite and > 0`);
  }
}

function checkTimes(times: readonly number[]): void {
  if (!Array.isArray(times) || times.length === 0) {
    throw new ConfigError(field('times'), 'no output times given; a run needs at least one time > 0');
  }
  let previous = 0;
  times.forEach((t, k) => {
    if (!Number.isFinite(t) || !(t > previous)) {
      throw new ConfigError(field(`times[${k}]`), `${t} is invalid; output times must be finite, > 0 and increasing`);
    }
    previous = t;
  });
}

function checkInitial(initial: Float64Array, size: number, cellVolume: number): void {
  if (!(initial instanceof Float64Array) || initial.length !== size) {
    const length = initial instanceof Float64Array ? initial.length : 'no Float64Array';
    throw new ConfigError(field('initial'), `got ${length} values; give a Float64Array of ${size} cell averages, θ-major`);
  }
  for (let k = 0; k < size; k++) {
    const v = initial[k];
    if (!Number.isFinite(v) || v < 0) {
      throw new ConfigError(field(`initial[${k}]`), `${v} is invalid; cell averages must be finite and ≥ 0`);
    }
  }
  const mass = sum(initial) * cellVolume;
  if (!(Math.abs(mass - 1) <= MASS_TOLERANCE)) {
    throw new ConfigError(field('initial'), `the mass is ${mass}; normalise the initial density to mass 1`);
  }
}

/**
 * Validates a kinetic problem and samples L, ω and σ at the cell centres.
 * Throws ConfigError naming the field for an invalid value, and
 * ExpressionError for an invalid expression string.
 */
export function prepareKineticProblem(problem: KineticProblem): KineticSetup {
  checkGrids(problem);
  checkScalars(problem);
  checkTimes(problem.times);
  const { thetaGrid, lambdaGrid } = problem;
  const parameters = problem.parameters ?? {};
  const jointGrid = kineticJointGrid(thetaGrid, lambdaGrid);
  checkInitial(problem.initial, jointGrid.size, jointGrid.cellVolume);

  const loss = sampleJointFunction('loss', problem.loss, thetaGrid, lambdaGrid, parameters);
  for (let k = 0; k < loss.length; k++) {
    if (!Number.isFinite(loss[k])) {
      throw new ConfigError(field('loss'), `L = ${loss[k]} at joint cell ${k}; L must be finite at every cell centre`);
    }
  }
  const sigma = sampleSigma(problem.sigma, lambdaGrid, parameters);
  const weight = selectionWeights(problem, parameters);

  return {
    problem,
    thetaCells: thetaGrid.shape[0],
    lambdaCells: lambdaGrid.shape[0],
    thetaSpacing: thetaGrid.spacing[0],
    lambdaSpacing: lambdaGrid.spacing[0],
    jointGrid,
    loss,
    weight,
    sigma,
  };
}

function selectionWeights(problem: KineticProblem, parameters: Record<string, number>): Float64Array {
  const validation = sampleJointFunction('validation', problem.validation, problem.thetaGrid, problem.lambdaGrid, parameters);
  let minimum = Infinity;
  for (let k = 0; k < validation.length; k++) {
    const v = validation[k];
    if (Number.isNaN(v) || v === -Infinity) {
      throw new ConfigError(field('validation'), `V = ${v} at joint cell ${k}; V must be a number or +Infinity`);
    }
    if (v < minimum) minimum = v;
  }
  if (minimum === Infinity) {
    throw new ConfigError(field('validation'), 'V = +Infinity at every cell centre, so every selection weight is 0');
  }
  const weight = new Float64Array(validation.length);
  const alpha = problem.alpha;
  for (let k = 0; k < validation.length; k++) {
    weight[k] = alpha === 0 ? 1 : Math.exp(-alpha * (validation[k] - minimum));
  }
  return weight;
}
