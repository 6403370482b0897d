import { dot } from '../../src/model/density.js';
import { StepSizeError } from '../../src/model/errors.js';
import { makeMutationOperator } from '../../src/model/mutation.js';
import type { SelectionMutationProblem } from '../../src/model/problem.js';
import { makeSspStepper, SSP_SCHEMES, type SspScheme } from '../time/ssp-rk.js';
import type { Stepper } from '../time/driver.js';
import { fitnessOnGrid } from './fitness-values.js';

/**
 * Finite-volume semi-discretisation of the selection–mutation equation
 *
 *   ∂ₜρ = γ (K_δ ⋆ (Fρ)/⟨F⟩_ρ − ρ),    ⟨F⟩_ρ = ∫ Fρ,
 *
 * on cell averages: F is sampled at cell centres (midpoint rule, second
 * order), and K_δ ⋆ is the exact cell-to-cell transfer of the Gaussian
 * kernel for piecewise-constant data (src/model/mutation.ts), applied by FFT.
 *
 * Time stepping by an SSP Runge–Kutta method. One forward Euler step is
 * ρ ← (1 − γΔt)ρ + γΔt·K⋆(Fρ)/⟨F⟩, a convex combination of non-negative
 * terms when γΔt ≤ 1, and its mass is (1 − γΔt)·m + γΔt = 1 when m = 1
 * (the discrete kernel has unit column sums). So every SSP method here
 * keeps ρ ≥ 0 and the mass for Δt ≤ C/γ, with C = 1 the SSP coefficient.
 */
export function makeSelectionMutationStepper(problem: SelectionMutationProblem, scheme: SspScheme): Stepper {
  const grid = problem.grid;
  const gamma = problem.gamma;
  const fitness = fitnessOnGrid(problem.fitness, grid);
  const mutation = makeMutationOperator(grid, problem.kernel);
  const selected = new Float64Array(grid.size);
  const mutated = new Float64Array(grid.size);
  const cellVolume = grid.cellVolume;

  const rhs = (rho: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < rho.length; i++) selected[i] = fitness[i] * rho[i];
    const meanFitness = dot(fitness, rho) * cellVolume;
    mutation.apply(selected, mutated);
    const scale = 1 / meanFitness;
    for (let i = 0; i < rho.length; i++) out[i] = gamma * (mutated[i] * scale - rho[i]);
  };

  const step = makeSspStepper(scheme, grid.size, rhs);
  return (values, _time, dt) => step(values, dt);
}

/** Returns the largest step for which the SSP scheme keeps ρ ≥ 0: Δt ≤ C/γ. */
export function selectionMutationStepBound(problem: SelectionMutationProblem, scheme: SspScheme): number {
  return scheme.sspCoefficient / problem.gamma;
}

export function checkSelectionMutationStep(problem: SelectionMutationProblem, scheme: SspScheme, dt: number): void {
  const bound = selectionMutationStepBound(problem, scheme);
  if (dt > bound * (1 + 1e-12)) {
    throw new StepSizeError(scheme.name, dt, bound, `positivity of SSP Runge–Kutta needs γΔt ≤ ${scheme.sspCoefficient}`);
  }
}

export function findSspScheme(name: string | undefined): SspScheme {
  if (name === undefined) return SSP_SCHEMES[0];
  const scheme = SSP_SCHEMES.find((s) => s.name === name);
  if (!scheme) {
    throw new RangeError(`unknown scheme "${name}" for SM; available: ${SSP_SCHEMES.map((s) => s.name).join(', ')}`);
  }
  return scheme;
}
