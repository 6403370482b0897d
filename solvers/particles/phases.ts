/**
 * The per-block work of a particle step, shared by the calling thread and
 * the worker threads.
 *
 * A step runs as a sequence of phases. Each phase runs once for every
 * block, in any order and on any thread, and touches only its block's
 * agents and stream. Between phases one thread combines the per-block
 * results in block order (minimum of V, sum of weights). The phases read
 * their parameters from `StepBuffers.parameters`, so a command to a worker
 * is one integer.
 */

import { ConfigError } from '../../src/model/errors.js';
import type { BlockDrawSource, BlockLayout, ParticleDraws } from './blocks.js';
import type { ParticleModel } from './models.js';
import type { LambdaMutation } from './mutation.js';
import { ParentTable, type WeightTransform } from './parents.js';

/** The phases of a step, as the numbers that commands to workers carry. */
export const Phase = {
  /**
   * Full system, first phase: decides which agents are replaced, evaluates
   * V when the probability is positive, and moves the kept agents (see
   * BlockPhases.moveKept).
   */
  MoveKept: 1,
  /** Running sums of the selection weights (see ParentTable.cumulateBlock). */
  Cumulate: 2,
  /** Full system, last phase: parents, mutation and the Euler–Maruyama step of the replaced agents. */
  ReplaceAndMove: 3,
  /** Reduced system: selection at rate. */
  SelectByRate: 4,
  /** Reduced system: truncation selection from the roles. */
  SelectByTruncation: 5,
  /** Reduced system: log evaluations log F + sξ − s²/2 with one normal per agent. */
  EvaluationNoise: 6,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** parentIndex of an agent that the first phase chose to replace and whose parent is not drawn yet. */
export const PARENT_PENDING = -2;

/** Slots of StepBuffers.parameters. */
export const Parameter = {
  /** Which buffer of θ and λ holds the state at the start of the step: 0 or 1. */
  Parity: 0,
  /** Probability that an agent is replaced in this step. */
  Probability: 1,
  /** Euler–Maruyama step h = Δt/ε. */
  H: 2,
  /** Number of the step being taken (1 for the first), for error messages. */
  StepNumber: 3,
  /** Time at the start of the step, for error messages. */
  Time: 4,
  /** Which array the Cumulate phase reads: a WeightSource. */
  WeightSource: 5,
  /** A WeightTransform. */
  Transform: 6,
  Scale: 7,
  Shift: 8,
  /** 1 when the Cumulate phase builds guide tables and parent draws use them, else 0. */
  Guide: 9,
  /** Number of agents replaced by truncation. */
  TruncationCount: 10,
  /** Standard deviation s of the log evaluation noise. */
  NoiseStd: 11,
} as const;
const PARAMETER_COUNT = 12;

/** The arrays the Cumulate phase can read its values from. */
export const WeightSource = { Losses: 0, LogEstimates: 1, FitnessValues: 2 } as const;

/**
 * Arrays of a particle system, in the layout the phases use. When the
 * system runs on several threads every array lives in a SharedArrayBuffer.
 */
export interface StepBuffers {
  /** λ before and after the step, N·m values each; `Parameter.Parity` says which is which. */
  lambda: [Float64Array, Float64Array];
  /** θ likewise, N·d values each (empty for the reduced system). */
  theta: [Float64Array, Float64Array];
  /** V of every agent (full system). */
  losses: Float64Array;
  /** F of every agent without noise (reduced system). */
  fitnessValues: Float64Array;
  logEvaluations: Float64Array;
  logEstimates: Float64Array;
  cumulative: Float64Array;
  blockEnds: Float64Array;
  guide: Int32Array;
  parentIndex: Int32Array;
  sourceIndex: Int32Array;
  /** Minimum of V over each block, from the MoveKept phase. */
  blockMinima: Float64Array;
  /** Agents replaced in each block in this step. */
  blockReplaced: Int32Array;
  /** Truncation roles: 1 for the agents replaced, 2 for the parents. */
  roles: Int8Array;
  /** The parents of truncation selection, in index order. */
  topAgents: Int32Array;
  /** Four xoshiro128** state words per block (StreamStates). */
  streamStates: Int32Array;
  parameters: Float64Array;
}

/** Sizes of a system's arrays: N agents of m hyperparameters and d parameters (0 for the reduced system). */
export interface BufferSizes {
  agents: number;
  blocks: number;
  lambdaDim: number;
  thetaDim: number;
  reduced: boolean;
}

/** Allocates the arrays of a system, in SharedArrayBuffers when `shared` is set. */
export function allocateStepBuffers(sizes: BufferSizes, shared: boolean): StepBuffers {
  const float64 = (length: number): Float64Array =>
    shared ? new Float64Array(new SharedArrayBuffer(8 * length)) : new Float64Array(length);
  const int32 = (length: number): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length));
  const { agents, blocks, lambdaDim, thetaDim, reduced } = sizes;
  return {
    lambda: [float64(agents * lambdaDim), float64(agents * lambdaDim)],
    theta: [float64(agents * thetaDim), float64(agents * thetaDim)],
    losses: float64(reduced ? 0 : agents),
    fitnessValues: float64(reduced ? agents : 0),
    logEvaluations: float64(agents),
    logEstimates: float64(agents),
    cumulative: float64(agents),
    blockEnds: float64(blocks),
    guide: int32(agents),
    parentIndex: int32(agents).fill(-1),
    sourceIndex: int32(agents),
    blockMinima: float64(blocks),
    blockReplaced: int32(blocks),
    roles: shared ? new Int8Array(new SharedArrayBuffer(reduced ? agents : 0)) : new Int8Array(reduced ? agents : 0),
    topAgents: int32(reduced ? agents : 0),
    streamStates: int32(4 * blocks),
    parameters: float64(PARAMETER_COUNT),
  };
}

