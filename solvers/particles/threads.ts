/**
 * Worker threads for large particle systems.
 *
 * The system's arrays live in SharedArrayBuffers (phases.ts). Each worker
 * rebuilds the mutation rule and, for the full system, the training model
 * from a spec, and then waits on a shared control word for commands. A
 * command names one phase of a step. The calling thread and the workers
 * then take blocks from a shared counter until none are left, so any
 * thread may run any block. Every block continues its own stream from the
 * shared state words, which makes the results independent of the number
 * of threads and of which thread ran which block.
 *
 * Synchronisation uses Atomics.wait and Atomics.notify only, so `step`
 * stays synchronous: the calling thread blocks until the phase is done.
 * An error in a worker is sent back on a MessagePort, read with
 * receiveMessageOnPort, and raised on the calling thread.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

import { Box, Torus, type Domain, type DomainKind } from '../../src/model/domain.js';
import { ConfigError, ExpressionError } from '../../src/model/errors.js';
import type { MutationKernel } from '../../src/model/kernel.js';
import { BlockLayout, StreamStates } from './blocks.js';
import { modelFromSpec, type ModelSpec } from './models.js';
import { makeLambdaMutation } from './mutation.js';
import { BlockPhases, type Phase, type StepBuffers } from './phases.js';
import { samplerFromSpec, type SamplerSpec } from './sampling.js';

/** Smallest population that runs on worker threads. Smaller ones run on the calling thread whatever the `threads` option. */
export const MIN_AGENTS_FOR_THREADS = 2 ** 17;

/** Everything but the arrays that a worker needs to rebuild the per-block work of a system. */
export interface WorkerSpec {
  agents: number;
  blockSize: number;
  lambdaDim: number;
  domain: { kind: DomainKind; lower: number[]; upper: number[] };
  kernel: MutationKernel;
  /** The law that the perturb rule resamples from. */
  prior: SamplerSpec;
  /** The training model of the full system; null for the reduced system. */
  model: ModelSpec | null;
}

/** The message that a worker receives as its workerData. */
export interface WorkerData {
  spec: WorkerSpec;
  buffers: StepBuffers;
  control: Int32Array;
  errors: MessagePort;
}

/** An error raised in a worker, in a form that crosses threads. */
export interface WorkerErrorMessage {
  name: string;
  message: string;
  /** ConfigError.field or ExpressionError.expression. */
  detail?: string;
}

/** Slots of the shared control array. */
export const Control = {
  /** Incremented by the calling thread for each command; workers wait on it. */
  Generation: 0,
  /** The phase to run, or STOP. */
  Command: 1,
  /** The next block to take. */
  NextBlock: 2,
  /** Workers that have finished the current command. */
  Done: 3,
  /** Workers that have started (successfully or not). */
  Ready: 4,
  /** Workers that failed during the current command or at start. */
  Failed: 5,
} as const;
const CONTROL_SLOTS = 6;

/** The command that ends a worker's loop. */
export const STOP = 0;

/** Maximum wait in milliseconds for the workers to start, which load the modules and, for expression models, mathjs. */
const START_TIMEOUT_MS = 60_000;

/** Rebuilds the per-block work of a system in a worker, over the shared arrays. */
export function phasesFromSpec(spec: WorkerSpec, buffers: StepBuffers): BlockPhases {
  const domain: Domain = spec.domain.kind === 'torus' ? new Torus(spec.domain.lower, spec.domain.upper) : new Box(spec.domain.lower, spec.domain.upper);
  const layout = new BlockLayout(spec.agents, spec.blockSize);
  const mutation = makeLambdaMutation(spec.kernel, domain, samplerFromSpec(spec.prior, domain));
  const model = spec.model === null ? null : modelFromSpec(spec.model);
  return new BlockPhases(layout, buffers, new StreamStates(buffers.streamStates), mutation, spec.lambdaDim, model);
}

