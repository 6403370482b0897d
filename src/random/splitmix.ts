/**
 * SplitMix64, the generator behind Java 8's SplittableRandom, in the form of
 * Vigna's reference splitmix64.c (https://prng.di.unimi.it/): add the
 * golden-ratio increment 0x9e3779b97f4a7c15 to a 64-bit counter, then mix it
 * with two xor-shift-multiply rounds.
 *
 * It runs only when a generator is seeded, so it uses BigInt for clarity
 * rather than speed.
 */

const MASK_64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const MIX_MULTIPLIER_1 = 0xbf58476d1ce4e5b9n;
const MIX_MULTIPLIER_2 = 0x94d049bb133111ebn;

/**
 * Returns the first `count` outputs of SplitMix64 started from the 64-bit
 * state `seed` (taken modulo 2^64), each as an unsigned 64-bit BigInt.
 */
export function splitMix64(seed: bigint, count: number): bigint[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`splitMix64: count = ${count}; expected a non-negative integer`);
  }
  const outputs: bigint[] = [];
  let state = BigInt.asUintN(64, seed);
  for (let k = 0; k < count; k++) {
    state = (state + GOLDEN_GAMMA) & MASK_64;
    let z = state;
    z = ((z ^ (z >> 30n)) * MIX_MULTIPLIER_1) & MASK_64;
    z = ((z ^ (z >> 27n)) * MIX_MULTIPLIER_2) & MASK_64;
    outputs.push(z ^ (z >> 31n));
  }
  return outputs;
}
