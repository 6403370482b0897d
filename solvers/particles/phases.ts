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

import type { BlockDrawSource, BlockLayout, ParticleDraws } from './blocks.js';
import type { ParticleModel } from './models.js';
import type { LambdaMutation } from './mutation.js';
import { ParentSampling, ParentTable, type WeightTransform } from './parents.js';

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
  /** Index, 0 or 1, of the buffers of θ and λ that contain the state at the start of the step. */
  Parity: 0,
  /** Probability that an agent is replaced in this step. */
  Probability: 1,
  /** Euler–Maruyama step h = Δt/ε. */
  H: 2,
  /** Number of the step being taken (1 for the first), for error messages. */
  StepNumber: 3,
  /** Time at the start of the step, for error messages. */
  Time: 4,
  /** The array that the Cumulate phase reads, as a WeightSource. */
  WeightSource: 5,
  /** A WeightTransform. */
  Transform: 6,
  /** The scale of the Exp transform. */
  Scale: 7,
  /** The shift of the Exp transform. */
  Shift: 8,
  /** The parent sampling method, a ParentSampling. The Cumulate phase builds guide tables for GuidedSearch. */
  Sampling: 9,
  /** Number of agents replaced by truncation. */
  TruncationCount: 10,
  /** Standard deviation s of the log evaluation noise. */
  NoiseStd: 11,
  /** An upper bound on the selection weights, for rejection sampling. */
  Bound: 12,
} as const;
const PARAMETER_COUNT = 13;

/** The arrays the Cumulate phase can read its values from. */
export const WeightSource = { Losses: 0, LogEstimates: 1, FitnessValues: 2 } as const;

/**
 * Arrays of a particle system, in the layout the phases use. When the
 * system runs on several threads every array lives in a SharedArrayBuffer.
 */
export interface StepBuffers {
  /** λ at the start and at the end of the step, N·m values each, in the order that `Parameter.Parity` sets. */
  lambda: [Float64Array, Float64Array];
  /** θ likewise, N·d values each (empty for the reduced system). */
  theta: [Float64Array, Float64Array];
  /** V of every agent (full system). */
  losses: Float64Array;
  /** F of every agent without noise (reduced system). */
  fitnessValues: Float64Array;
  logEvaluations: Float64Array;
  logEstimates: Float64Array;
  /** The running sums of the ParentTable, N values. */
  cumulative: Float64Array;
  /** The block-level running sums of the ParentTable, one per block. */
  blockEnds: Float64Array;
  /** The guide tables of the ParentTable, N values. */
  guide: Int32Array;
  /** Parent of each agent in this step, −1 for a kept agent, or PARENT_PENDING between the phases. */
  parentIndex: Int32Array;
  /** The agent whose θ each agent moves from in this step: its parent, or itself. */
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
  /** The parameters of the current phase; see `Parameter`. */
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
  const int8 = (length: number): Int8Array => (shared ? new Int8Array(new SharedArrayBuffer(length)) : new Int8Array(length));
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
    roles: int8(reduced ? agents : 0),
    topAgents: int32(reduced ? agents : 0),
    streamStates: int32(4 * blocks),
    parameters: float64(PARAMETER_COUNT),
  };
}

/**
 * Below this selection probability the decisions are drawn as geometric
 * gaps, one uniform per replaced agent, rather than one uniform per agent.
 * An estimate: a gap costs a logarithm and a uniform, about four times a
 * plain uniform and comparison.
 */
