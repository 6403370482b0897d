/**
 * Blocks of agents and their random streams.
 *
 * Agents are split into consecutive blocks of `blockSize` (the last block
 * may be shorter). Block b draws every random number it needs from its own
 * stream, `streamFor(seed, b)`, in agent order, and one phase of a step
 * touches only its own block's agents and streams. The result of a run
 * therefore depends on the seed and the block size, but not on the order in
 * which blocks are processed or on how they would be shared among threads.
 */

import { fillNormals, streamsFor, type RandomSource, type Xoshiro128StarStar } from '../../src/random/index.js';

/** Default number of agents per block; part of what a seed reproduces. */
export const DEFAULT_BLOCK_SIZE = 4096;

/**
 * The random numbers consumed by one block of agents. The default draws
 * from the block's xoshiro128** stream. Tests inject their own to check an
 * update by hand.
 */
export interface ParticleDraws {
  /** Returns a uniform variate on [0, 1). */
  uniform(): number;
  /** Writes `count` uniform variates on [0, 1) into out[offset … offset + count − 1]. */
  uniforms(out: Float64Array, offset: number, count: number): void;
  /** Writes `count` standard normal variates into out[offset … offset + count − 1]. */
  normals(out: Float64Array, offset: number, count: number): void;
}

/** Factory of the draws of block `block`; called once per block when a system is built. */
export type DrawsFactory = (block: number) => ParticleDraws;

/** Draws from one xoshiro128** stream: 53-bit uniforms and ziggurat normals. */
export class StreamDraws implements ParticleDraws, RandomSource {
  constructor(readonly generator: Xoshiro128StarStar) {}

  uniform(): number {
    return this.generator.nextFloat64();
  }

  uniforms(out: Float64Array, offset: number, count: number): void {
    const generator = this.generator;
    for (let k = offset; k < offset + count; k++) out[k] = generator.nextFloat64();
  }

  normals(out: Float64Array, offset: number, count: number): void {
    fillNormals(this.generator, out, offset, count);
  }

  nextUint32(): number {
    return this.generator.nextUint32();
  }

  nextFloat64(): number {
    return this.generator.nextFloat64();
  }
}

const TWO_POW_32 = 4294967296;

/**
 * A RandomSource view of injected draws, for samplers that take one
 * (AliasTable.sample reads only nextFloat64).
 */
class DrawsRandomSource implements RandomSource {
  constructor(private readonly draws: ParticleDraws) {}

  nextUint32(): number {
    return Math.floor(this.draws.uniform() * TWO_POW_32);
  }

  nextFloat64(): number {
    return this.draws.uniform();
  }
}

/** Returns `draws` itself when it is already a RandomSource, else a view of it. */
export function asRandomSource(draws: ParticleDraws): RandomSource {
  if (draws instanceof StreamDraws) return draws;
  return new DrawsRandomSource(draws);
}

/** The split of N agents into blocks, and the order in which blocks are processed. */
export class BlockLayout {
  readonly agents: number;
  readonly blockSize: number;
  readonly count: number;
  /** Processing order: a permutation of 0 … count − 1. */
  readonly order: Int32Array;

  /**
   * Throws a RangeError for a non-positive or non-integer block size, or an
   * order that is not a permutation of the block indices.
   */
  constructor(agents: number, blockSize = DEFAULT_BLOCK_SIZE, order?: readonly number[]) {
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`particles: blockSize = ${blockSize}; expected an integer ≥ 1`);
    }
    this.agents = agents;
    this.blockSize = blockSize;
    this.count = Math.ceil(agents / blockSize);
    this.order = order === undefined ? Int32Array.from({ length: this.count }, (_, b) => b) : checkOrder(order, this.count);
  }

  start(block: number): number {
    return block * this.blockSize;
  }

  end(block: number): number {
    return Math.min(this.agents, (block + 1) * this.blockSize);
  }

  /** Builds the draws of every block: `factory` when given, else the seeded streams. */
  makeDraws(seed: number, factory?: DrawsFactory): ParticleDraws[] {
    if (factory) return Array.from({ length: this.count }, (_, b) => factory(b));
    return streamsFor(seed, 0, this.count).map((generator) => new StreamDraws(generator));
  }
}

function checkOrder(order: readonly number[], count: number): Int32Array {
  const seen = new Uint8Array(count);
  if (order.length !== count) {
    throw new RangeError(`particles: blockOrder has ${order.length} entries; expected a permutation of the ${count} block indices`);
  }
  for (const b of order) {
    if (!Number.isInteger(b) || b < 0 || b >= count || seen[b] === 1) {
      throw new RangeError(`particles: blockOrder entry ${b} is invalid; expected a permutation of 0 … ${count - 1}`);
    }
    seen[b] = 1;
  }
  return Int32Array.from(order);
}
