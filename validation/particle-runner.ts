/**
 * Running one replica of the reduced particle system and handing its
 * population to the caller at every output time.
 */

import type { Density } from '../src/model/density.js';
import { reducedSystemFor } from '../solvers/particles/index.js';
import type { ParticleSample } from './metrics.js';
import type { ParticleProblem } from './reference.js';

export interface ParticleRunOptions {
  particles: number;
  seed: number;
  /** Time step of the rate form (SM); the maps G and T advance one generation per step. */
  dt: number;
}

/**
 * Runs the particle system of `problem` and calls `onSnapshot` at each
 * output time with a copy of every agent's λ and the histogram on the
 * problem grid. Tests replace it to count or alter runs.
 */
export type ParticleRunner = (
  problem: ParticleProblem,
  options: ParticleRunOptions,
  onSnapshot: (timeIndex: number, sample: ParticleSample, histogram: Density) => void,
) => void;

/**
 * Runs the reduced system of the `particles` solver (`reducedSystemFor`),
 * stepped as that solver steps it; the default runner. Each interval
 * between output times is split into ⌈length/dt⌉ equal steps, and a map
 * takes one step per generation.
 *
 * NOTE: this drives the system directly instead of `particleSolver.solve`,
 * because the solver's snapshots carry histograms only, and exact W1 needs
 * the agents' λ.
 */
export const runReducedParticles: ParticleRunner = (problem, options, onSnapshot) => {
  const system = reducedSystemFor(problem, { particles: options.particles, seed: options.seed });
  const dt = problem.form === 'SM' ? options.dt : 1;
  let time = 0;
  problem.times.forEach((target, index) => {
    const count = Math.max(1, Math.ceil((target - time) / dt - 1e-9));
    const h = (target - time) / count;
    for (let step = 0; step < count; step++) system.step(h);
    time = target;
    onSnapshot(index, { dim: system.lambdaDim, values: Float64Array.from(system.lambda) }, system.lambdaHistogram(problem.grid));
  });
};
