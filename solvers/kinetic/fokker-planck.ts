/**
 * The fast part ∂ₜf = (1/ε) ∂_θ(f ∂_θL + σ ∂_θf) on every λ column, with
 * no-flux faces at both ends of the θ interval.
 *
 * Space: the exponentially fitted flux of Scharfetter and Gummel (IEEE
 * Trans. Electron Devices ED-16 (1969) 64–77). It is the Chang–Cooper flux
 * with interpolation weight δ = 1/w − 1/(eʷ − 1), w = ΔL/σ. With
 * B(x) = x/(eˣ − 1), the flux through the face between θ cells k and k+1 is
 *
 *   G_{k+½} = (σ/h) [B(−x_k) f_{k+1} − B(x_k) f_k],   x_k = (L_{k+1} − L_k)/σ,
 *
 * and ∂ₜf_k = (G_{k+½} − G_{k−½})/(εh). Because B(−x) = eˣ B(x), the flux
 * vanishes on every face exactly when f_{k+1}/f_k = exp(−x_k), so the cell
 * values exp(−L(θ_k, λ)/σ(λ)) form the discrete equilibrium. Buet and
 * Dellacherie (Commun. Math. Sci. 8 (2010) 1079–1090) prove convergence to
 * such a discrete Maxwellian for the explicit Chang–Cooper scheme. Since
 * B(±x) = 1 ∓ x/2 + O(x²) and x_k = O(h), the flux is the central flux up
 * to O(h²) on smooth data.
 *
 * As a Markov chain on the θ cells of one column: the rate from cell k to
 * k+1 is σB(x_k)/(εh²) and from k+1 to k is σB(−x_k)/(εh²). The generator A
 * has non-negative off-diagonals and zero column sums.
 */

export interface ChainRates {
  thetaCells: number;
  lambdaCells: number;
  /** forward[k·n_λ + i]: rate from θ cell k to k+1 in λ column i, for faces k = 0 … n_θ − 2. */
  forward: Float64Array;
  /** backward[k·n_λ + i]: rate from θ cell k+1 to k in λ column i. */
  backward: Float64Array;
}

/** Returns B(x) = x/(eˣ − 1), with B(0) = 1. B(x) → 0 as x → +∞ and B(x) ≈ |x| as x → −∞. */
export function bernoulli(x: number): number {
  if (x === 0) return 1;
  return x / Math.expm1(x);
}

/**
 * Builds the transition rates of every λ column from L at the cell centres
 * (θ-major) and σ per λ cell.
 */
export function fokkerPlanckRates(
  loss: Float64Array,
  sigma: Float64Array,
  thetaCells: number,
  thetaSpacing: number,
  epsilon: number,
): ChainRates {
  const lambdaCells = sigma.length;
  const faces = (thetaCells - 1) * lambdaCells;
  const forward = new Float64Array(faces);
  const backward = new Float64Array(faces);
  const scale = 1 / (epsilon * thetaSpacing * thetaSpacing);
  for (let k = 0; k + 1 < thetaCells; k++) {
    for (let i = 0; i < lambdaCells; i++) {
      const s = sigma[i];
      const x = (loss[(k + 1) * lambdaCells + i] - loss[k * lambdaCells + i]) / s;
      forward[k * lambdaCells + i] = s * scale * bernoulli(x);
      backward[k * lambdaCells + i] = s * scale * bernoulli(-x);
    }
  }
  return { thetaCells, lambdaCells, forward, backward };
}

/**
 * Unnormalised discrete Gibbs weights exp(−(L(θ_k, λ_i) − min_k L)/σ(λ_i)),
 * θ-major. The shift by the column minimum keeps the largest weight at 1.
 */
export function gibbsWeights(loss: Float64Array, sigma: Float64Array, thetaCells: number): Float64Array {
  const lambdaCells = sigma.length;
  const out = new Float64Array(loss.length);
  for (let i = 0; i < lambdaCells; i++) {
    let minimum = Infinity;
    for (let k = 0; k < thetaCells; k++) minimum = Math.min(minimum, loss[k * lambdaCells + i]);
    for (let k = 0; k < thetaCells; k++) {
      out[k * lambdaCells + i] = Math.exp(-(loss[k * lambdaCells + i] - minimum) / sigma[i]);
    }
  }
  return out;
}

