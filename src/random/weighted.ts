/**
 * Sampling an index with probability proportional to non-negative weights:
 * Vose's alias method (O(N) build, O(1) draw) and binary search on a
 * cumulative sum (O(N) build, O(log N) draw), plus Boltzmann selection
 * weights.
 */

import type { RandomSource } from './xoshiro.js';

/**
 * Checks that every weight is finite and ≥ 0 and that at least one is
 * positive, and returns the largest weight. `caller` prefixes the message.
 */
function validateWeights(caller: string, weights: ArrayLike<number>): number {
  if (weights.length === 0) {
    throw new RangeError(`${caller}: weights is empty; expected at least one weight`);
  }
  let max = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || w === Infinity) {
      throw new RangeError(`${caller}: weights[${i}] = ${w}; every weight must be finite and ≥ 0`);
    }
    if (w > max) max = w;
  }
  if (max === 0) {
    throw new RangeError(`${caller}: all ${weights.length} weights are zero; at least one must be positive`);
  }
  return max;
}

/**
 * Walker's alias table built by Vose's method: pair each under-full column
 * with an over-full one in O(N), and set the columns left at the end to 1,
 * which absorbs round-off (described at
 * https://en.wikipedia.org/wiki/Alias_method). Column i keeps outcome i with
 * probability threshold[i] and otherwise yields alias[i].
 *
 * `rebuild` reuses the buffers whenever the new weights fit in them, so a
 * table rebuilt every time step allocates only when the population grows.
 */
export class AliasTable {
  private threshold: Float64Array;
  private alias: Int32Array;
  /** Vose's two worklists in one array: "small" grows from the front, "large" from the back. */
  private worklist: Int32Array;
  private count = 0;

  /** Builds the table for `weights`; see `rebuild` for the requirements. */
  constructor(weights: ArrayLike<number>) {
    this.threshold = new Float64Array(weights.length);
    this.alias = new Int32Array(weights.length);
    this.worklist = new Int32Array(weights.length);
    this.rebuild(weights);
  }

  /** Number of outcomes. */
  get size(): number {
    return this.count;
  }

  /**
   * Rebuilds the table for new weights in O(N). Weights must be finite and
   * ≥ 0 with at least one positive; they need not sum to 1. Throws a
   * RangeError naming the first invalid index, and leaves the table
   * unchanged in that case. An outcome of weight 0 is never sampled.
   */
  rebuild(weights: ArrayLike<number>): this {
    const max = validateWeights('AliasTable', weights);
    const n = weights.length;
    if (n > this.threshold.length) {
      this.threshold = new Float64Array(n);
      this.alias = new Int32Array(n);
      this.worklist = new Int32Array(n);
    }
    const threshold = this.threshold;
    const alias = this.alias;
    const worklist = this.worklist;

    // Scale so that the weights average 1. Dividing by the maximum first
    // keeps the sum at most n, so it cannot overflow.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights[i] / max;
    const scale = n / sum;

    let small = 0;
    let large = n;
    for (let i = 0; i < n; i++) {
      const scaled = (weights[i] / max) * scale;
      threshold[i] = scaled;
      if (scaled < 1) worklist[small++] = i;
      else worklist[--large] = i;
    }

    // Fill each under-full column l from the top of the large list, g, and
    // move g to the small list once what is left of it drops below 1.
    while (small > 0 && large < n) {
      const l = worklist[--small];
      const g = worklist[large];
      alias[l] = g;
      const left = threshold[g] + threshold[l] - 1;
      threshold[g] = left;
      if (left < 1) {
        large++;
        worklist[small++] = g;
      }
    }

    // Columns still listed are full. The remaining thresholds sum to the
    // number of remaining entries up to round-off, so entries left in the
    // small list differ from 1 only by round-off, and none has weight 0.
    while (large < n) {
      const g = worklist[large++];
      threshold[g] = 1;
      alias[g] = g;
    }
    while (small > 0) {
      const l = worklist[--small];
      threshold[l] = 1;
      alias[l] = l;
    }

    this.count = n;
    return this;
  }

