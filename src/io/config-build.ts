import { Density, sum } from '../model/density.js';
import { makeDomain, type Domain } from '../model/domain.js';
import { ConfigError, ExpressionError } from '../model/errors.js';
import { compileExpression } from '../model/expression.js';
import type { Fitness } from '../model/fitness.js';
import {
  ExpressionFitness,
  lambdaVariables,
  QuadratureFitness,
  RidgeFitness,
  ValuesFitness,
} from '../model/fitness-models.js';
import { CellGrid } from '../model/grid.js';
import type { GaussianKernel } from '../model/kernel.js';
import type { DomainConfig, FitnessConfig, InitialConfig, MutationConfig } from './config-types.js';
import { joinPath, type JsonValidator } from './json-validator.js';

/**
 * Builders that turn validated config sections into model objects. Errors
 * raised by the model constructors are rethrown as ConfigErrors that name the
 * config path they came from.
 */

/** Runs `build` and rethrows a model error (ConfigError, ExpressionError, RangeError) as a ConfigError at `path`. */
export function atPath<T>(validator: JsonValidator, path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ExpressionError || error instanceof RangeError) {
      throw validator.error(path, error.message);
    }
    throw error;
  }
}

export function buildDomain(domain: DomainConfig): Domain {
  return makeDomain(domain.kind, domain.lower, domain.upper, domain.labels);
}

/** Builds the fitness model of one `fitness` or `potential` section. */
export function buildFitness(validator: JsonValidator, path: string, config: FitnessConfig, domain: Domain): Fitness {
  switch (config.kind) {
    case 'expression':
      return atPath(validator, joinPath(path, 'expression'), () => new ExpressionFitness(config.expression, domain.dim, config.parameters));
    case 'values':
      return atPath(validator, joinPath(path, 'values'), () => new ValuesFitness(domain, config.values, config.shape));
    case 'ridge':
      return atPath(validator, path, () =>
        new RidgeFitness({ d: config.d, u: config.u, w: config.w, temperature: config.temperature, alpha: config.alpha }),
      );
    case 'quadrature':
      return atPath(validator, path, () =>
        new QuadratureFitness({
          thetaDim: config.thetaDim,
          loss: config.loss,
          validation: config.validation,
          sigma: config.sigma,
          alpha: config.alpha,
          thetaLower: config.thetaLower,
          thetaUpper: config.thetaUpper,
          points: config.points,
          parameters: config.parameters,
          lambdaDim: domain.dim,
        }),
      );
  }
}

/** Φ = log F for the replicator–mutator form. Needs F > 0 wherever it is evaluated. */
export class LogFitness implements Fitness {
  readonly kind: Fitness['kind'];
  readonly dim: number;

  constructor(readonly fitness: Fitness) {
    // The kind is the one of F, which is how Φ is specified.
    this.kind = fitness.kind;
    this.dim = fitness.dim;
  }

  evaluate(point: readonly number[]): number {
    return Math.log(this.fitness.evaluate(point));
  }

  onGrid(grid: CellGrid): Float64Array {
    const values = this.fitness.onGrid(grid);
    for (let i = 0; i < values.length; i++) values[i] = Math.log(values[i]);
    return values;
  }

  describe(): string {
    return `log of (${this.fitness.describe()})`;
  }
}

/** Describes cell `index` of `grid` by its indices and centre, for error messages. */
export function describeCell(grid: CellGrid, index: number, labels: readonly string[]): string {
  if (grid.dim === 1) {
    const centre = grid.centres(0)[index];
    return `cell ${index} (${labels[0]} = ${formatNumber(centre)})`;
  }
  const n1 = grid.shape[1];
  const i = Math.floor(index / n1);
  const j = index % n1;
  const x = grid.centres(0)[i];
  const y = grid.centres(1)[j];
  return `cell ${index} = (${i}, ${j}) (${labels[0]} = ${formatNumber(x)}, ${labels[1]} = ${formatNumber(y)})`;
}

/** Formats a computed number to 6 significant digits, for messages. */
function formatNumber(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

export type FitnessRequirement = 'non-negative' | 'positive' | 'finite';

/**
 * Checks F (or Φ) at the cell centres: finite everywhere, and depending on
 * `requirement` also ≥ 0 with a positive maximum (selection divides by ⟨F⟩)
 * or > 0 everywhere (Φ = log F needs it).
 */
export function checkFitnessOnGrid(
  validator: JsonValidator,
  path: string,
  fitness: Fitness,
  grid: CellGrid,
  labels: readonly string[],
  requirement: FitnessRequirement,
): void {
  const values = atPath(validator, path, () => fitness.onGrid(grid));
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const where = () => describeCell(grid, i, labels);
    if (!Number.isFinite(v)) {
      throw validator.error(path, `the model evaluates to ${formatNumber(v)} at ${where()}; it must be finite on the whole domain`);
    }
    if (requirement === 'non-negative' && v < 0) {
      throw validator.error(path, `the fitness is ${formatNumber(v)} at ${where()}; a fitness must be ≥ 0`);
    }
    if (requirement === 'positive' && !(v > 0)) {
      throw validator.error(path, `the fitness is ${formatNumber(v)} at ${where()}; the potential log F needs F > 0 everywhere`);
    }
    if (v > max) max = v;
  }
  if (requirement !== 'finite' && !(max > 0)) {
    throw validator.error(path, 'the fitness is 0 at every cell centre; selection needs F > 0 somewhere');
  }
}

