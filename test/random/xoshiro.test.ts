import { describe, expect, it } from 'vitest';
import { JUMP_2_64, JUMP_2_96, Xoshiro128StarStar, splitMix64 } from '../../src/random/index.js';
import { CHI_SQUARE_CRITICAL_0_001, chiSquareStatistic } from './statistics.js';

const hex = (words: ArrayLike<number>): string[] => Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0'));

// Outputs of the reference xoshiro128starstar.c (version 1.1) from the state
// [1, 2, 3, 4], as listed in the reference test of rust-random/rngs
// (rand_xoshiro/src/xoshiro128starstar.rs).
const REFERENCE_FROM_1234 = [
  11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
];

// Test data of edorfaus/xoshiro-6502 (test-rom/testdata.asm), produced with
// the reference C code: a starting state, the first four xoshiro128**
// outputs with the state after each, and the states after one to four
// successive jump() and long_jump() calls from the starting state.
const VECTOR_START = [0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0];
const VECTOR_OUTPUTS = [0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70];
const VECTOR_STATES = [
  [0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20],
  [0xff3a011b, 0xb33a90fc, 0x2c5a18ae, 0xd81b946b],
  [0x941b058c, 0x605a8949, 0xa641e1b5, 0x0824bb59],
  [0xfc65379c, 0x52006d70, 0x87487639, 0xf1908343],
];
const VECTOR_JUMP_STATES = [
  [0x2a6dd50d, 0x01177499, 0xd7eb7d01, 0xddc48284],
  [0x5efdee5a, 0x3aa13c3d, 0x8cc77479, 0xeb10a58f],
  [0x2ca76937, 0x14c9006e, 0x34097ea8, 0xfdd876ea],
  [0x01b72c9a, 0xa78174aa, 0x1cc317be, 0x888235b2],
];
const VECTOR_LONG_JUMP_STATES = [
  [0x2564e401, 0x3319cf31, 0xbdbb52e4, 0x3401980c],
  [0x9c99646b, 0x52b8802b, 0x592cb24e, 0x8d36d8cc],
  [0xebc4340c, 0x85d398cb, 0xd5f5856b, 0x0b662ea3],
  [0xaa2620a3, 0xa137523e, 0x7d75a27f, 0xb89be680],
];

describe('Xoshiro128StarStar reference outputs', () => {
  it('matches the reference from state [1, 2, 3, 4]', () => {
    const rng = Xoshiro128StarStar.fromState([1, 2, 3, 4]);
    const outputs = REFERENCE_FROM_1234.map(() => rng.nextUint32());
    expect(outputs).toEqual(REFERENCE_FROM_1234);
  });

  it('matches reference outputs and states', () => {
    const rng = Xoshiro128StarStar.fromState(VECTOR_START);
    for (let k = 0; k < VECTOR_OUTPUTS.length; k++) {
      expect(rng.nextUint32().toString(16)).toBe(VECTOR_OUTPUTS[k].toString(16));
      expect(hex(rng.getState())).toEqual(hex(VECTOR_STATES[k]));
    }
  });

  it('jump matches the reference states', () => {
    const rng = Xoshiro128StarStar.fromState(VECTOR_START);
    for (const expected of VECTOR_JUMP_STATES) {
      rng.jump();
      expect(hex(rng.getState())).toEqual(hex(expected));
    }
  });

  it('longJump matches the reference states', () => {
    const rng = Xoshiro128StarStar.fromState(VECTOR_START);
    for (const expected of VECTOR_LONG_JUMP_STATES) {
      rng.longJump();
      expect(hex(rng.getState())).toEqual(hex(expected));
    }
  });

  it('exposes the published jump constants', () => {
    expect(hex(JUMP_2_64)).toEqual(['8764000b', 'f542d2d3', '6fa035c3', '77f2db5b']);
    expect(hex(JUMP_2_96)).toEqual(['b523952e', '0b6f099f', 'ccf5a0ef', '1c580662']);
  });
});

describe('splitMix64', () => {
  it('matches the reference sequence', () => {
    // First outputs of the reference splitmix64.c from seed
    // 1477776061723855037, as listed in rust-random/rngs
    // (rand_xoshiro/src/splitmix64.rs).
    const expected = [
      1985237415132408290n,
      2979275885539914483n,
      13511426838097143398n,
      8488337342461049707n,
      15141737807933549159n,
      17093170987380407015n,
      16389528042912955399n,
      13177319091862933652n,
    ];
    expect(splitMix64(1477776061723855037n, expected.length)).toEqual(expected);
  });

  it('rejects a negative count', () => {
    expect(() => splitMix64(1n, -1)).toThrow(/count = -1/);
  });
});