/** Converts an error into a message that can cross threads. */
export function errorMessage(error: unknown): WorkerErrorMessage {
  if (error instanceof ConfigError) return { name: error.name, message: error.message, detail: error.field };
  if (error instanceof ExpressionError) return { name: error.name, message: error.message, detail: error.expression };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error from `errorMessage`, with the class of the original where the library defines it. */
export function errorFromMessage(data: WorkerErrorMessage): Error {
  let error: Error;
  if (data.name === 'ConfigError') error = new ConfigError(data.detail ?? '', '');
  else if (data.name === 'ExpressionError') error = new ExpressionError(data.detail ?? '', '');
  else if (data.name === 'RangeError') error = new RangeError();
  else if (data.name === 'TypeError') error = new TypeError();
  else {
    error = new Error();
    error.name = data.name;
  }
  error.message = data.message;
  return error;
}

/**
 * The workers of one particle system. The calling thread counts as one of
 * the `threads`, so the pool starts threads − 1 workers.
 */
export class ThreadPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly control: Int32Array;
  private readonly blockCount: number;
  private started = false;
  private closed = false;

  /**
   * Starts the workers; they load in the background and `run` waits for
   * them the first time. Throws ConfigError when the compiled worker
   * entry is missing, as it is when the library runs from its TypeScript
   * sources.
   */
  constructor(spec: WorkerSpec, buffers: StepBuffers, threads: number) {
    const entry = new URL('./worker.js', import.meta.url);
    const entryPath = fileURLToPath(entry);
    if (!existsSync(entryPath)) {
      throw new ConfigError(
        'threads',
        `the worker entry ${entryPath} is missing; worker threads need the compiled JavaScript (npm run build), so import ` +
          'the library from dist or set threads to 1',
      );
    }
    this.threads = threads;
    this.blockCount = Math.ceil(spec.agents / spec.blockSize);
    this.control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
    try {
      for (let k = 1; k < threads; k++) {
        const channel = new MessageChannel();
        const workerData: WorkerData = { spec, buffers, control: this.control, errors: channel.port2 };
        const worker = new Worker(entry, { workerData, transferList: [channel.port2] });
        // The pool ends its workers in close(); until then they must not keep the process alive on their own.
        worker.unref();
        this.workers.push(worker);
        this.ports.push(channel.port1);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Runs `phase` on every block, here and on the workers, and returns when
   * all blocks are done. Raises the first error of this thread, else of the
   * workers in order. After an error, threads take no further blocks.
   */
  run(phase: Phase, local: BlockPhases): void {
    if (this.closed) throw new Error('ThreadPool.run: the pool is closed');
    this.waitForStart();
    const control = this.control;
    Atomics.store(control, Control.Command, phase);
    Atomics.store(control, Control.NextBlock, 0);
    Atomics.store(control, Control.Done, 0);
    Atomics.store(control, Control.Failed, 0);
    Atomics.add(control, Control.Generation, 1);
    Atomics.notify(control, Control.Generation);

    let localError: unknown = undefined;
    try {
      for (;;) {
        const block = Atomics.add(control, Control.NextBlock, 1);
        if (block >= this.blockCount) break;
        local.run(phase, block);
      }
    } catch (error) {
      localError = error;
      Atomics.store(control, Control.NextBlock, this.blockCount);
    }
    // NOTE: a worker that dies without reporting, for example out of memory,
    // never counts itself done, and this wait then does not return.
    this.waitFor(Control.Done, this.workers.length, Infinity);
    if (localError !== undefined) throw localError;
    if (Atomics.load(control, Control.Failed) > 0) throw this.workerError();
  }

  /** Stops and ends the workers. Safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, Control.Command, STOP);
    Atomics.add(this.control, Control.Generation, 1);
    Atomics.notify(this.control, Control.Generation);
    for (const worker of this.workers) {
      worker.terminate().catch(() => undefined);
    }
    for (const port of this.ports) port.close();
  }

  private waitForStart(): void {
    if (this.started) return;
    if (!this.waitFor(Control.Ready, this.workers.length, START_TIMEOUT_MS)) {
      this.close();
      throw new Error(`ThreadPool: the worker threads did not start within ${START_TIMEOUT_MS / 1000} s`);
    }
    if (Atomics.load(this.control, Control.Failed) > 0) {
      const error = this.workerError();
      this.close();
      throw error;
    }
    this.started = true;
  }

  /** Waits until control[slot] ≥ target; returns false on timeout. */
  private waitFor(slot: number, target: number, timeoutMs: number): boolean {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = Atomics.load(this.control, slot);
      if (value >= target) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.control, slot, value, left);
    }
  }

  /** Returns the first error that a worker sent, as an Error of the original class, and drains every port. */
  private workerError(): Error {
    let first: Error | undefined;
    for (const port of this.ports) {
      for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
        first ??= errorFromMessage(received.message as WorkerErrorMessage);
      }
    }
    return first ?? new Error('ThreadPool: a worker thread failed without sending its error');
  }
}
