import { ComplexFFT, DCT, RealFFT } from '../../src/model/fft.js';
import type { CellGrid } from '../../src/model/grid.js';

/**
 * Spectral bases on the cell centres of a CellGrid.
 *
 * - `cosine` (box): the even extension of the data across every face,
 *   expanded in cos(κ(λ − a)) with κ = πk/L, k = 0 … n − 1. The DCT-II maps
 *   the n centre values to these n coefficients and back exactly. Every
 *   cosine mode has zero slope at the faces, so diffusion in this basis is
 *   no-flux, and a Gaussian kernel acting on the even extension is the
 *   method-of-images reflection.
 * - `fourier` (torus): the periodic trigonometric interpolant with
 *   κ = 2πk/L, k = −n/2 … n/2, computed by the DFT.
 *
 * In 2D the transforms act along rows (axis 1), then along columns
 * (axis 0). Coefficients keep the grid's row-major layout: the coefficient
 * of mode (k₀, k₁) sits at index k₀·n₁ + k₁, with k in DFT order for the
 * Fourier basis.
 */
export type SpectralKind = 'cosine' | 'fourier';

/**
 * Spectral coefficients: one real array for the cosine basis, the real and
 * imaginary parts for the Fourier basis. Every operator used by the solvers
 * is a real diagonal multiplier, which acts on each part alike.
 */
export type Coefficients = Float64Array[];

export class SpectralBasis {
  readonly grid: CellGrid;
  readonly kind: SpectralKind;
  /** Number of cells, equal to the number of coefficients. */
  readonly size: number;
  /** 1 for cosine coefficients, 2 (real, imaginary) for Fourier coefficients. */
  readonly parts: number;
  /** Wavenumber κ ≥ 0 of every mode index along each axis, in the units of 1/λ. */
  readonly axisWavenumbers: readonly Float64Array[];
  /** |κ|² of every coefficient, summed over the axes. */
  readonly wavenumberSquared: Float64Array;

  private readonly shape: readonly number[];
  private readonly lineTransforms: LineTransforms[];
  /** Scratch for the inverse, which must leave its input coefficients unchanged. */
  private readonly scratch: Coefficients;

  constructor(grid: CellGrid) {
    this.grid = grid;
    this.kind = grid.domain.kind === 'torus' ? 'fourier' : 'cosine';
    this.size = grid.size;
    this.parts = this.kind === 'fourier' ? 2 : 1;
    this.shape = grid.shape;
    this.axisWavenumbers = this.shape.map((n, axis) => wavenumbers(this.kind, n, grid.domain.length(axis)));
    this.wavenumberSquared = this.separableSum((_axis, kappa) => kappa * kappa);
    this.lineTransforms = this.shape.map((n) => new LineTransforms(this.kind, n));
    this.scratch = this.createCoefficients();
  }

  createCoefficients(): Coefficients {
    return Array.from({ length: this.parts }, () => new Float64Array(this.size));
  }

  /** Writes the coefficients of the centre values `values` into `out`. */
  forward(values: Float64Array, out: Coefficients): void {
    if (this.kind === 'cosine') this.forwardCosine(values, out[0]);
    else this.forwardFourier(values, out[0], out[1]);
  }

  /** Writes the centre values of `coefficients` into `out`; `coefficients` is left unchanged. */
  inverse(coefficients: Coefficients, out: Float64Array): void {
    if (this.kind === 'cosine') this.inverseCosine(coefficients[0], out);
    else this.inverseFourier(coefficients[0], coefficients[1], out);
  }

  /** Builds the multiplier Π_axis m(axis, κ_axis) of a separable symbol, one entry per coefficient. */
  separableProduct(symbol: (axis: number, kappa: number) => number): Float64Array {
    return this.combineAxes(symbol, (a, b) => a * b, 1);
  }

  /** Builds the multiplier Σ_axis m(axis, κ_axis), one entry per coefficient. */
  separableSum(symbol: (axis: number, kappa: number) => number): Float64Array {
    return this.combineAxes(symbol, (a, b) => a + b, 0);
  }

  private combineAxes(
    symbol: (axis: number, kappa: number) => number,
    combine: (a: number, b: number) => number,
    identity: number,
  ): Float64Array {
    const out = new Float64Array(this.size).fill(identity);
    const perAxis = this.axisWavenumbers.map((kappas, axis) => kappas.map((kappa) => symbol(axis, kappa)));
    if (this.shape.length === 1) {
      for (let k = 0; k < this.size; k++) out[k] = combine(identity, perAxis[0][k]);
      return out;
    }
    const [n0, n1] = this.shape;
    for (let k0 = 0; k0 < n0; k0++) {
      for (let k1 = 0; k1 < n1; k1++) out[k0 * n1 + k1] = combine(perAxis[0][k0], perAxis[1][k1]);
    }
    return out;
  }

