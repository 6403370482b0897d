/**
 * The state and steps that the full and the reduced particle systems
 * share: the agents' hyperparameters λ (N·m values, row-major), their
 * blocks and random streams, mutation, fitness estimates, selection by
 * weights (ParentTable) or by truncation, and the worker threads.
 *
 * λ is double-buffered. Selection reads parents from the buffer as it
 * stood at the start of the step and writes every agent's new λ into the
 * other buffer, so parents are never overwritten before they are read.
 */

import { Density } from '../../src/model/density.js';
import type { Domain } from '../../src/model/domain.js';
import { ConfigError } from '../../src/model/errors.js';
import type { CellGrid } from '../../src/model/grid.js';
import type { MutationKernel } from '../../src/model/kernel.js';
import { BlockLayout, type BlockDrawSource, type DrawsFactory } from './blocks.js';
import { columnCovariance, columnMeans, histogram, sortedColumn } from './empirical.js';
import { FitnessEstimator, selectKth, type FitnessEstimate } from './fitness-estimate.js';
import type { ModelSpec, ParticleModel } from './models.js';
import { makeLambdaMutation, type LambdaMutation } from './mutation.js';
import { ParentSampling, WeightTransform } from './parents.js';
import { allocateStepBuffers, BlockPhases, Parameter, Phase, WeightSource, type StepBuffers } from './phases.js';
import { DensitySampler, EmpiricalSampler, samplerSpec, type LambdaSampler } from './sampling.js';
import { MIN_AGENTS_FOR_THREADS, ThreadPool, type WorkerSpec } from './threads.js';

/** Largest population: agent indices are stored in Int32Arrays. */
export const MAX_PARTICLES = 2 ** 31 - 1;

export interface PopulationOptions {
  /** The hyperparameter domain Λ (dimension m = 1 or 2). */
  domain: Domain;
  /** Number of agents N. */
  particles: number;
  /** Mutation applied to a parent's λ when a child copies it. */
  kernel: MutationKernel;
  /** Initial λ: a density on a grid of Λ to sample from, or N·m values (row-major) inside Λ. */
  initialLambda: Density | Float64Array;
  /**
   * The law the perturb rule resamples from. Default: the initial density,
   * or the empirical law of the initial values when those were given.
   */
  resampleFrom?: Density;
  /** Seed of the block streams, an integer in [0, 2^53 − 1]. @default 0 */
  seed?: number;
  /** Agents per block; the streams, and so the results, depend on it. @default 4096 */
  blockSize?: number;
  /** Order in which blocks are processed, a permutation of the block indices; results do not depend on it. */
  blockOrder?: readonly number[];
  /** Fitness estimate that selection ranks agents on. @default { kind: 'raw' } */
  fitnessEstimate?: FitnessEstimate;
  /** Replaces the seeded streams, for tests that inject their own random numbers; needs threads = 1. */
  draws?: DrawsFactory;
  /**
   * Threads that run the blocks, the calling thread included; results do
   * not depend on it. Populations below 2^17 agents always run on the
   * calling thread. Worker threads run the compiled JavaScript (worker.js
   * beside this module), and the full system then accepts only RidgeModel
   * and ExpressionModel. Call `close()` to end the workers. @default 1
   */
  threads?: number;
}

/** The training model that the full system adds to the shared state, or null for the reduced system. */
export interface PopulationModel {
  model: ParticleModel | null;
  /** The spec from which a worker rebuilds the model, computed only when worker threads start. */
  spec: () => ModelSpec | null;
}

/**
 * Estimated costs of the parent sampling methods, in nanoseconds, timed on
 * the benchmark system of bench/particles.ts (N = 1e6, d = 10, γΔt = 0.01)
 * on a shared 2-core AMD EPYC VM with Node 20. The guided search was not
 * timed alone but inferred from the change of one phase. Misses in memory
 * dominate these costs, so they hold only while the weights do not fit in
 * the cache.
 */
