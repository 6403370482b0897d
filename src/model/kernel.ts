/**
 * Mutation kernels K_δ on the hyperparameter domain.
 *
 * - `reflect`: the law of R(λ + δξ) with R the reflection into the box, i.e.
 *   the method of images with every image folded back.
 * - `wrap`: the Gaussian wrapped on a torus.
 * - `clip`: what leaves the box is moved onto the face, as many PBT codes do;
 *   for a density this is mass concentrated in the boundary cells.
 * - `perturb`: the multiplicative rule of common PBT libraries: multiply by
 *   one of two factors (1.2 or 0.8) with probability ½ each, or resample
 *   from the initial distribution with probability p.
 */

export type KernelBoundary = 'reflect' | 'wrap' | 'clip';

export interface GaussianKernel {
  kind: 'gaussian';
  /** Standard deviation per axis, in the units of λ. */
  std: number[];
  boundary: KernelBoundary;
}

export interface PerturbKernel {
  kind: 'perturb';
  /** The two multiplicative factors, drawn with probability ½ each. */
  factors: [number, number];
  /** Probability of resampling from the initial distribution instead. */
  resampleProbability: number;
  /** Whether the factors act on λ (`linear`) or on 10^λ (`log`, λ = log10 of the value). */
  coordinates: 'linear' | 'log';
  /** Boundary rule applied at the faces after the multiplication. */
  boundary: 'clip' | 'reflect';
}

export type MutationKernel = GaussianKernel | PerturbKernel;

export function describeKernel(kernel: MutationKernel): string {
  if (kernel.kind === 'gaussian') {
    return `Gaussian mutation, std ${kernel.std.join(' × ')}, ${kernel.boundary} at the boundary`;
  }
  return (
    `perturb ×${kernel.factors[0]} / ×${kernel.factors[1]} in ${kernel.coordinates} coordinates, ` +
    `resample with probability ${kernel.resampleProbability}`
  );
}
