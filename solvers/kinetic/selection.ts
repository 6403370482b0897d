/**
 * The slow part ∂ₜf = γ (G(f) − f) with G(f) = K_δ ⋆_λ (ωf)/⟨ω⟩_f.
 *
 * Selection copies θ, so the convolution runs along λ on every θ row
 * separately, with the FFT mutation operator of the λ grid. ⟨ω⟩_f is taken
 * over the whole product grid. The discrete kernel has unit column sums, so
 * ∬ G(f) = 1 for every f with ⟨ω⟩_f > 0, and each integrator below keeps
 * mass 1.
 */

import { dot } from '../../src/model/density.js';
import { StepSizeError } from '../../src/model/errors.js';
import { makeMutationOperator } from '../../src/model/mutation.js';
import { makeSspStepper, SSP_RK3 } from '../time/ssp-rk.js';
import type { KineticSetup } from './problem.js';

/**
 * - `euler`: f ← (1 − γΔt) f + γΔt G(f), a convex combination for γΔt ≤ 1.
 * - `ssp-rk3`: Shu–Osher SSP Runge–Kutta 3, whose stages are such
 *   combinations, so it keeps f ≥ 0 for γΔt ≤ 1 as well. NOTE: its later
 *   stages act on f that is off Gibbs equilibrium in θ, so for Δt ≫ ε the
 *   λ-marginal is only first order in Δt. In the tests' double-well problem
 *   at ε = 1e-8, Δt = 1e-2 its error was 5.3e-4, against 6.1e-5 for `euler`.
 * - `exponential`: f ← e^{−γΔt} f + (1 − e^{−γΔt}) G(f), exact in the linear
 *   part −γf. It is a convex combination for every Δt, and it is the mean
 *   field of the stepped particle system, in which each agent is selected
 *   with probability 1 − e^{−γΔt} per step.
 */
export type SelectionIntegrator = 'euler' | 'ssp-rk3' | 'exponential';

export const SELECTION_INTEGRATORS: readonly SelectionIntegrator[] = ['euler', 'ssp-rk3', 'exponential'];

/** Largest Δt for which the integrator keeps f ≥ 0: 1/γ for `euler` and `ssp-rk3`, unbounded otherwise. */
export function selectionStepBound(integrator: SelectionIntegrator, gamma: number): number {
  if (integrator === 'exponential' || gamma === 0) return Infinity;
  return 1 / gamma;
}

/** Throws StepSizeError when Δt exceeds the positivity bound of the integrator. */
export function checkSelectionStep(integrator: SelectionIntegrator, gamma: number, dt: number): void {
  const bound = selectionStepBound(integrator, gamma);
  if (dt > bound * (1 + 1e-12)) {
    throw new StepSizeError(`kinetic selection (${integrator})`, dt, bound, 'positivity of the explicit selection step needs γΔt ≤ 1');
  }
}

/** Builds an in-place selection step f ← S_Δt(f). It allocates nothing per step. */
export function makeSelectionStep(
  setup: KineticSetup,
  integrator: SelectionIntegrator,
): (values: Float64Array, dt: number) => void {
  const gamma = setup.problem.gamma;
  if (gamma === 0) return () => {};
  const selection = makeSelectionOperator(setup);

  if (integrator === 'ssp-rk3') {
    const size = setup.jointGrid.size;
    const rhs = (f: Float64Array, out: Float64Array): void => {
      const selected = selection(f);
      for (let k = 0; k < size; k++) out[k] = gamma * (selected[k] - f[k]);
    };
    return makeSspStepper(SSP_RK3, size, rhs);
  }

  return (values, dt) => {
    const fraction = integrator === 'euler' ? gamma * dt : -Math.expm1(-gamma * dt);
    const keep = integrator === 'euler' ? 1 - fraction : Math.exp(-gamma * dt);
    const selected = selection(values);
    for (let k = 0; k < values.length; k++) values[k] = keep * values[k] + fraction * selected[k];
  };
}

/**
 * Builds f ↦ G(f) = K ⋆_λ (ωf)/⟨ω⟩_f. The result is an internal buffer,
 * overwritten by the next call.
 */
function makeSelectionOperator(setup: KineticSetup): (f: Float64Array) => Float64Array {
  const { thetaCells, lambdaCells, weight } = setup;
  const mutation = makeMutationOperator(setup.problem.lambdaGrid, setup.problem.kernel);
  const cellVolume = setup.jointGrid.cellVolume;
  const size = setup.jointGrid.size;
  const weighted = new Float64Array(size);
  const selected = new Float64Array(size);
  const rowsIn: Float64Array[] = [];
  const rowsOut: Float64Array[] = [];
  for (let j = 0; j < thetaCells; j++) {
    rowsIn.push(weighted.subarray(j * lambdaCells, (j + 1) * lambdaCells));
    rowsOut.push(selected.subarray(j * lambdaCells, (j + 1) * lambdaCells));
  }

  return (f) => {
    for (let k = 0; k < size; k++) weighted[k] = weight[k] * f[k];
    const meanWeight = dot(weight, f) * cellVolume;
    for (let j = 0; j < thetaCells; j++) mutation.apply(rowsIn[j], rowsOut[j]);
    const scale = 1 / meanWeight;
    for (let k = 0; k < size; k++) selected[k] *= scale;
    return selected;
  };
}