/** Agents per Euler–Maruyama chunk hold about this many normals (16 KB), so the chunk stays in the L1 cache. */
const NORMALS_PER_CHUNK = 2048;

/** The per-block work of every phase, over one thread's scratch space. */
export class BlockPhases {
  readonly parents: ParentTable;
  private readonly lambdaDim: number;
  /** One uniform per agent of a block, for the selection decisions. */
  private readonly uniforms: Float64Array;
  /** Normals of one Euler–Maruyama chunk, or of one block's evaluation noise. */
  private readonly normals: Float64Array;
  private readonly chunkAgents: number;

  constructor(
    readonly layout: BlockLayout,
    readonly buffers: StepBuffers,
    readonly draws: BlockDrawSource,
    readonly mutation: LambdaMutation,
    lambdaDim: number,
    /** The training model of the full system; null for the reduced system. */
    readonly model: ParticleModel | null,
  ) {
    this.parents = new ParentTable(layout, buffers.cumulative, buffers.blockEnds, buffers.guide);
    this.lambdaDim = lambdaDim;
    const blockAgents = Math.min(layout.blockSize, layout.agents);
    this.uniforms = new Float64Array(blockAgents);
    const d = model?.thetaDim ?? 0;
    this.chunkAgents = Math.max(1, Math.min(blockAgents, Math.floor(NORMALS_PER_CHUNK / Math.max(1, d))));
    this.normals = new Float64Array(Math.max(this.chunkAgents * d, blockAgents));
  }

  /** Runs `phase` on block `block` with the current parameters. */
  run(phase: Phase, block: number): void {
    switch (phase) {
      case Phase.MoveKept:
        this.moveKept(block);
        return;
      case Phase.Cumulate:
        this.cumulate(block);
        return;
      case Phase.ReplaceAndMove:
        this.replaceAndMove(block);
        return;
      case Phase.SelectByRate:
        this.selectByRate(block);
        return;
      case Phase.SelectByTruncation:
        this.selectByTruncation(block);
        return;
      case Phase.EvaluationNoise:
        this.evaluationNoise(block);
        return;
      default:
        throw new RangeError(`BlockPhases: unknown phase ${String(phase)}`);
    }
  }

  private get parity(): number {
    return this.buffers.parameters[Parameter.Parity];
  }

  private requireModel(): ParticleModel {
    if (this.model === null) throw new RangeError('BlockPhases: this phase needs the training model of the full system');
    return this.model;
  }

  /**
   * The first phase of a full-system step, for one block. It draws one
   * uniform per agent for the decisions (none when the probability is 0
   * or 1) and marks the agents to replace with PARENT_PENDING. It then
   * draws the Euler–Maruyama normals of every agent, in chunks that stay in
   * cache. Per chunk, it evaluates V(θ_i, λ_i) when selection is on and
   * moves every kept agent from its own θ with its own λ. A replaced
   * agent's normals wait in its row of the next θ until ReplaceAndMove.
   * No agent's current θ or λ changes, so parents drawn later still see
   * the population as it stood at the start of the step.
   */
  private moveKept(block: number): void {
    const model = this.requireModel();
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const parameters = this.buffers.parameters;
    const probability = parameters[Parameter.Probability];
    const h = parameters[Parameter.H];
    const parity = this.parity;
    const d = model.thetaDim;
    const m = this.lambdaDim;
    const theta = this.buffers.theta[parity];
    const next = this.buffers.theta[1 - parity];
    const lambda = this.buffers.lambda[parity];
    const nextLambda = this.buffers.lambda[1 - parity];
    const { losses, parentIndex, sourceIndex } = this.buffers;
    const normals = this.normals;
    const draws = this.draws.open(block);
    try {
      const replaced = this.decide(draws, start, end, probability);
      nextLambda.set(lambda.subarray(start * m, end * m), start * m);
      let min = Infinity;
      for (let first = start; first < end; first += this.chunkAgents) {
        const last = Math.min(end, first + this.chunkAgents);
        draws.normals(normals, 0, (last - first) * d);
        if (probability > 0) {
          model.validationLosses(theta, lambda, first, last, losses);
          min = Math.min(min, checkLosses(losses, first, last, parameters));
        }
        if (probability < 1) model.eulerMaruyama(theta, sourceIndex, nextLambda, normals, h, first, last, next);
        if (replaced > 0) {
          for (let i = first; i < last; i++) {
            if (parentIndex[i] !== PARENT_PENDING) continue;
            const row = (i - first) * d;
            for (let k = 0; k < d; k++) next[i * d + k] = normals[row + k];
          }
        }
        checkTheta(next, d, first, last, parameters);
      }
      this.buffers.blockMinima[block] = min;
      this.buffers.blockReplaced[block] = replaced;
    } finally {
      this.draws.close(block);
    }
  }

