/**
 * Mutation of one agent's hyperparameters λ ∈ Λ, the particle rules whose
 * laws are the kernels of src/model/kernel.ts:
 *
 * - Gaussian: λ + δξ with ξ ~ N(0, I_m), then `reflect` (the folding map R),
 *   `wrap` (torus) or `clip` (onto the nearest face);
 * - perturb: per axis, resample from the prior with probability p, else
 *   multiply by one of two factors with probability ½ each (in `log`
 *   coordinates λ = log10 of the value, so the factor adds log10(factor)),
 *   then clip or reflect into the box.
 */

import type { Domain } from '../../src/model/domain.js';
import { ConfigError } from '../../src/model/errors.js';
import type { GaussianKernel, MutationKernel, PerturbKernel } from '../../src/model/kernel.js';
import type { ParticleDraws } from './blocks.js';
import type { LambdaSampler } from './sampling.js';

/** Mutation of a parent's λ into a child's λ. */
export interface LambdaMutation {
  readonly kernel: MutationKernel;
  /** Writes the mutated copy of source[sourceOffset …] into target[targetOffset …] (m entries each). */
  mutate(source: Float64Array, sourceOffset: number, target: Float64Array, targetOffset: number, draws: ParticleDraws): void;
}

/**
 * Folds x into [a, b] by reflecting at the faces until it lies inside. The
 * composition of reflections is periodic with period 2(b − a), so it is
 * computed in closed form. One reflection, the common case, is done
 * directly for accuracy.
 */
export function reflectIntoInterval(x: number, a: number, b: number): number {
  if (x >= a && x <= b) return x;
  const width = b - a;
  if (x < a && x >= a - width) return 2 * a - x;
  if (x > b && x <= b + width) return 2 * b - x;
  const period = 2 * width;
  let y = (x - a) % period;
  if (y < 0) y += period;
  if (y > width) y = period - y;
  return a + y;
}

/** Maps x into [a, b) periodically. */
export function wrapIntoInterval(x: number, a: number, b: number): number {
  if (x >= a && x < b) return x;
  const period = b - a;
  let y = (x - a) % period;
  if (y < 0) y += period;
  // Adding the period to a tiny negative remainder can round to the period itself.
  return y >= period ? a : a + y;
}

/** Moves x onto the nearest face of [a, b] when it lies outside. */
export function clipIntoInterval(x: number, a: number, b: number): number {
  return x < a ? a : x > b ? b : x;
}

/**
 * Builds the mutation rule of `kernel` on `domain`. `prior` is the law the
 * perturb rule resamples from (unused by Gaussian kernels). Throws
 * ConfigError naming the kernel field when the kernel does not fit the
 * domain.
 */
export function makeLambdaMutation(kernel: MutationKernel, domain: Domain, prior: LambdaSampler): LambdaMutation {
  if (kernel.kind === 'gaussian') return new GaussianMutation(checkGaussian(kernel, domain), domain);
  if (kernel.kind === 'perturb') return new PerturbMutation(checkPerturb(kernel, domain), domain, prior);
  throw new ConfigError('kernel.kind', `kind '${String((kernel as { kind: unknown }).kind)}' is unknown; use 'gaussian' or 'perturb'`);
}

type BoundaryMap = (x: number, a: number, b: number) => number;

function boundaryMap(boundary: 'reflect' | 'wrap' | 'clip'): BoundaryMap {
  if (boundary === 'reflect') return reflectIntoInterval;
  if (boundary === 'wrap') return wrapIntoInterval;
  return clipIntoInterval;
}

/**
 * Gaussian rule. Draw order: m normals (one `normals` call), one per axis.
 */
class GaussianMutation implements LambdaMutation {
  readonly kernel: GaussianKernel;
  private readonly std: Float64Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly toDomain: BoundaryMap;
  private readonly noise: Float64Array;

  constructor(kernel: GaussianKernel, domain: Domain) {
    this.kernel = { kind: 'gaussian', std: [...kernel.std], boundary: kernel.boundary };
    this.std = Float64Array.from(kernel.std);
    this.lower = Float64Array.from(domain.lower);
    this.upper = Float64Array.from(domain.upper);
    this.toDomain = boundaryMap(kernel.boundary);
    this.noise = new Float64Array(domain.dim);
  }

  mutate(source: Float64Array, sourceOffset: number, target: Float64Array, targetOffset: number, draws: ParticleDraws): void {
    const dim = this.std.length;
    draws.normals(this.noise, 0, dim);
    for (let k = 0; k < dim; k++) {
      const moved = source[sourceOffset + k] + this.std[k] * this.noise[k];
      target[targetOffset + k] = this.toDomain(moved, this.lower[k], this.upper[k]);
    }
  }
}