  private forwardCosine(values: Float64Array, out: Float64Array): void {
    if (this.shape.length === 1) {
      this.lineTransforms[0].dctForward(values, out);
      return;
    }
    const [n0, n1] = this.shape;
    const rows = this.lineTransforms[1];
    const columns = this.lineTransforms[0];
    for (let i = 0; i < n0; i++) {
      copyLine(values, i * n1, rows.lineRe);
      rows.dctForward(rows.lineRe, rows.resultRe);
      out.set(rows.resultRe, i * n1);
    }
    for (let j = 0; j < n1; j++) {
      const line = columns.lineRe;
      for (let i = 0; i < n0; i++) line[i] = out[i * n1 + j];
      columns.dctForward(line, columns.resultRe);
      for (let i = 0; i < n0; i++) out[i * n1 + j] = columns.resultRe[i];
    }
  }

  private inverseCosine(coefficients: Float64Array, out: Float64Array): void {
    if (this.shape.length === 1) {
      this.lineTransforms[0].dctInverse(coefficients, out);
      return;
    }
    const [n0, n1] = this.shape;
    const rows = this.lineTransforms[1];
    const columns = this.lineTransforms[0];
    const partial = this.scratch[0];
    for (let j = 0; j < n1; j++) {
      const line = columns.lineRe;
      for (let i = 0; i < n0; i++) line[i] = coefficients[i * n1 + j];
      columns.dctInverse(line, columns.resultRe);
      for (let i = 0; i < n0; i++) partial[i * n1 + j] = columns.resultRe[i];
    }
    for (let i = 0; i < n0; i++) {
      copyLine(partial, i * n1, rows.lineRe);
      rows.dctInverse(rows.lineRe, rows.resultRe);
      out.set(rows.resultRe, i * n1);
    }
  }

  private forwardFourier(values: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    if (this.shape.length === 1) {
      this.lineTransforms[0].realForward(values, outRe, outIm);
      return;
    }
    const [n0, n1] = this.shape;
    const rows = this.lineTransforms[1];
    const columns = this.lineTransforms[0];
    for (let i = 0; i < n0; i++) {
      copyLine(values, i * n1, rows.lineRe);
      rows.realForward(rows.lineRe, rows.resultRe, rows.resultIm);
      outRe.set(rows.resultRe, i * n1);
      outIm.set(rows.resultIm, i * n1);
    }
    for (let j = 0; j < n1; j++) {
      for (let i = 0; i < n0; i++) {
        columns.lineRe[i] = outRe[i * n1 + j];
        columns.lineIm[i] = outIm[i * n1 + j];
      }
      columns.complexForward();
      for (let i = 0; i < n0; i++) {
        outRe[i * n1 + j] = columns.resultRe[i];
        outIm[i * n1 + j] = columns.resultIm[i];
      }
    }
  }

  private inverseFourier(re: Float64Array, im: Float64Array, out: Float64Array): void {
    if (this.shape.length === 1) {
      this.lineTransforms[0].realInverse(re, im, out);
      return;
    }
    const [n0, n1] = this.shape;
    const rows = this.lineTransforms[1];
    const columns = this.lineTransforms[0];
    const [partialRe, partialIm] = this.scratch;
    for (let j = 0; j < n1; j++) {
      for (let i = 0; i < n0; i++) {
        columns.lineRe[i] = re[i * n1 + j];
        columns.lineIm[i] = im[i * n1 + j];
      }
      columns.complexInverse();
      for (let i = 0; i < n0; i++) {
        partialRe[i * n1 + j] = columns.resultRe[i];
        partialIm[i * n1 + j] = columns.resultIm[i];
      }
    }
    // Each row of the partial result is the spectrum of a real row, so it is
    // Hermitian up to round-off and the real inverse applies.
    for (let i = 0; i < n0; i++) {
      copyLine(partialRe, i * n1, rows.lineRe);
      copyLine(partialIm, i * n1, rows.lineIm);
      rows.realInverse(rows.lineRe, rows.lineIm, rows.resultRe);
      out.set(rows.resultRe, i * n1);
    }
  }
}