const SAMPLING_COST = {
  /** Running sums of the weights, per agent (one exp and one add). */
  sums: 9,
  /** Guide tables on top of the sums, per agent. */
  guide: 7,
  /** One binary search over the sums, per draw. */
  search: 475,
  /** One guided search, per draw. */
  guidedSearch: 250,
  /** One rejection candidate (a random read of its value and one exp), per candidate. */
  candidate: 150,
};

/** Below this many agents the weights fit in the L2 cache and the running sums always serve the parent draws. */
const MIN_AGENTS_FOR_REJECTION = 2 ** 16;

/** Agents whose weights estimate the acceptance rate of rejection sampling. */
const ACCEPTANCE_SAMPLE = 256;

/**
 * Ends the workers of a population that was garbage collected without
 * `close()`. This is only a safety net: collection may come late or not at
 * all, so callers should still close populations that run on threads.
 */
const unclosedPools = new FinalizationRegistry<ThreadPool>((pool) => pool.close());

const SAMPLING_NAMES = { [ParentSampling.Search]: 'search', [ParentSampling.GuidedSearch]: 'guided search', [ParentSampling.Rejection]: 'rejection' } as const;

export abstract class Population {
  readonly agents: number;
  readonly lambdaDim: number;
  readonly domain: Domain;
  readonly seed: number;
  readonly blocks: BlockLayout;
  readonly mutation: LambdaMutation;
  /** The `threads` option as given. */
  readonly threads: number;
  /** Simulated time. */
  time = 0;
  /** Number of steps taken. */
  stepCount = 0;
  /** Number of agents replaced by a child over all steps. */
  selectionCount = 0;

  protected readonly estimator: FitnessEstimator;
  /** The arrays that the phases of a step read and write; shared with the workers when there are any. */
  protected readonly buffers: StepBuffers;
  /** The per-block work on the calling thread. */
  protected readonly phases: BlockPhases;
  private readonly drawSource: BlockDrawSource;
  private readonly prior: LambdaSampler;
  private pool: ThreadPool | null = null;
  private parentSampling: ParentSampling | undefined = undefined;
  /** Index, 0 or 1, of the buffers of λ (and θ) that contain the current state. */
  protected parity = 0;