const GEOMETRIC_MAX_PROBABILITY = 0.25;

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
   * Runs the first phase of a full-system step for one block. It draws the
   * decisions and marks the agents to replace with PARENT_PENDING (see
   * `decide`). It then draws the Euler–Maruyama normals of every agent, in
   * chunks that stay in cache. Per chunk, it evaluates V(θ_i, λ_i) when
   * selection is on and moves every kept agent from its own θ with its own
   * λ. A replaced agent's normals wait in its row of the next θ until
   * ReplaceAndMove. No agent's current θ or λ changes, so parents drawn
   * later still see the population as it stood at the start of the step.
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

        if (probability > 0 && probability < 1 && model.validationLossesAndStep !== undefined) {
          model.validationLossesAndStep(theta, lambda, normals, h, first, last, next, losses);
        } else {
          if (probability > 0) model.validationLosses(theta, lambda, first, last, losses);
          if (probability < 1) model.eulerMaruyama(theta, sourceIndex, nextLambda, normals, h, first, last, next);
        }
        if (probability > 0) min = Math.min(min, checkLosses(losses, first, last, parameters));

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
   * source) or, independently with the given probability p, as
   * PARENT_PENDING. Returns the number marked pending.
   *
   * Draws: none when p is 0 or 1. For p < GEOMETRIC_MAX_PROBABILITY it
   * draws the gaps between replaced agents, one uniform U per replaced
   * agent plus one that passes the end of the block: the gap ⌊ln(1 − U)/
   * ln(1 − p)⌋ is geometric with P(gap ≥ k) = (1 − p)^k, which gives each
   * agent its own Bernoulli(p) decision. For larger p it draws one uniform
   * per agent in one `uniforms` call and replaces the agents whose uniform
   * is below p.
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
    let pending = 0;
    if (probability < GEOMETRIC_MAX_PROBABILITY) {
      parentIndex.fill(-1, start, end);
      const logKeep = Math.log1p(-probability);
      // 1 − U lies in (0, 1], so the logarithm is finite and the gap ≥ 0.
      for (let i = start + Math.floor(Math.log(1 - draws.uniform()) / logKeep); i < end; ) {
        parentIndex[i] = PARENT_PENDING;
        pending++;
        i += 1 + Math.floor(Math.log(1 - draws.uniform()) / logKeep);
      }
      return pending;
    }
    const uniforms = this.uniforms;
    draws.uniforms(uniforms, 0, end - start);
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
    this.parents.cumulateBlock(
      block,
      this.weightValues(),
      parameters[Parameter.Transform] as WeightTransform,
      parameters[Parameter.Scale],
      parameters[Parameter.Shift],
      parameters[Parameter.Sampling] === ParentSampling.GuidedSearch,
    );
  }

  /** Returns the array that the selection weights are computed from, as the WeightSource parameter names it. */
  private weightValues(): Float64Array {
    return this.weightValuesFor(this.buffers.parameters[Parameter.WeightSource]);
  }

  /** Returns the array of a WeightSource. */
  weightValuesFor(source: number): Float64Array {
    if (source === WeightSource.Losses) return this.buffers.losses;
    if (source === WeightSource.LogEstimates) return this.buffers.logEstimates;
    return this.buffers.fitnessValues;
  }

  /** Draws one parent from the block's draws by the method of the Sampling parameter. */
  private drawParent(draws: ParticleDraws): number {
    const parameters = this.buffers.parameters;
    const method = parameters[Parameter.Sampling];
    if (method !== ParentSampling.Rejection) return this.parents.sample(draws.uniform(), method === ParentSampling.GuidedSearch);
    return this.parents.sampleByRejection(
      draws,
      this.weightValues(),
      parameters[Parameter.Transform] as WeightTransform,
      parameters[Parameter.Scale],
      parameters[Parameter.Shift],
      parameters[Parameter.Bound],
    );
  }

  /**
   * Runs the last phase of a full-system step for one block. Each agent
   * marked PARENT_PENDING, in agent order, draws its parent and then the
   * mutation's draws, and takes the parent's mutated λ. A parent costs one
   * uniform for a search and two per candidate for rejection. Then the
   * replaced agents take their Euler–Maruyama step from the parent's θ with
   * the normals that MoveKept left in their rows. A block with no replaced
   * agent draws nothing.
   */
  private replaceAndMove(block: number): void {
    if (this.buffers.blockReplaced[block] === 0) return;
    const model = this.requireModel();
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const parameters = this.buffers.parameters;
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
        const parent = this.drawParent(draws);
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
   * drawn by weight. Draws the decisions as `decide` does, then for each
   * replaced agent in order its parent's uniforms and the mutation's draws.
   * Returns the number replaced.
   */
  private selectWith(draws: ParticleDraws, block: number): number {
    const start = this.layout.start(block);
    const end = this.layout.end(block);
    const m = this.lambdaDim;
    const parity = this.parity;
    const current = this.buffers.lambda[parity];
    const next = this.buffers.lambda[1 - parity];
    const { parentIndex, sourceIndex } = this.buffers;

    // Every agent starts as kept; the replaced ones are overwritten below.
    next.set(current.subarray(start * m, end * m), start * m);
    const replaced = this.decide(draws, start, end, this.buffers.parameters[Parameter.Probability]);
    if (replaced === 0) return 0;
    for (let i = start; i < end; i++) {
      if (parentIndex[i] !== PARENT_PENDING) continue;
      const parent = this.drawParent(draws);
      this.mutation.mutate(current, parent * m, next, i * m, draws);
      parentIndex[i] = parent;
      sourceIndex[i] = parent;
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

/** Checks that θ is finite on agents first … last − 1 of `next`, and names the first agent where it is not. */
function checkTheta(next: Float64Array, d: number, first: number, last: number, parameters: Float64Array): void {
  // A sum of finite values is finite unless it overflows, and one NaN or ±∞
  // makes it non-finite, so a finite sum clears the chunk. Four partial sums
  // keep the additions independent; this loop costs less than testing each
  // entry. A non-finite sum leads to the exact test below.
  const from = first * d;
  const to = last * d;
  let a = 0;
  let b = 0;
  let c = 0;
  let e = 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    a += next[j];
    b += next[j + 1];
    c += next[j + 2];
    e += next[j + 3];
  }
  for (; j < to; j++) a += next[j];
  if (Number.isFinite(a + b + c + e)) return;

  for (let j = from; j < to; j++) {
    if (!Number.isFinite(next[j])) {
      throw new RangeError(
        `ParticleSystem: θ of agent ${Math.floor(j / d)} became ${next[j]} at step ${parameters[Parameter.StepNumber]} ` +
          `(time ${parameters[Parameter.Time]}); reduce dt or check ∇L and σ`,
      );
    }
  }
}
