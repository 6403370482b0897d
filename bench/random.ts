/**
 * Throughput of the random module: nanoseconds per normal variate from
 * fillNormals at 1e6 and 1e7 draws, plus the raw generator and alias-table
 * draws for comparison. `benchRandom` returns the figures and prints nothing.
 */

import { AliasTable, Xoshiro128StarStar, exponential, fillNormals } from '../src/random/index.js';

export interface RandomBenchResult {
  name: string;
  nsPerItem: number;
}

/** Normals are written into a reused buffer of this many entries, so memory traffic stays in cache. */
const CHUNK = 1 << 16;

/** Module-level accumulator of results: writing to it keeps the JIT from dropping the measured loops. */
let sink = 0;

function timeNormals(draws: number, seed: number): number {
  const rng = new Xoshiro128StarStar(seed);
  const buffer = new Float64Array(CHUNK);
  const start = performance.now();
  for (let done = 0; done < draws; done += CHUNK) {
    fillNormals(rng, buffer, 0, Math.min(CHUNK, draws - done));
  }
  const elapsed = performance.now() - start;
  sink += buffer[0];
  return (elapsed * 1e6) / draws;
}

function timeUint32(draws: number, seed: number): number {
  const rng = new Xoshiro128StarStar(seed);
  let bits = 0;
  const start = performance.now();
  for (let k = 0; k < draws; k++) bits ^= rng.nextUint32();
  const elapsed = performance.now() - start;
  sink += bits;
  return (elapsed * 1e6) / draws;
}

function timeAlias(outcomes: number, draws: number, seed: number): number {
  const rng = new Xoshiro128StarStar(seed);
  const weights = Array.from({ length: outcomes }, () => exponential(rng));
  const table = new AliasTable(weights);
  let total = 0;
  const start = performance.now();
  for (let k = 0; k < draws; k++) total += table.sample(rng);
  const elapsed = performance.now() - start;
  sink += total;
  return (elapsed * 1e6) / draws;
}

/** Number of timed runs per figure; the minimum is reported, as the run least disturbed by other load. */
const REPEATS = 3;

function fastest(run: () => number): number {
  let best = Infinity;
  for (let k = 0; k < REPEATS; k++) best = Math.min(best, run());
  return best;
}

/** Measures each figure after a warm-up of 1e6 draws, as the fastest of REPEATS runs. */
export function benchRandom(): RandomBenchResult[] {
  timeNormals(1_000_000, 1);
  timeUint32(1_000_000, 1);
  timeAlias(1000, 1_000_000, 1);

  return [
    { name: 'normal (fillNormals), 1e6 draws', nsPerItem: fastest(() => timeNormals(1_000_000, 2)) },
    { name: 'normal (fillNormals), 1e7 draws', nsPerItem: fastest(() => timeNormals(10_000_000, 3)) },
    { name: 'Xoshiro128StarStar.nextUint32, 1e7 draws', nsPerItem: fastest(() => timeUint32(10_000_000, 4)) },
    { name: 'AliasTable.sample, 1000 outcomes, 1e6 draws', nsPerItem: fastest(() => timeAlias(1000, 1_000_000, 5)) },
  ];
}