/**
 * Backward Euler for the fast part on all λ columns at once:
 * (I − τA) f_new = f_old, with A the Chang–Cooper generator above.
 *
 * M = I − τA is a tridiagonal M-matrix with unit column sums. The Thomas
 * algorithm is arranged so that it never subtracts. A pivot is written as
 * p_k = e_k + τ·forward_k, where e_k is the column sum of the not yet
 * eliminated part of column k. Eliminating row k−1 changes that sum to
 *
 *   e_k = 1 + τ·backward_{k−1}·e_{k−1}/p_{k−1},   e_0 = 1,
 *
 * which follows from the unit column sums of M. The forward and back
 * substitutions add non-negative terms as well, so for f_old ≥ 0 every
 * computed value is ≥ 0, and each carries a relative rounding error of a
 * few n_θ ulps however stiff τ/ε is. Mass is conserved to that accuracy,
 * and so is the Gibbs state, which M maps to itself in exact arithmetic.
 *
 * The factorisation depends on τ and is kept for the last τ used.
 */
export class BackwardEulerFokkerPlanck {
  private readonly rates: ChainRates;
  private tau = NaN;
  /** multiplier[k·n_λ + i] = τ·forward_{k−1}/p_{k−1}, for k ≥ 1. */
  private readonly multiplier: Float64Array;
  /** upper[k·n_λ + i] = τ·backward_k, for k ≤ n_θ − 2. */
  private readonly upper: Float64Array;
  /** inversePivot[k·n_λ + i] = 1/p_k. */
  private readonly inversePivot: Float64Array;

  constructor(rates: ChainRates) {
    this.rates = rates;
    const size = rates.thetaCells * rates.lambdaCells;
    this.multiplier = new Float64Array(size);
    this.upper = new Float64Array(size);
    this.inversePivot = new Float64Array(size);
  }

  /** Replaces `values` (θ-major) by the backward Euler step of length τ. */
  step(values: Float64Array, tau: number): void {
    if (tau !== this.tau) this.factorise(tau);
    const n = this.rates.thetaCells;
    const m = this.rates.lambdaCells;
    const multiplier = this.multiplier;
    const upper = this.upper;
    const inversePivot = this.inversePivot;

    // Forward elimination: y_k = b_k + multiplier_k·y_{k−1}, in place.
    for (let k = 1; k < n; k++) {
      const row = k * m;
      const previous = row - m;
      for (let i = 0; i < m; i++) values[row + i] += multiplier[row + i] * values[previous + i];
    }
    // Back substitution: x_k = (y_k + upper_k·x_{k+1})/p_k.
    const last = (n - 1) * m;
    for (let i = 0; i < m; i++) values[last + i] *= inversePivot[last + i];
    for (let k = n - 2; k >= 0; k--) {
      const row = k * m;
      const next = row + m;
      for (let i = 0; i < m; i++) {
        values[row + i] = (values[row + i] + upper[row + i] * values[next + i]) * inversePivot[row + i];
      }
    }
  }

  private factorise(tau: number): void {
    const n = this.rates.thetaCells;
    const m = this.rates.lambdaCells;
    const { forward, backward } = this.rates;
    const excess = new Float64Array(m).fill(1);
    const pivot = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      const row = k * m;
      for (let i = 0; i < m; i++) {
        if (k > 0) {
          const face = row - m + i;
          excess[i] = 1 + (tau * backward[face] * excess[i]) / pivot[i];
          this.multiplier[row + i] = (tau * forward[face]) / pivot[i];
        }
        const out = k + 1 < n ? tau * forward[row + i] : 0;
        pivot[i] = excess[i] + out;
        this.inversePivot[row + i] = 1 / pivot[i];
        this.upper[row + i] = k + 1 < n ? tau * backward[row + i] : 0;
      }
    }
    this.tau = tau;
  }
}