  constructor(options: PopulationOptions, model: PopulationModel) {
    const particles = options.particles;
    if (!Number.isInteger(particles) || particles < 1 || particles > MAX_PARTICLES) {
      throw new ConfigError('particles', `${particles} is invalid; expected an integer from 1 to 2^31 − 1`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ConfigError('seed', `${seed} is invalid; expected an integer in [0, 2^53 − 1]`);
    }
    this.threads = checkThreads(options.threads ?? 1);
    if (this.threads > 1 && options.draws !== undefined) {
      throw new ConfigError('threads', `${this.threads} is invalid with injected draws, which run on one thread; set threads to 1`);
    }
    this.agents = particles;
    this.domain = options.domain;
    this.lambdaDim = options.domain.dim;
    this.seed = seed;
    this.blocks = new BlockLayout(particles, options.blockSize, options.blockOrder);
    const shared = this.threads > 1 && particles >= MIN_AGENTS_FOR_THREADS && this.blocks.count > 1;
    this.buffers = allocateStepBuffers(
      {
        agents: particles,
        blocks: this.blocks.count,
        lambdaDim: this.lambdaDim,
        thetaDim: model.model?.thetaDim ?? 0,
        reduced: model.model === null,
      },
      shared,
    );
    this.drawSource = this.blocks.makeDraws(seed, this.buffers.streamStates, options.draws);

    const initialSampler = this.initialiseLambda(options.initialLambda);
    this.prior = options.resampleFrom
      ? new DensitySampler(checkDensityDomain(options.resampleFrom, this.domain, 'resampleFrom'), 'resampleFrom')
      : initialSampler;
    this.mutation = makeLambdaMutation(options.kernel, this.domain, this.prior);
    this.estimator = new FitnessEstimator(options.fitnessEstimate ?? { kind: 'raw' }, particles, this.domain);
    this.phases = new BlockPhases(this.blocks, this.buffers, this.drawSource, this.mutation, this.lambdaDim, model.model);
    if (shared) {
      this.pool = new ThreadPool(this.workerSpec(model.spec()), this.buffers, this.threads);
      unclosedPools.register(this, this.pool, this);
    }
  }

  /** λ of every agent, N·m values row-major. Each step replaces this array: read it again after a step. */
  get lambda(): Float64Array {
    return this.buffers.lambda[this.parity];
  }

  /** Parent of each agent in the last step, or −1 where the agent was kept (a live array). */
  get parents(): Int32Array {
    return this.buffers.parentIndex;
  }

  /** Threads that run the next step: 1, or the `threads` option while worker threads are running. */
  get activeThreads(): number {
    return this.pool === null ? 1 : this.pool.threads;
  }

  /**
   * The method by which the last step that drew parents by weight drew
   * them: 'search', 'guided search' or 'rejection' (see ParentTable), or
   * undefined before the first such step.
   */
  get lastParentSampling(): string | undefined {
    return this.parentSampling === undefined ? undefined : SAMPLING_NAMES[this.parentSampling];
  }

  /**
   * Ends the worker threads. Later steps run on the calling thread and give
   * the same results. Safe to call more than once.
   */
  close(): void {
    if (this.pool === null) return;
    this.pool.close();
    this.pool = null;
    unclosedPools.unregister(this);
  }

  /** Histogram of λ on a grid of Λ; agents outside the grid's box are left out of its mass. */
  lambdaHistogram(grid: CellGrid): Density {
    if (grid.dim !== this.lambdaDim) {
      throw new RangeError(`lambdaHistogram: the grid is ${grid.dim}D but λ has ${this.lambdaDim} coordinates`);
    }
    const axes = this.lambdaDim === 1 ? [0] : [0, 1];
    return histogram(this.lambda, this.lambdaDim, axes, grid).density;
  }

  /** Mean of λ per axis (the plain mean, also on a torus). */
  lambdaMean(): Float64Array {
    return columnMeans(this.lambda, this.lambdaDim);
  }

  /** Covariance of λ (m × m, normalised by N). */
  lambdaCovariance(): number[][] {
    return columnCovariance(this.lambda, this.lambdaDim);
  }

  /** Coordinate `axis` of λ over all agents, sorted: the quantile function of the empirical marginal. */
  sortedLambda(axis = 0): Float64Array {
    return sortedColumn(this.lambda, this.lambdaDim, axis);
  }

  /** Runs `work` on every block, in the configured block order, on the calling thread. */
  protected forEachBlock(work: (block: number, start: number, end: number) => void): void {
    const layout = this.blocks;
    for (const block of layout.order) work(block, layout.start(block), layout.end(block));
  }

  /**
   * Runs one phase on every block: on the worker threads and this one when
   * they run, else here in the configured block order.
   */
  protected runPhase(phase: Phase): void {
    if (this.pool !== null) {
      this.pool.run(phase, this.phases);
      return;
    }
    for (const block of this.blocks.order) this.phases.run(phase, block);
  }

  /** Sets a parameter of the next phases (see `Parameter`). */
  protected setParameter(slot: number, value: number): void {
    this.buffers.parameters[slot] = value;
  }

  /** Returns the number of agents replaced in this step, summed over the blocks. */
  protected replacedThisStep(): number {
    let total = 0;
    for (let b = 0; b < this.blocks.count; b++) total += this.buffers.blockReplaced[b];
    return total;
  }

  /** Sets the parameters that every phase of the coming step reads. */
  protected beginStep(probability: number): void {
    this.setParameter(Parameter.Parity, this.parity);
    this.setParameter(Parameter.Probability, probability);
    this.setParameter(Parameter.StepNumber, this.stepCount + 1);
    this.setParameter(Parameter.Time, this.time);
  }

  /**
   * Prepares the parent draws of this step on the weights of the values
   * in `source`: w_i = exp(scale·(x_i − shift)) or w_i = x_i (see
   * ParentTable), with every weight at most `bound`. Picks the sampling
   * method of lowest estimated cost for about probability·N draws, and
   * builds the running sums unless it picked rejection.
   */
  protected prepareParents(source: number, transform: WeightTransform, scale: number, shift: number, bound: number): void {
    this.setParameter(Parameter.WeightSource, source);
    this.setParameter(Parameter.Transform, transform);
    this.setParameter(Parameter.Scale, scale);
    this.setParameter(Parameter.Shift, shift);
    this.setParameter(Parameter.Bound, bound);
    const method = this.chooseParentSampling();
    this.parentSampling = method;
    this.setParameter(Parameter.Sampling, method);
    if (method === ParentSampling.Rejection) return;
    this.runPhase(Phase.Cumulate);
    this.phases.parents.sumBlocks();
  }

  /**
   * The method of lowest estimated cost (SAMPLING_COST) for the expected
   * number of draws. The acceptance rate of rejection, mean(w)/bound, is
   * estimated from ACCEPTANCE_SAMPLE evenly spaced agents. Every method
   * draws parents with probability w_j/Σw, but they consume different
   * random numbers, so the choice changes the bits of a run. It uses no
   * random numbers and no timing, so it is the same on every thread count.
   */
  private chooseParentSampling(): ParentSampling {
    const n = this.agents;
    const parameters = this.buffers.parameters;
    const draws = parameters[Parameter.Probability] * n;
    const search = n * SAMPLING_COST.sums + draws * SAMPLING_COST.search;
    const guided = n * (SAMPLING_COST.sums + SAMPLING_COST.guide) + draws * SAMPLING_COST.guidedSearch;
    const best = guided < search ? ParentSampling.GuidedSearch : ParentSampling.Search;
    if (n < MIN_AGENTS_FOR_REJECTION) return best;

    const values = this.phases.weightValuesFor(parameters[Parameter.WeightSource]);
    const transform = parameters[Parameter.Transform];
    const scale = parameters[Parameter.Scale];
    const shift = parameters[Parameter.Shift];
    let total = 0;
    for (let k = 0; k < ACCEPTANCE_SAMPLE; k++) {
      let weight = values[Math.floor(((k + 0.5) * n) / ACCEPTANCE_SAMPLE)];
      if (transform === WeightTransform.Exp) weight = scale === 0 ? 1 : Math.exp(scale * (weight - shift));
      total += weight;
    }
    const acceptance = total / (ACCEPTANCE_SAMPLE * parameters[Parameter.Bound]);
    if (!(acceptance > 0)) return best;
    const rejection = (draws * SAMPLING_COST.candidate) / acceptance;
    return rejection < Math.min(search, guided) ? ParentSampling.Rejection : best;
  }

  /**
   * Ends a step of length dt that replaced `replaced` agents: clears their
   * fitness history and makes the new λ (and θ) current.
   */
  protected finishStep(replaced: number, dt: number): void {
    this.estimator.resetReplaced(this.buffers.parentIndex);
    this.parity = 1 - this.parity;
    this.selectionCount += replaced;
    this.stepCount++;
    this.time += dt;
  }

  /**
   * Records this step's evaluations and writes the estimates into
   * `buffers.logEstimates`.
   */
  protected estimateFitness(): void {
    this.estimator.record(this.buffers.logEvaluations);
    this.estimator.estimate(this.lambda, this.buffers.logEvaluations, this.buffers.logEstimates);
  }

  /** Builds the parent table on weights ∝ exp(logEstimates), shifted by their maximum. */
  protected weightsFromEstimates(): void {
    const estimates = this.buffers.logEstimates;
    let max = -Infinity;
    for (let i = 0; i < this.agents; i++) {
      const value = estimates[i];
      if (Number.isNaN(value) || value === Infinity) {
        throw new RangeError(`particles: the fitness estimate of agent ${i} is ${Math.exp(value)}; it must be finite and ≥ 0`);
      }
      if (value > max) max = value;
    }
    if (max === -Infinity) {
      throw new RangeError('particles: every agent has fitness 0, so selection is undefined; check F or V on the domain');
    }
    this.prepareParents(WeightSource.LogEstimates, WeightTransform.Exp, 1, max, 1);
  }

  /**
   * Ranks agents for truncation selection: the `count` agents with the
   * lowest estimates are replaced and the `count` with the highest are the
   * parents. Ties at a cut are broken by agent index, the lowest indices
   * going to the bottom and the highest to the top, so the two sets stay
   * disjoint for count ≤ N/2. O(N) by selection.
   */
  protected rankForTruncation(count: number): void {
    const n = this.agents;
    const estimates = this.buffers.logEstimates;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(estimates[i])) throw new RangeError(`particles: the fitness estimate of agent ${i} is NaN`);
    }
    const roles = this.buffers.roles;
    roles.fill(0);
    const topAgents = this.buffers.topAgents;
    this.setParameter(Parameter.TruncationCount, count);
    if (count === 0) return;

