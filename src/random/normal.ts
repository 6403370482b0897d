/**
 * Standard normal variates by the ziggurat method in Doornik's form
 * (J. A. Doornik, "An improved ziggurat method to generate normal random
 * samples", University of Oxford, 2005), with 128 layers and the constants
 * R and V of Marsaglia and Tsang ("The ziggurat method for generating random
 * variables", J. Stat. Softw. 5(8), 2000).
 *
 * Doornik's change to Marsaglia–Tsang: the layer index and the uniform that
 * places the point come from different bits, so they are independent. Here
 * each attempt draws two 32-bit words a and b. Bits 0–6 of a pick the layer,
 * bit 7 is the sign, and bits 11–31 of a followed by all of b form a 53-bit
 * uniform u ∈ [0, 1).
 *
 * Layers are numbered from the bottom. x_0 = V/f(R) is the width of the base
 * strip, whose area includes the tail beyond R; x_1 = R; x_128 = 0; and every
 * layer has area V under the unnormalised density f(x) = exp(−x²/2).
 */

import { Xoshiro128StarStar, type RandomSource } from './xoshiro.js';

/** Number of layers. */
export const ZIGGURAT_LAYERS = 128;

/** Right edge of the base rectangle. Samples beyond it come from the tail sampler. */
export const ZIGGURAT_R = 3.442619855899;

/** Common area of each layer under exp(−x²/2): R·f(R) + ∫_R^∞ f. */
export const ZIGGURAT_V = 9.91256303526217e-3;

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/** Layer edges x_0 … x_128 (decreasing). */
const layerX = new Float64Array(ZIGGURAT_LAYERS + 1);
/** f(x_i) = exp(−x_i²/2) for i = 1 … 128; entry 0 is unused. */
const layerF = new Float64Array(ZIGGURAT_LAYERS + 1);
/** x_{i+1}/x_i: in layer i, a point with u below this lies under the curve. */
const layerRatio = new Float64Array(ZIGGURAT_LAYERS);

function buildTables(): void {
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  layerX[0] = ZIGGURAT_V / f(ZIGGURAT_R);
  layerX[1] = ZIGGURAT_R;
  layerF[1] = f(ZIGGURAT_R);
  // Layer i − 1 has area x_{i−1}·(f(x_i) − f(x_{i−1})) = V, which fixes x_i.
  for (let i = 2; i < ZIGGURAT_LAYERS; i++) {
    layerX[i] = Math.sqrt(-2 * Math.log(ZIGGURAT_V / layerX[i - 1] + layerF[i - 1]));
    layerF[i] = f(layerX[i]);
  }
  layerX[ZIGGURAT_LAYERS] = 0;
  layerF[ZIGGURAT_LAYERS] = 1;
  for (let i = 0; i < ZIGGURAT_LAYERS; i++) layerRatio[i] = layerX[i + 1] / layerX[i];
}

buildTables();

/** Returns a copy of the layer edges x_0 … x_128. */
export function zigguratLayerEdges(): Float64Array {
  return layerX.slice();
}

/**
 * Returns a variate of the standard normal law conditioned on X > r, for
 * r > 0, by the exact tail method that Marsaglia–Tsang and Doornik use:
 * x = E₁/r and y = E₂ with E₁, E₂ standard exponential, accepted when
 * 2y > x², giving r + x. The
 * acceptance rate r·√(2π)·exp(r²/2)·P(X > r) is 0.93 at r = R and 0.44 at
 * r = 0.5, and falls towards 0 as r → 0.
 */
export function normalTail(rng: RandomSource, r: number): number {
  if (!(r > 0) || r === Infinity) {
    throw new RangeError(`normalTail: r = ${r}; expected a finite r > 0`);
  }
  for (;;) {
    // 1 − U lies in (0, 1], so the logarithms are finite.
    const x = -Math.log(1 - rng.nextFloat64()) / r;
    const y = -Math.log(1 - rng.nextFloat64());
    if (2 * y > x * x) return r + x;
  }
}

/**
 * Finishes an attempt that failed the rectangle test. The base layer draws
 * from the tail sampler, and any other layer tests its wedge against f
 * with one more uniform. Returns NaN when the wedge rejects the point, so
 * the caller starts a new attempt.
 */
function wedgeOrTail(rng: RandomSource, layer: number, negative: boolean, u: number): number {
  // The part of the base strip beyond R has the tail's area exactly.
  if (layer === 0) {
    const x = normalTail(rng, ZIGGURAT_R);
    return negative ? -x : x;
  }
  // Wedge between the rectangle and the curve: accept under f.
  const x = u * layerX[layer];
  const y = layerF[layer] + rng.nextFloat64() * (layerF[layer + 1] - layerF[layer]);
  if (y < Math.exp(-0.5 * x * x)) return negative ? -x : x;
  return Number.NaN;
}

