/**
 * Parent draws with probability proportional to the agents' selection
 * weights, by one of three exact methods.
 *
 * Search: block b stores the running sums of its own agents' weights,
 * restarting from 0, and `blockEnds[b]` the running sum of the block
 * totals. A draw scales a uniform u by the grand total, finds the block by
 * binary search on `blockEnds` and the agent within the block. Each
 * block's sums are written by whichever thread runs the block, and the
 * block totals are summed on one thread in block order, so the sums do not
 * depend on the number of threads.
 *
 * Guided search: the same sums plus a guide table per block, as in the
 * indexed (guide-table) search for discrete laws. Slot k of a block's table
 * points at the first agent whose partial sum reaches the k-th of as many
 * equal slices of the block total as the block has agents, so a draw
 * scans O(1) agents on average instead of searching in O(log N). It
 * returns the same agent as the binary search, for one more pass over the
 * weights.
 *
 * Rejection: a candidate j uniform over all agents is accepted with
 * probability w_j/w_max, else another candidate is drawn. It needs no pass
 * over the weights at all, and a draw takes w_max/mean(w) candidates on
 * average. A step with selection probability p draws about pN parents
 * (1% of the agents at γΔt = 0.01), so when the weights are not too
 * uneven this beats building the running sums for all N agents.
 *
 * The choice between them (Population.prepareParents) depends only on
 * the weights, N and p, never on the threads.
 */

import type { BlockLayout, ParticleDraws } from './blocks.js';

/**
 * The map from values x_i to weights in `cumulateBlock`. `Identity` takes
 * w_i = x_i, and `Exp` takes w_i = exp(scale·(x_i − shift)), or 1 for every
 * agent when scale = 0. The members are numbers, so that a command to a
 * worker can carry them.
 */
export const WeightTransform = { Identity: 0, Exp: 1 } as const;
export type WeightTransform = (typeof WeightTransform)[keyof typeof WeightTransform];

/** The parent sampling methods, as numbers that a command to a worker can carry. */
export const ParentSampling = { Search: 0, GuidedSearch: 1, Rejection: 2 } as const;
export type ParentSampling = (typeof ParentSampling)[keyof typeof ParentSampling];

export class ParentTable {
  /**
   * `cumulative` and `guide` have one entry per agent and `blockEnds` one
   * per block. They may live in SharedArrayBuffers shared by threads.
   */
  constructor(
    readonly layout: BlockLayout,
    readonly cumulative: Float64Array,
    readonly blockEnds: Float64Array,
    readonly guide: Int32Array,
  ) {}

  /**
   * Writes the running sums of block `block`'s weights, builds its guide
   * when `withGuide` is set, and stores the block total in blockEnds[block]
   * until `sumBlocks` replaces it by the running sum. The weights must be
   * finite and ≥ 0, which the callers check beforehand.
   */
  cumulateBlock(block: number, values: Float64Array, transform: WeightTransform, scale: number, shift: number, withGuide: boolean): void {
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const cumulative = this.cumulative;
    let sum = 0;
    if (transform === WeightTransform.Identity) {
      for (let i = start; i < end; i++) {
        sum += values[i];
        cumulative[i] = sum;
      }
    } else if (scale === 0) {
      // Every weight is exp(0) = 1. Setting it directly also avoids 0·∞ = NaN when x − shift overflows.
      for (let i = start; i < end; i++) {
        sum += 1;
        cumulative[i] = sum;
      }
    } else {
      for (let i = start; i < end; i++) {
        sum += Math.exp(scale * (values[i] - shift));
        cumulative[i] = sum;
      }
    }
    this.blockEnds[block] = sum;
    if (withGuide && sum > 0) this.buildGuide(start, end);
  }

  /** Replaces the block totals in blockEnds by their running sums, in block order. Returns the grand total. */
  sumBlocks(): number {
    const ends = this.blockEnds;
    let total = 0;
    for (let b = 0; b < this.layout.count; b++) {
      total += ends[b];
      ends[b] = total;
    }
    if (!(total > 0) || total === Infinity) {
      throw new RangeError(`particles: the selection weights sum to ${total}; expected a positive finite sum`);
    }
    return total;
  }

  /**
   * Returns the agent whose weight interval contains u·total, for u uniform
   * on [0, 1): agent i with probability w_i/Σw, never an agent of weight 0.
   * `withGuide` must match the last `cumulateBlock` calls.
   */
  sample(u: number, withGuide: boolean): number {
    const ends = this.blockEnds;
    const blocks = this.layout.count;
    // u ≤ 1 − 2^-53, so the rounded product u·total stays below total.
    const target = u * ends[blocks - 1];

    // First block whose running sum exceeds the target. It has a positive total.
    let low = 0;
    let high = blocks - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ends[middle] > target) high = middle;
      else low = middle + 1;
    }
    const block = low;
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    // target ≥ ends[block − 1], so the difference is ≥ 0.
    const local = block === 0 ? target : target - ends[block - 1];
    const cumulative = this.cumulative;

    // The rounding of the two levels can leave `local` at or above the block
    // total. The draw then belongs to the last agent of positive weight.
    if (local >= cumulative[end - 1]) {
      let last = end - 1;
      while (last > start && cumulative[last - 1] === cumulative[last]) last--;
      return last;
    }

    // First agent i of the block with cumulative[i] > local.
    if (withGuide) {
      let i = start + this.guide[start + guideKey(local, end - start, cumulative[end - 1])];
      while (cumulative[i] <= local) i++;
      return i;
    }
    low = start;
    high = end - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] > local) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /**
   * Returns an agent drawn by rejection: candidate j = ⌊uN⌋, accepted when a
   * second uniform v satisfies v·bound < w_j, the weight of `cumulateBlock`
   * with the same values and transform. `bound` must be at least the
   * largest weight: 1 for the Exp transform shifted by the largest
   * exponent, the largest value for Identity. Draws two uniforms per
   * candidate. Never returns an agent of weight 0, and terminates with
   * probability 1 when some weight is positive.
   */
  sampleByRejection(
    draws: ParticleDraws,
    values: Float64Array,
    transform: WeightTransform,
    scale: number,
    shift: number,
    bound: number,
  ): number {
    const agents = this.layout.agents;
    for (;;) {
      // u ≤ 1 − 2^-53, so u·N rounds below N (see AliasTable.sample).
      const candidate = Math.floor(draws.uniform() * agents);
      let weight = values[candidate];
      if (transform === WeightTransform.Exp) weight = scale === 0 ? 1 : Math.exp(scale * (weight - shift));
      if (draws.uniform() * bound < weight) return candidate;
    }
  }

  /**
   * guide[start + k] = the first offset j in the block with
   * key(cumulative[start + j]) ≥ k, or the last offset when there is none.
   * The result a of a search for x has cumulative[a] > x, so its key is at
   * least key(x) because `guideKey` is non-decreasing. The guide entry for
   * key(x) is therefore at most a, and scanning forward from it reaches a.
   */
  private buildGuide(start: number, end: number): void {
    const cumulative = this.cumulative;
    const guide = this.guide;
    const count = end - start;
    const total = cumulative[end - 1];
    let j = 0;
    for (let k = 0; k < count; k++) {
      while (j < count - 1 && guideKey(cumulative[start + j], count, total) < k) j++;
      guide[start + k] = j;
    }
  }
}

/** Returns the guide slot of a partial sum x in [0, total], ⌊x·count/total⌋ capped at count − 1, which is non-decreasing in x. */
function guideKey(x: number, count: number, total: number): number {
  const key = Math.floor(x * (count / total));
  return key < count ? key : count - 1;
}
