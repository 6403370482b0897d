/**
 * Exponential integrators for u′ = Lu + N(u) with L diagonal and real
 * (L ≤ 0 here: diffusion in a spectral basis).
 *
 * ETDRK4 is the fourth-order exponential time-differencing Runge–Kutta
 * scheme of S. M. Cox and P. C. Matthews, "Exponential time differencing
 * for stiff systems", J. Comput. Phys. 176 (2002) 430–455, eqs. (26)–(29):
 *
 *   aₙ   = e^{Lh/2} uₙ + L⁻¹(e^{Lh/2} − I) N(uₙ)
 *   bₙ   = e^{Lh/2} uₙ + L⁻¹(e^{Lh/2} − I) N(aₙ)
 *   cₙ   = e^{Lh/2} aₙ + L⁻¹(e^{Lh/2} − I) (2N(bₙ) − N(uₙ))
 *   uₙ₊₁ = e^{Lh} uₙ + f₁ N(uₙ) + 2f₂ (N(aₙ) + N(bₙ)) + f₃ N(cₙ),
 *
 * with, for z = hL,
 *
 *   f₁ = h (−4 − z + e^z (4 − 3z + z²)) / z³
 *   f₂ = h (2 + z + e^z (z − 2)) / z³
 *   f₃ = h (−4 − 3z − z² + e^z (4 − z)) / z³.
 *
 * These quotients are entire functions of z, but evaluated as written they
 * lose every digit to cancellation as z → 0. A.-K. Kassam and
 * L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs", SIAM J.
 * Sci. Comput. 26 (2005) 1214–1233, evaluate them instead by the Cauchy
 * integral formula: each coefficient is the mean of the quotient over a
 * circle of radius 1 centred at z, discretised by the trapezoidal rule,
 * which converges geometrically for entire functions. For real z the values
 * at conjugate points are conjugate, so the real part of the mean over M
 * points of the upper half circle equals the 2M-point rule on the whole
 * circle. (Their eq. (2.1) is the variation-of-constants formula that the
 * scheme discretises.)
 *
 * NOTE: the equation numbers were not checked against the printed papers.
 * The coefficients were checked against their Taylor series and direct
 * evaluation, and the scheme by its observed order in
 * test/solvers/spectral.test.ts.
 */

/** Points on the upper half circle; the rule is that of 2·CONTOUR_POINTS points on the whole circle. */
const CONTOUR_POINTS = 32;

/** The diagonal coefficients of one ETDRK4 step of size h. */
export interface Etdrk4Coefficients {
  h: number;
  /** e^{hL}. */
  exponential: Float64Array;
  /** e^{hL/2}. */
  halfExponential: Float64Array;
  /** L⁻¹(e^{hL/2} − 1) = h·(e^{z/2} − 1)/z. */
  halfStep: Float64Array;
  /** Weight f₁ of N(uₙ) in the final stage. */
  weightStart: Float64Array;
  /** Weight f₂ of each of N(aₙ) and N(bₙ), before the factor 2. */
  weightMiddle: Float64Array;
  /** Weight f₃ of N(cₙ). */
  weightEnd: Float64Array;
}

interface ContourTables {
  cosTheta: Float64Array;
  sinTheta: Float64Array;
  /** cos and sin of Im z = sin θ, so that e^z = e^{Re z}·(cos + i sin) needs one real exponential. */
  cosImaginary: Float64Array;
  sinImaginary: Float64Array;
  cosHalfImaginary: Float64Array;
  sinHalfImaginary: Float64Array;
}

let contourTables: ContourTables | null = null;

function contour(): ContourTables {
  if (contourTables) return contourTables;
  const m = CONTOUR_POINTS;
  const tables: ContourTables = {
    cosTheta: new Float64Array(m),
    sinTheta: new Float64Array(m),
    cosImaginary: new Float64Array(m),
    sinImaginary: new Float64Array(m),
    cosHalfImaginary: new Float64Array(m),
    sinHalfImaginary: new Float64Array(m),
  };
  for (let j = 0; j < m; j++) {
    const theta = (Math.PI * (j + 0.5)) / m;
    const imaginary = Math.sin(theta);
    tables.cosTheta[j] = Math.cos(theta);
    tables.sinTheta[j] = imaginary;
    tables.cosImaginary[j] = Math.cos(imaginary);
    tables.sinImaginary[j] = Math.sin(imaginary);
    tables.cosHalfImaginary[j] = Math.cos(imaginary / 2);
    tables.sinHalfImaginary[j] = Math.sin(imaginary / 2);
  }
  contourTables = tables;
  return tables;
}

