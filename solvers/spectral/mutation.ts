import { ConfigError } from '../../src/model/errors.js';
import type { GaussianKernel } from '../../src/model/kernel.js';
import type { SpectralBasis } from './basis.js';

/**
 * Computes the symbol of the Gaussian mutation kernel K_δ in a spectral basis:
 * Π_axis exp(−δ_axis² κ_axis² / 2), one entry per coefficient.
 *
 * On a torus this is the Fourier symbol of the wrapped Gaussian. On a box
 * the cosine series is the even, 2L-periodic extension of the data, and
 * convolving that extension with the Gaussian and restricting it to the box
 * is exactly the method of images with every image folded back (`reflect`).
 * Both are exact for the continuous kernel, so the only discretisation error
 * is that of the spectral interpolant of the data.
 *
 * `clip` is rejected: it moves the mass that leaves the box onto the faces,
 * which no cosine or Fourier multiplier reproduces.
 */
export function mutationSymbol(basis: SpectralBasis, kernel: GaussianKernel, field = 'kernel'): Float64Array {
  checkSpectralKernel(basis, kernel, field);
  const std = kernel.std;
  return basis.separableProduct((axis, kappa) => Math.exp(-0.5 * std[axis] * std[axis] * kappa * kappa));
}

export function checkSpectralKernel(basis: SpectralBasis, kernel: GaussianKernel, field = 'kernel'): void {
  const dim = basis.grid.dim;
  if (kernel.kind !== 'gaussian') {
    throw new ConfigError(`${field}.kind`, `"${String(kernel.kind)}" is not supported by the spectral solver; use a Gaussian kernel`);
  }
  if (kernel.boundary === 'clip') {
    throw new ConfigError(
      `${field}.boundary`,
      'the spectral solver does not support "clip": clipping moves the mass that leaves the box onto the faces, ' +
        'an operator that is not diagonal in the cosine basis; use boundary "reflect", or the finite-volume solver, which implements "clip"',
    );
  }
  const domainKind = basis.grid.domain.kind;
  if (domainKind === 'box' && kernel.boundary !== 'reflect') {
    throw new ConfigError(
      `${field}.boundary`,
      `"${kernel.boundary}" on a box is not diagonal in the cosine basis; use "reflect", or a torus domain for "wrap"`,
    );
  }
  if (domainKind === 'torus' && kernel.boundary !== 'wrap') {
    throw new ConfigError(`${field}.boundary`, `"${kernel.boundary}" on a torus is invalid; a torus has no faces, use "wrap"`);
  }
  if (kernel.std.length !== dim) {
    throw new ConfigError(`${field}.std`, `${kernel.std.length} entries given for a ${dim}D domain; give one std per axis`);
  }
  kernel.std.forEach((s, axis) => {
    if (!Number.isFinite(s) || s < 0) {
      throw new ConfigError(`${field}.std[${axis}]`, `${s} is invalid; the standard deviation must be finite and ≥ 0`);
    }
  });
}
