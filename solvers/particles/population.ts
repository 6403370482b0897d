/**
 * The state and steps that the full and the reduced particle systems
 * share: the agents' hyperparameters λ (N·m values, row-major), their
 * blocks and random streams, mutation, fitness estimates, and selection by
 * weights (alias table) or by truncation.
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
import { AliasTable, type RandomSource } from '../../src/random/index.js';
import { asRandomSource, BlockLayout, type DrawsFactory, type ParticleDraws } from './blocks.js';
import { columnCovariance, columnMeans, histogram, sortedColumn } from './empirical.js';
import { FitnessEstimator, selectKth, type FitnessEstimate } from './fitness-estimate.js';
import { makeLambdaMutation, type LambdaMutation } from './mutation.js';
import { DensitySampler, EmpiricalSampler, type LambdaSampler } from './sampling.js';

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
  /** Replaces the seeded streams, for tests that inject their own random numbers. */
  draws?: DrawsFactory;
}

export abstract class Population {
  readonly agents: number;
  readonly lambdaDim: number;
  readonly domain: Domain;
  readonly seed: number;
  readonly blocks: BlockLayout;
  readonly mutation: LambdaMutation;
  /** Simulated time. */
  time = 0;
  /** Number of steps taken. */
  stepCount = 0;
  /** Number of agents replaced by a child over all steps. */
  selectionCount = 0;

  protected readonly estimator: FitnessEstimator;
  protected readonly draws: ParticleDraws[];
  protected readonly randomSources: RandomSource[];
  /** Parent of each agent in the last step, or −1 for an agent that was kept. */
  protected readonly parentIndex: Int32Array;
  /** The agent whose state each agent continues from in this step: its parent, or itself. */
  protected readonly sourceIndex: Int32Array;
  /** Log of this step's fitness evaluation of every agent. */
  protected readonly logEvaluations: Float64Array;
  /** Log of the fitness estimate that selection uses. */
  protected readonly logEstimates: Float64Array;
  /** Selection weights, proportional to the estimates. */
  protected readonly weights: Float64Array;
  private lambdaCurrent: Float64Array;
  private lambdaNext: Float64Array;
  private aliasTable: AliasTable | null = null;
  /** One uniform per agent of a block, for the selection decisions. */
  private readonly blockUniforms: Float64Array;
  /** Truncation roles of the current step: 1 for the bottom agents (replaced), 2 for the top (parents). */
  private roles: Int8Array | null = null;
  private topAgents: Int32Array | null = null;

