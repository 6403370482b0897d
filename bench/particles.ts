/**
 * Throughput of the full particle system on the ridge teacher: nanoseconds
 * per agent-step for N = 1e4, 1e5, 1e6 agents and d = 1, 10 on one thread,
 * and for N = 1e6 also on 2 threads (quick: 1e4 and 1e5 with d = 1, one
 * thread). Each row also gives the RNG floor: the time to draw the same d
 * normals per agent-step with fillNormals alone on one thread, which no
 * single-threaded step can beat. Every figure is the fastest of three
 * timed runs, because other load on a shared machine only adds time.
 * `benchParticles` returns the figures and prints nothing.
 */

import { Density } from '../src/model/density.js';
import { Box } from '../src/model/domain.js';
import { CellGrid } from '../src/model/grid.js';
import { fillNormals, streamFor } from '../src/random/index.js';
import { ParticleSystem, RidgeModel } from '../solvers/particles/index.js';

export interface ParticleBenchRow {
  name: string;
  size: string;
  /** Threads that ran the blocks, the calling thread included. */
  threads: number;
  /** Wall time of one step divided by N. */
  nsPerAgentStep: number;
  /** Time of drawing N·d normals alone on one thread, divided by N. */
  rngFloorNs: number;
}

/** Agent-coordinate updates per timed run (N·d·steps), to keep each figure near a second. */
const WORK_PER_RUN = 2e7;

/** Normals are drawn into a reused buffer of this many entries, as the system draws one block at a time. */
const CHUNK = 1 << 16;

/** Module-level accumulator: writing to it keeps the JIT from dropping the measured loops. */
let sink = 0;

/** Timed runs per figure; the fastest is reported. */
const REPEATS = 3;

function makeSystem(agents: number, d: number, threads: number): ParticleSystem {
  const domain = new Box([0], [1]);
  const grid = new CellGrid(domain, 32);
  return new ParticleSystem({
    model: new RidgeModel({ d, u: 1, w: 0.5, temperature: 0.1 }),
    domain,
    particles: agents,
    alpha: 1,
    gamma: 1,
    epsilon: 1,
    kernel: { kind: 'gaussian', std: [0.05], boundary: 'reflect' },
    initialLambda: new Density(grid, new Float64Array(32).fill(1)),
    seed: 1,
    threads,
  });
}

function timeSteps(system: ParticleSystem, steps: number): number {
  const dt = 0.01;
  // The first step also waits for the worker threads to start.
  system.step(dt);
  let best = Infinity;
  for (let run = 0; run < REPEATS; run++) {
    const start = performance.now();
    for (let k = 0; k < steps; k++) system.step(dt);
    best = Math.min(best, performance.now() - start);
  }
  sink += system.theta[0];
  return (best * 1e6) / (steps * system.agents);
}

function timeNormals(agents: number, d: number, steps: number): number {
  const rng = streamFor(2, 0);
  const buffer = new Float64Array(CHUNK);
  const draws = agents * d;
  fillNormals(rng, buffer);
  let best = Infinity;
  for (let run = 0; run < REPEATS; run++) {
    const start = performance.now();
    for (let k = 0; k < steps; k++) {
      for (let done = 0; done < draws; done += CHUNK) fillNormals(rng, buffer, 0, Math.min(CHUNK, draws - done));
    }
    best = Math.min(best, performance.now() - start);
  }
  sink += buffer[0];
  return (best * 1e6) / (steps * agents);
}

/** Times the full ridge system (γΔt = 0.01, α = 1) after one warm-up step per size. */
export function benchParticles(quick: boolean): ParticleBenchRow[] {
  // [N, d, threads]
  const sizes: Array<[number, number, number]> = quick
    ? [
        [1e4, 1, 1],
        [1e5, 1, 1],
      ]
    : [
        [1e4, 1, 1],
        [1e5, 1, 1],
        [1e6, 1, 1],
        [1e6, 1, 2],
        [1e4, 10, 1],
        [1e5, 10, 1],
        [1e6, 10, 1],
        [1e6, 10, 2],
      ];
  const rows: ParticleBenchRow[] = [];
  for (const [agents, d, threads] of sizes) {
    const steps = Math.min(2000, Math.max(3, Math.ceil(WORK_PER_RUN / (agents * d))));
    const system = makeSystem(agents, d, threads);
    let nsPerAgentStep: number;
    try {
      nsPerAgentStep = timeSteps(system, steps);
    } finally {
      system.close();
    }
    const rngFloorNs = timeNormals(agents, d, steps);
    rows.push({
      name: `ridge teacher, ${threads === 1 ? '1 thread' : `${threads} threads`}`,
      size: `N=${agents.toExponential(0)}, d=${d}`,
      threads,
      nsPerAgentStep,
      rngFloorNs,
    });
  }
  return rows;
}