/**
 * Computes the ETDRK4 coefficients for the diagonal operator `linear`
 * (one real eigenvalue L ≤ 0 per coefficient) and step h, by the contour
 * mean of Kassam and Trefethen. Cost: 2·CONTOUR_POINTS real exponentials
 * per coefficient.
 */
export function etdrk4Coefficients(linear: Float64Array, h: number): Etdrk4Coefficients {
  const size = linear.length;
  const out: Etdrk4Coefficients = {
    h,
    exponential: new Float64Array(size),
    halfExponential: new Float64Array(size),
    halfStep: new Float64Array(size),
    weightStart: new Float64Array(size),
    weightMiddle: new Float64Array(size),
    weightEnd: new Float64Array(size),
  };
  const t = contour();
  const m = CONTOUR_POINTS;

  for (let c = 0; c < size; c++) {
    const centre = h * linear[c];
    out.exponential[c] = Math.exp(centre);
    out.halfExponential[c] = Math.exp(centre / 2);

    let half = 0;
    let start = 0;
    let middle = 0;
    let end = 0;
    for (let j = 0; j < m; j++) {
      // z = centre + e^{iθ}
      const zr = centre + t.cosTheta[j];
      const zi = t.sinTheta[j];
      const scale = Math.exp(zr);
      const er = scale * t.cosImaginary[j];
      const ei = scale * t.sinImaginary[j];
      const halfScale = Math.exp(zr / 2);
      const hr = halfScale * t.cosHalfImaginary[j];
      const hi = halfScale * t.sinHalfImaginary[j];

      // 1/z, z², 1/z³
      const norm = zr * zr + zi * zi;
      const ir = zr / norm;
      const ii = -zi / norm;
      const z2r = zr * zr - zi * zi;
      const z2i = 2 * zr * zi;
      const i2r = ir * ir - ii * ii;
      const i2i = 2 * ir * ii;
      const i3r = i2r * ir - i2i * ii;
      const i3i = i2r * ii + i2i * ir;

      // (e^{z/2} − 1)/z, real part
      half += (hr - 1) * ir - hi * ii;

      // −4 − z + e^z (4 − 3z + z²)
      const pr = 4 - 3 * zr + z2r;
      const pi = -3 * zi + z2i;
      const ar = -4 - zr + (er * pr - ei * pi);
      const ai = -zi + (er * pi + ei * pr);
      start += ar * i3r - ai * i3i;

      // 2 + z + e^z (z − 2)
      const br = 2 + zr + (er * (zr - 2) - ei * zi);
      const bi = zi + (er * zi + ei * (zr - 2));
      middle += br * i3r - bi * i3i;

      // −4 − 3z − z² + e^z (4 − z)
      const cr = -4 - 3 * zr - z2r + (er * (4 - zr) + ei * zi);
      const ci = -3 * zi - z2i + (ei * (4 - zr) - er * zi);
      end += cr * i3r - ci * i3i;
    }
    out.halfStep[c] = (h * half) / m;
    out.weightStart[c] = (h * start) / m;
    out.weightMiddle[c] = (h * middle) / m;
    out.weightEnd[c] = (h * end) / m;
  }
  return out;
}

/** The diagonal factors e^{hL} and e^{hL/2} of one integrating-factor step. */
export interface IntegratingFactors {
  h: number;
  exponential: Float64Array;
  halfExponential: Float64Array;
}

export function integratingFactors(linear: Float64Array, h: number): IntegratingFactors {
  const exponential = new Float64Array(linear.length);
  const halfExponential = new Float64Array(linear.length);
  for (let c = 0; c < linear.length; c++) {
    exponential[c] = Math.exp(h * linear[c]);
    halfExponential[c] = Math.exp((h * linear[c]) / 2);
  }
  return { h, exponential, halfExponential };
}

/**
 * A small cache of per-step coefficients keyed by the step size. The
 * driver keeps the step fixed inside each output interval, so a run needs
 * one entry per distinct interval length. `capacity` bounds the memory
 * when the output intervals all differ.
 */
export class StepCache<T> {
  private readonly entries = new Map<number, T>();
  constructor(
    private readonly build: (h: number) => T,
    private readonly capacity = 4,
  ) {}

  get(h: number): T {
    let entry = this.entries.get(h);
    if (entry === undefined) {
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next().value as number;
        this.entries.delete(oldest);
      }
      entry = this.build(h);
      this.entries.set(h, entry);
    }
    return entry;
  }
}