describe('Xoshiro128StarStar seeding', () => {
  it('fills the state from two SplitMix64 outputs', () => {
    for (const seed of [0, 1, 42, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const [z0, z1] = splitMix64(BigInt(seed), 2);
      const expected = [z0 & 0xffffffffn, z0 >> 32n, z1 & 0xffffffffn, z1 >> 32n].map(Number);
      expect(Array.from(new Xoshiro128StarStar(seed).getState())).toEqual(expected);
    }
  });

  it('gives equal sequences for equal seeds', () => {
    const a = new Xoshiro128StarStar(20240611);
    const b = new Xoshiro128StarStar(20240611);
    for (let k = 0; k < 1000; k++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('gives different sequences for adjacent seeds', () => {
    const a = new Xoshiro128StarStar(1000);
    const b = new Xoshiro128StarStar(1001);
    let equal = 0;
    for (let k = 0; k < 1000; k++) if (a.nextUint32() === b.nextUint32()) equal++;
    expect(equal).toBe(0);
  });

  it('rejects seeds outside [0, 2^53 − 1]', () => {
    for (const seed of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) {
      expect(() => new Xoshiro128StarStar(seed)).toThrow(/seed = .*expected an integer in \[0, 2\^53 − 1\]/);
    }
  });
});

describe('Xoshiro128StarStar state', () => {
  it('round-trips through getState and setState', () => {
    const rng = new Xoshiro128StarStar(7);
    rng.nextUint32();
    const copy = Xoshiro128StarStar.fromState(rng.getState());
    for (let k = 0; k < 100; k++) expect(copy.nextUint32()).toBe(rng.nextUint32());
  });

  it('clone continues the same sequence independently', () => {
    const rng = new Xoshiro128StarStar(8);
    const copy = rng.clone();
    const first = rng.nextUint32();
    expect(copy.nextUint32()).toBe(first);
    copy.nextUint32();
    expect(rng.nextUint32()).not.toBe(first);
  });

  it('rejects the zero state and invalid words', () => {
    expect(() => Xoshiro128StarStar.fromState([0, 0, 0, 0])).toThrow(/all-zero state/);
    expect(() => Xoshiro128StarStar.fromState([1, 2, 3])).toThrow(/3 words; expected 4/);
    expect(() => Xoshiro128StarStar.fromState([1, 2, 3, 2 ** 32])).toThrow(/state\[3\] = 4294967296/);
    expect(() => Xoshiro128StarStar.fromState([1, -2, 3, 4])).toThrow(/state\[1\] = -2/);
  });

  it('storeState and loadState round-trip at an offset', () => {
    const rng = new Xoshiro128StarStar(10);
    rng.nextUint32();
    const words = new Int32Array(8);
    rng.storeState(words, 4);
    expect(Array.from(words.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const copy = new Xoshiro128StarStar(0);
    copy.loadState(words, 4);
    for (let k = 0; k < 100; k++) expect(copy.nextUint32()).toBe(rng.nextUint32());
  });

  it('loadState rejects the zero state', () => {
    const rng = new Xoshiro128StarStar(11);
    expect(() => rng.loadState(new Int32Array(8), 4)).toThrow(/words\[4 … 7\] are all zero/);
  });

  it('rejects the zero jump polynomial', () => {
    const rng = new Xoshiro128StarStar(9);
    expect(() => rng.applyJumpPolynomial([0, 0, 0, 0])).toThrow(/zero polynomial/);
    expect(() => rng.applyJumpPolynomial([1, 0])).toThrow(/2 coefficient words/);
  });
});

describe('Xoshiro128StarStar uniform variates', () => {
  it('builds nextFloat64 from the top 53 bits of two outputs', () => {
    const rng = new Xoshiro128StarStar(11);
    const raw = rng.clone();
    for (let k = 0; k < 1000; k++) {
      const high = raw.nextUint32() >>> 5;
      const low = raw.nextUint32() >>> 6;
      expect(rng.nextFloat64()).toBe((high * 2 ** 26 + low) / 2 ** 53);
    }
  });

  it('fillFloat64 equals successive nextFloat64 calls', () => {
    const rng = new Xoshiro128StarStar(12);
    const reference = rng.clone();
    const out = new Float64Array(1000).fill(Number.NaN);
    rng.fillFloat64(out, 10, 980);
    expect(out[9]).toBeNaN();
    expect(out[990]).toBeNaN();
    for (let i = 10; i < 990; i++) expect(out[i]).toBe(reference.nextFloat64());
    expect(rng.nextUint32()).toBe(reference.nextUint32());
  });

  it('nextFloat64 has the uniform mean and variance', () => {
    const n = 1_000_000;
    const rng = new Xoshiro128StarStar(12);
    let sum = 0;
    let sumSquares = 0;
    let min = 1;
    let max = 0;
    for (let k = 0; k < n; k++) {
      const u = rng.nextFloat64();
      sum += u;
      sumSquares += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    const mean = sum / n;
    const variance = sumSquares / n - mean * mean;
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // 5 standard errors: sd(mean) = √(1/12/n) = 2.9e-4; sd(variance) =
    // √((1/80 − 1/144)/n) = 7.5e-5 (fourth central moment 1/80).
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
  });

  it('nextUint32 fills byte bins evenly', () => {
    const n = 1_000_000;
    const rng = new Xoshiro128StarStar(13);
    const counts = new Float64Array(256);
    const lowCounts = new Float64Array(256);
    for (let k = 0; k < n; k++) {
      const x = rng.nextUint32();
      counts[x >>> 24]++;
      lowCounts[x & 255]++;
    }
    // Chi-square with 255 degrees of freedom at level 0.001: critical value 330.52.
    const weights = new Float64Array(256).fill(1);
    expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[255]);
    expect(chiSquareStatistic(lowCounts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[255]);
  });
});
