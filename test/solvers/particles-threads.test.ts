/**
 * Worker threads of the particle systems. Workers run compiled JavaScript,
 * so these tests load the build in dist/ (`npm test` compiles it first) and
 * compare it with the TypeScript sources only to catch a stale build.
 * Every threaded run uses 2^17 agents or more, the smallest population
 * that starts workers.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import * as densitySource from '../../src/model/density.js';
import * as domainSource from '../../src/model/domain.js';
import type { Fitness } from '../../src/model/fitness.js';
import * as gridSource from '../../src/model/grid.js';
import type { GaussianKernel, PerturbKernel } from '../../src/model/kernel.js';
import type { GenerationalProblem } from '../../src/model/problem.js';
import * as particlesSource from '../../solvers/particles/index.js';

type Particles = typeof particlesSource;
type Densities = typeof densitySource;
type Domains = typeof domainSource;
type Grids = typeof gridSource;

/** The classes a run needs, from one build: `instanceof` checks fail across the sources and dist. */
interface Library {
  particles: Particles;
  Density: Densities['Density'];
  Box: Domains['Box'];
  CellGrid: Grids['CellGrid'];
}

const distRoot = new URL('../../dist/', import.meta.url);
const distBuilt = existsSync(fileURLToPath(new URL('solvers/particles/worker.js', distRoot)));

async function loadDist(): Promise<Library> {
  const load = async <T>(path: string): Promise<T> => (await import(new URL(path, distRoot).href)) as T;
  return {
    particles: await load<Particles>('solvers/particles/index.js'),
    Density: (await load<Densities>('src/model/density.js')).Density,
    Box: (await load<Domains>('src/model/domain.js')).Box,
    CellGrid: (await load<Grids>('src/model/grid.js')).CellGrid,
  };
}

const sourceLibrary: Library = {
  particles: particlesSource,
  Density: densitySource.Density,
  Box: domainSource.Box,
  CellGrid: gridSource.CellGrid,
};

const AGENTS = 2 ** 17 + 77;
const reflect: GaussianKernel = { kind: 'gaussian', std: [0.05], boundary: 'reflect' };
const perturb: PerturbKernel = { kind: 'perturb', factors: [1.2, 0.8], resampleProbability: 0.2, coordinates: 'linear', boundary: 'clip' };

/** F(λ) = exp(−(λ − 0.3)²/0.02), as a plain object so that both builds accept it. */
const fitness: Fitness = {
  kind: 'expression',
  dim: 1,
  evaluate: (point) => Math.exp(-((point[0] - 0.3) ** 2) / 0.02),
  describe: () => 'exp(−(λ − 0.3)²/0.02)',
} as Fitness;

function sameBits(a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, b: typeof a): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

interface Snapshot {
  theta: Float64Array;
  lambda: Float64Array;
  parents: Int32Array;
  selections: number;
  threadsUsed: number;
  /** How the last step drew parents (ParticleSystem.lastParentSampling). */
  sampling: string | undefined;
}

type FullOptions = ConstructorParameters<Particles['ParticleSystem']>[0];
type ReducedOptions = ConstructorParameters<Particles['ReducedParticleSystem']>[0];

/** Runs the full system for `steps` steps of 0.1 and copies its state. */
function runFull(library: Library, threads: number, configure: (library: Library) => Partial<FullOptions>, steps = 4): Snapshot {
  const domain = new library.Box([0], [1]);
  const grid = new library.CellGrid(domain, 20);
  const system = new library.particles.ParticleSystem({
    model: new library.particles.RidgeModel({ d: 3, u: [1, 0.5, -0.5], w: [0.8, 0.2, 0], temperature: 0.2 }),
    domain,
    particles: AGENTS,
    alpha: 3,
    gamma: 2,
    epsilon: 0.5,
    kernel: reflect,
    initialLambda: new library.Density(grid, new Float64Array(20).fill(1)),
    seed: 31,
    threads,
    ...configure(library),
  });
  try {
    for (let k = 0; k < steps; k++) system.step(0.1);
    return {
      theta: Float64Array.from(system.theta),
      lambda: Float64Array.from(system.lambda),
      parents: Int32Array.from(system.parents),
      selections: system.selectionCount,
      threadsUsed: system.activeThreads,
      sampling: system.lastParentSampling,
    };
  } finally {
    system.close();
  }
}

/** Runs the reduced system for `steps` steps of 0.1 and copies its state. */
function runReduced(library: Library, threads: number, options: Partial<ReducedOptions>, steps = 4): Snapshot {
  const domain = new library.Box([0], [1]);
  const grid = new library.CellGrid(domain, 20);
  const system = new library.particles.ReducedParticleSystem({
    fitness,
    form: 'rate',
    gamma: 1,
    domain,
    particles: AGENTS,
    kernel: reflect,
    initialLambda: new library.Density(grid, new Float64Array(20).fill(1)),
    seed: 32,
    threads,
    ...options,
  });
  try {
    for (let k = 0; k < steps; k++) system.step(0.1);
    return {
      theta: new Float64Array(0),
      lambda: Float64Array.from(system.lambda),
      parents: Int32Array.from(system.parents),
      selections: system.selectionCount,
      threadsUsed: system.activeThreads,
      sampling: system.lastParentSampling,
    };
  } finally {
    system.close();
  }
}

