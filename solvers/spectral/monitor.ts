import { sum } from '../../src/model/density.js';
import { InvariantError } from '../../src/model/errors.js';
import { silentLogger, type Logger } from '../../src/model/logger.js';
import type { Stepper } from '../time/driver.js';

/**
 * A cell counts as negative below −NEGATIVE_THRESHOLD·max ρ. On smooth,
 * resolved data the tests see min ρ ≥ −1e-14·max ρ (transform round-off),
 * so values below this threshold come from the spectral discretisation
 * itself: Gibbs oscillations of under-resolved or non-smooth data.
 */
export const NEGATIVE_THRESHOLD = 1e-10;

/**
 * Watches a spectral run for negative densities and mass drift.
 *
 * Spectral schemes do not keep ρ ≥ 0, and this solver never clips. The
 * monitor records in the stats the lowest min ρ / max ρ (`minValueRelative`,
 * initial state included) and the number of steps that ended below
 * −NEGATIVE_THRESHOLD·max ρ (`negativeSteps`). It warns through the logger
 * on the first such state and once more with the count at the end, and it
 * aborts the run when the relative drift of Σρ exceeds `massTolerance`.
 */
export class SpectralMonitor {
  /** Free-form counters merged into the solver stats; updated in place during the run. */
  readonly stats: Record<string, number | string>;
  private readonly initialSum: number;
  private step = 0;
  /** Steps (not counting the initial state) that ended below −NEGATIVE_THRESHOLD·max ρ. */
  private negativeSteps = 0;
  private warned = false;
  private minRelative = Infinity;

  constructor(
    initialValues: Float64Array,
    private readonly label: string,
    private readonly massTolerance: number,
    private readonly logger: Logger = silentLogger,
  ) {
    this.initialSum = sum(initialValues);
    this.stats = { minValueRelative: Infinity, negativeSteps: 0 };
    this.inspect(initialValues, 0, 0);
  }

  /** Wraps `stepper` so that every step is followed by the checks. */
  wrap(stepper: Stepper): Stepper {
    return (values, time, dt) => {
      stepper(values, time, dt);
      this.step++;
      this.inspect(values, this.step, time + dt);
    };
  }

  /** Logs the count of negative steps, if any, once the run has finished. */
  finish(): void {
    if (this.negativeSteps > 0) {
      this.logger.warn(
        `${this.label}: min ρ was below −${NEGATIVE_THRESHOLD}·max ρ after ${this.negativeSteps} steps; ` +
          `the lowest min ρ / max ρ was ${this.minRelative.toExponential(3)}`,
      );
    }
  }

  private inspect(values: Float64Array, step: number, time: number): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const relative = min / max;
    if (relative < this.minRelative) {
      this.minRelative = relative;
      this.stats.minValueRelative = relative;
    }
    if (relative < -NEGATIVE_THRESHOLD) {
      if (step > 0) {
        this.negativeSteps++;
        this.stats.negativeSteps = this.negativeSteps;
      }
      if (!this.warned) {
        this.warned = true;
        const where = step === 0 ? 'in the initial centre values' : `at step ${step}, time ${time}`;
        this.logger.warn(
          `${this.label}: min ρ = ${min.toExponential(3)} = ${relative.toExponential(3)}·max ρ ${where}. ` +
            'Spectral schemes do not keep ρ ≥ 0 and this solver does not clip; refine the grid, ' +
            'smooth the data, or use the finite-volume solver, which keeps ρ ≥ 0',
        );
      }
    }
    if (step > 0) {
      const drift = Math.abs(sum(values) - this.initialSum) / Math.abs(this.initialSum);
      if (drift > this.massTolerance) {
        throw new InvariantError(
          `${this.label}: relative mass drift ${drift.toExponential(3)} exceeds the tolerance ${this.massTolerance}`,
          step,
          time,
        );
      }
    }
  }
}
