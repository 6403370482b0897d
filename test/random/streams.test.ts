import { describe, expect, it } from 'vitest';
import {
  CHARACTERISTIC_POLYNOMIAL,
  JUMP_2_64,
  JUMP_2_96,
  Xoshiro128StarStar,
  jumpPolynomial,
  streamFor,
  streamsFor,
} from '../../src/random/index.js';

const SEED = 314159;

/**
 * Returns the shortest linear recurrence s_n = Σ_{i=1..L} c_i s_{n−i} over
 * GF(2) that generates `bits` (Berlekamp–Massey), as the characteristic
 * polynomial x^L + c_1 x^(L−1) + … + c_L with coefficient k at index k.
 */
function berlekampMassey(bits: number[]): number[] {
  let connection = [1];
  let previous = [1];
  let length = 0;
  let shift = 1;
  for (let n = 0; n < bits.length; n++) {
    let discrepancy = bits[n];
    for (let i = 1; i <= length; i++) discrepancy ^= (connection[i] ?? 0) & bits[n - i];
    if (discrepancy === 0) {
      shift++;
      continue;
    }
    const saved = connection.slice();
    while (connection.length < previous.length + shift) connection.push(0);
    for (let i = 0; i < previous.length; i++) connection[i + shift] ^= previous[i];
    if (2 * length <= n) {
      length = n + 1 - length;
      previous = saved;
      shift = 1;
    } else {
      shift++;
    }
  }
  const characteristic = new Array<number>(length + 1).fill(0);
  for (let i = 0; i <= length; i++) characteristic[length - i] = connection[i] ?? 0;
  return characteristic;
}

const stateOf = (rng: Xoshiro128StarStar): number[] => Array.from(rng.getState());

describe('jump polynomials', () => {
  it('Berlekamp–Massey recovers the characteristic polynomial', () => {
    // The engine is linear with a degree-128 characteristic polynomial, so
    // 512 bits of any state bit determine it.
    const rng = new Xoshiro128StarStar(SEED);
    const bits: number[] = [];
    for (let n = 0; n < 512; n++) {
      bits.push(rng.getState()[0] & 1);
      rng.nextUint32();
    }
    const characteristic = berlekampMassey(bits);
    expect(characteristic.length - 1).toBe(128);
    expect(characteristic[128]).toBe(1);
    const words = [0, 0, 0, 0];
    for (let k = 0; k < 128; k++) if (characteristic[k]) words[k >>> 5] |= 1 << (k & 31);
    expect(words.map((w) => w >>> 0)).toEqual([...CHARACTERISTIC_POLYNOMIAL]);
  });

  it('x^(2^64) and x^(2^96) equal the published jumps', () => {
    expect(Array.from(jumpPolynomial(64))).toEqual([...JUMP_2_64]);
    expect(Array.from(jumpPolynomial(96))).toEqual([...JUMP_2_96]);
  });

  it('x^(2^k) advances by 2^k steps', () => {
    for (let k = 0; k <= 12; k++) {
      const jumped = new Xoshiro128StarStar(SEED + k);
      const stepped = jumped.clone();
      jumped.applyJumpPolynomial(jumpPolynomial(k));
      for (let step = 0; step < 2 ** k; step++) stepped.nextUint32();
      expect(stateOf(jumped)).toEqual(stateOf(stepped));
    }
  });

  it('rejects exponents outside [0, 127]', () => {
    expect(() => jumpPolynomial(128)).toThrow(/log2Steps = 128/);
    expect(() => jumpPolynomial(-1)).toThrow(/log2Steps = -1/);
    expect(() => jumpPolynomial(1.5)).toThrow(/log2Steps = 1.5/);
  });
});

