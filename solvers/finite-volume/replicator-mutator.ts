import { StepSizeError } from '../../src/model/errors.js';
import type { ReplicatorMutatorProblem } from '../../src/model/problem.js';
import type { Stepper } from '../time/driver.js';
import { makeBackwardEulerHeat, makeHeatFlow } from './diffusion.js';
import { potentialOnGrid } from './fitness-values.js';

/**
 * Finite-volume schemes for the replicator–mutator equation
 *
 *   ∂ₜρ = β (Φ − ⟨Φ⟩_ρ) ρ + ν Δρ,
 *
 * with Φ at cell centres and the 3-point Laplacian of diffusion.ts
 * (no-flux on a box, periodic on a torus). ⟨Φ⟩_ρ is taken as ΣΦρ/Σρ, so
 * Σ(Φ − ⟨Φ⟩)ρ = 0 is exact to round-off and the reaction conserves mass.
 */

export type ReplicatorMutatorScheme = 'strang' | 'imex-euler';

export const REPLICATOR_MUTATOR_SCHEMES: readonly ReplicatorMutatorScheme[] = ['strang', 'imex-euler'];

/**
 * `strang`: Strang splitting (Strang, SIAM J. Numer. Anal. 5 (1968) 506–517)
 * of two exactly integrated flows, second order in time:
 *   half step of diffusion, e^{(Δt/2)νD}, exact through the DCT/DFT;
 *   full step of reaction, exact: ρ ← ρ·e^{βΔtΦ}·Σρ / Σ(ρ·e^{βΔtΦ}), which
 *   solves ρ′ = β(Φ − ⟨Φ⟩_ρ)ρ in closed form (the nonlocal term only
 *   rescales, and the rescaling keeps Σρ);
 *   half step of diffusion.
 * Both flows keep ρ ≥ 0 and the mass for any Δt (the diffusion up to FFT
 * round-off), so no step bound applies.
 *
 * `imex-euler`: explicit Euler for the reaction, backward Euler for the
 * diffusion (M-matrix, Thomas algorithm). First order. The reaction step
 * ρᵢ(1 + βΔt(Φᵢ − ⟨Φ⟩)) stays ≥ 0 when βΔt(max Φ − min Φ) ≤ 1, which is
 * checked up front; the diffusion solve keeps ρ ≥ 0 exactly for any Δt.
 */
export function makeReplicatorMutatorStepper(problem: ReplicatorMutatorProblem, scheme: ReplicatorMutatorScheme): Stepper {
  const grid = problem.grid;
  const { beta, nu } = problem;
  const phi = potentialOnGrid(problem.potential, grid);
  let phiMax = -Infinity;
  for (let i = 0; i < phi.length; i++) if (phi[i] > phiMax) phiMax = phi[i];

  if (scheme === 'strang') {
    const heat = makeHeatFlow(grid, nu);
    const growth = new Float64Array(grid.size);
    let growthDt = NaN;
    return (values, _time, dt) => {
      if (nu > 0) heat(values, dt / 2);
      if (dt !== growthDt) {
        // The shift by max Φ keeps the exponentials ≤ 1; it cancels in the ratio.
        for (let i = 0; i < phi.length; i++) growth[i] = Math.exp(beta * dt * (phi[i] - phiMax));
        growthDt = dt;
      }
      let before = 0;
      let after = 0;
      for (let i = 0; i < values.length; i++) {
        before += values[i];
        values[i] *= growth[i];
        after += values[i];
      }
      const scale = before / after;
      for (let i = 0; i < values.length; i++) values[i] *= scale;
      if (nu > 0) heat(values, dt / 2);
    };
  }

  const solveHeat = makeBackwardEulerHeat(grid, nu);
  return (values, _time, dt) => {
    let mass = 0;
    let weighted = 0;
    for (let i = 0; i < values.length; i++) {
      mass += values[i];
      weighted += phi[i] * values[i];
    }
    const meanPhi = weighted / mass;
    for (let i = 0; i < values.length; i++) values[i] *= 1 + beta * dt * (phi[i] - meanPhi);
    if (nu > 0) solveHeat(values, dt);
  };
}

/** Returns the largest Δt that keeps `imex-euler` positive, 1/(β(max Φ − min Φ)); `strang` has no bound. */
export function replicatorMutatorStepBound(problem: ReplicatorMutatorProblem, scheme: ReplicatorMutatorScheme): number {
  if (scheme === 'strang') return Infinity;
  const phi = potentialOnGrid(problem.potential, problem.grid);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < phi.length; i++) {
    if (phi[i] < lo) lo = phi[i];
    if (phi[i] > hi) hi = phi[i];
  }
  return hi > lo ? 1 / (problem.beta * (hi - lo)) : Infinity;
}

export function checkReplicatorMutatorStep(problem: ReplicatorMutatorProblem, scheme: ReplicatorMutatorScheme, dt: number): void {
  const bound = replicatorMutatorStepBound(problem, scheme);
  if (dt > bound * (1 + 1e-12)) {
    throw new StepSizeError(scheme, dt, bound, 'positivity of the explicit reaction step needs βΔt(max Φ − min Φ) ≤ 1');
  }
}
