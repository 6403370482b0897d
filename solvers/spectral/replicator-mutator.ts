import { dot, sum } from '../../src/model/density.js';
import { StepSizeError } from '../../src/model/errors.js';
import type { ReplicatorMutatorProblem } from '../../src/model/problem.js';
import { potentialOnGrid } from '../finite-volume/fitness-values.js';
import type { Stepper } from '../time/driver.js';
import { SpectralBasis, type Coefficients } from './basis.js';
import { etdrk4Coefficients, integratingFactors, StepCache } from './exponential.js';

/**
 * Pseudo-spectral schemes for the replicator–mutator equation
 *
 *   ∂ₜρ = β (Φ − ⟨Φ⟩_ρ) ρ + ν Δρ,
 *
 * written as u′ = Lu + N(u) for the spectral coefficients u of ρ:
 * L = −ν|κ|² is diagonal (no-flux on a box through the cosine basis,
 * periodic on a torus), and N(ρ) = β(Φ − ⟨Φ⟩)ρ is evaluated pointwise at
 * the cell centres. ⟨Φ⟩ is taken as ΣΦρ/Σρ, so ΣN(ρ) = 0 to round-off and
 * neither scheme changes the mean coefficient, which is Σρ: mass is kept to
 * round-off. Positivity is not guaranteed (see monitor.ts).
 *
 * Both schemes integrate the diffusion exactly, so they have no stability
 * bound from ν. For ν = 0 both reduce to the classical Runge–Kutta 4 method
 * applied to the reaction, whose real stability interval is [−2.785, 0];
 * the linearised reaction has real eigenvalues down to −β(max Φ − min Φ),
 * hence the step bound βΔt(max Φ − min Φ) ≤ 2.78 checked by the solver.
 */

export type SpectralReplicatorMutatorScheme = 'etdrk4' | 'if-rk4';

export const SPECTRAL_RM_SCHEMES: readonly SpectralReplicatorMutatorScheme[] = ['etdrk4', 'if-rk4'];

/** Real stability interval of classical RK4, rounded down. */
export const RK4_STABILITY_INTERVAL = 2.78;

export function makeSpectralReplicatorMutatorStepper(
  problem: ReplicatorMutatorProblem,
  basis: SpectralBasis,
  scheme: SpectralReplicatorMutatorScheme,
): Stepper {
  const { beta, nu } = problem;
  const phi = potentialOnGrid(problem.potential, problem.grid);
  const linear = basis.wavenumberSquared.map((k2) => -nu * k2);
  const size = basis.size;

  const nonlinear = (rho: Float64Array, out: Float64Array): void => {
    const meanPhi = dot(phi, rho) / sum(rho);
    for (let i = 0; i < size; i++) out[i] = beta * (phi[i] - meanPhi) * rho[i];
  };

  return scheme === 'etdrk4'
    ? makeEtdrk4Stepper(basis, linear, nonlinear)
    : makeIntegratingFactorRk4Stepper(basis, linear, nonlinear);
}

/** Writes N(ρ) at the centres into `out`. */
type PointwiseNonlinearity = (rho: Float64Array, out: Float64Array) => void;

/**
 * Evaluates N̂ = forward(N(inverse(û))) through the scratch buffers;
 * when `values` already contains inverse(û) the inverse transform is skipped.
 */
function makeSpectralNonlinearity(basis: SpectralBasis, nonlinear: PointwiseNonlinearity) {
  const stageValues = new Float64Array(basis.size);
  const rate = new Float64Array(basis.size);
  return {
    fromValues(values: Float64Array, out: Coefficients): void {
      nonlinear(values, rate);
      basis.forward(rate, out);
    },
    fromCoefficients(coefficients: Coefficients, out: Coefficients): void {
      basis.inverse(coefficients, stageValues);
      nonlinear(stageValues, rate);
      basis.forward(rate, out);
    },
  };
}

/** ETDRK4 of Cox and Matthews with the coefficients of exponential.ts; 5 forward and 4 inverse transforms per step. */
function makeEtdrk4Stepper(basis: SpectralBasis, linear: Float64Array, nonlinear: PointwiseNonlinearity): Stepper {
  const cache = new StepCache((h) => etdrk4Coefficients(linear, h));
  const spectral = makeSpectralNonlinearity(basis, nonlinear);
  const u = basis.createCoefficients();
  const a = basis.createCoefficients();
  const stage = basis.createCoefficients();
  const rateStart = basis.createCoefficients();
  const rateA = basis.createCoefficients();
  const rateB = basis.createCoefficients();
  const rateC = basis.createCoefficients();
  const parts = basis.parts;
  const size = basis.size;

  return (values, _time, h) => {
    const { exponential: e, halfExponential: e2, halfStep: q, weightStart, weightMiddle, weightEnd } = cache.get(h);
    basis.forward(values, u);
    spectral.fromValues(values, rateStart);

    for (let p = 0; p < parts; p++) {
      const up = u[p];
      const ap = a[p];
      const n0 = rateStart[p];
      for (let k = 0; k < size; k++) ap[k] = e2[k] * up[k] + q[k] * n0[k];
    }
    spectral.fromCoefficients(a, rateA);

    for (let p = 0; p < parts; p++) {
      const up = u[p];
      const bp = stage[p];
      const na = rateA[p];
      for (let k = 0; k < size; k++) bp[k] = e2[k] * up[k] + q[k] * na[k];
    }
    spectral.fromCoefficients(stage, rateB);

    for (let p = 0; p < parts; p++) {
      const ap = a[p];
      const cp = stage[p];
      const n0 = rateStart[p];
      const nb = rateB[p];
      for (let k = 0; k < size; k++) cp[k] = e2[k] * ap[k] + q[k] * (2 * nb[k] - n0[k]);
    }
    spectral.fromCoefficients(stage, rateC);

    for (let p = 0; p < parts; p++) {
      const up = u[p];
      const n0 = rateStart[p];
      const na = rateA[p];
      const nb = rateB[p];
      const nc = rateC[p];
      for (let k = 0; k < size; k++) {
        up[k] = e[k] * up[k] + weightStart[k] * n0[k] + 2 * weightMiddle[k] * (na[k] + nb[k]) + weightEnd[k] * nc[k];
      }
    }
    basis.inverse(u, values);
  };
}

