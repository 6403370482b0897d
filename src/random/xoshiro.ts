/**
 * xoshiro128** 1.1 by Blackman and Vigna, following their reference code
 * xoshiro128starstar.c (https://prng.di.unimi.it/): 128 bits of state,
 * period 2^128 − 1, 32-bit outputs.
 *
 * A counter-based generator such as Philox4x32 would give random access to
 * any stream for free. But each Philox round needs the high half of a
 * 32×32-bit product, and JavaScript has no instruction for it (Math.imul
 * returns only the low half). xoshiro128** needs only 32-bit shifts, xors and
 * Math.imul, so it is the faster choice here. Its streams come from jump
 * polynomials: `jump()` advances by 2^64 outputs, and `streamFor`
 * (streams.ts) reaches block b in at most 53 jumps.
 */

import { splitMix64 } from './splitmix.js';

/** A source of uniform variates; every sampler in this folder draws from one. */
export interface RandomSource {
  /** Returns a uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Returns a uniform double in [0, 1) on the grid k·2^-53. */
  nextFloat64(): number;
}

/** Largest seed accepted by the constructor: 2^53 − 1. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * Coefficients of x^(2^64) mod P(x), where P is the characteristic polynomial
 * of the xoshiro128 linear engine. Bit b of word w is the coefficient of
 * x^(32w + b). Values from the reference xoshiro128starstar.c.
 */
export const JUMP_2_64: readonly number[] = Object.freeze([0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b]);

/** Coefficients of x^(2^96) mod P(x), in the layout of JUMP_2_64; from the same reference. */
export const JUMP_2_96: readonly number[] = Object.freeze([0xb523952e, 0x0b6f099f, 0xccf5a0ef, 0x1c580662]);

