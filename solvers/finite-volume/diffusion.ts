import { ComplexFFT, DCT } from '../../src/model/fft.js';
import type { CellGrid } from '../../src/model/grid.js';
import { makeAxisApplier, type LineTransform } from './lines.js';

/**
 * The cell-centred Laplacian D with the 3-point stencil (ρᵢ₋₁ − 2ρᵢ + ρᵢ₊₁)/h²
 * per axis, no-flux on a box (the face flux at a wall is zero, so the first
 * row is (ρ₁ − ρ₀)/h²) and periodic on a torus. Its columns sum to zero,
 * so every operator below conserves mass.
 *
 * Eigenvalues along an axis with n cells: no-flux, diagonal in the DCT-II
 * basis, μₖ = −(4/h²)·sin²(πk/(2n)); periodic, diagonal in the DFT basis,
 * μₖ = −(4/h²)·sin²(πk/n).
 */
function eigenvalues(n: number, h: number, periodic: boolean): Float64Array {
  const mu = new Float64Array(n);
  const scale = 4 / (h * h);
  for (let k = 0; k < n; k++) {
    const s = Math.sin((Math.PI * k) / (periodic ? n : 2 * n));
    mu[k] = -scale * s * s;
  }
  return mu;
}

/**
 * A diagonal-in-spectrum operator along one axis: output = S⁻¹·diag(m)·S·input
 * with S the DCT-II (no-flux) or DFT (periodic).
 */
function makeSpectralLine(n: number, periodic: boolean): (multiplier: Float64Array) => LineTransform {
  if (!periodic) {
    const dct = new DCT(n);
    const coefficients = new Float64Array(n);
    return (multiplier) => (input, output) => {
      dct.forward(input, coefficients);
      for (let k = 0; k < n; k++) coefficients[k] *= multiplier[k];
      dct.inverse(coefficients, output);
    };
  }
  const fft = new ComplexFFT(n);
  const zero = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const backIm = new Float64Array(n);
  return (multiplier) => (input, output) => {
    fft.forward(input, zero, re, im);
    for (let k = 0; k < n; k++) {
      re[k] *= multiplier[k];
      im[k] *= multiplier[k];
    }
    fft.inverse(re, im, output, backIm);
  };
}

/**
 * Exact flow e^{τνD} of the semi-discrete heat equation, applied in place.
 * In 2D, D = D₀ ⊕ D₁ is a Kronecker sum, so e^{τνD} = e^{τνD₀}·e^{τνD₁}
 * exactly. e^{τνD} is a non-negative matrix (D is a Metzler matrix) with
 * unit column sums; the transform-based product reproduces that up to
 * round-off of order 1e-16·max ρ.
 */
export function makeHeatFlow(grid: CellGrid, nu: number): (values: Float64Array, tau: number) => void {
  const periodic = grid.domain.kind === 'torus';
  const axes = Array.from({ length: grid.dim }, (_, axis) => {
    const n = grid.shape[axis];
    const mu = eigenvalues(n, grid.spacing[axis], periodic);
    const multiplier = new Float64Array(n);
    return { mu, multiplier, apply: makeAxisApplier(grid, axis), line: makeSpectralLine(n, periodic)(multiplier) };
  });
  return (values, tau) => {
    for (const axis of axes) {
      for (let k = 0; k < axis.mu.length; k++) axis.multiplier[k] = Math.exp(tau * nu * axis.mu[k]);
      axis.apply(values, axis.line);
    }
  };
}

/**
 * Backward Euler for the heat equation, (I − τνD)ρⁿ⁺¹ = ρⁿ, dimension by
 * dimension in 2D (Lie splitting of the axes, first order like the scheme
 * itself). On a box each axis solve is a tridiagonal M-matrix solved by the
 * Thomas algorithm: with off-diagonals ≤ 0 and a dominant diagonal, every
 * quantity in the elimination is a sum of non-negative terms, so ρ ≥ 0 is
 * kept exactly in floating point, for any τ. On a torus the circulant
 * system is solved in Fourier space (non-negative up to round-off).
 */
export function makeBackwardEulerHeat(grid: CellGrid, nu: number): (values: Float64Array, tau: number) => void {
  const periodic = grid.domain.kind === 'torus';
  const axes = Array.from({ length: grid.dim }, (_, axis) => {
    const n = grid.shape[axis];
    const h = grid.spacing[axis];
    const apply = makeAxisApplier(grid, axis);
    if (periodic) {
      const mu = eigenvalues(n, h, true);
      const multiplier = new Float64Array(n);
      const line = makeSpectralLine(n, true)(multiplier);
      return (values: Float64Array, tau: number): void => {
        for (let k = 0; k < n; k++) multiplier[k] = 1 / (1 - tau * nu * mu[k]);
        apply(values, line);
      };
    }
    const modified = new Float64Array(n);
    let r = 0;
    const thomas: LineTransform = (input, output) => {
      // Matrix rows: −r·ρᵢ₋₁ + (1 + 2r)·ρᵢ − r·ρᵢ₊₁ = inputᵢ, with 1 + r on the
      // diagonal of the first and last rows (no-flux walls).
      // Forward sweep; `modified` contains c′ᵢ = −r/denominatorᵢ negated (so ≥ 0).
      let denominator = 1 + r;
      modified[0] = r / denominator;
      output[0] = input[0] / denominator;
      for (let i = 1; i < n; i++) {
        const diagonal = i === n - 1 ? 1 + r : 1 + 2 * r;
        denominator = diagonal - r * modified[i - 1];
        modified[i] = r / denominator;
        output[i] = (input[i] + r * output[i - 1]) / denominator;
      }
      // Back substitution: ρᵢ = d′ᵢ + c′ᵢ·ρᵢ₊₁, all terms non-negative.
      for (let i = n - 2; i >= 0; i--) output[i] += modified[i] * output[i + 1];
    };
    return (values: Float64Array, tau: number): void => {
      r = (tau * nu) / (h * h);
      apply(values, thomas);
    };
  });
  return (values, tau) => {
    for (const solveAxis of axes) solveAxis(values, tau);
  };
}
