/**
 * Strong-stability-preserving Runge–Kutta methods in Shu–Osher form
 * (Shu and Osher, J. Comput. Phys. 77 (1988) 439–471; Gottlieb, Shu and
 * Tadmor, SIAM Review 43 (2001) 89–112, eqs. (3.1)–(3.3)).
 *
 * Every stage is a convex combination of forward Euler steps, so a property
 * that forward Euler keeps for dt ≤ dt_FE (positivity, a maximum principle)
 * is kept by the whole method for dt ≤ C·dt_FE, with C the SSP coefficient.
 */

/** Writes the right-hand side L(u) into `out`. */
export type RightHandSide = (u: Float64Array, out: Float64Array) => void;

export interface SspScheme {
  name: string;
  order: number;
  /** SSP coefficient C: the method keeps forward Euler's properties for dt ≤ C·dt_FE. */
  sspCoefficient: number;
  /**
   * Stage s: u⁽ˢ⁾ = a_s·u⁽⁰⁾ + (1 − a_s)·(u⁽ˢ⁻¹⁾ + dt·L(u⁽ˢ⁻¹⁾)), the
   * low-storage Shu–Osher form that all three methods here admit.
   */
  stageWeights: readonly number[];
}

/** Forward Euler: order 1, C = 1. */
export const FORWARD_EULER: SspScheme = { name: 'euler', order: 1, sspCoefficient: 1, stageWeights: [0] };

/** Heun's method as SSPRK(2,2): order 2, C = 1 (Gottlieb–Shu–Tadmor eq. (3.2)). */
export const SSP_RK2: SspScheme = { name: 'ssp-rk2', order: 2, sspCoefficient: 1, stageWeights: [0, 1 / 2] };

/** Shu–Osher SSPRK(3,3): order 3, C = 1 (Gottlieb–Shu–Tadmor eq. (3.3)). */
export const SSP_RK3: SspScheme = {
  name: 'ssp-rk3',
  order: 3,
  sspCoefficient: 1,
  stageWeights: [0, 3 / 4, 1 / 3],
};

export const SSP_SCHEMES: readonly SspScheme[] = [SSP_RK3, SSP_RK2, FORWARD_EULER];

/**
 * Builds an in-place stepper u ← SSP-RK step of u, with its scratch
 * buffers allocated once.
 */
export function makeSspStepper(scheme: SspScheme, size: number, rhs: RightHandSide): (u: Float64Array, dt: number) => void {
  const u0 = new Float64Array(size);
  const stage = new Float64Array(size);
  const rate = new Float64Array(size);
  return (u: Float64Array, dt: number): void => {
    u0.set(u);
    stage.set(u);
    for (const a of scheme.stageWeights) {
      rhs(stage, rate);
      const b = 1 - a;
      for (let i = 0; i < size; i++) stage[i] = a * u0[i] + b * (stage[i] + dt * rate[i]);
    }
    u.set(stage);
  };
}
