import { Density } from '../../src/model/density.js';
import { ConfigError } from '../../src/model/errors.js';
import type { Observer } from '../../src/model/observer.js';
import type { EquationForm, Problem } from '../../src/model/problem.js';
import { registerSolver, type SchemeInfo, type SolveOptions, type Solution, type Solver } from '../../src/model/solver.js';
import { integrate, type Stepper } from '../time/driver.js';
import { makeCellAverageConversion, SpectralBasis } from './basis.js';
import { makeSpectralGenerationalStepper, makeSpectralTruncationStepper } from './maps.js';
import { checkSpectralKernel } from './mutation.js';
import { SpectralMonitor } from './monitor.js';
import {
  checkSpectralReplicatorMutatorStep,
  makeSpectralReplicatorMutatorStepper,
  reactionRateBound,
  SPECTRAL_RM_SCHEMES,
  type SpectralReplicatorMutatorScheme,
} from './replicator-mutator.js';
import {
  checkSpectralSelectionMutationStep,
  makeSpectralSelectionMutationStepper,
  SPECTRAL_SM_SCHEMES,
  type SpectralSelectionMutationScheme,
} from './selection-mutation.js';

export { makeCellAverageConversion, SpectralBasis } from './basis.js';

const SOLVER_NAME = 'spectral';

/**
 * Scheme table. `spaceOrder: Infinity` means spectral accuracy: for smooth
 * data (analytic, with an even extension that is smooth across the faces of
 * a box) the error falls faster than any power of h.
 */
const SCHEMES: Record<EquationForm, readonly SchemeInfo[]> = {
  SM: [
    {
      name: 'ssp-rk3',
      timeOrder: 3,
      spaceOrder: Infinity,
      description: 'Shu–Osher SSP-RK3, mutation by its cosine/Fourier symbol; stable for γΔt ≤ 2.51; ρ ≥ 0 not guaranteed',
    },
    {
      name: 'rk4',
      timeOrder: 4,
      spaceOrder: Infinity,
      description: 'classical RK4, mutation by its cosine/Fourier symbol; stable for γΔt ≤ 2.78; ρ ≥ 0 not guaranteed',
    },
  ],
  RM: [
    {
      name: 'etdrk4',
      timeOrder: 4,
      spaceOrder: Infinity,
      description:
        'ETDRK4 (Cox–Matthews 2002), coefficients by contour integral (Kassam–Trefethen 2005); diffusion exact; βΔt·osc Φ ≤ 2.78',
    },
    {
      name: 'if-rk4',
      timeOrder: 4,
      spaceOrder: Infinity,
      description: 'integrating-factor RK4 (Lawson 1967); diffusion exact; βΔt·osc Φ ≤ 2.78',
    },
  ],
  G: [{ name: 'map', timeOrder: 0, spaceOrder: Infinity, description: 'generational map, mutation by its cosine/Fourier symbol' }],
  T: [
    {
      name: 'map',
      timeOrder: 0,
      // The quantile cut leaves a jump in ρ, so the spectral accuracy of the
      // other forms is lost; observed L1 orders are about 1 to 1.7.
      spaceOrder: 1,
      description: 'truncation map, fractional quantile splitting, mutation by its cosine/Fourier symbol; first order at the quantile jump',
    },
  ],
};

const FORMS: readonly EquationForm[] = ['SM', 'RM', 'G', 'T'];

/**
 * Default step, sized for accuracy rather than stability: the exponential
 * schemes integrate the diffusion exactly, and the defaults sit at a tenth
 * or less of the stability bounds. On the smooth problems of the tests they
 * give max-norm errors of about 1e-6 relative (SM) and 1e-10 to 1e-5 (RM).
 */
function defaultStep(problem: Problem, scheme: string): number {
  const endTime = problem.times[problem.times.length - 1];
  switch (problem.form) {
    case 'SM':
      return (scheme === 'rk4' ? 0.1 : 0.05) / problem.gamma;
    case 'RM': {
      const rate = reactionRateBound(problem);
      return rate > 0 ? Math.min(0.25 / rate, endTime) : endTime;
    }
    default:
      return 1;
  }
}

