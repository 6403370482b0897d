/**
 * Closed-form solutions used as references. All are for problems on the
 * whole line; on a bounded interval they hold while the tails beyond the
 * walls are negligible.
 */

export interface Gaussian1D {
  mean: number;
  variance: number;
}

/**
 * Replicator–mutator equation ∂ₜρ = β(Φ − ⟨Φ⟩)ρ + νρ″ with the quadratic
 * potential Φ(λ) = −(a/2)(λ − λ*)², from a Gaussian initial state. The
 * solution stays Gaussian with v′ = 2ν − βa·v² and m′ = −βa·v·(m − λ*),
 * which integrate to (s = √(2ν/(βa)), k = √(2νβa))
 *   v(t) = s·(v₀ + s·tanh kt)/(s + v₀·tanh kt),
 *   m(t) − λ* = (m₀ − λ*)/(cosh kt + (v₀/s)·sinh kt).
 */
export function replicatorMutatorGaussian(
  params: { beta: number; nu: number; a: number; optimum: number },
  initial: Gaussian1D,
  t: number,
): Gaussian1D {
  const { beta, nu, a, optimum } = params;
  const v0 = initial.variance;
  if (nu === 0) {
    // k → 0 limit: v′ = −βa·v², so v = v₀/(1 + βa·v₀·t) and m − λ* ∝ v/v₀.
    const v = v0 / (1 + beta * a * v0 * t);
    return { mean: optimum + ((initial.mean - optimum) * v) / v0, variance: v };
  }
  const s = Math.sqrt((2 * nu) / (beta * a));
  const k = Math.sqrt(2 * nu * beta * a);
  const th = Math.tanh(k * t);
  const variance = (s * (v0 + s * th)) / (s + v0 * th);
  const mean = optimum + (initial.mean - optimum) / (Math.cosh(k * t) + (v0 / s) * Math.sinh(k * t));
  return { mean, variance };
}

/**
 * One generation of ρ ↦ K_δ ⋆ (Fρ)/⟨F⟩ with Gaussian fitness
 * F(λ) = exp(−(λ − c)²/(2s²)) and Gaussian kernel of std δ, from N(m, v):
 * selection multiplies two Gaussians, giving N((m·s² + c·v)/(v + s²), v·s²/(v + s²)),
 * and mutation adds δ² to the variance.
 */
export function generationalGaussianStep(
  params: { centre: number; width: number; delta: number },
  state: Gaussian1D,
): Gaussian1D {
  const { centre, width, delta } = params;
  const s2 = width * width;
  const v = state.variance;
  return {
    mean: (state.mean * s2 + centre * v) / (v + s2),
    variance: (v * s2) / (v + s2) + delta * delta,
  };
}

/**
 * Stationary state of the selection–mutation equation (and fixed point of
 * the generational map) for the same Gaussian F and K: N(c, v*) with
 * v* = v*·s²/(v* + s²) + δ², i.e. v*² − δ²v* − δ²s² = 0, so
 *   v* = (δ² + √(δ⁴ + 4δ²s²))/2.
 * The eigenvalue ⟨F⟩ at the fixed point is √(s²/(v* + s²)).
 */
export function selectionMutationStationaryGaussian(params: { centre: number; width: number; delta: number }): Gaussian1D {
  const d2 = params.delta * params.delta;
  const s2 = params.width * params.width;
  return { mean: params.centre, variance: (d2 + Math.sqrt(d2 * d2 + 4 * d2 * s2)) / 2 };
}
