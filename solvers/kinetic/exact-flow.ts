import type { ChainRates } from './fokker-planck.js';

/**
 * Largest n_θ accepted by the exact flow. The propagators take n_λ·n_θ²
 * doubles (128 MiB at 256 × 256) and cost O(n_λ·n_θ³) per change of the step.
 */
export const EXACT_FLOW_MAX_CELLS = 256;

/** Terms kept in the Poisson series. With qτ₀ ≤ ½ the first dropped term is below 2e-20. */
const SERIES_TERMS = 16;

/**
 * Squaring stops once all columns of P agree to this in every entry. Then
 * P = v·1ᵀ with v its stationary vector, so P² = P and further squarings
 * would leave it unchanged.
 */
const PROJECTION_TOLERANCE = 1e-15;

/**
 * The exact flow exp(τA) of the Chang–Cooper generator on every λ column,
 * as one dense n_θ × n_θ propagator per column.
 *
 * Each propagator is computed by uniformisation and squaring. With q the
 * largest total exit rate of the column and B = I + A/q, a column-stochastic
 * tridiagonal matrix with non-negative entries,
 *
 *   exp(τ₀A) = e^{−qτ₀} Σ_m (qτ₀)^m/m! · B^m,   τ₀ = τ/2^s, qτ₀ ≤ ½,
 *
 * summed by Horner's rule, and exp(τA) is that matrix squared s times, with
 * the column sums reset to 1 after every product (see normaliseColumns).
 * Every operation multiplies, adds or divides non-negative numbers, so the
 * propagator is non-negative in floating point.
 * Exact in time up to round-off, it is the second-order option of the fast
 * part. As τ/ε grows it tends to the projection onto the discrete Gibbs
 * state, so the scheme stays asymptotic preserving.
 */
export class ExactFokkerPlanckFlow {
  private readonly rates: ChainRates;
  private tau = NaN;
  /** Propagator of column i at offset i·n_θ², row-major: entry (r, c) is the transfer from θ cell c to r. */
  private readonly propagators: Float64Array;
  private readonly column: Float64Array;
  private readonly result: Float64Array;
  private readonly scratch: Float64Array;
  private readonly power: Float64Array;

  constructor(rates: ChainRates) {
    const n = rates.thetaCells;
    if (n > EXACT_FLOW_MAX_CELLS) {
      throw new RangeError(
        `exact Fokker–Planck flow: n_θ = ${n} exceeds the limit ${EXACT_FLOW_MAX_CELLS}, because its dense ` +
          `propagators cost O(n_λ·n_θ³); use the backward-euler flow or fewer θ cells`,
      );
    }
    this.rates = rates;
    this.propagators = new Float64Array(rates.lambdaCells * n * n);
    this.column = new Float64Array(n);
    this.result = new Float64Array(n);
    this.scratch = new Float64Array(n * n);
    this.power = new Float64Array(n * n);
  }

