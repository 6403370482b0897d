/**
 * Particle systems of population-based training: the full system of
 * agents (θ, λ) with Euler–Maruyama training and Boltzmann selection, the
 * reduced system on λ alone, and the `particles` solver that runs the
 * reduced system on SM, G and T problems.
 */

import { registerSolver } from '../../src/model/solver.js';
import { particleSolver } from './solver.js';

export { DEFAULT_BLOCK_SIZE, StreamDraws, type DrawsFactory, type ParticleDraws } from './blocks.js';
export {
  columnCovariance,
  columnMeans,
  histogram,
  sortedColumn,
  wassersteinBetweenDensities,
  wassersteinToDensity,
  type Histogram,
} from './empirical.js';
export {
  binnedKernelRegression,
  directKernelRegression,
  kernelRegression,
  silvermanBandwidth,
  type FitnessEstimate,
} from './fitness-estimate.js';
export { ExpressionModel, RidgeModel, thetaNames, type ExpressionModelOptions, type ParticleModel, type RidgeModelOptions } from './models.js';
export { clipIntoInterval, makeLambdaMutation, reflectIntoInterval, wrapIntoInterval, type LambdaMutation } from './mutation.js';
export { MAX_PARTICLES, type PopulationOptions } from './population.js';
export { MIN_AGENTS_FOR_THREADS } from './threads.js';
export { ReducedParticleSystem, type ReducedForm, type ReducedSystemOptions } from './reduced.js';
export { DensitySampler, EmpiricalSampler, type LambdaSampler } from './sampling.js';
export { DEFAULT_PARTICLES, particleSolver, reducedSystemFor, type ParticleSolveOptions } from './solver.js';
export { ParticleSystem, type ParticleSystemOptions } from './system.js';

registerSolver(particleSolver);