function expectSameRun(threaded: Snapshot, single: Snapshot): void {
  expect(threaded.threadsUsed).toBe(2);
  expect(single.threadsUsed).toBe(1);
  expect(threaded.selections).toBeGreaterThan(0);
  expect(threaded.selections).toBe(single.selections);
  expect(threaded.sampling).toBe(single.sampling);
  expect(sameBits(threaded.theta, single.theta)).toBe(true);
  expect(sameBits(threaded.lambda, single.lambda)).toBe(true);
  expect(sameBits(threaded.parents, single.parents)).toBe(true);
}

describe.runIf(distBuilt)('particle worker threads', async () => {
  const dist = await loadDist();

  it('dist build matches the sources', () => {
    // A stale build would make every comparison below test old code; rebuild with npm run build.
    const built = runFull(dist, 1, () => ({}), 2);
    const source = runFull(sourceLibrary, 1, () => ({}), 2);
    expect(sameBits(built.theta, source.theta)).toBe(true);
    expect(sameBits(built.lambda, source.lambda)).toBe(true);
  });

  it('full system, ridge model: same bits on 2 threads', () => {
    // p = 1 − e^{−0.2} ≈ 0.18: geometric decisions, and parents by rejection.
    const threaded = runFull(dist, 2, () => ({}));
    expect(threaded.sampling).toBe('rejection');
    expectSameRun(threaded, runFull(dist, 1, () => ({})));
  });

  it('full system, strong selection: same bits on 2 threads', () => {
    // α = 300 makes most weights negligible, so rejection would take many candidates
    // per parent and the running sums serve the draws.
    const configure = (): Partial<FullOptions> => ({ alpha: 300 });
    const threaded = runFull(dist, 2, configure);
    expect(threaded.sampling).toMatch(/search/);
    expectSameRun(threaded, runFull(dist, 1, configure));
  });

  it('full system, per-agent decisions: same bits on 2 threads', () => {
    // γΔt = 0.5 gives p ≈ 0.39, above the range of geometric gaps.
    const configure = (): Partial<FullOptions> => ({ gamma: 5 });
    expectSameRun(runFull(dist, 2, configure), runFull(dist, 1, configure));
  });

  it('full system, expression model: same bits on 2 threads', () => {
    const configure = (library: Library): Partial<FullOptions> => ({
      model: new library.particles.ExpressionModel({
        thetaDim: 2,
        loss: '0.5*(theta1 - 1)^2 + lambda*theta2^2',
        validation: '(theta1 - 0.5)^2 + theta2^2',
        sigma: '0.1 + lambda',
      }),
      fitnessEstimate: { kind: 'moving-average', window: 3 },
    });
    expectSameRun(runFull(dist, 2, configure), runFull(dist, 1, configure));
  });

  it('full system, all replaced: same bits on 2 threads', () => {
    // γΔt = 50 rounds the selection probability to 1, which skips the decision draws.
    const configure = (): Partial<FullOptions> => ({ gamma: 500, epsilon: 2 });
    const threaded = runFull(dist, 2, configure, 2);
    expect(threaded.selections).toBe(2 * AGENTS);
    expectSameRun(threaded, runFull(dist, 1, configure, 2));
  });

  it('reduced system, every form: same bits on 2 threads', () => {
    const cases: Array<Partial<ReducedOptions>> = [
      { form: 'rate', gamma: 1 },
      { form: 'rate', gamma: 1, evaluationNoise: 0.3, fitnessEstimate: { kind: 'kernel-regression' } },
      { form: 'generational', kernel: perturb },
      { form: 'truncation', q: 0.2 },
    ];
    for (const options of cases) expectSameRun(runReduced(dist, 2, options), runReduced(dist, 1, options));
  });

  it('particles solver accepts threads', () => {
    const grid = new dist.CellGrid(new dist.Box([0], [1]), 20);
    const problem: GenerationalProblem = {
      form: 'G',
      name: 'g-threads',
      grid,
      initial: new dist.Density(grid, new Float64Array(20).fill(1)),
      fitness,
      kernel: reflect,
      times: [1, 2],
    };
    const solve = (threads: number) => {
      const options: particlesSource.ParticleSolveOptions = { particles: AGENTS, seed: 5, threads };
      return dist.particles.particleSolver.solve(problem, options);
    };
    const threaded = solve(2);
    const single = solve(1);
    expect(threaded.snapshots).toHaveLength(3);
    for (let k = 0; k < 3; k++) {
      expect(sameBits(threaded.snapshots[k].density.values, single.snapshots[k].density.values)).toBe(true);
    }
  });

  it('close ends the workers and later steps give the same bits', () => {
    const make = (threads: number) =>
      new dist.particles.ReducedParticleSystem({
        fitness,
        form: 'rate',
        gamma: 1,
        domain: new dist.Box([0], [1]),
        particles: AGENTS,
        kernel: reflect,
        initialLambda: new dist.Density(new dist.CellGrid(new dist.Box([0], [1]), 20), new Float64Array(20).fill(1)),
        seed: 33,
        threads,
      });
    const threaded = make(2);
    const single = make(1);
    threaded.step(0.1);
    single.step(0.1);
    expect(threaded.activeThreads).toBe(2);
    threaded.close();
    threaded.close();
    expect(threaded.activeThreads).toBe(1);
    threaded.step(0.1);
    single.step(0.1);
    expect(sameBits(threaded.lambda, single.lambda)).toBe(true);
  });

  it('error messages from workers keep the class and field', async () => {
    const threads = (await import(new URL('solvers/particles/threads.js', distRoot).href)) as typeof import('../../solvers/particles/threads.js');
    const errors = (await import(new URL('src/model/errors.js', distRoot).href)) as typeof import('../../src/model/errors.js');
    const config = threads.errorFromMessage(threads.errorMessage(new errors.ConfigError('model.sigma', 'σ = −1')));
    expect(config).toBeInstanceOf(errors.ConfigError);
    expect((config as InstanceType<typeof errors.ConfigError>).field).toBe('model.sigma');
    expect(config.message).toBe('model.sigma: σ = −1');
    const range = threads.errorFromMessage(threads.errorMessage(new RangeError('θ of agent 3 became NaN')));
    expect(range).toBeInstanceOf(RangeError);
    expect(range.message).toBe('θ of agent 3 became NaN');
  });

  it('raises a worker error with its class and field', () => {
    // σ = λ − 0.5 is negative on half of Λ = [0, 1], so every thread meets it in its first block.
    const configure = (library: Library): Partial<FullOptions> => ({
      model: new library.particles.ExpressionModel({ thetaDim: 1, loss: '0.5*theta^2', validation: 'theta^2', sigma: 'lambda - 0.5' }),
    });
    let caught: unknown;
    try {
      runFull(dist, 2, configure, 1);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).name).toBe('ConfigError');
    expect((caught as { field?: string }).field).toBe('model.sigma');
    expect((caught as Error).message).toMatch(/σ must be finite and > 0/);
  });

  it('rejects models and draws that workers cannot rebuild', () => {
    const ridge = new dist.particles.RidgeModel({ d: 1, u: 1, w: 0, temperature: 0.1 });
    const custom: particlesSource.ParticleModel = {
      thetaDim: 1,
      lambdaDim: 1,
      checkDomain: (domain) => ridge.checkDomain(domain),
      validationLosses: (...args) => ridge.validationLosses(...args),
      eulerMaruyama: (...args) => ridge.eulerMaruyama(...args),
      maxCurvature: (domain) => ridge.maxCurvature(domain),
      describe: () => 'a custom model',
    };
    expect(() => runFull(dist, 2, () => ({ model: custom }), 1)).toThrow(
      /worker threads can run only RidgeModel and ExpressionModel, not a custom model/,
    );
    const draws = () => ({ uniform: () => 0.5, uniforms: () => undefined, normals: () => undefined });
    expect(() => runFull(dist, 2, () => ({ draws }), 1)).toThrow(/injected draws, which run on one thread/);
  });
});

