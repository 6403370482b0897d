/**
 * Typed discrete Fourier and cosine transforms over fft.js 4.0.4.
 *
 * fft.js implements a radix-4 FFT for power-of-two sizes ≥ 2 only. This
 * module adds every other size through Bluestein's chirp-z algorithm, a
 * real-input transform, the DCT-II and its inverse, and circular
 * convolution. All transforms are unnormalised in the forward direction and
 * carry the 1/n in the inverse:
 *
 *     forward  X_k = Σ_j x_j e^{−2πi jk/n}
 *     inverse  x_j = (1/n) Σ_k X_k e^{+2πi jk/n}
 *
 * Each class allocates its work buffers in the constructor, so calls do no
 * allocation. Instances share cached read-only tables, and every call runs
 * synchronously, so an instance can be shared within one thread. Every
 * method reads its whole input before writing its output, so the output
 * arrays may be the input arrays.
 */
import FFT from 'fft.js';

/** fft.js plans (twiddle table and bit-reversal pattern) by size, built on first use. */
const planCache = new Map<number, FFT>();

function fftPlan(size: number): FFT {
  let plan = planCache.get(size);
  if (!plan) {
    plan = new FFT(size);
    planCache.set(size, plan);
  }
  return plan;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && nextPowerOfTwo(n) === n;
}

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function checkSize(owner: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${owner}: size ${n} is invalid; the size must be an integer ≥ 1`);
  }
}

function checkLength(owner: string, name: string, array: Float64Array, n: number): void {
  if (array.length !== n) {
    throw new RangeError(`${owner}: ${name} has length ${array.length}, expected ${n}`);
  }
}

/**
 * Precomputed data of Bluestein's algorithm for one size n: the chirp
 * w_j = e^{−πi j²/n} and the length-m FFT of the conjugate chirp laid out
 * for circular convolution, with m the smallest power of two ≥ 2n − 1.
 */
interface BluesteinTables {
  paddedSize: number;
  chirpRe: Float64Array;
  chirpIm: Float64Array;
  /** FFT of the conjugate chirp, interleaved (re, im) of length 2m. */
  chirpSpectrum: Float64Array;
}

const bluesteinCache = new Map<number, BluesteinTables>();

function bluesteinTables(n: number): BluesteinTables {
  const cached = bluesteinCache.get(n);
  if (cached) return cached;

  const paddedSize = nextPowerOfTwo(2 * n - 1);
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  // j² mod 2n keeps the angle π j²/n in [0, 2π), so the chirp stays accurate
  // to round-off for large j. The residue is updated by (j+1)² = j² + 2j + 1.
  let residue = 0;
  for (let j = 0; j < n; j++) {
    const angle = (Math.PI * residue) / n;
    chirpRe[j] = Math.cos(angle);
    chirpIm[j] = -Math.sin(angle);
    residue = (residue + 2 * j + 1) % (2 * n);
  }

  // b_j = conj(w_j) at j and at m − j, so that the circular convolution of
  // length m equals the linear convolution with conj(w_{k−j}), |k − j| < n.
  const kernel = new Float64Array(2 * paddedSize);
  for (let j = 0; j < n; j++) {
    kernel[2 * j] = chirpRe[j];
    kernel[2 * j + 1] = -chirpIm[j];
    if (j > 0) {
      kernel[2 * (paddedSize - j)] = chirpRe[j];
      kernel[2 * (paddedSize - j) + 1] = -chirpIm[j];
    }
  }
  const chirpSpectrum = new Float64Array(2 * paddedSize);
  fftPlan(paddedSize).transform(chirpSpectrum, kernel);

  const tables = { paddedSize, chirpRe, chirpIm, chirpSpectrum };
  bluesteinCache.set(n, tables);
  return tables;
}

/**
 * Complex DFT of any size n ≥ 1. Powers of two go straight to fft.js.
 * Other sizes use Bluestein's chirp-z algorithm: with jk = (j² + k² − (k−j)²)/2
 * the DFT becomes X_k = w_k Σ_j (x_j w_j) conj(w_{k−j}), w_j = e^{−πi j²/n},
 * a convolution done by three power-of-two FFTs of length m ≥ 2n − 1.
 */
export class ComplexFFT {
  readonly size: number;
  private readonly plan: FFT | null;
  private readonly bluestein: BluesteinTables | null;
  /** Interleaved (re, im) work buffers of the power-of-two transform. */
  private readonly data: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(n: number) {
    checkSize('ComplexFFT', n);
    this.size = n;
    if (n === 1) {
      this.plan = null;
      this.bluestein = null;
      this.data = new Float64Array(0);
      this.spectrum = new Float64Array(0);
    } else if (isPowerOfTwo(n)) {
      this.plan = fftPlan(n);
      this.bluestein = null;
      this.data = new Float64Array(2 * n);
      this.spectrum = new Float64Array(2 * n);
    } else {
      this.bluestein = bluesteinTables(n);
      this.plan = fftPlan(this.bluestein.paddedSize);
      this.data = new Float64Array(2 * this.bluestein.paddedSize);
      this.spectrum = new Float64Array(2 * this.bluestein.paddedSize);
    }
  }

  /** Computes X_k = Σ_j x_j e^{−2πi jk/n}. */
  forward(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.checkArguments(re, im, outRe, outIm);
    this.run(false, re, im, outRe, outIm);
  }

  /** Computes x_j = (1/n) Σ_k X_k e^{+2πi jk/n}, so inverse(forward(x)) = x. */
  inverse(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.checkArguments(re, im, outRe, outIm);
    this.run(true, re, im, outRe, outIm);
  }

  private checkArguments(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.size;
    checkLength('ComplexFFT', 're', re, n);
    checkLength('ComplexFFT', 'im', im, n);
    checkLength('ComplexFFT', 'outRe', outRe, n);
    checkLength('ComplexFFT', 'outIm', outIm, n);
  }

  private run(inverse: boolean, re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.size;
    if (n === 1) {
      outRe[0] = re[0];
      outIm[0] = im[0];
      return;
    }
    if (this.bluestein) {
      this.runBluestein(inverse, re, im, outRe, outIm);
      return;
    }

    const plan = this.plan as FFT;
    const data = this.data;
    const spectrum = this.spectrum;
    for (let j = 0; j < n; j++) {
      data[2 * j] = re[j];
      data[2 * j + 1] = im[j];
    }
    // fft.js uses e^{−2πi jk/n} forward, and its inverse conjugates the
    // twiddles and divides by n, which is the convention of this class.
    if (inverse) plan.inverseTransform(spectrum, data);
    else plan.transform(spectrum, data);
    for (let k = 0; k < n; k++) {
      outRe[k] = spectrum[2 * k];
      outIm[k] = spectrum[2 * k + 1];
    }
  }

  /**
   * The inverse uses x = conj(DFT(conj(X)))/n, so both directions share the
   * forward chirp tables.
   */
  private runBluestein(
    inverse: boolean,
    re: Float64Array,
    im: Float64Array,
    outRe: Float64Array,
    outIm: Float64Array,
  ): void {
    const n = this.size;
    const { paddedSize, chirpRe, chirpIm, chirpSpectrum } = this.bluestein as BluesteinTables;
    const plan = this.plan as FFT;
    const data = this.data;
    const spectrum = this.spectrum;
    const sign = inverse ? -1 : 1;

    // a_j = x_j w_j, zero-padded to length m.
    for (let j = 0; j < n; j++) {
      const xr = re[j];
      const xi = sign * im[j];
      data[2 * j] = xr * chirpRe[j] - xi * chirpIm[j];
      data[2 * j + 1] = xr * chirpIm[j] + xi * chirpRe[j];
    }
    data.fill(0, 2 * n);
    plan.transform(spectrum, data);

    // Pointwise product with the spectrum of conj(w), then back.
    for (let k = 0; k < paddedSize; k++) {
      const ar = spectrum[2 * k];
      const ai = spectrum[2 * k + 1];
      const br = chirpSpectrum[2 * k];
      const bi = chirpSpectrum[2 * k + 1];
      spectrum[2 * k] = ar * br - ai * bi;
      spectrum[2 * k + 1] = ar * bi + ai * br;
    }
    plan.inverseTransform(data, spectrum);

    // X_k = w_k c_k, conjugated and divided by n for the inverse.
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const cr = data[2 * k];
      const ci = data[2 * k + 1];
      outRe[k] = scale * (cr * chirpRe[k] - ci * chirpIm[k]);
      outIm[k] = scale * sign * (cr * chirpIm[k] + ci * chirpRe[k]);
    }
  }
}

/**
 * DFT of real sequences of any size n ≥ 1, returning the full spectrum
 * (X_{n−k} = conj(X_k)).
 *
 * - Powers of two use fft.js `realTransform` and `completeSpectrum`.
 * - Other even n pack the sequence into n/2 complex values
 *   z_j = x_{2j} + i x_{2j+1} and split one complex FFT of length n/2 into
 *   the spectra of the even and odd samples.
 * - Odd n use the complex transform with a zero imaginary part.
 *
 * The inverse assumes a Hermitian spectrum, as produced by `forward` or by
 * products of such spectra, and returns the real sequence. For even n it
 * unpacks through one complex inverse FFT of length n/2, so for a spectrum
 * that is not Hermitian its result is not the real part of the complex
 * inverse.
 */
export class RealFFT {
  readonly size: number;
  private readonly plan: FFT | null;
  private readonly half: ComplexFFT | null;
  private readonly full: ComplexFFT | null;
  /** cos(2πk/n) and sin(2πk/n) for k < n/2, used to split and merge the packed transform. */
  private readonly twiddleCos: Float64Array;
  private readonly twiddleSin: Float64Array;
  /** Interleaved (re, im) output of fft.js `realTransform`, length 2n (powers of two only). */
  private readonly interleaved: Float64Array;
  private readonly bufferA: Float64Array;
  private readonly bufferB: Float64Array;
  private readonly bufferC: Float64Array;
  private readonly bufferD: Float64Array;

  constructor(n: number) {
    checkSize('RealFFT', n);
    this.size = n;
    const even = n % 2 === 0;
    const halfSize = n >> 1;

    this.plan = n >= 2 && isPowerOfTwo(n) ? fftPlan(n) : null;
    this.half = even ? new ComplexFFT(halfSize) : null;
    this.full = even ? null : new ComplexFFT(n);

    this.twiddleCos = new Float64Array(even ? halfSize : 0);
    this.twiddleSin = new Float64Array(even ? halfSize : 0);
    for (let k = 0; k < this.twiddleCos.length; k++) {
      const angle = (2 * Math.PI * k) / n;
      this.twiddleCos[k] = Math.cos(angle);
      this.twiddleSin[k] = Math.sin(angle);
    }

    // The packed paths need four buffers of n/2, the odd path four of n.
    const bufferSize = even ? halfSize : n;
    this.interleaved = new Float64Array(this.plan ? 2 * n : 0);
    this.bufferA = new Float64Array(bufferSize);
    this.bufferB = new Float64Array(bufferSize);
    this.bufferC = new Float64Array(bufferSize);
    this.bufferD = new Float64Array(bufferSize);
  }

  /** Computes the full spectrum X_k = Σ_j x_j e^{−2πi jk/n}, k = 0 … n−1. */
  forward(input: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.size;
    checkLength('RealFFT', 'input', input, n);
    checkLength('RealFFT', 'outRe', outRe, n);
    checkLength('RealFFT', 'outIm', outIm, n);

    if (this.plan) {
      const spectrum = this.interleaved;
      this.plan.realTransform(spectrum, input);
      this.plan.completeSpectrum(spectrum);
      for (let k = 0; k < n; k++) {
        outRe[k] = spectrum[2 * k];
        outIm[k] = spectrum[2 * k + 1];
      }
      return;
    }
    if (this.full) {
      const zero = this.bufferB;
      const re = this.bufferC;
      const im = this.bufferD;
      zero.fill(0);
      this.full.forward(input, zero, re, im);
      outRe.set(re);
      outIm.set(im);
      return;
    }
    this.forwardPacked(input, outRe, outIm);
  }

  /** Computes x_j = (1/n) Σ_k X_k e^{+2πi jk/n} for a Hermitian spectrum X. */
  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void {
    const n = this.size;
    checkLength('RealFFT', 're', re, n);
    checkLength('RealFFT', 'im', im, n);
    checkLength('RealFFT', 'output', output, n);

    if (this.full) {
      const outRe = this.bufferA;
      const outIm = this.bufferB;
      this.full.inverse(re, im, outRe, outIm);
      output.set(outRe);
      return;
    }
    this.inversePacked(re, im, output);
  }

  /**
   * With Z the length-n/2 DFT of z_j = x_{2j} + i x_{2j+1}, the spectra of
   * the even and odd samples are E_k = (Z_k + conj(Z_{−k}))/2 and
   * O_k = (Z_k − conj(Z_{−k}))/(2i), and X_k = E_k + e^{−2πik/n} O_k,
   * X_{k+n/2} = E_k − e^{−2πik/n} O_k.
   */
  private forwardPacked(input: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const halfSize = this.size >> 1;
    const zRe = this.bufferA;
    const zIm = this.bufferB;
    const spectrumRe = this.bufferC;
    const spectrumIm = this.bufferD;
    for (let j = 0; j < halfSize; j++) {
      zRe[j] = input[2 * j];
      zIm[j] = input[2 * j + 1];
    }
    (this.half as ComplexFFT).forward(zRe, zIm, spectrumRe, spectrumIm);

    for (let k = 0; k < halfSize; k++) {
      const mirror = k === 0 ? 0 : halfSize - k;
      const ar = spectrumRe[k];
      const ai = spectrumIm[k];
      const br = spectrumRe[mirror];
      const bi = -spectrumIm[mirror];
      const evenRe = 0.5 * (ar + br);
      const evenIm = 0.5 * (ai + bi);
      // (a − b)/(2i) = (Im(a − b) − i Re(a − b))/2
      const oddRe = 0.5 * (ai - bi);
      const oddIm = -0.5 * (ar - br);
      // Multiply the odd part by e^{−2πik/n} = cos − i sin.
      const c = this.twiddleCos[k];
      const s = this.twiddleSin[k];
      const twistedRe = c * oddRe + s * oddIm;
      const twistedIm = c * oddIm - s * oddRe;
      outRe[k] = evenRe + twistedRe;
      outIm[k] = evenIm + twistedIm;
      outRe[k + halfSize] = evenRe - twistedRe;
      outIm[k + halfSize] = evenIm - twistedIm;
    }
  }

  /**
   * Inverts `forwardPacked`: E_k = (X_k + X_{k+n/2})/2 and
   * O_k = e^{+2πik/n} (X_k − X_{k+n/2})/2 are the spectra of the even and
   * odd samples, and the inverse FFT of E + iO has the even samples in its
   * real part and the odd samples in its imaginary part.
   */
  private inversePacked(re: Float64Array, im: Float64Array, output: Float64Array): void {
    const halfSize = this.size >> 1;
    const packedRe = this.bufferA;
    const packedIm = this.bufferB;
    const zRe = this.bufferC;
    const zIm = this.bufferD;
    for (let k = 0; k < halfSize; k++) {
      const ar = re[k];
      const ai = im[k];
      const br = re[k + halfSize];
      const bi = im[k + halfSize];
      const evenRe = 0.5 * (ar + br);
      const evenIm = 0.5 * (ai + bi);
      const differenceRe = 0.5 * (ar - br);
      const differenceIm = 0.5 * (ai - bi);
      const c = this.twiddleCos[k];
      const s = this.twiddleSin[k];
      const oddRe = c * differenceRe - s * differenceIm;
      const oddIm = c * differenceIm + s * differenceRe;
      // E + iO
      packedRe[k] = evenRe - oddIm;
      packedIm[k] = evenIm + oddRe;
    }
    (this.half as ComplexFFT).inverse(packedRe, packedIm, zRe, zIm);
    for (let j = 0; j < halfSize; j++) {
      output[2 * j] = zRe[j];
      output[2 * j + 1] = zIm[j];
    }
  }
}

/**
 * Unnormalised DCT-II X_k = Σ_j x_j cos(πk(j + ½)/n) and its exact inverse,
 * for any n ≥ 1, in O(n log n) through one real FFT of length n.
 *
 * Makhoul's reordering v = (x_0, x_2, x_4, …, x_5, x_3, x_1) gives
 * X_k = Re(e^{−πik/(2n)} V_k) with V the DFT of v. This holds because the
 * odd sample x_{2j+1}, placed at position p = n − 1 − j, has the cosine
 * weight cos(πk(4p + 1)/(2n)) of an even sample placed at p.
 *
 * The inverse rebuilds V_k = e^{πik/(2n)} (X_k − i X_{n−k}), X_n = 0, and
 * undoes the reordering. It equals the scaled DCT-III
 * x_j = (1/n) (X_0 + 2 Σ_{k≥1} X_k cos(πk(j + ½)/n)).
 *
 * The cosine vectors are the eigenvectors of the three-point Laplacian on n
 * cells with zero-flux (Neumann) ends, with eigenvalues −(4/h²) sin²(πk/(2n)).
 */
export class DCT {
  readonly size: number;
  private readonly fft: RealFFT;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reordered: Float64Array;
  private readonly spectrumRe: Float64Array;
  private readonly spectrumIm: Float64Array;

  constructor(n: number) {
    checkSize('DCT', n);
    this.size = n;
    this.fft = new RealFFT(n);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const angle = (Math.PI * k) / (2 * n);
      this.cos[k] = Math.cos(angle);
      this.sin[k] = Math.sin(angle);
    }
    this.reordered = new Float64Array(n);
    this.spectrumRe = new Float64Array(n);
    this.spectrumIm = new Float64Array(n);
  }

  /** Computes the DCT-II X_k = Σ_j x_j cos(πk(j + ½)/n). */
  forward(input: Float64Array, output: Float64Array): void {
    const n = this.size;
    checkLength('DCT', 'input', input, n);
    checkLength('DCT', 'output', output, n);
    const v = this.reordered;
    const evenCount = (n + 1) >> 1;
    for (let j = 0; j < evenCount; j++) v[j] = input[2 * j];
    for (let j = 0; 2 * j + 1 < n; j++) v[n - 1 - j] = input[2 * j + 1];

    this.fft.forward(v, this.spectrumRe, this.spectrumIm);
    for (let k = 0; k < n; k++) {
      output[k] = this.cos[k] * this.spectrumRe[k] + this.sin[k] * this.spectrumIm[k];
    }
  }

  /** Computes x from its DCT-II coefficients, so inverse(forward(x)) = x. */
  inverse(input: Float64Array, output: Float64Array): void {
    const n = this.size;
    checkLength('DCT', 'input', input, n);
    checkLength('DCT', 'output', output, n);
    const re = this.spectrumRe;
    const im = this.spectrumIm;
    re[0] = input[0];
    im[0] = 0;
    for (let k = 1; k < n; k++) {
      const x = input[k];
      const y = input[n - k];
      re[k] = this.cos[k] * x + this.sin[k] * y;
      im[k] = this.sin[k] * x - this.cos[k] * y;
    }

    const v = this.reordered;
    this.fft.inverse(re, im, v);
    const evenCount = (n + 1) >> 1;
    for (let j = 0; j < evenCount; j++) output[2 * j] = v[j];
    for (let j = 0; 2 * j + 1 < n; j++) output[2 * j + 1] = v[n - 1 - j];
  }
}

/**
 * Circular convolution with a fixed real kernel b of length n (any n ≥ 1):
 * out_i = Σ_j b_{(i−j) mod n} a_j. The kernel spectrum is computed once, so
 * each `apply` costs one real forward and one real inverse FFT and no
 * allocation.
 */
export class CircularConvolver {
  readonly size: number;
  private readonly fft: RealFFT;
  private readonly kernelRe: Float64Array;
  private readonly kernelIm: Float64Array;
  private readonly spectrumRe: Float64Array;
  private readonly spectrumIm: Float64Array;

  constructor(kernel: Float64Array) {
    const n = kernel.length;
    checkSize('CircularConvolver', n);
    this.size = n;
    this.fft = new RealFFT(n);
    this.kernelRe = new Float64Array(n);
    this.kernelIm = new Float64Array(n);
    this.fft.forward(kernel, this.kernelRe, this.kernelIm);
    this.spectrumRe = new Float64Array(n);
    this.spectrumIm = new Float64Array(n);
  }

  /** Writes the circular convolution of `input` with the kernel into `output`. */
  apply(input: Float64Array, output: Float64Array): void {
    const n = this.size;
    checkLength('CircularConvolver', 'input', input, n);
    checkLength('CircularConvolver', 'output', output, n);
    const re = this.spectrumRe;
    const im = this.spectrumIm;
    this.fft.forward(input, re, im);
    for (let k = 0; k < n; k++) {
      const ar = re[k];
      const ai = im[k];
      const br = this.kernelRe[k];
      const bi = this.kernelIm[k];
      re[k] = ar * br - ai * bi;
      im[k] = ar * bi + ai * br;
    }
    this.fft.inverse(re, im, output);
  }
}

/**
 * Writes the circular convolution out_i = Σ_j a_j b_{(i−j) mod n} of two
 * real sequences of equal length n into `out`. It builds the transforms on
 * each call; use `CircularConvolver` in loops with a fixed kernel.
 */
export function circularConvolve(a: Float64Array, b: Float64Array, out: Float64Array): void {
  if (a.length !== b.length || out.length !== a.length) {
    throw new RangeError(
      `circularConvolve: lengths ${a.length}, ${b.length} and ${out.length} must be equal`,
    );
  }
  new CircularConvolver(b).apply(a, out);
}