  /** Replaces `values` (θ-major) by exp(τA) applied to every λ column. */
  step(values: Float64Array, tau: number): void {
    if (tau !== this.tau) this.buildPropagators(tau);
    const n = this.rates.thetaCells;
    const m = this.rates.lambdaCells;
    const column = this.column;
    const result = this.result;
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < n; k++) column[k] = values[k * m + i];
      const offset = i * n * n;
      for (let r = 0; r < n; r++) {
        let s = 0;
        const row = offset + r * n;
        for (let c = 0; c < n; c++) s += this.propagators[row + c] * column[c];
        result[r] = s;
      }
      for (let k = 0; k < n; k++) values[k * m + i] = result[k];
    }
  }

  /** Returns a copy of the propagator of λ column i for the step τ (for tests). */
  propagator(lambdaIndex: number, tau: number): Float64Array {
    if (tau !== this.tau) this.buildPropagators(tau);
    const n = this.rates.thetaCells;
    return this.propagators.slice(lambdaIndex * n * n, (lambdaIndex + 1) * n * n);
  }

  private buildPropagators(tau: number): void {
    const n = this.rates.thetaCells;
    for (let i = 0; i < this.rates.lambdaCells; i++) {
      this.buildColumn(i, tau, this.propagators.subarray(i * n * n, (i + 1) * n * n));
    }
    this.tau = tau;
  }

  private buildColumn(lambdaIndex: number, tau: number, out: Float64Array): void {
    const n = this.rates.thetaCells;
    const m = this.rates.lambdaCells;
    const { forward, backward } = this.rates;

    // Tridiagonal B = I + A/q: diagonal, sub-diagonal (k → k+1) and super-diagonal (k+1 → k).
    const exitRate = new Float64Array(n);
    let q = 0;
    for (let k = 0; k < n; k++) {
      const right = k + 1 < n ? forward[k * m + lambdaIndex] : 0;
      const left = k > 0 ? backward[(k - 1) * m + lambdaIndex] : 0;
      exitRate[k] = right + left;
      if (exitRate[k] > q) q = exitRate[k];
    }
    if (!(q > 0)) {
      // No transitions at all: the flow is the identity.
      out.fill(0);
      for (let k = 0; k < n; k++) out[k * n + k] = 1;
      return;
    }
    const diagonal = new Float64Array(n);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      diagonal[k] = (q - exitRate[k]) / q;
      if (k + 1 < n) {
        lower[k] = forward[k * m + lambdaIndex] / q;
        upper[k] = backward[k * m + lambdaIndex] / q;
      }
    }

    const squarings = Math.max(0, Math.ceil(Math.log2(2 * q * tau)));
    const x = (q * tau) / 2 ** squarings;

    // Horner: R ← I + (x/j)·B·R for j = SERIES_TERMS … 1, starting from R = I.
    const r = this.power;
    r.fill(0);
    for (let k = 0; k < n; k++) r[k * n + k] = 1;
    const product = this.scratch;
    for (let j = SERIES_TERMS; j >= 1; j--) {
      const factor = x / j;
      for (let row = 0; row < n; row++) {
        for (let c = 0; c < n; c++) {
          let s = diagonal[row] * r[row * n + c];
          if (row > 0) s += lower[row - 1] * r[(row - 1) * n + c];
          if (row + 1 < n) s += upper[row] * r[(row + 1) * n + c];
          product[row * n + c] = factor * s + (row === c ? 1 : 0);
        }
      }
      r.set(product);
    }
    normaliseColumns(r, n);

    for (let s = 0; s < squarings; s++) {
      multiply(r, r, product, n);
      normaliseColumns(product, n);
      r.set(product);
      if (isProjection(r, n)) break;
    }
    out.set(r);
  }
}

/**
 * Divides every column by its sum. exp(τA) has unit column sums, but each
 * squaring doubles the rounding error of those sums, as it does for the
 * eigenvalue 1 of the mass mode. Without this step a single step at
 * ε = 1e-8, Δt = 1e-2 lost 9e-10 of the mass in a test run.
 * The e^{−qτ₀} factor of the series is applied here as well.
 */
function normaliseColumns(matrix: Float64Array, n: number): void {
  for (let c = 0; c < n; c++) {
    let s = 0;
    let compensation = 0;
    for (let row = 0; row < n; row++) {
      const v = matrix[row * n + c];
      const t = s + v;
      compensation += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    const scale = 1 / (s + compensation);
    for (let row = 0; row < n; row++) matrix[row * n + c] *= scale;
  }
}

/** Returns whether every column of the row-major n × n matrix equals the first to PROJECTION_TOLERANCE. */
function isProjection(matrix: Float64Array, n: number): boolean {
  for (let row = 0; row < n; row++) {
    const first = matrix[row * n];
    for (let c = 1; c < n; c++) {
      if (Math.abs(matrix[row * n + c] - first) > PROJECTION_TOLERANCE) return false;
    }
  }
  return true;
}

/** Writes out = a·b for dense row-major n × n matrices. out must differ from a and b. */
function multiply(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  out.fill(0);
  for (let row = 0; row < n; row++) {
    const outRow = row * n;
    for (let k = 0; k < n; k++) {
      const v = a[row * n + k];
      if (v === 0) continue;
      const bRow = k * n;
      for (let c = 0; c < n; c++) out[outRow + c] += v * b[bRow + c];
    }
  }
}
