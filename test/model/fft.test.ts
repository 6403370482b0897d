import { describe, expect, it } from 'vitest';
import { CircularConvolver, ComplexFFT, DCT, RealFFT, circularConvolve } from '../../src/model/fft.js';

// Tolerances. Transform errors are max |computed − reference| divided by
// the ℓ1 norm of the input, which bounds every coefficient. The reference
// sums below run in double precision with exactly reduced angles. Over the
// sizes tested here the measured maxima were 4.4e-16 (complex DFT),
// 5.0e-16 (real against complex) and 5.3e-16 (DCT-II).
const TRANSFORM_TOLERANCE = 2e-15;
// Round trips, relative to max |x|. The measured maximum was 1.9e-15.
const ROUND_TRIP_TOLERANCE = 1e-14;

const SMALL_SIZES = Array.from({ length: 70 }, (_, i) => i + 1);
const POWER_SIZES = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const LARGE_OTHER_SIZES = [100, 127, 1000, 3001];

/** Deterministic pseudo-random values in [−1, 1) (a 32-bit LCG), so failures reproduce. */
function randomVector(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** O(n²) DFT. Reducing jk mod n keeps each angle exact to round-off. */
function naiveDFT(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const angle = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    outRe[k] = inverse ? sr / n : sr;
    outIm[k] = inverse ? si / n : si;
  }
  return [outRe, outIm];
}

/** O(n²) DCT-II X_k = Σ x_j cos(πk(2j+1)/(2n)), with k(2j+1) reduced mod 4n. */
function naiveDCT(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[j] * Math.cos((Math.PI * ((k * (2 * j + 1)) % (4 * n))) / (2 * n));
    out[k] = s;
  }
  return out;
}

/** Scaled DCT-III x_j = (1/n)(X_0 + 2 Σ_{k≥1} X_k cos(πk(2j+1)/(2n))). */
function naiveInverseDCT(coefficients: Float64Array): Float64Array {
  const n = coefficients.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = coefficients[0];
    for (let k = 1; k < n; k++) {
      s += 2 * coefficients[k] * Math.cos((Math.PI * ((k * (2 * j + 1)) % (4 * n))) / (2 * n));
    }
    out[j] = s / n;
  }
  return out;
}