function schemeName(problem: Problem, requested: string | undefined): string {
  const available = SCHEMES[problem.form];
  if (available.length === 0) {
    throw new ConfigError(
      'form',
      `the spectral solver does not support form ${problem.form}; supported forms: ${FORMS.join(', ')}. ` +
        'Use the finite-volume solver for this problem',
    );
  }
  if (requested === undefined) return available[0].name;
  if (!available.some((s) => s.name === requested)) {
    throw new ConfigError(
      'scheme',
      `unknown scheme "${requested}" for ${problem.form} in the spectral solver; available: ${available.map((s) => s.name).join(', ')}`,
    );
  }
  return requested;
}

function makeStepper(problem: Problem, basis: SpectralBasis, scheme: string, dt: number): Stepper {
  switch (problem.form) {
    case 'SM': {
      const sm = scheme as SpectralSelectionMutationScheme;
      if (!SPECTRAL_SM_SCHEMES.includes(sm)) throw new RangeError(`spectral: unknown SM scheme "${scheme}"`);
      checkSpectralSelectionMutationStep(problem, sm, dt);
      return makeSpectralSelectionMutationStepper(problem, basis, sm);
    }
    case 'RM': {
      const rm = scheme as SpectralReplicatorMutatorScheme;
      if (!SPECTRAL_RM_SCHEMES.includes(rm)) throw new RangeError(`spectral: unknown RM scheme "${scheme}"`);
      checkSpectralReplicatorMutatorStep(problem, rm, dt);
      return makeSpectralReplicatorMutatorStepper(problem, basis, rm);
    }
    case 'G':
      return makeSpectralGenerationalStepper(problem, basis);
    case 'T':
      return makeSpectralTruncationStepper(problem, basis);
  }
}

/**
 * Fourier (torus) and cosine (box) pseudo-spectral solvers.
 *
 * The state is the spectral solution evaluated at the cell centres of the
 * problem's grid. `problem.initial` contains cell averages, so it is first
 * converted to centre values by dividing each mode by the cell-average
 * symbol sinc(κh/2) (exact for band-limited data, mass unchanged). Snapshots
 * are converted back to cell averages, so they compare directly with the
 * finite-volume solver; `makeCellAverageConversion(basis).toCentreValues`
 * recovers the centre values. The per-step trace is taken on centre values.
 */
export const spectralSolver: Solver = {
  name: SOLVER_NAME,
  family: 'spectral',
  forms: FORMS,
  schemes: (form) => SCHEMES[form],
  solve(problem: Problem, options: SolveOptions = {}, observers: readonly Observer[] = []): Solution {
    const scheme = schemeName(problem, options.scheme);
    const grid = problem.grid;
    const basis = new SpectralBasis(grid);
    if (problem.form !== 'RM') checkSpectralKernel(basis, problem.kernel);

    let dt = options.dt ?? defaultStep(problem, scheme);
    if (!(dt > 0) || !Number.isFinite(dt)) {
      throw new ConfigError('dt', `${dt} is invalid; the time step must be finite and > 0`);
    }
    const stepper = makeStepper(problem, basis, scheme, dt);
    if (problem.form === 'G' || problem.form === 'T') dt = 1;

    const centreValues = new Float64Array(grid.size);
    makeCellAverageConversion(basis).toCentreValues(problem.initial.values, centreValues);
    const label = `${SOLVER_NAME} ${problem.form} ${scheme}`;
    const monitor = new SpectralMonitor(centreValues, label, options.massTolerance ?? 1e-10, options.logger);
    monitor.stats.basis = basis.kind;
    monitor.stats.initialData = 'cell averages converted to centre values';

    const solution = integrate({
      solver: SOLVER_NAME,
      scheme,
      problem: { ...problem, initial: new Density(grid, centreValues) },
      dt,
      stepper: monitor.wrap(stepper),
      observers,
      maxSteps: options.maxSteps,
      stats: monitor.stats,
    });
    monitor.finish();

    // Snapshots leave the solver as cell averages, like every other solver's,
    // so that densities, CDFs and differences are comparable. The conversion
    // multiplies each mode by sinc(κh/2) and is exactly invertible
    // (`toCentreValues`); snapshot 0 is the problem's own initial density.
    const conversion = makeCellAverageConversion(basis);
    for (const snapshot of solution.snapshots) {
      const centres = snapshot.density.values;
      if (snapshot.step === 0) {
        centres.set(problem.initial.values);
      } else {
        conversion.toCellAverages(Float64Array.from(centres), centres);
      }
    }
    solution.problem = problem;
    return solution;
  },
};

registerSolver(spectralSolver);