    const scratch = Float64Array.from(estimates);
    const lowCut = selectKth(scratch, count - 1);
    const highCut = selectKth(scratch, n - count);

    let below = 0;
    let above = 0;
    for (let i = 0; i < n; i++) {
      if (estimates[i] < lowCut) below++;
      if (estimates[i] > highCut) above++;
    }
    let lowTies = count - below;
    for (let i = 0; i < n; i++) {
      if (estimates[i] < lowCut) roles[i] = 1;
      else if (estimates[i] === lowCut && lowTies > 0) {
        roles[i] = 1;
        lowTies--;
      }
    }
    let highTies = count - above;
    for (let i = n - 1; i >= 0; i--) {
      if (estimates[i] > highCut) roles[i] = 2;
      else if (estimates[i] === highCut && highTies > 0 && roles[i] === 0) {
        roles[i] = 2;
        highTies--;
      }
    }
    let top = 0;
    for (let i = 0; i < n; i++) if (roles[i] === 2) topAgents[top++] = i;
  }

  /** Returns the spec from which workers rebuild the per-block work. */
  private workerSpec(model: ModelSpec | null): WorkerSpec {
    return {
      agents: this.agents,
      blockSize: this.blocks.blockSize,
      lambdaDim: this.lambdaDim,
      domain: { kind: this.domain.kind, lower: [...this.domain.lower], upper: [...this.domain.upper] },
      kernel: this.mutation.kernel,
      prior: samplerSpec(this.prior),
      model,
    };
  }

  /** Fills λ from the initial option and returns the sampler of the initial law. */
  private initialiseLambda(initial: Density | Float64Array): LambdaSampler {
    const m = this.lambdaDim;
    const lambda = this.buffers.lambda[0];
    if (initial instanceof Density) {
      const sampler = new DensitySampler(checkDensityDomain(initial, this.domain, 'initialLambda'), 'initialLambda');
      this.forEachBlock((block, start, end) => {
        const draws = this.drawSource.open(block);
        for (let i = start; i < end; i++) sampler.sample(draws, lambda, i * m);
        this.drawSource.close(block);
      });
      return sampler;
    }
    if (initial.length !== this.agents * m) {
      throw new ConfigError('initialLambda', `${initial.length} values given; expected N·m = ${this.agents * m}`);
    }
    for (let i = 0; i < initial.length; i++) {
      const k = i % m;
      const value = initial[i];
      const inside = this.domain.kind === 'torus'
        ? value >= this.domain.lower[k] && value < this.domain.upper[k]
        : value >= this.domain.lower[k] && value <= this.domain.upper[k];
      if (!inside) {
        throw new ConfigError(
          'initialLambda',
          `agent ${Math.floor(i / m)} has λ[${k}] = ${value}, outside the ${this.domain.describe()}`,
        );
      }
    }
    lambda.set(initial);
    return new EmpiricalSampler(initial, m);
  }
}

/** Checks the `threads` option: an integer ≥ 1. */
function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConfigError('threads', `${threads} is invalid; expected an integer ≥ 1`);
  }
  return threads;
}

function checkDensityDomain(density: Density, domain: Domain, field: string): Density {
  const other = density.grid.domain;
  const same =
    other.kind === domain.kind &&
    other.dim === domain.dim &&
    other.lower.every((a, k) => a === domain.lower[k]) &&
    other.upper.every((b, k) => b === domain.upper[k]);
  if (!same) {
    throw new ConfigError(field, `the density lives on the ${other.describe()}, but the particles live on the ${domain.describe()}`);
  }
  return density;
}
