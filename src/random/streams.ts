/**
 * Independent streams for blocks of agents. Stream b starts b·2^64 outputs
 * after the seeded state, so streams never overlap unless one of them draws
 * more than 2^64 numbers. Stream b depends only on the seed and b, never on
 * how blocks are distributed over worker threads.
 *
 * Advancing by b·2^64 steps applies x^(2^(64+k)) mod P(x) for every set bit
 * k of b, where P is the characteristic polynomial of the xoshiro128 linear
 * engine. These jump polynomials are computed by repeated squaring modulo P
 * over GF(2), on first use; the k = 0 and k = 32 entries equal the published
 * jump and long-jump constants (the tests check this).
 */

import { Xoshiro128StarStar } from './xoshiro.js';

/**
 * Coefficients of x^0 … x^127 of the degree-128 characteristic polynomial
 * P(x) of the xoshiro128 linear engine (the x^128 term is implicit), in the
 * word layout of JUMP_2_64. Obtained by the Berlekamp–Massey algorithm on an
 * output bit sequence of the engine; the tests repeat that derivation.
 */
export const CHARACTERISTIC_POLYNOMIAL: readonly number[] = Object.freeze([
  0xde18fc01, 0x1b489db6, 0x006254b1, 0x00fc65a2,
]);

/** Largest block index accepted by `streamFor`: 2^53 − 1, so every stream start is below 2^117 steps. */
export const MAX_BLOCK_INDEX = Number.MAX_SAFE_INTEGER;

/** Exponents k (0 ≤ k < 128) with a non-zero coefficient of x^k in P(x). */
const REDUCTION_TERMS: readonly number[] = (() => {
  const terms: number[] = [];
  for (let k = 0; k < 128; k++) {
    if ((CHARACTERISTIC_POLYNOMIAL[k >>> 5] >>> (k & 31)) & 1) terms.push(k);
  }
  return terms;
})();

/** Entry k is x^(2^k) mod P(x); grown on demand by `jumpPolynomial`. */
const powerCache: Uint32Array[] = [Uint32Array.of(2, 0, 0, 0)];

function testBit(words: Uint32Array, bit: number): boolean {
  return ((words[bit >>> 5] >>> (bit & 31)) & 1) === 1;
}

function flipBit(words: Uint32Array, bit: number): void {
  words[bit >>> 5] ^= 1 << (bit & 31);
}

/** Returns q(x)² mod P(x) for a polynomial q of degree below 128. */
function squareModP(q: Uint32Array): Uint32Array {
  // Over GF(2) the square of Σ c_j x^j is Σ c_j x^(2j).
  const product = new Uint32Array(8);
  for (let j = 0; j < 128; j++) {
    if (testBit(q, j)) flipBit(product, 2 * j);
  }

  // Replace each x^i with i ≥ 128 by x^(i−128)·(P(x) − x^128), from the top down.
  for (let i = 254; i >= 128; i--) {
    if (!testBit(product, i)) continue;
    flipBit(product, i);
    for (const k of REDUCTION_TERMS) flipBit(product, i - 128 + k);
  }
  return product.slice(0, 4);
}

/**
 * Returns the coefficients of x^(2^log2Steps) mod P(x), in the word layout of
 * JUMP_2_64. Passing them to `applyJumpPolynomial` advances a generator by
 * 2^log2Steps outputs.
 */
export function jumpPolynomial(log2Steps: number): Uint32Array {
  if (!Number.isInteger(log2Steps) || log2Steps < 0 || log2Steps > 127) {
    throw new RangeError(`jumpPolynomial: log2Steps = ${log2Steps}; expected an integer in [0, 127]`);
  }
  while (powerCache.length <= log2Steps) {
    powerCache.push(squareModP(powerCache[powerCache.length - 1]));
  }
  return powerCache[log2Steps].slice();
}

/**
 * Returns the generator for block `blockIndex` of the run seeded with
 * `seed`: the seeded generator advanced by blockIndex·2^64 outputs, the same
 * state that blockIndex calls of `jump()` reach. Costs one 128-step jump per
 * set bit of blockIndex.
 */
export function streamFor(seed: number, blockIndex: number): Xoshiro128StarStar {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`streamFor: seed = ${seed}; expected an integer in [0, 2^53 − 1]`);
  }
  if (!Number.isSafeInteger(blockIndex) || blockIndex < 0) {
    throw new RangeError(`streamFor: blockIndex = ${blockIndex}; expected an integer in [0, 2^53 − 1]`);
  }
  const generator = new Xoshiro128StarStar(seed);
  let remaining = blockIndex;
  for (let k = 0; remaining > 0; k++) {
    if (remaining % 2 === 1) generator.applyJumpPolynomial(jumpPolynomial(64 + k));
    remaining = Math.floor(remaining / 2);
  }
  return generator;
}

/**
 * Returns the generators for blocks firstBlock … firstBlock + count − 1,
 * equal to `streamFor(seed, b)` for each b but reached by one `jump()` per
 * block after the first.
 */
export function streamsFor(seed: number, firstBlock: number, count: number): Xoshiro128StarStar[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`streamsFor: count = ${count}; expected a non-negative integer`);
  }
  const generator = streamFor(seed, firstBlock);
  // Compare a difference: above 2^53 the sum firstBlock + count − 1 is rounded
  // and can come out equal to the maximum.
  if (count > 0 && count - 1 > MAX_BLOCK_INDEX - firstBlock) {
    throw new RangeError(
      `streamsFor: blocks ${firstBlock} … ${firstBlock + count - 1} exceed the maximum block index 2^53 − 1`,
    );
  }
  const streams: Xoshiro128StarStar[] = [];
  for (let b = 0; b < count; b++) {
    if (b > 0) generator.jump();
    streams.push(generator.clone());
  }
  return streams;
}