describe('streamFor', () => {
  it('equals blockIndex successive jumps', () => {
    const rng = new Xoshiro128StarStar(SEED);
    for (let b = 0; b <= 40; b++) {
      expect(stateOf(streamFor(SEED, b))).toEqual(stateOf(rng));
      rng.jump();
    }
  });

  it('block 2^32 equals one long jump', () => {
    const rng = new Xoshiro128StarStar(SEED);
    rng.longJump();
    expect(stateOf(streamFor(SEED, 2 ** 32))).toEqual(stateOf(rng));
  });

  it('block 2^32 + 3 equals a long jump and three jumps', () => {
    const rng = new Xoshiro128StarStar(SEED);
    rng.longJump();
    for (let k = 0; k < 3; k++) rng.jump();
    expect(stateOf(streamFor(SEED, 2 ** 32 + 3))).toEqual(stateOf(rng));
  });

  it('is independent of request order', () => {
    const blocks = [0, 1, 2, 3, 17, 1000, 123456789, Number.MAX_SAFE_INTEGER];
    const forward = blocks.map((b) => stateOf(streamFor(SEED, b)));
    const backward = [...blocks].reverse().map((b) => stateOf(streamFor(SEED, b)));
    expect(backward.reverse()).toEqual(forward);
  });

  it('gives distinct streams', () => {
    // Keys are consecutive output pairs (64 bits), so a chance repeat among
    // 16 000 keys has probability about 7e-12.
    const keys = new Set<string>();
    for (let b = 0; b < 16; b++) {
      const rng = streamFor(SEED, b);
      for (let k = 0; k < 1000; k++) keys.add(`${rng.nextUint32()},${rng.nextUint32()}`);
    }
    expect(keys.size).toBe(16_000);
  });

  it('gives uncorrelated neighbouring streams', () => {
    const n = 100_000;
    const a = streamFor(SEED, 5);
    const b = streamFor(SEED, 6);
    let sumA = 0;
    let sumB = 0;
    let sumAB = 0;
    let sumAA = 0;
    let sumBB = 0;
    for (let k = 0; k < n; k++) {
      const x = a.nextFloat64();
      const y = b.nextFloat64();
      sumA += x;
      sumB += y;
      sumAB += x * y;
      sumAA += x * x;
      sumBB += y * y;
    }
    const covariance = sumAB / n - (sumA / n) * (sumB / n);
    const correlation =
      covariance / Math.sqrt((sumAA / n - (sumA / n) ** 2) * (sumBB / n - (sumB / n) ** 2));
    // Under independence the sample correlation has standard error 1/√n = 0.0032; allow 5.
    expect(Math.abs(correlation)).toBeLessThan(5 / Math.sqrt(n));
  });

  it('rejects invalid seeds and block indices', () => {
    expect(() => streamFor(-1, 0)).toThrow(/seed = -1/);
    expect(() => streamFor(SEED, -1)).toThrow(/blockIndex = -1/);
    expect(() => streamFor(SEED, 0.5)).toThrow(/blockIndex = 0.5/);
    expect(() => streamFor(SEED, 2 ** 53)).toThrow(/blockIndex = 9007199254740992/);
  });
});

describe('streamsFor', () => {
  it('matches streamFor block by block', () => {
    const streams = streamsFor(SEED, 1000, 6);
    expect(streams).toHaveLength(6);
    streams.forEach((rng, k) => expect(stateOf(rng)).toEqual(stateOf(streamFor(SEED, 1000 + k))));
  });

  it('returns independent generator objects', () => {
    const [first, second] = streamsFor(SEED, 0, 2);
    const secondState = stateOf(second);
    first.nextUint32();
    expect(stateOf(second)).toEqual(secondState);
  });

  it('rejects invalid counts and ranges', () => {
    expect(streamsFor(SEED, 3, 0)).toEqual([]);
    expect(() => streamsFor(SEED, 0, -1)).toThrow(/count = -1/);
    expect(() => streamsFor(SEED, Number.MAX_SAFE_INTEGER, 2)).toThrow(/exceed the maximum block index/);
  });
});