/**
 * Perturb-and-resample rule. Draw order per axis: one uniform u; when
 * u < p, one prior draw (the prior's own draws, of which this axis is
 * kept); otherwise one uniform choosing factors[0] (below ½) or factors[1].
 */
class PerturbMutation implements LambdaMutation {
  readonly kernel: PerturbKernel;
  private readonly logFactors: [number, number];
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly toDomain: BoundaryMap;
  private readonly prior: LambdaSampler;
  private readonly priorDraw: Float64Array;

  constructor(kernel: PerturbKernel, domain: Domain, prior: LambdaSampler) {
    if (prior.dim !== domain.dim) {
      throw new RangeError(`perturb mutation: the prior has dimension ${prior.dim} but the domain has dimension ${domain.dim}`);
    }
    this.kernel = { ...kernel, factors: [kernel.factors[0], kernel.factors[1]] };
    this.logFactors = [Math.log10(kernel.factors[0]), Math.log10(kernel.factors[1])];
    this.lower = Float64Array.from(domain.lower);
    this.upper = Float64Array.from(domain.upper);
    this.toDomain = boundaryMap(kernel.boundary);
    this.prior = prior;
    this.priorDraw = new Float64Array(domain.dim);
  }

  mutate(source: Float64Array, sourceOffset: number, target: Float64Array, targetOffset: number, draws: ParticleDraws): void {
    const kernel = this.kernel;
    for (let k = 0; k < this.lower.length; k++) {
      let value: number;
      if (draws.uniform() < kernel.resampleProbability) {
        this.prior.sample(draws, this.priorDraw, 0);
        value = this.priorDraw[k];
      } else {
        const choice = draws.uniform() < 0.5 ? 0 : 1;
        value =
          kernel.coordinates === 'log'
            ? source[sourceOffset + k] + this.logFactors[choice]
            : source[sourceOffset + k] * kernel.factors[choice];
      }
      target[targetOffset + k] = this.toDomain(value, this.lower[k], this.upper[k]);
    }
  }
}

function checkGaussian(kernel: GaussianKernel, domain: Domain): GaussianKernel {
  if (!Array.isArray(kernel.std) || kernel.std.length !== domain.dim) {
    const count = Array.isArray(kernel.std) ? kernel.std.length : 'no';
    throw new ConfigError('kernel.std', `${count} standard deviations given for a ${domain.dim}D domain; give one per axis`);
  }
  kernel.std.forEach((std, axis) => {
    if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) {
      throw new ConfigError('kernel.std', `std[${axis}] = ${std} is invalid; a standard deviation must be finite and > 0`);
    }
  });
  const boundary = kernel.boundary;
  if (boundary !== 'reflect' && boundary !== 'wrap' && boundary !== 'clip') {
    throw new ConfigError('kernel.boundary', `boundary '${String(boundary)}' is unknown; use 'reflect', 'clip' or 'wrap'`);
  }
  if (boundary === 'wrap' && domain.kind !== 'torus') {
    throw new ConfigError('kernel.boundary', `boundary 'wrap' is invalid on the ${domain.describe()}; use 'reflect' or 'clip', or make the domain a torus`);
  }
  if (boundary !== 'wrap' && domain.kind === 'torus') {
    throw new ConfigError('kernel.boundary', `boundary '${boundary}' is invalid on the ${domain.describe()}, which has no faces; use 'wrap'`);
  }
  return kernel;
}

function checkPerturb(kernel: PerturbKernel, domain: Domain): PerturbKernel {
  if (domain.kind !== 'box') {
    throw new ConfigError('kernel.kind', `the perturb rule needs a box, but the domain is the ${domain.describe()}; use a Gaussian kernel with 'wrap'`);
  }
  if (!Array.isArray(kernel.factors) || kernel.factors.length !== 2) {
    throw new ConfigError('kernel.factors', 'expected two multiplicative factors, for example [1.2, 0.8]');
  }
  kernel.factors.forEach((factor, k) => {
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
      throw new ConfigError('kernel.factors', `factors[${k}] = ${factor} is invalid; a factor must be finite and > 0`);
    }
  });
  const p = kernel.resampleProbability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ConfigError('kernel.resampleProbability', `${p} is invalid; expected a probability in [0, 1]`);
  }
  if (kernel.coordinates !== 'linear' && kernel.coordinates !== 'log') {
    throw new ConfigError('kernel.coordinates', `'${String(kernel.coordinates)}' is unknown; use 'linear' or 'log'`);
  }
  if (kernel.boundary !== 'clip' && kernel.boundary !== 'reflect') {
    throw new ConfigError('kernel.boundary', `boundary '${String(kernel.boundary)}' is unknown for the perturb rule; use 'clip' or 'reflect'`);
  }
  return kernel;
}