describe('particle threads from the TypeScript sources', () => {
  it('needs the compiled worker entry', () => {
    // Under vitest the library runs from .ts files, and there is no worker.js beside them.
    expect(() => runFull(sourceLibrary, 2, () => ({}), 1)).toThrow(/worker threads need the compiled JavaScript/);
  });

  it('runs below 2^17 agents on the calling thread', () => {
    const domain = new domainSource.Box([0], [1]);
    const system = new particlesSource.ReducedParticleSystem({
      fitness,
      form: 'rate',
      gamma: 1,
      domain,
      particles: 1000,
      kernel: reflect,
      initialLambda: new densitySource.Density(new gridSource.CellGrid(domain, 20), new Float64Array(20).fill(1)),
      threads: 4,
    });
    expect(system.threads).toBe(4);
    expect(system.activeThreads).toBe(1);
    system.step(0.1);
    system.close();
  });

  it('rejects an invalid thread count', () => {
    expect(() => runReduced(sourceLibrary, 0, {}, 1)).toThrow(/threads: 0 is invalid; expected an integer ≥ 1/);
    expect(() => runReduced(sourceLibrary, 1.5, {}, 1)).toThrow(/threads: 1.5 is invalid/);
  });

  it.skipIf(distBuilt)('has a compiled build to test the workers', () => {
    expect.fail('dist/solvers/particles/worker.js is missing; run npm run build, then run the tests again');
  });
});