  /**
   * Returns an index in [0, size) with probability proportional to its
   * weight, from one 53-bit uniform x: ⌊x·N⌋ picks the column and the
   * fractional part of x·N is the coin, with resolution 2^(⌈log2 N⌉ − 53).
   */
  sample(rng: RandomSource): number {
    // x ≤ 1 − 2^-53, so x·N falls short of N by at least N·2^-53, which is
    // more than half the spacing of doubles just below N; rounding to
    // nearest therefore keeps it below N, and column < N.
    const scaled = rng.nextFloat64() * this.count;
    const column = Math.floor(scaled);
    return scaled - column < this.threshold[column] ? column : this.alias[column];
  }
}

/**
 * Writes the Boltzmann selection weights ω_i = exp(−α (v_i − min v)) into
 * `out` and returns it. Shifting by the minimum value gives the best agent
 * weight 1, so the sum is at least 1 and never underflows. Throws a
 * RangeError naming the first non-finite value, or if α is negative or not
 * finite. `out` defaults to a new array and must have the length of `values`.
 */
export function boltzmannWeights(
  values: ArrayLike<number>,
  alpha: number,
  out: Float64Array = new Float64Array(values.length),
): Float64Array {
  if (!(alpha >= 0) || alpha === Infinity) {
    throw new RangeError(`boltzmannWeights: alpha = ${alpha}; expected a finite selection strength ≥ 0`);
  }
  if (out.length !== values.length) {
    throw new RangeError(`boltzmannWeights: out has length ${out.length} but values has length ${values.length}`);
  }
  let min = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`boltzmannWeights: values[${i}] = ${v}; every value must be finite`);
    }
    if (v < min) min = v;
  }
  // With α = 0 every weight is 1. The general formula would give 0·∞ = NaN
  // when v_i − min overflows.
  if (alpha === 0) return out.fill(1);
  for (let i = 0; i < values.length; i++) out[i] = Math.exp(-alpha * (values[i] - min));
  return out;
}

/**
 * Writes the running sums of `weights` into `out` and returns it, for
 * `sampleCumulative`. Weights must be finite and ≥ 0 with at least one
 * positive and a finite total; a RangeError names the first invalid index.
 */
export function cumulativeWeights(
  weights: ArrayLike<number>,
  out: Float64Array = new Float64Array(weights.length),
): Float64Array {
  validateWeights('cumulativeWeights', weights);
  if (out.length !== weights.length) {
    throw new RangeError(`cumulativeWeights: out has length ${out.length} but weights has length ${weights.length}`);
  }
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    out[i] = sum;
  }
  if (sum === Infinity) {
    throw new RangeError('cumulativeWeights: the sum of the weights overflows; divide them by their maximum first');
  }
  return out;
}

/**
 * Returns the index i with cumsum[i − 1] ≤ u·total < cumsum[i], where total
 * is the last entry, by binary search in O(log N). Given running sums of
 * weights and u uniform on [0, 1), index i is drawn with probability
 * weight_i / total, and an index of weight 0 is never returned.
 *
 * `cumsum` must be non-decreasing with a positive finite last entry, as
 * `cumulativeWeights` returns; only the last entry is checked, to keep the
 * draw O(log N).
 */
export function sampleCumulative(cumsum: ArrayLike<number>, u: number): number {
  const n = cumsum.length;
  if (n === 0) {
    throw new RangeError('sampleCumulative: cumsum is empty; expected at least one entry');
  }
  if (!(u >= 0 && u < 1)) {
    throw new RangeError(`sampleCumulative: u = ${u}; expected a uniform variate in [0, 1)`);
  }
  const total = cumsum[n - 1];
  if (!(total > 0) || total === Infinity) {
    throw new RangeError(`sampleCumulative: the last entry of cumsum is ${total}; expected a positive finite total`);
  }
  const target = u * total;

  // Find the first i with cumsum[i] > target. One exists: u ≤ 1 − 2^-53, and
  // the rounded product u·total stays below total, as in AliasTable.sample.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumsum[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
