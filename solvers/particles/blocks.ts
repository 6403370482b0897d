/**
 * Blocks of agents and their random streams.
 *
 * Agents are split into consecutive blocks of `blockSize` (the last block
 * may be shorter). Block b draws every random number it needs from its own
 * stream, `streamFor(seed, b)`, in agent order, and one phase of a step
 * touches only its own block's agents and streams. The result of a run
 * therefore depends on the seed and the block size, but not on the order in
 * which blocks are processed or on how they are shared among threads.
 */

import { fillNormals, streamsFor, Xoshiro128StarStar, type RandomSource } from '../../src/random/index.js';

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
    this.generator.fillFloat64(out, offset, count);
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

/**
 * The source of each block's draws during a phase of a step. `open`
 * returns the draws of a block and `close` saves what the block consumed.
 * Every use of a block's draws sits between the two calls.
 */
export interface BlockDrawSource {
  open(block: number): ParticleDraws;
  close(block: number): void;
}

/** Draws injected per block by a DrawsFactory; they keep their own state. */
export class InjectedDraws implements BlockDrawSource {
  constructor(private readonly draws: readonly ParticleDraws[]) {}

  open(block: number): ParticleDraws {
    return this.draws[block];
  }

  close(): void {}
}

/**
 * The xoshiro128** streams of all blocks as 4 state words per block in one
 * Int32Array, which may live in a SharedArrayBuffer. Any thread can
 * continue block b's stream: `open` loads its words into this thread's
 * generator and `close` writes them back, so the numbers a block draws do
 * not depend on which thread ran it.
 */
export class StreamStates implements BlockDrawSource {
  private readonly draws: StreamDraws;

  constructor(readonly words: Int32Array) {
    this.draws = new StreamDraws(new Xoshiro128StarStar(0));
  }

  /** Writes the start states of blocks 0 … count − 1 of `seed` into `words`. */
  static seed(words: Int32Array, seed: number, count: number): void {
    if (words.length !== 4 * count) {
      throw new RangeError(`StreamStates: ${words.length} state words for ${count} blocks; expected ${4 * count}`);
    }
    streamsFor(seed, 0, count).forEach((generator, block) => generator.storeState(words, 4 * block));
  }

  open(block: number): ParticleDraws {
    this.draws.generator.loadState(this.words, 4 * block);
    return this.draws;
  }

  close(block: number): void {
    this.draws.generator.storeState(this.words, 4 * block);
  }
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

  /**
   * Builds the draw source of the blocks: the injected draws of `factory`
   * when given, else the seeded streams with their states in `stateWords`
   * (4 words per block).
   */
  makeDraws(seed: number, stateWords: Int32Array, factory?: DrawsFactory): BlockDrawSource {
    if (factory) return new InjectedDraws(Array.from({ length: this.count }, (_, b) => factory(b)));
    StreamStates.seed(stateWords, seed, this.count);
    return new StreamStates(stateWords);
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
