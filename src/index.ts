/**
 * Public API of pbt-meanfield. Importing this module registers the
 * finite-volume solver (and every other solver family it re-exports).
 */
export * from './model/domain.js';
export * from './model/grid.js';
export * from './model/density.js';
export * from './model/kernel.js';
export * from './model/mutation.js';
export * from './model/fitness.js';
export * from './model/fitness-models.js';
export * from './model/expression.js';
export * from './model/problem.js';
export * from './model/solver.js';
export * from './model/observer.js';
export * from './model/observers.js';
export * from './model/errors.js';
export * from './model/logger.js';
export { ComplexFFT, RealFFT, DCT, CircularConvolver, circularConvolve } from './model/fft.js';
export * as random from './random/index.js';
export { loadConfig, parseConfig, parseConfigText, buildProblem, resolveSolverChoices } from './io/config.js';
export type { ResolvedConfig } from './io/config.js';
export { writeRun, createRunFolder, createRunMetadata, writeFileAtomic, encodeNpy } from './io/output.js';
export { renderReport, buildFigures } from './report/index.js';
export type { FigureSpec } from './report/index.js';
export { integrate, type Stepper } from '../solvers/time/driver.js';
export { finiteVolumeSolver } from '../solvers/finite-volume/index.js';
export { spectralSolver, SpectralBasis, makeCellAverageConversion } from '../solvers/spectral/index.js';
export {
  particleSolver,
  ParticleSystem,
  ReducedParticleSystem,
  RidgeModel,
  ExpressionModel,
  reducedSystemFor,
  wassersteinToDensity,
  wassersteinBetweenDensities,
  type ParticleSolveOptions,
  type ParticleSystemOptions,
  type ReducedForm,
  type ReducedSystemOptions,
  type FitnessEstimate,
  type ParticleModel,
} from '../solvers/particles/index.js';
export {
  kineticSolver,
  discreteEffectiveFitness,
  discreteGibbsState,
  gibbsProduct,
  lambdaMarginal,
  kineticJointGrid,
  type KineticProblem,
  type KineticSolution,
  type KineticSolveOptions,
} from '../solvers/kinetic/index.js';
export { exportFigures, type ExportFormat } from './report/export.js';
export { observedOrder, pairwiseOrders } from '../validation/convergence.js';
export * from '../validation/exact.js';