/** Copies `target.length` entries of `source` from `offset` on into `target`. */
function copyLine(source: Float64Array, offset: number, target: Float64Array): void {
  for (let k = 0; k < target.length; k++) target[k] = source[offset + k];
}

/** Wavenumbers κ ≥ 0 of the n modes of one axis of length L, in mode-index order. */
function wavenumbers(kind: SpectralKind, n: number, length: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (kind === 'cosine') {
      out[k] = (Math.PI * k) / length;
    } else {
      // DFT order: k = 0 … ⌊n/2⌋ are the non-negative frequencies, the rest
      // are k − n. The sign does not matter because every symbol used here
      // depends on κ² only.
      const signed = k <= n / 2 ? k : n - k;
      out[k] = (2 * Math.PI * signed) / length;
    }
  }
  return out;
}

/** The 1D transforms of one axis, with the line buffers they work in. */
class LineTransforms {
  readonly lineRe: Float64Array;
  readonly lineIm: Float64Array;
  readonly resultRe: Float64Array;
  readonly resultIm: Float64Array;
  private readonly dct: DCT | null;
  private readonly real: RealFFT | null;
  private readonly complex: ComplexFFT | null;

  constructor(kind: SpectralKind, n: number) {
    this.lineRe = new Float64Array(n);
    this.lineIm = new Float64Array(n);
    this.resultRe = new Float64Array(n);
    this.resultIm = new Float64Array(n);
    this.dct = kind === 'cosine' ? new DCT(n) : null;
    this.real = kind === 'fourier' ? new RealFFT(n) : null;
    this.complex = kind === 'fourier' ? new ComplexFFT(n) : null;
  }

  dctForward(input: Float64Array, output: Float64Array): void {
    (this.dct as DCT).forward(input, output);
  }

  dctInverse(input: Float64Array, output: Float64Array): void {
    (this.dct as DCT).inverse(input, output);
  }

  realForward(input: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    (this.real as RealFFT).forward(input, outRe, outIm);
  }

  realInverse(re: Float64Array, im: Float64Array, output: Float64Array): void {
    (this.real as RealFFT).inverse(re, im, output);
  }

  /** Transforms (lineRe, lineIm) into (resultRe, resultIm). */
  complexForward(): void {
    (this.complex as ComplexFFT).forward(this.lineRe, this.lineIm, this.resultRe, this.resultIm);
  }

  complexInverse(): void {
    (this.complex as ComplexFFT).inverse(this.lineRe, this.lineIm, this.resultRe, this.resultIm);
  }
}

/** Multiplies every part of `coefficients` by the real diagonal `multiplier`, in place. */
export function multiplyCoefficients(coefficients: Coefficients, multiplier: Float64Array): void {
  for (const part of coefficients) {
    for (let k = 0; k < part.length; k++) part[k] *= multiplier[k];
  }
}

/**
 * Symbol of the cell-average operator along one axis: the average of
 * cos(κλ) over a cell of width h centred at c is sinc(κh/2)·cos(κc), with
 * sinc(x) = sin(x)/x. For the modes of an n-cell grid κh/2 ≤ π/2, so the
 * symbol lies in [2/π, 1] and dividing by it is well conditioned.
 */
export function cellAverageSymbol(kappa: number, spacing: number): number {
  const x = 0.5 * kappa * spacing;
  return x === 0 ? 1 : Math.sin(x) / x;
}

/**
 * Converts between cell averages and centre values of the spectral
 * interpolant: the conversion is exact for data whose interpolant has no
 * modes beyond the grid's, and otherwise carries the aliasing error of the
 * interpolant. Both directions keep the mean (mode 0) unchanged, so Σρ and
 * hence the mass are the same before and after.
 */
export function makeCellAverageConversion(basis: SpectralBasis): {
  toCentreValues(averages: Float64Array, out: Float64Array): void;
  toCellAverages(centreValues: Float64Array, out: Float64Array): void;
} {
  const spacing = basis.grid.spacing;
  const averaging = basis.separableProduct((axis, kappa) => cellAverageSymbol(kappa, spacing[axis]));
  const deconvolution = averaging.map((s) => 1 / s);
  const coefficients = basis.createCoefficients();
  const apply = (multiplier: Float64Array, input: Float64Array, out: Float64Array): void => {
    basis.forward(input, coefficients);
    multiplyCoefficients(coefficients, multiplier);
    basis.inverse(coefficients, out);
  };
  return {
    toCentreValues: (averages, out) => apply(deconvolution, averages, out),
    toCellAverages: (centreValues, out) => apply(averaging, centreValues, out),
  };
}