  constructor(options: PopulationOptions) {
    const particles = options.particles;
    if (!Number.isInteger(particles) || particles < 1 || particles > MAX_PARTICLES) {
      throw new ConfigError('particles', `${particles} is invalid; expected an integer from 1 to 2^31 − 1`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ConfigError('seed', `${seed} is invalid; expected an integer in [0, 2^53 − 1]`);
    }
    this.agents = particles;
    this.domain = options.domain;
    this.lambdaDim = options.domain.dim;
    this.seed = seed;
    this.blocks = new BlockLayout(particles, options.blockSize, options.blockOrder);
    this.draws = this.blocks.makeDraws(seed, options.draws);
    this.randomSources = this.draws.map(asRandomSource);
    this.blockUniforms = new Float64Array(Math.min(this.blocks.blockSize, particles));

    const size = particles * this.lambdaDim;
    this.lambdaCurrent = new Float64Array(size);
    this.lambdaNext = new Float64Array(size);
    const initialSampler = this.initialiseLambda(options.initialLambda);
    const prior = options.resampleFrom
      ? new DensitySampler(checkDensityDomain(options.resampleFrom, this.domain, 'resampleFrom'), 'resampleFrom')
      : initialSampler;
    this.mutation = makeLambdaMutation(options.kernel, this.domain, prior);
    this.estimator = new FitnessEstimator(options.fitnessEstimate ?? { kind: 'raw' }, particles, this.domain);

    this.parentIndex = new Int32Array(particles).fill(-1);
    this.sourceIndex = new Int32Array(particles);
    this.logEvaluations = new Float64Array(particles);
    this.logEstimates = new Float64Array(particles);
    this.weights = new Float64Array(particles);
  }

  /** λ of every agent, N·m values row-major. Each step replaces this array: read it again after a step. */
  get lambda(): Float64Array {
    return this.lambdaCurrent;
  }

  /** Parent of each agent in the last step, or −1 where the agent was kept (a live array). */
  get parents(): Int32Array {
    return this.parentIndex;
  }

  /** Histogram of λ on a grid of Λ; agents outside the grid's box are left out of its mass. */
  lambdaHistogram(grid: CellGrid): Density {
    if (grid.dim !== this.lambdaDim) {
      throw new RangeError(`lambdaHistogram: the grid is ${grid.dim}D but λ has ${this.lambdaDim} coordinates`);
    }
    const axes = this.lambdaDim === 1 ? [0] : [0, 1];
    return histogram(this.lambdaCurrent, this.lambdaDim, axes, grid).density;
  }

  /** Mean of λ per axis (the plain mean, also on a torus). */
  lambdaMean(): Float64Array {
    return columnMeans(this.lambdaCurrent, this.lambdaDim);
  }

  /** Covariance of λ (m × m, normalised by N). */
  lambdaCovariance(): number[][] {
    return columnCovariance(this.lambdaCurrent, this.lambdaDim);
  }

  /** Coordinate `axis` of λ over all agents, sorted: the quantile function of the empirical marginal. */
  sortedLambda(axis = 0): Float64Array {
    return sortedColumn(this.lambdaCurrent, this.lambdaDim, axis);
  }

  /** Runs `work` on every block, in the configured block order. */
  protected forEachBlock(work: (block: number, start: number, end: number) => void): void {
    const layout = this.blocks;
    for (const block of layout.order) work(block, layout.start(block), layout.end(block));
  }

  /** Swaps the λ buffers once every agent's new λ has been written. */
  protected finishLambda(): void {
    const previous = this.lambdaCurrent;
    this.lambdaCurrent = this.lambdaNext;
    this.lambdaNext = previous;
  }

  /** The buffer that receives the new λ during a step. */
  protected get nextLambda(): Float64Array {
    return this.lambdaNext;
  }

  /**
   * Records this step's evaluations and writes the estimates and the
   * selection weights exp(estimate − max estimate).
   */
  protected estimateFitness(): void {
    this.estimator.record(this.logEvaluations);
    this.estimator.estimate(this.lambdaCurrent, this.logEvaluations, this.logEstimates);
  }

  /** Sets weights ∝ exp(logEstimates) and builds the alias table on them. */
  protected weightsFromEstimates(): void {
    const estimates = this.logEstimates;
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
    for (let i = 0; i < this.agents; i++) this.weights[i] = Math.exp(estimates[i] - max);
    this.buildAliasTable();
  }

  /** Builds (or rebuilds) the alias table on `weights`. */
  protected buildAliasTable(): void {
    if (this.aliasTable) this.aliasTable.rebuild(this.weights);
    else this.aliasTable = new AliasTable(this.weights);
  }

  /**
   * Selection at rate for the agents start … end − 1 of one block: each is
   * replaced with probability `probability` by a mutated copy of a parent
   * drawn from the alias table. Draws from the block's stream: one uniform
   * per agent for the decisions, in one `uniforms` call (skipped when the
   * probability is 0 or 1), then for each replaced agent in order one
   * uniform for the parent and the mutation's draws. Returns the number
   * replaced.
   */
  protected selectByRate(block: number, start: number, end: number, probability: number): number {
    const draws = this.draws[block];
    const source = this.randomSources[block];
    const m = this.lambdaDim;
    const current = this.lambdaCurrent;
    const next = this.lambdaNext;
    const uniforms = this.blockUniforms;
    const decide = probability > 0 && probability < 1;
    if (decide) draws.uniforms(uniforms, 0, end - start);
    let replaced = 0;
    for (let i = start; i < end; i++) {
      const selected = probability >= 1 || (decide && uniforms[i - start] < probability);
      if (selected) {
        const parent = (this.aliasTable as AliasTable).sample(source);
        this.mutation.mutate(current, parent * m, next, i * m, draws);
        this.replaced(i, parent);
        replaced++;
      } else {
        this.kept(i);
      }
    }
    return replaced;
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
    const estimates = this.logEstimates;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(estimates[i])) throw new RangeError(`particles: the fitness estimate of agent ${i} is NaN`);
    }
    const roles = this.roles ?? (this.roles = new Int8Array(n));
    roles.fill(0);
    const topAgents = this.topAgents ?? (this.topAgents = new Int32Array(n));
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

  /**
   * Applies truncation to the agents start … end − 1 of one block, after
   * `rankForTruncation(count)`. Each bottom agent becomes a mutated copy of
   * a top agent chosen uniformly, drawing one uniform and then the
   * mutation's draws. The others are kept and draw nothing. Returns the
   * number replaced.
   */
  protected selectByTruncation(block: number, start: number, end: number, count: number): number {
    const draws = this.draws[block];
    const roles = this.roles as Int8Array;
    const topAgents = this.topAgents as Int32Array;
    const m = this.lambdaDim;
    let replaced = 0;
    for (let i = start; i < end; i++) {
      if (roles[i] === 1) {
        const parent = topAgents[Math.min(count - 1, Math.floor(draws.uniform() * count))];
        this.mutation.mutate(this.lambdaCurrent, parent * m, this.lambdaNext, i * m, draws);
        this.replaced(i, parent);
        replaced++;
      } else {
        this.kept(i);
      }
    }
    return replaced;
  }

  private replaced(agent: number, parent: number): void {
    this.parentIndex[agent] = parent;
    this.sourceIndex[agent] = parent;
    this.estimator.reset(agent);
  }

  private kept(agent: number): void {
    const m = this.lambdaDim;
    for (let k = 0; k < m; k++) this.lambdaNext[agent * m + k] = this.lambdaCurrent[agent * m + k];
    this.parentIndex[agent] = -1;
    this.sourceIndex[agent] = agent;
  }

  /** Fills λ from the initial option and returns the sampler of the initial law. */
  private initialiseLambda(initial: Density | Float64Array): LambdaSampler {
    const m = this.lambdaDim;
    if (initial instanceof Density) {
      const sampler = new DensitySampler(checkDensityDomain(initial, this.domain, 'initialLambda'), 'initialLambda');
      this.forEachBlock((block, start, end) => {
        for (let i = start; i < end; i++) sampler.sample(this.draws[block], this.lambdaCurrent, i * m);
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
    this.lambdaCurrent.set(initial);
    return new EmpiricalSampler(initial, m);
  }
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
