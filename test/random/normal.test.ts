import { describe, expect, it } from 'vitest';
import {
  Xoshiro128StarStar,
  ZIGGURAT_LAYERS,
  ZIGGURAT_R,
  ZIGGURAT_V,
  fillNormals,
  normal,
  normalTail,
  zigguratLayerEdges,
} from '../../src/random/index.js';
import {
  CHI_SQUARE_CRITICAL_0_001,
  chiSquareStatistic,
  ksCriticalValue,
  ksStatistic,
  normalCdf,
  normalUpperTail,
  sampleMoments,
} from './statistics.js';

const f = (x: number): number => Math.exp(-0.5 * x * x);

/** CDF of the standard normal law conditioned on X > r. */
const tailCdf = (r: number) => (x: number) => (x <= r ? 0 : 1 - normalUpperTail(x) / normalUpperTail(r));

describe('ziggurat tables', () => {
  const x = zigguratLayerEdges();

  it('has the published layer count and edges', () => {
    expect(x).toHaveLength(ZIGGURAT_LAYERS + 1);
    expect(x[1]).toBe(ZIGGURAT_R);
    expect(x[ZIGGURAT_LAYERS]).toBe(0);
    for (let i = 1; i <= ZIGGURAT_LAYERS; i++) expect(x[i]).toBeLessThan(x[i - 1]);
  });

  it('V is the base strip area including the tail', () => {
    const tailArea = Math.sqrt(2 * Math.PI) * normalUpperTail(ZIGGURAT_R);
    // Relative 1e-12: the published V has 15 significant digits.
    expect(Math.abs((ZIGGURAT_R * f(ZIGGURAT_R) + tailArea) / ZIGGURAT_V - 1)).toBeLessThan(1e-12);
    expect(Math.abs((x[0] * f(ZIGGURAT_R)) / ZIGGURAT_V - 1)).toBeLessThan(1e-15);
  });

  it('gives every layer the area V', () => {
    // Layers built by the recursion: relative 1e-12 (round-off, measured 2e-14).
    for (let i = 1; i < ZIGGURAT_LAYERS - 1; i++) {
      const area = x[i] * (f(x[i + 1]) - f(x[i]));
      expect(Math.abs(area / ZIGGURAT_V - 1)).toBeLessThan(1e-12);
    }
    // The top layer closes at x = 0 only as well as R's 13 published digits
    // allow: relative 1e-8 (measured 1.2e-9).
    const top = x[ZIGGURAT_LAYERS - 1] * (1 - f(x[ZIGGURAT_LAYERS - 1]));
    expect(Math.abs(top / ZIGGURAT_V - 1)).toBeLessThan(1e-8);
  });
});

