/** Exponential, Bernoulli and uniform integer variates. */

import type { RandomSource } from './xoshiro.js';

const TWO_POW_32 = 4294967296;

/**
 * Returns an exponential variate with the given rate (mean 1/rate), by
 * inversion: −ln(1 − U)/rate. Since 1 − U ∈ (0, 1], the result is finite
 * and at most 53·ln 2/rate ≈ 36.7/rate.
 */
export function exponential(rng: RandomSource, rate = 1): number {
  if (!(rate > 0) || rate === Infinity) {
    throw new RangeError(`exponential: rate = ${rate}; expected a finite rate > 0`);
  }
  return -Math.log(1 - rng.nextFloat64()) / rate;
}

/** Returns true with probability p, from one 53-bit uniform. */
export function bernoulli(rng: RandomSource, p: number): boolean {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`bernoulli: p = ${p}; expected a probability in [0, 1]`);
  }
  return rng.nextFloat64() < p;
}

/**
 * Returns an integer uniform on {0, …, n − 1} for 1 ≤ n ≤ 2^32, without
 * modulo bias: 32-bit draws at or above the largest multiple of n that fits
 * in 2^32 are rejected, which happens with probability below 1/2.
 */
export function uniformInt(rng: RandomSource, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
    throw new RangeError(`uniformInt: n = ${n}; expected an integer in [1, 2^32]`);
  }
  const limit = TWO_POW_32 - (TWO_POW_32 % n);
  for (;;) {
    const draw = rng.nextUint32();
    if (draw < limit) return draw % n;
  }
}
