/** Seeded generators, normal and exponential variates, and weighted sampling. */

export { splitMix64 } from './splitmix.js';
export { JUMP_2_64, JUMP_2_96, MAX_SEED, Xoshiro128StarStar } from './xoshiro.js';
export type { RandomSource } from './xoshiro.js';
export { CHARACTERISTIC_POLYNOMIAL, MAX_BLOCK_INDEX, jumpPolynomial, streamFor, streamsFor } from './streams.js';
export {
  ZIGGURAT_LAYERS,
  ZIGGURAT_R,
  ZIGGURAT_V,
  fillNormals,
  normal,
  normalTail,
  zigguratLayerEdges,
} from './normal.js';
export { bernoulli, exponential, uniformInt } from './variates.js';
export { AliasTable, boltzmannWeights, cumulativeWeights, sampleCumulative } from './weighted.js';