function naiveCircularConvolution(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[j] * b[(i - j + n) % n];
    out[i] = s;
  }
  return out;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function l1Norm(...arrays: Float64Array[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}

describe('ComplexFFT', () => {
  it('matches the naive DFT for sizes 1 to 70', () => {
    for (const n of SMALL_SIZES) {
      const re = randomVector(n, n);
      const im = randomVector(n, n + 1000);
      const fft = new ComplexFFT(n);
      const outRe = new Float64Array(n);
      const outIm = new Float64Array(n);
      fft.forward(re, im, outRe, outIm);
      const [refRe, refIm] = naiveDFT(re, im, false);
      const scale = l1Norm(re, im);
      expect(maxDifference(outRe, refRe) / scale, `n = ${n}, real part`).toBeLessThan(TRANSFORM_TOLERANCE);
      expect(maxDifference(outIm, refIm) / scale, `n = ${n}, imaginary part`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('matches the naive DFT for large sizes', () => {
    for (const n of [...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const re = randomVector(n, 3 * n);
      const im = randomVector(n, 3 * n + 1);
      const fft = new ComplexFFT(n);
      const outRe = new Float64Array(n);
      const outIm = new Float64Array(n);
      fft.forward(re, im, outRe, outIm);
      const [refRe, refIm] = naiveDFT(re, im, false);
      const scale = l1Norm(re, im);
      expect(maxDifference(outRe, refRe) / scale, `n = ${n}, real part`).toBeLessThan(TRANSFORM_TOLERANCE);
      expect(maxDifference(outIm, refIm) / scale, `n = ${n}, imaginary part`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('matches the naive inverse DFT', () => {
    for (const n of [1, 2, 3, 7, 12, 64, 100]) {
      const re = randomVector(n, 5 * n);
      const im = randomVector(n, 5 * n + 1);
      const fft = new ComplexFFT(n);
      const outRe = new Float64Array(n);
      const outIm = new Float64Array(n);
      fft.inverse(re, im, outRe, outIm);
      const [refRe, refIm] = naiveDFT(re, im, true);
      const scale = l1Norm(re, im) / n;
      expect(maxDifference(outRe, refRe) / scale, `n = ${n}, real part`).toBeLessThan(TRANSFORM_TOLERANCE);
      expect(maxDifference(outIm, refIm) / scale, `n = ${n}, imaginary part`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('round-trips forward then inverse', () => {
    for (const n of [...SMALL_SIZES, ...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const re = randomVector(n, 7 * n);
      const im = randomVector(n, 7 * n + 1);
      const fft = new ComplexFFT(n);
      const spectrumRe = new Float64Array(n);
      const spectrumIm = new Float64Array(n);
      const backRe = new Float64Array(n);
      const backIm = new Float64Array(n);
      fft.forward(re, im, spectrumRe, spectrumIm);
      fft.inverse(spectrumRe, spectrumIm, backRe, backIm);
      const scale = Math.max(maxAbs(re), maxAbs(im));
      expect(maxDifference(backRe, re) / scale, `n = ${n}, real part`).toBeLessThan(ROUND_TRIP_TOLERANCE);
      expect(maxDifference(backIm, im) / scale, `n = ${n}, imaginary part`).toBeLessThan(ROUND_TRIP_TOLERANCE);
    }
  });

  it('transforms in place', () => {
    for (const n of [6, 16]) {
      const re = randomVector(n, 11);
      const im = randomVector(n, 12);
      const fft = new ComplexFFT(n);
      const expectedRe = new Float64Array(n);
      const expectedIm = new Float64Array(n);
      fft.forward(re, im, expectedRe, expectedIm);
      fft.forward(re, im, re, im);
      expect(maxDifference(re, expectedRe)).toBe(0);
      expect(maxDifference(im, expectedIm)).toBe(0);
    }
  });

  it('rejects invalid sizes and lengths', () => {
    expect(() => new ComplexFFT(0)).toThrow(/size 0 is invalid/);
    expect(() => new ComplexFFT(2.5)).toThrow(/size 2.5 is invalid/);
    const fft = new ComplexFFT(4);
    const four = new Float64Array(4);
    expect(() => fft.forward(four, new Float64Array(3), four, four)).toThrow(/im has length 3, expected 4/);
  });
});

describe('RealFFT', () => {
  it('matches the complex transform', () => {
    for (const n of [...SMALL_SIZES, ...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const x = randomVector(n, 13 * n);
      const zero = new Float64Array(n);
      const complexRe = new Float64Array(n);
      const complexIm = new Float64Array(n);
      new ComplexFFT(n).forward(x, zero, complexRe, complexIm);
      const realRe = new Float64Array(n);
      const realIm = new Float64Array(n);
      new RealFFT(n).forward(x, realRe, realIm);
      const scale = l1Norm(x);
      expect(maxDifference(realRe, complexRe) / scale, `n = ${n}, real part`).toBeLessThan(TRANSFORM_TOLERANCE);
      expect(maxDifference(realIm, complexIm) / scale, `n = ${n}, imaginary part`).toBeLessThan(
        TRANSFORM_TOLERANCE,
      );
    }
  });

  it('matches the naive DFT', () => {
    for (const n of [1, 2, 3, 4, 10, 30, 33, 64, 70]) {
      const x = randomVector(n, 17 * n);
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      new RealFFT(n).forward(x, re, im);
      const [refRe, refIm] = naiveDFT(x, new Float64Array(n), false);
      const scale = l1Norm(x);
      expect(maxDifference(re, refRe) / scale, `n = ${n}, real part`).toBeLessThan(TRANSFORM_TOLERANCE);
      expect(maxDifference(im, refIm) / scale, `n = ${n}, imaginary part`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('round-trips forward then inverse', () => {
    for (const n of [...SMALL_SIZES, ...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const x = randomVector(n, 19 * n);
      const fft = new RealFFT(n);
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      const back = new Float64Array(n);
      fft.forward(x, re, im);
      fft.inverse(re, im, back);
      expect(maxDifference(back, x) / maxAbs(x), `n = ${n}`).toBeLessThan(ROUND_TRIP_TOLERANCE);
    }
  });
});

describe('DCT', () => {
  it('matches the naive DCT-II', () => {
    for (const n of [...SMALL_SIZES, ...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const x = randomVector(n, 23 * n);
      const out = new Float64Array(n);
      new DCT(n).forward(x, out);
      const reference = naiveDCT(x);
      expect(maxDifference(out, reference) / l1Norm(x), `n = ${n}`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('inverts with the scaled DCT-III', () => {
    for (const n of [1, 2, 3, 5, 8, 31, 64, 70]) {
      const coefficients = randomVector(n, 29 * n);
      const out = new Float64Array(n);
      new DCT(n).inverse(coefficients, out);
      const reference = naiveInverseDCT(coefficients);
      const scale = (2 * l1Norm(coefficients)) / n;
      expect(maxDifference(out, reference) / scale, `n = ${n}`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('round-trips forward then inverse', () => {
    for (const n of [...SMALL_SIZES, ...POWER_SIZES, ...LARGE_OTHER_SIZES]) {
      const x = randomVector(n, 31 * n);
      const dct = new DCT(n);
      const coefficients = new Float64Array(n);
      const back = new Float64Array(n);
      dct.forward(x, coefficients);
      dct.inverse(coefficients, back);
      expect(maxDifference(back, x) / maxAbs(x), `n = ${n}`).toBeLessThan(ROUND_TRIP_TOLERANCE);
    }
  });

  it('diagonalises the Neumann Laplacian', () => {
    // (Lx)_j = (x_{j−1} − 2x_j + x_{j+1})/h² with ghost values x_{−1} = x_0
    // and x_n = x_{n−1} (zero flux through both ends).
    for (const n of [1, 2, 3, 9, 16, 45, 128]) {
      const h = 0.37;
      const x = randomVector(n, 37 * n);
      const laplacian = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const left = j > 0 ? x[j - 1] : x[0];
        const right = j < n - 1 ? x[j + 1] : x[n - 1];
        laplacian[j] = (left - 2 * x[j] + right) / (h * h);
      }
      const dct = new DCT(n);
      const coefficients = new Float64Array(n);
      const laplacianCoefficients = new Float64Array(n);
      dct.forward(x, coefficients);
      dct.forward(laplacian, laplacianCoefficients);

      // Error bound: |X_k| ≤ ‖x‖₁ and |λ_k| ≤ 4/h², so scale by their product.
      const scale = (4 / (h * h)) * l1Norm(x);
      for (let k = 0; k < n; k++) {
        const eigenvalue = -(4 / (h * h)) * Math.sin((Math.PI * k) / (2 * n)) ** 2;
        const error = Math.abs(laplacianCoefficients[k] - eigenvalue * coefficients[k]) / scale;
        expect(error, `n = ${n}, k = ${k}`).toBeLessThan(TRANSFORM_TOLERANCE);
      }
    }
  });
});

describe('circular convolution', () => {
  it('matches the naive sum for every size', () => {
    for (const n of [...SMALL_SIZES, 128, 1000]) {
      const a = randomVector(n, 41 * n);
      const b = randomVector(n, 43 * n);
      const out = new Float64Array(n);
      circularConvolve(a, b, out);
      const reference = naiveCircularConvolution(a, b);
      const scale = maxAbs(a) * l1Norm(b);
      expect(maxDifference(out, reference) / scale, `n = ${n}`).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('reuses one kernel across calls', () => {
    const n = 48;
    const kernel = randomVector(n, 47);
    const convolver = new CircularConvolver(kernel);
    const out = new Float64Array(n);
    for (const seed of [1, 2, 3]) {
      const input = randomVector(n, seed);
      convolver.apply(input, out);
      const reference = naiveCircularConvolution(input, kernel);
      expect(maxDifference(out, reference) / (maxAbs(input) * l1Norm(kernel))).toBeLessThan(TRANSFORM_TOLERANCE);
    }
  });

  it('shifts by a unit impulse', () => {
    const n = 9;
    const a = randomVector(n, 53);
    const shift = new Float64Array(n);
    shift[2] = 1;
    const out = new Float64Array(n);
    circularConvolve(a, shift, out);
    for (let i = 0; i < n; i++) expect(out[i]).toBeCloseTo(a[(i - 2 + n) % n], 15);
  });

  it('rejects unequal lengths', () => {
    expect(() => circularConvolve(new Float64Array(3), new Float64Array(4), new Float64Array(3))).toThrow(
      /lengths 3, 4 and 3 must be equal/,
    );
  });
});