const TWO_POW_26 = 67108864;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/** The xoshiro128** generator. State words are kept as int32 so that V8 stores them unboxed. */
export class Xoshiro128StarStar implements RandomSource {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * Seeds the state from an integer seed in [0, 2^53 − 1]. Two SplitMix64
   * outputs z0, z1 started at `seed` fill the state as
   * [low32(z0), high32(z0), low32(z1), high32(z1)]. The state cannot be all
   * zero: the SplitMix64 mixer is a bijection, so z0 = z1 = 0 would need two
   * different counters to map to 0.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Xoshiro128StarStar: seed = ${seed}; expected an integer in [0, 2^53 − 1]`);
    }
    const [z0, z1] = splitMix64(BigInt(seed), 2);
    this.s0 = Number(z0 & 0xffffffffn) | 0;
    this.s1 = Number(z0 >> 32n) | 0;
    this.s2 = Number(z1 & 0xffffffffn) | 0;
    this.s3 = Number(z1 >> 32n) | 0;
  }

  /** Creates a generator with the given state words s[0..3], as in the reference C code. */
  static fromState(state: ArrayLike<number>): Xoshiro128StarStar {
    const generator = new Xoshiro128StarStar(0);
    generator.setState(state);
    return generator;
  }

  /** Returns a copy of the state words s[0..3] as unsigned 32-bit integers. */
  getState(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /**
   * Replaces the state by four 32-bit words. Throws a RangeError if a word is
   * not an integer in [0, 2^32) or if all four are zero (the one state the
   * generator never leaves).
   */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) {
      throw new RangeError(`Xoshiro128StarStar: state has ${state.length} words; expected 4`);
    }
    for (let k = 0; k < 4; k++) {
      const word = state[k];
      if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) {
        throw new RangeError(`Xoshiro128StarStar: state[${k}] = ${word}; expected an integer in [0, 2^32)`);
      }
    }
    if (state[0] === 0 && state[1] === 0 && state[2] === 0 && state[3] === 0) {
      throw new RangeError('Xoshiro128StarStar: the all-zero state is invalid; set at least one word non-zero');
    }
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  /**
   * Copies the state words into words[offset … offset + 3] as int32, so that
   * a hot loop can run the generator on local variables or another thread
   * can continue the stream.
   */
  storeState(words: Int32Array, offset = 0): void {
    words[offset] = this.s0;
    words[offset + 1] = this.s1;
    words[offset + 2] = this.s2;
    words[offset + 3] = this.s3;
  }

  /**
   * Replaces the state by words[offset … offset + 3], as `storeState` wrote
   * them. Unlike `setState` it checks only that the state is not all zero,
   * because it runs once per block of agents.
   */
  loadState(words: Int32Array, offset = 0): void {
    const s0 = words[offset] | 0;
    const s1 = words[offset + 1] | 0;
    const s2 = words[offset + 2] | 0;
    const s3 = words[offset + 3] | 0;
    if ((s0 | s1 | s2 | s3) === 0) {
      throw new RangeError(
        `Xoshiro128StarStar: words[${offset} … ${offset + 3}] are all zero, which is an invalid state; load words that storeState wrote`,
      );
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Returns an independent copy that continues the same sequence. */
  clone(): Xoshiro128StarStar {
    return Xoshiro128StarStar.fromState(this.getState());
  }

  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;

    // Scrambler: rotl(s1 · 5, 7) · 9, computed on the state before the update.
    const scaled = Math.imul(s1, 5);
    const result = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 0;

    // Linear engine.
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Builds the double from the top 27 bits of one output and the top 26 bits of the next. */
  nextFloat64(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * TWO_POW_26 + low) * TWO_POW_MINUS_53;
  }

  /**
   * Writes `count` outputs of nextFloat64 into out[offset … offset + count − 1],
   * the same values that as many nextFloat64 calls return. The caller
   * checks the range.
   */
  fillFloat64(out: Float64Array, offset: number, count: number): void {
    this.storeState(stateWords, 0);
    fillFloat64FromState(stateWords, out, offset, offset + count);
    this.loadState(stateWords, 0);
  }

  /** Advances the state by 2^64 outputs. */
  jump(): void {
    this.applyJumpPolynomial(JUMP_2_64);
  }

  /** Advances the state by 2^96 outputs. */
  longJump(): void {
    this.applyJumpPolynomial(JUMP_2_96);
  }

  /**
   * Replaces the state s by q(T)·s, where T is the one-step transition of the
   * linear engine and q(x) has the coefficients given (bit b of word w is the
   * coefficient of x^(32w + b)). With q(x) = x^k mod P(x) this advances the
   * state by k outputs, because P(T) = 0. Costs 128 steps.
   */
  applyJumpPolynomial(coefficients: ArrayLike<number>): void {
    if (coefficients.length !== 4) {
      throw new RangeError(`applyJumpPolynomial: ${coefficients.length} coefficient words; expected 4`);
    }
    // P(x) is primitive (the period is 2^128 − 1), so q(T) is invertible for
    // every q ≠ 0 and only the zero polynomial can map a state to zero.
    if ((coefficients[0] | coefficients[1] | coefficients[2] | coefficients[3]) === 0) {
      throw new RangeError('applyJumpPolynomial: the zero polynomial would map the state to zero');
    }
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let w = 0; w < 4; w++) {
      const word = coefficients[w];
      for (let b = 0; b < 32; b++) {
        if ((word >>> b) & 1) {
          a0 ^= this.s0;
          a1 ^= this.s1;
          a2 ^= this.s2;
          a3 ^= this.s3;
        }
        this.nextUint32();
      }
    }
    this.s0 = a0;
    this.s1 = a1;
    this.s2 = a2;
    this.s3 = a3;
  }
}

/** State words of a generator while a fill loop runs it on local variables. */
const stateWords = new Int32Array(4);

/**
 * Runs the loop of `fillFloat64` on local copies of `words`. The loop sits
 * outside the class because V8 compiles it while it runs (on-stack
 * replacement), and the field stores after such a loop deoptimised the
 * method on every call in Node 20.
 */
function fillFloat64FromState(words: Int32Array, out: Float64Array, offset: number, end: number): void {
  let s0 = words[0];
  let s1 = words[1];
  let s2 = words[2];
  let s3 = words[3];
  for (let i = offset; i < end; i++) {
    let scaled = Math.imul(s1, 5);
    const high = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 5;
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);

    scaled = Math.imul(s1, 5);
    const low = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 6;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);

    out[i] = (high * TWO_POW_26 + low) * TWO_POW_MINUS_53;
  }
  words[0] = s0;
  words[1] = s1;
  words[2] = s2;
  words[3] = s3;
}