  /**
   * Marks every agent of start … end − 1 as kept (parentIndex −1, its own
   * source) or, with the given probability, as PARENT_PENDING. Draws one
   * uniform per agent in one `uniforms` call when 0 < probability < 1.
   * Returns the number marked pending.
   */
  private decide(draws: ParticleDraws, start: number, end: number, probability: number): number {
    const { parentIndex, sourceIndex } = this.buffers;
    for (let i = start; i < end; i++) sourceIndex[i] = i;
    if (!(probability > 0)) {
      parentIndex.fill(-1, start, end);
      return 0;
    }
    if (probability >= 1) {
      parentIndex.fill(PARENT_PENDING, start, end);
      return end - start;
    }
    const uniforms = this.uniforms;
    draws.uniforms(uniforms, 0, end - start);
    let pending = 0;
    for (let i = start; i < end; i++) {
      if (uniforms[i - start] < probability) {
        parentIndex[i] = PARENT_PENDING;
        pending++;
      } else {
        parentIndex[i] = -1;
      }
    }
    return pending;
  }

  private cumulate(block: number): void {
    const parameters = this.buffers.parameters;
    const source = parameters[Parameter.WeightSource];
    const values =
      source === WeightSource.Losses
        ? this.buffers.losses
        : source === WeightSource.LogEstimates
          ? this.buffers.logEstimates
          : this.buffers.fitnessValues;
    this.parents.cumulateBlock(
      block,
      values,
      parameters[Parameter.Transform] as WeightTransform,
      parameters[Parameter.Scale],
      parameters[Parameter.Shift],
      parameters[Parameter.Guide] === 1,
    );
  }

  /**
   * The last phase of a full-system step, for one block: each agent marked
   * PARENT_PENDING draws its parent (one uniform) and the mutation's draws,
   * in agent order, and takes the parent's mutated λ. Then the replaced
   * agents take their Euler–Maruyama step from the parent's θ with the
   * normals that MoveKept left in their rows. A block with no replaced
   * agent draws nothing.
   */
  private replaceAndMove(block: number): void {
    if (this.buffers.blockReplaced[block] === 0) return;
    const model = this.requireModel();
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const parameters = this.buffers.parameters;
    const withGuide = parameters[Parameter.Guide] === 1;
    const h = parameters[Parameter.H];
    const parity = this.parity;
    const d = model.thetaDim;
    const m = this.lambdaDim;
    const theta = this.buffers.theta[parity];
    const next = this.buffers.theta[1 - parity];
    const lambda = this.buffers.lambda[parity];
    const nextLambda = this.buffers.lambda[1 - parity];
    const { parentIndex, sourceIndex } = this.buffers;
    const draws = this.draws.open(block);
    try {
      for (let i = start; i < end; i++) {
        if (parentIndex[i] !== PARENT_PENDING) continue;
        const parent = this.parents.sample(draws.uniform(), withGuide);
        this.mutation.mutate(lambda, parent * m, nextLambda, i * m, draws);
        parentIndex[i] = parent;
        sourceIndex[i] = parent;
      }
    } finally {
      this.draws.close(block);
    }

    // Runs of consecutive replaced agents, at most one chunk long, move together.
    const normals = this.normals;
    let i = start;
    while (i < end) {
      if (parentIndex[i] < 0) {
        i++;
        continue;
      }
      const first = i;
      while (i < end && i - first < this.chunkAgents && parentIndex[i] >= 0) i++;
      normals.set(next.subarray(first * d, i * d));
      model.eulerMaruyama(theta, sourceIndex, nextLambda, normals, h, first, i, next);
      checkTheta(next, d, first, i, parameters);
    }
  }

  private selectByRate(block: number): void {
    const draws = this.draws.open(block);
    try {
      this.buffers.blockReplaced[block] = this.selectWith(draws, block);
    } finally {
      this.draws.close(block);
    }
  }