describe('normal', () => {
  it('passes a KS test against Φ for 1e5 samples', () => {
    const n = 100_000;
    const samples = fillNormals(new Xoshiro128StarStar(101), new Float64Array(n));
    // Level 0.001: critical value 1.9495/√n = 0.00616.
    expect(ksStatistic(samples, normalCdf)).toBeLessThan(ksCriticalValue(n));
  });

  it('has the first four moments of N(0, 1)', () => {
    const n = 1_000_000;
    const m = sampleMoments(fillNormals(new Xoshiro128StarStar(102), new Float64Array(n)));
    // 5 standard errors each: √(1/n), √(2/n), √(6/n), √(24/n).
    expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m.skewness)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(m.excessKurtosis)).toBeLessThan(5 * Math.sqrt(24 / n));
  });

  describe('on 4e6 samples', () => {
    const n = 4_000_000;
    const samples = fillNormals(new Xoshiro128StarStar(103), new Float64Array(n));

    it('fills 256 equiprobable bins evenly', () => {
      // Bins of probability 1/256 under Φ detect a wedge error in a single
      // layer, which the KS test on 1e5 samples cannot.
      const counts = new Float64Array(256);
      for (let i = 0; i < n; i++) counts[Math.min(255, Math.floor(normalCdf(samples[i]) * 256))]++;
      // Level 0.001 with 255 degrees of freedom: critical value 330.52.
      const weights = new Float64Array(256).fill(1);
      expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[255]);
    });

    it('has the normal frequency beyond R on each side', () => {
      let above = 0;
      let below = 0;
      for (let i = 0; i < n; i++) {
        if (samples[i] > ZIGGURAT_R) above++;
        else if (samples[i] < -ZIGGURAT_R) below++;
      }
      // Expected n·P(X > R) = 1152 per side, binomial sd 34: allow 5 sd.
      const p = normalUpperTail(ZIGGURAT_R);
      const tolerance = 5 * Math.sqrt(n * p * (1 - p));
      expect(Math.abs(above - n * p)).toBeLessThan(tolerance);
      expect(Math.abs(below - n * p)).toBeLessThan(tolerance);
    });

    it('has the conditional law beyond R', () => {
      const tail: number[] = [];
      for (let i = 0; i < n; i++) if (Math.abs(samples[i]) > ZIGGURAT_R) tail.push(Math.abs(samples[i]));
      // KS at level 0.001 on about 2300 values: critical value about 0.041.
      expect(ksStatistic(tail, tailCdf(ZIGGURAT_R))).toBeLessThan(ksCriticalValue(tail.length));
    });
  });

  it('is reproducible from the seed', () => {
    const a = fillNormals(new Xoshiro128StarStar(104), new Float64Array(1000));
    const b = fillNormals(new Xoshiro128StarStar(104), new Float64Array(1000));
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('normalTail', () => {
  for (const r of [ZIGGURAT_R, 1, 0.5]) {
    it(`passes a KS test beyond r = ${r}`, () => {
      const n = 100_000;
      const rng = new Xoshiro128StarStar(105);
      const samples = new Float64Array(n);
      for (let i = 0; i < n; i++) samples[i] = normalTail(rng, r);
      expect(samples.reduce((min, x) => Math.min(min, x), Infinity)).toBeGreaterThan(r);
      // Level 0.001: critical value 1.9495/√n = 0.00616.
      expect(ksStatistic(samples, tailCdf(r))).toBeLessThan(ksCriticalValue(n));
    });
  }

  it('rejects r ≤ 0 and non-finite r', () => {
    const rng = new Xoshiro128StarStar(106);
    for (const r of [0, -1, Number.NaN, Infinity]) {
      expect(() => normalTail(rng, r)).toThrow(/expected a finite r > 0/);
    }
  });
});

describe('fillNormals', () => {
  it('writes only the requested range, in draw order', () => {
    const rng = new Xoshiro128StarStar(107);
    const reference = rng.clone();
    const out = new Float64Array(10).fill(Number.NaN);
    fillNormals(rng, out, 3, 4);
    for (const i of [0, 1, 2, 7, 8, 9]) expect(out[i]).toBeNaN();
    for (let i = 3; i < 7; i++) expect(out[i]).toBe(normal(reference));
  });

  it('equals normal() over wedges and tails', () => {
    // 400 000 variates take about 11 000 wedge tests and 230 tail draws, the paths
    // that fillNormals finishes outside its main loop.
    const rng = new Xoshiro128StarStar(111);
    const reference = rng.clone();
    const out = fillNormals(rng, new Float64Array(400_000));
    let mismatches = 0;
    let tails = 0;
    for (let i = 0; i < out.length; i++) {
      if (!Object.is(out[i], normal(reference))) mismatches++;
      if (Math.abs(out[i]) > ZIGGURAT_R) tails++;
    }
    expect(mismatches).toBe(0);
    expect(tails).toBeGreaterThan(100);
    expect(rng.nextUint32()).toBe(reference.nextUint32());
  });

  it('defaults count to the rest of the array', () => {
    const out = new Float64Array(5).fill(Number.NaN);
    fillNormals(new Xoshiro128StarStar(108), out, 2);
    expect(Number.isNaN(out[1])).toBe(true);
    for (let i = 2; i < 5; i++) expect(Number.isFinite(out[i])).toBe(true);
  });

  it('returns the output array', () => {
    const out = new Float64Array(3);
    expect(fillNormals(new Xoshiro128StarStar(109), out)).toBe(out);
  });

  it('rejects ranges outside the array', () => {
    const rng = new Xoshiro128StarStar(110);
    const out = new Float64Array(4);
    expect(() => fillNormals(rng, out, 5)).toThrow(/offset = 5; expected an integer in \[0, 4\]/);
    expect(() => fillNormals(rng, out, -1)).toThrow(/offset = -1/);
    expect(() => fillNormals(rng, out, 2, 3)).toThrow(/count = 3 at offset 2 does not fit in an array of length 4/);
    expect(() => fillNormals(rng, out, 0, 1.5)).toThrow(/count = 1.5/);
  });
});