/**
 * Integrating-factor RK4 (Lawson, SIAM J. Numer. Anal. 4 (1967) 372–380):
 * classical RK4 applied to v = e^{−Lt}u, written back in u so that only
 * the decaying factors E = e^{hL} and E₂ = e^{hL/2} appear:
 *
 *   k₁ = hN(uₙ),  k₂ = hN(E₂(uₙ + k₁/2)),  k₃ = hN(E₂uₙ + k₂/2),
 *   k₄ = hN(Euₙ + E₂k₃),
 *   uₙ₊₁ = Euₙ + (Ek₁ + 2E₂(k₂ + k₃) + k₄)/6.
 *
 * Fourth order in h. Its error constants grow with |hL| where the data are
 * not smooth, which ETDRK4 avoids. Same transform count as ETDRK4.
 */
function makeIntegratingFactorRk4Stepper(basis: SpectralBasis, linear: Float64Array, nonlinear: PointwiseNonlinearity): Stepper {
  const cache = new StepCache((h) => integratingFactors(linear, h));
  const spectral = makeSpectralNonlinearity(basis, nonlinear);
  const u = basis.createCoefficients();
  const stage = basis.createCoefficients();
  const k1 = basis.createCoefficients();
  const k2 = basis.createCoefficients();
  const k3 = basis.createCoefficients();
  const k4 = basis.createCoefficients();
  const parts = basis.parts;
  const size = basis.size;

  return (values, _time, h) => {
    const { exponential: e, halfExponential: e2 } = cache.get(h);
    basis.forward(values, u);
    spectral.fromValues(values, k1);

    for (let p = 0; p < parts; p++) {
      const sp = stage[p];
      const up = u[p];
      const r1 = k1[p];
      for (let k = 0; k < size; k++) sp[k] = e2[k] * (up[k] + 0.5 * h * r1[k]);
    }
    spectral.fromCoefficients(stage, k2);

    for (let p = 0; p < parts; p++) {
      const sp = stage[p];
      const up = u[p];
      const r2 = k2[p];
      for (let k = 0; k < size; k++) sp[k] = e2[k] * up[k] + 0.5 * h * r2[k];
    }
    spectral.fromCoefficients(stage, k3);

    for (let p = 0; p < parts; p++) {
      const sp = stage[p];
      const up = u[p];
      const r3 = k3[p];
      for (let k = 0; k < size; k++) sp[k] = e[k] * up[k] + h * e2[k] * r3[k];
    }
    spectral.fromCoefficients(stage, k4);

    for (let p = 0; p < parts; p++) {
      const up = u[p];
      const r1 = k1[p];
      const r2 = k2[p];
      const r3 = k3[p];
      const r4 = k4[p];
      for (let k = 0; k < size; k++) {
        up[k] = e[k] * up[k] + (h / 6) * (e[k] * r1[k] + 2 * e2[k] * (r2[k] + r3[k]) + r4[k]);
      }
    }
    basis.inverse(u, values);
  };
}

/** βΔt(max Φ − min Φ) ≤ RK4_STABILITY_INTERVAL, as a bound on Δt (Infinity when Φ is constant). */
export function spectralReplicatorMutatorStepBound(problem: ReplicatorMutatorProblem): number {
  const rate = reactionRateBound(problem);
  return rate > 0 ? RK4_STABILITY_INTERVAL / rate : Infinity;
}

/** β(max Φ − min Φ) over the cell centres: the largest reaction rate of the linearised problem. */
export function reactionRateBound(problem: ReplicatorMutatorProblem): number {
  const phi = potentialOnGrid(problem.potential, problem.grid);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < phi.length; i++) {
    if (phi[i] < lo) lo = phi[i];
    if (phi[i] > hi) hi = phi[i];
  }
  return problem.beta * (hi - lo);
}

export function checkSpectralReplicatorMutatorStep(problem: ReplicatorMutatorProblem, scheme: string, dt: number): void {
  const bound = spectralReplicatorMutatorStepBound(problem);
  if (dt > bound * (1 + 1e-12)) {
    throw new StepSizeError(
      scheme,
      dt,
      bound,
      `stability of the explicit reaction stages needs βΔt(max Φ − min Φ) ≤ ${RK4_STABILITY_INTERVAL}, the real stability interval of RK4`,
    );
  }
}
