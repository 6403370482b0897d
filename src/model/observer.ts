import type { CellGrid } from './grid.js';
import type { Problem } from './problem.js';
import type { Snapshot, Solution } from './solver.js';

export interface RunStart {
  problem: Problem;
  solver: string;
  scheme: string;
  endTime: number;
}

/** The state after an accepted step. `values` is the live buffer: copy it to keep it. */
export interface StepInfo {
  step: number;
  time: number;
  dt: number;
  endTime: number;
  grid: CellGrid;
  values: Float64Array;
}

/**
 * Hooks called by every solver. An observer may throw to abort a run; the
 * error reaches the caller of `solve` unchanged.
 */
export interface Observer {
  start?(info: RunStart): void;
  step?(info: StepInfo): void;
  snapshot?(snapshot: Snapshot): void;
  finish?(solution: Solution): void;
}