/**
 * Returns one standard normal variate. 97.2% of calls return after two
 * 32-bit draws, from the rectangle test.
 */
export function normal(rng: RandomSource): number {
  for (;;) {
    const a = rng.nextUint32();
    const b = rng.nextUint32();
    const layer = a & 127;
    const negative = (a & 128) !== 0;
    const u = ((a >>> 11) * TWO_POW_32 + b) * TWO_POW_MINUS_53;

    // |x| < x_{layer+1}: the point lies in the part of the layer under the curve.
    if (u < layerRatio[layer]) {
      const x = u * layerX[layer];
      return negative ? -x : x;
    }
    const x = wedgeOrTail(rng, layer, negative, u);
    if (!Number.isNaN(x)) return x;
  }
}

/** State words of a generator while `fillRectangles` runs it on local variables. */
const stateWords = new Int32Array(4);
/** The first 32-bit draw of the attempt at which `fillRectangles` stopped. */
const stoppedDraw = new Int32Array(1);
/** The uniform u of that attempt. */
const stoppedUniform = new Float64Array(1);

/**
 * Runs the rectangle test of fillNormals for xoshiro128** on local int32
 * copies of `stateWords` and stores each variate that passes straight into
 * `out`. Returns `end`, or the index of the first attempt that fails the
 * test, with that attempt in stoppedDraw and stoppedUniform. Writes the
 * state back to `stateWords` either way.
 *
 * The loop calls no function, so V8 compiles it with complete type
 * feedback. With the rare paths inside the loop, a first tail draw after
 * compilation deoptimised it, and the recompiled code ran 50% slower in
 * about half of the runs. With only the wedge test inside, the loop ran
 * 20% slower than this one. Both were measured with Node 20.20 on the RNG
 * floor of bench/particles.ts.
 */
function fillRectangles(out: Float64Array, offset: number, end: number): number {
  let s0 = stateWords[0];
  let s1 = stateWords[1];
  let s2 = stateWords[2];
  let s3 = stateWords[3];
  let i = offset;
  for (; i < end; i++) {
    // Two outputs a and b of xoshiro128**, as in Xoshiro128StarStar.nextUint32.
    let scaled = Math.imul(s1, 5);
    const a = Math.imul((scaled << 7) | (scaled >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);

    scaled = Math.imul(s1, 5);
    const b = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 0;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);

    const layer = a & 127;
    const u = ((a >>> 11) * TWO_POW_32 + b) * TWO_POW_MINUS_53;
    if (!(u < layerRatio[layer])) {
      stoppedDraw[0] = a;
      stoppedUniform[0] = u;
      break;
    }
    // Bit 7 set gives the factor −1 and clear gives +1; a multiplication
    // avoids a branch that the CPU would mispredict half the time.
    out[i] = u * layerX[layer] * (1 - ((a >>> 6) & 2));
  }
  stateWords[0] = s0;
  stateWords[1] = s1;
  stateWords[2] = s2;
  stateWords[3] = s3;
  return i;
}

/**
 * Fills out[offset … end − 1] from a xoshiro128** generator. The 2.8% of
 * attempts that fail the rectangle test finish here on the generator
 * itself, as `normal` would finish them, so the output equals `normal`
 * called `end − offset` times.
 */
function fillFromXoshiro(rng: Xoshiro128StarStar, out: Float64Array, offset: number, end: number): void {
  rng.storeState(stateWords, 0);
  let i = fillRectangles(out, offset, end);
  while (i < end) {
    rng.loadState(stateWords, 0);
    const a = stoppedDraw[0];
    let x = wedgeOrTail(rng, a & 127, (a & 128) !== 0, stoppedUniform[0]);
    if (Number.isNaN(x)) x = normal(rng);
    out[i] = x;
    rng.storeState(stateWords, 0);
    i = fillRectangles(out, i + 1, end);
  }
  rng.loadState(stateWords, 0);
}

/**
 * Writes `count` standard normal variates into out[offset … offset + count − 1],
 * the values of `count` successive `normal` calls. Allocates nothing.
 * Returns `out`.
 */
export function fillNormals(
  rng: RandomSource,
  out: Float64Array,
  offset = 0,
  count = out.length - offset,
): Float64Array {
  if (!Number.isInteger(offset) || offset < 0 || offset > out.length) {
    throw new RangeError(`fillNormals: offset = ${offset}; expected an integer in [0, ${out.length}]`);
  }
  if (!Number.isInteger(count) || count < 0 || offset + count > out.length) {
    throw new RangeError(
      `fillNormals: count = ${count} at offset ${offset} does not fit in an array of length ${out.length}`,
    );
  }
  const end = offset + count;
  if (rng instanceof Xoshiro128StarStar) {
    fillFromXoshiro(rng, out, offset, end);
    return out;
  }
  for (let i = offset; i < end; i++) out[i] = normal(rng);
  return out;
}
