import { sum } from './density.js';
import { InvariantError } from './errors.js';
import type { Observer, RunStart, StepInfo } from './observer.js';

/**
 * Reports the fraction of simulated time done, at most `updates` times per
 * run, through a callback (the CLI draws a bar with it).
 */
export class ProgressObserver implements Observer {
  private endTime = 1;
  private lastReported = -1;
  constructor(
    private readonly report: (fraction: number, time: number, step: number) => void,
    private readonly updates = 100,
  ) {}

  start(info: RunStart): void {
    this.endTime = info.endTime;
    this.lastReported = -1;
    this.report(0, 0, 0);
  }

  step(info: StepInfo): void {
    const fraction = Math.min(1, info.time / this.endTime);
    const bucket = Math.floor(fraction * this.updates);
    if (bucket > this.lastReported) {
      this.lastReported = bucket;
      this.report(fraction, info.time, info.step);
    }
  }
}

/**
 * Aborts a run when the mass drifts from its initial value by more than
 * `tolerance` (relative), or when a cell falls below −`negativeTolerance`·max ρ.
 * The negative tolerance exists because FFT convolutions return round-off of
 * order 1e-16·max ρ in cells whose exact value is zero or tiny.
 */
export class InvariantObserver implements Observer {
  private initialMass = NaN;
  maxDrift = 0;
  minRelative = Infinity;
  constructor(
    readonly tolerance = 1e-10,
    readonly negativeTolerance = 1e-12,
  ) {}

  start(info: RunStart): void {
    this.initialMass = sum(info.problem.initial.values);
    this.maxDrift = 0;
    this.minRelative = Infinity;
  }

  step(info: StepInfo): void {
    const values = info.values;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const drift = Math.abs(sum(values) - this.initialMass) / Math.abs(this.initialMass);
    if (drift > this.maxDrift) this.maxDrift = drift;
    const relative = min / max;
    if (relative < this.minRelative) this.minRelative = relative;
    if (drift > this.tolerance) {
      throw new InvariantError(`relative mass drift ${drift.toExponential(3)} exceeds ${this.tolerance}`, info.step, info.time);
    }
    if (relative < -this.negativeTolerance) {
      throw new InvariantError(
        `density went negative: min ρ = ${min.toExponential(3)} = ${relative.toExponential(3)}·max ρ`,
        info.step,
        info.time,
      );
    }
  }
}

/**
 * Detects a steady state: stops tracking once the L1 change per unit time,
 * ‖ρ(t) − ρ(t − Δt)‖₁/Δt, stays below `tolerance`. Read `steadyAt` after the run.
 */
export class SteadyStateObserver implements Observer {
  private previous: Float64Array | null = null;
  steadyAt: number | null = null;
  lastRate = Infinity;
  constructor(readonly tolerance = 1e-8) {}

  start(): void {
    this.previous = null;
    this.steadyAt = null;
    this.lastRate = Infinity;
  }

  step(info: StepInfo): void {
    const values = info.values;
    if (this.previous && info.dt > 0) {
      let change = 0;
      for (let i = 0; i < values.length; i++) change += Math.abs(values[i] - this.previous[i]);
      this.lastRate = (change * info.grid.cellVolume) / info.dt;
      if (this.lastRate < this.tolerance && this.steadyAt === null) this.steadyAt = info.time;
      if (this.lastRate >= this.tolerance) this.steadyAt = null;
      this.previous.set(values);
    } else {
      this.previous = Float64Array.from(values);
    }
  }
}