/** Builds the Gaussian kernel of a `mutation` section, with the std converted to λ units. */
export function buildKernel(mutation: MutationConfig, domain: Domain): GaussianKernel {
  const std = mutation.std.map((s, k) => (mutation.coordinates === 'normalized' ? (s * domain.length(k)) / 2 : s));
  return { kind: 'gaussian', std, boundary: mutation.boundary };
}

/**
 * Number of periodic images per side needed to sum a Gaussian of std `std`
 * on a circle of length `period` to within about exp(−18) of its peak.
 */
function imageCount(std: number, period: number): number {
  return Math.ceil((6 * std) / period) + 1;
}

/** Cell averages of an unnormalised Gaussian, wrapped by periodic images on a torus. */
function gaussianValues(grid: CellGrid, mean: readonly number[], std: readonly number[]): Float64Array {
  const domain = grid.domain;
  const periodic = domain.kind === 'torus';
  const images = mean.map((_, k) => (periodic ? imageCount(std[k], domain.length(k)) : 0));
  return grid.cellAverages((point) => {
    let value = 1;
    for (let k = 0; k < point.length; k++) {
      let axisSum = 0;
      for (let j = -images[k]; j <= images[k]; j++) {
        const z = (point[k] + j * domain.length(k) - mean[k]) / std[k];
        axisSum += Math.exp(-0.5 * z * z);
      }
      value *= axisSum;
    }
    return value;
  });
}

/** Length of [a, b] ∩ [c, d]. */
function overlap(a: number, b: number, c: number, d: number): number {
  return Math.max(0, Math.min(b, d) - Math.max(a, c));
}

/**
 * Exact cell averages of the indicator of [lower, upper]: the covered
 * fraction of each cell. On a torus the interval is wrapped around.
 */
function indicatorValues(grid: CellGrid, lower: readonly number[], upper: readonly number[]): Float64Array {
  const domain = grid.domain;
  const fractions = lower.map((a, k) => {
    const b = upper[k];
    const faces = grid.faces(k);
    const period = domain.length(k);
    // Shifts j·period that move [a, b] onto the domain; on a box only j = 0 counts.
    const periodic = domain.kind === 'torus';
    const firstShift = periodic ? Math.floor((domain.lower[k] - b) / period) : 0;
    const lastShift = periodic ? Math.ceil((domain.upper[k] - a) / period) : 0;
    const out = new Float64Array(grid.shape[k]);
    for (let i = 0; i < out.length; i++) {
      let covered = 0;
      for (let j = firstShift; j <= lastShift; j++) {
        covered += overlap(a + j * period, b + j * period, faces[i], faces[i + 1]);
      }
      out[i] = covered / grid.spacing[k];
    }
    return out;
  });
  if (grid.dim === 1) return fractions[0];
  const [n0, n1] = grid.shape;
  const out = new Float64Array(grid.size);
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) out[i * n1 + j] = fractions[0][i] * fractions[1][j];
  }
  return out;
}

/** Cell averages of the initial density as configured, before normalisation. */
export function initialValues(validator: JsonValidator, path: string, initial: InitialConfig, grid: CellGrid): Float64Array {
  switch (initial.kind) {
    case 'uniform':
      return new Float64Array(grid.size).fill(1);
    case 'gaussian':
      return gaussianValues(grid, initial.mean, initial.std);
    case 'indicator':
      return indicatorValues(grid, initial.lower, initial.upper);
    case 'expression': {
      const compiled = atPath(validator, joinPath(path, 'expression'), () =>
        compileExpression(initial.expression, lambdaVariables(grid.domain.dim), initial.parameters),
      );
      return atPath(validator, joinPath(path, 'expression'), () => Density.fromFunction(grid, (point) => compiled.evaluate(point)).values);
    }
    case 'values':
      return Float64Array.from(initial.values);
  }
}

/**
 * Builds the initial density with mass 1 and returns the factor ∫ρ₀ it was
 * divided by. A non-finite or negative cell, or a mass ≤ 0, is a ConfigError
 * that names the first bad cell.
 */
export function buildInitialDensity(
  validator: JsonValidator,
  path: string,
  initial: InitialConfig,
  grid: CellGrid,
  labels: readonly string[],
): { density: Density; mass: number } {
  const values = initialValues(validator, path, initial, grid);
  const cellPath = (i: number) => (initial.kind === 'values' ? joinPath(joinPath(path, 'values'), i) : path);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw validator.error(cellPath(i), `the initial density is ${v} at ${describeCell(grid, i, labels)}; it must be finite`);
    }
    if (v < 0) {
      throw validator.error(cellPath(i), `the initial density is ${formatNumber(v)} at ${describeCell(grid, i, labels)}; it must be ≥ 0`);
    }
  }
  const mass = sum(values) * grid.cellVolume;
  if (!(mass > 0)) {
    const hint = initial.kind === 'gaussian' || initial.kind === 'indicator' ? '; move it inside the domain' : '';
    throw validator.error(path, `the initial density has mass ${formatNumber(mass)} on the grid; it needs a positive mass${hint}`);
  }
  for (let i = 0; i < values.length; i++) values[i] /= mass;
  return { density: new Density(grid, values), mass };
}