  /**
   * Selection at rate for one block of the reduced system: each agent is
   * replaced with the probability parameter by a mutated copy of a parent
   * drawn from the parent table. Draw order: one uniform per agent for the decisions, in
   * one `uniforms` call (skipped when the probability is 0 or 1), then for
   * each replaced agent in order one uniform for the parent and the
   * mutation's draws. Returns the number replaced.
   */
  private selectWith(draws: ParticleDraws, block: number): number {
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const m = this.lambdaDim;
    const parameters = this.buffers.parameters;
    const probability = parameters[Parameter.Probability];
    const withGuide = parameters[Parameter.Guide] === 1;
    const parity = this.parity;
    const current = this.buffers.lambda[parity];
    const next = this.buffers.lambda[1 - parity];
    const parentIndex = this.buffers.parentIndex;
    const sourceIndex = this.buffers.sourceIndex;

    // Every agent starts as kept; the replaced ones are overwritten below.
    next.set(current.subarray(start * m, end * m), start * m);
    parentIndex.fill(-1, start, end);
    for (let i = start; i < end; i++) sourceIndex[i] = i;
    if (!(probability > 0)) return 0;

    const decide = probability < 1;
    const uniforms = this.uniforms;
    if (decide) draws.uniforms(uniforms, 0, end - start);
    let replaced = 0;
    for (let i = start; i < end; i++) {
      if (decide && !(uniforms[i - start] < probability)) continue;
      const parent = this.parents.sample(draws.uniform(), withGuide);
      this.mutation.mutate(current, parent * m, next, i * m, draws);
      parentIndex[i] = parent;
      sourceIndex[i] = parent;
      replaced++;
    }
    return replaced;
  }

  /**
   * Truncation for one block: each agent with role 1 becomes a mutated copy
   * of a top agent chosen uniformly, drawing one uniform and then the
   * mutation's draws. The others are kept and draw nothing.
   */
  private selectByTruncation(block: number): void {
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const m = this.lambdaDim;
    const count = this.buffers.parameters[Parameter.TruncationCount];
    const parity = this.parity;
    const current = this.buffers.lambda[parity];
    const next = this.buffers.lambda[1 - parity];
    const { roles, topAgents, parentIndex, sourceIndex } = this.buffers;
    const draws = this.draws.open(block);
    try {
      next.set(current.subarray(start * m, end * m), start * m);
      let replaced = 0;
      for (let i = start; i < end; i++) {
        if (roles[i] !== 1) {
          parentIndex[i] = -1;
          sourceIndex[i] = i;
          continue;
        }
        const parent = topAgents[Math.min(count - 1, Math.floor(draws.uniform() * count))];
        this.mutation.mutate(current, parent * m, next, i * m, draws);
        parentIndex[i] = parent;
        sourceIndex[i] = parent;
        replaced++;
      }
      this.buffers.blockReplaced[block] = replaced;
    } finally {
      this.draws.close(block);
    }
  }

  private evaluationNoise(block: number): void {
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const s = this.buffers.parameters[Parameter.NoiseStd];
    const values = this.buffers.fitnessValues;
    const logEvaluations = this.buffers.logEvaluations;
    const normals = this.normals;
    const draws = this.draws.open(block);
    try {
      draws.normals(normals, 0, end - start);
    } finally {
      this.draws.close(block);
    }
    for (let i = start; i < end; i++) logEvaluations[i] = Math.log(values[i]) + s * normals[i - start] - 0.5 * s * s;
  }
}

/** Checks that V is finite on agents first … last − 1 and returns its minimum there. */
function checkLosses(losses: Float64Array, first: number, last: number, parameters: Float64Array): number {
  let min = Infinity;
  for (let i = first; i < last; i++) {
    const loss = losses[i];
    if (!Number.isFinite(loss)) {
      const step = parameters[Parameter.StepNumber];
      throw new RangeError(`ParticleSystem: V(θ, λ) = ${loss} for agent ${i} at step ${step}; V must be finite`);
    }
    if (loss < min) min = loss;
  }
  return min;
}

function checkTheta(next: Float64Array, d: number, first: number, last: number, parameters: Float64Array): void {
  for (let j = first * d; j < last * d; j++) {
    if (!Number.isFinite(next[j])) {
      throw new RangeError(
        `ParticleSystem: θ of agent ${Math.floor(j / d)} became ${next[j]} at step ${parameters[Parameter.StepNumber]} ` +
          `(time ${parameters[Parameter.Time]}); reduce dt or check ∇L and σ`,
      );
    }
  }
}

/** Checks the `threads` option: an integer ≥ 1. */
export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConfigError('threads', `${threads} is invalid; expected an integer ≥ 1`);
  }
  return threads;
}
