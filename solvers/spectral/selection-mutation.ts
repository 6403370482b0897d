import { dot, sum } from '../../src/model/density.js';
import { StepSizeError } from '../../src/model/errors.js';
import type { SelectionMutationProblem } from '../../src/model/problem.js';
import { fitnessOnGrid } from '../finite-volume/fitness-values.js';
import type { Stepper } from '../time/driver.js';
import { makeSspStepper, SSP_RK3, type RightHandSide } from '../time/ssp-rk.js';
import { multiplyCoefficients, type SpectralBasis } from './basis.js';
import { mutationSymbol } from './mutation.js';
import { RK4_STABILITY_INTERVAL } from './replicator-mutator.js';

/**
 * Pseudo-spectral semi-discretisation of the selection–mutation equation
 *
 *   ∂ₜρ = γ (K_δ ⋆ (Fρ)/⟨F⟩_ρ − ρ)
 *
 * on the centre values: Fρ pointwise, K_δ ⋆ by its symbol in the spectral
 * basis (mutation.ts), back to the centres. ⟨F⟩ is taken as ΣFρ/Σρ, which
 * is ⟨F⟩_ρ for mass 1 and makes the right-hand side sum to zero exactly
 * (the symbol is 1 on the mean mode), so Σρ is kept to round-off for any
 * mass. Two transforms per right-hand side.
 *
 * Time stepping:
 * - `ssp-rk3`: Shu–Osher SSP-RK3 from solvers/time/ssp-rk.ts, third order;
 * - `rk4`: classical Runge–Kutta 4 (Kutta 1901), fourth order.
 * The right-hand side is not stiff. With ⟨F⟩ frozen, its linear part
 * γ(K·diag(F)/⟨F⟩ − I) is similar to a symmetric matrix (K is symmetric
 * with eigenvalues in (0, 1]) and so has real eigenvalues in
 * [−γ, γ(max F/⟨F⟩ − 1)]. Both methods are therefore stable for γΔt within
 * their real stability intervals, 2.51 (RK3) and 2.78 (RK4). SSP does not make the
 * spectral scheme positive, because the spectral K⋆ is not a non-negative
 * operator on the centre values.
 */

export type SpectralSelectionMutationScheme = 'ssp-rk3' | 'rk4';

export const SPECTRAL_SM_SCHEMES: readonly SpectralSelectionMutationScheme[] = ['ssp-rk3', 'rk4'];

/** Real stability interval [−2.5127, 0] of every three-stage third-order RK method, rounded down. */
const RK3_STABILITY_INTERVAL = 2.51;

export function makeSpectralSelectionMutationStepper(
  problem: SelectionMutationProblem,
  basis: SpectralBasis,
  scheme: SpectralSelectionMutationScheme,
): Stepper {
  const gamma = problem.gamma;
  const fitness = fitnessOnGrid(problem.fitness, problem.grid);
  const symbol = mutationSymbol(basis, problem.kernel);
  const size = basis.size;
  const selected = new Float64Array(size);
  const mutated = new Float64Array(size);
  const coefficients = basis.createCoefficients();

  const rhs: RightHandSide = (rho, out) => {
    for (let i = 0; i < size; i++) selected[i] = fitness[i] * rho[i];
    const scale = sum(rho) / dot(fitness, rho);
    basis.forward(selected, coefficients);
    multiplyCoefficients(coefficients, symbol);
    basis.inverse(coefficients, mutated);
    for (let i = 0; i < size; i++) out[i] = gamma * (mutated[i] * scale - rho[i]);
  };

  if (scheme === 'ssp-rk3') {
    const step = makeSspStepper(SSP_RK3, size, rhs);
    return (values, _time, dt) => step(values, dt);
  }
  return makeClassicalRk4Stepper(size, rhs);
}

/** Classical RK4 for an autonomous right-hand side, with its four stage buffers allocated once. */
export function makeClassicalRk4Stepper(size: number, rhs: RightHandSide): Stepper {
  const start = new Float64Array(size);
  const stage = new Float64Array(size);
  const k1 = new Float64Array(size);
  const k2 = new Float64Array(size);
  const k3 = new Float64Array(size);
  const k4 = new Float64Array(size);
  return (values, _time, dt) => {
    start.set(values);
    rhs(start, k1);
    for (let i = 0; i < size; i++) stage[i] = start[i] + 0.5 * dt * k1[i];
    rhs(stage, k2);
    for (let i = 0; i < size; i++) stage[i] = start[i] + 0.5 * dt * k2[i];
    rhs(stage, k3);
    for (let i = 0; i < size; i++) stage[i] = start[i] + dt * k3[i];
    rhs(stage, k4);
    for (let i = 0; i < size; i++) values[i] = start[i] + (dt / 6) * (k1[i] + 2 * (k2[i] + k3[i]) + k4[i]);
  };
}

/** γΔt ≤ 2.51 (ssp-rk3) or 2.78 (rk4), as a bound on Δt. */
export function spectralSelectionMutationStepBound(problem: SelectionMutationProblem, scheme: SpectralSelectionMutationScheme): number {
  return (scheme === 'ssp-rk3' ? RK3_STABILITY_INTERVAL : RK4_STABILITY_INTERVAL) / problem.gamma;
}

export function checkSpectralSelectionMutationStep(
  problem: SelectionMutationProblem,
  scheme: SpectralSelectionMutationScheme,
  dt: number,
): void {
  const bound = spectralSelectionMutationStepBound(problem, scheme);
  if (dt > bound * (1 + 1e-12)) {
    const interval = scheme === 'ssp-rk3' ? RK3_STABILITY_INTERVAL : RK4_STABILITY_INTERVAL;
    throw new StepSizeError(scheme, dt, bound, `linear stability needs γΔt ≤ ${interval}, the real stability interval of the method`);
  }
}
