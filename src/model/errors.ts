/** Errors raised by the library. The CLI maps each to a message and a non-zero exit code. */

/** An invalid value in a config or an API call: names the field, the value and what is allowed. */
export class ConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** A user expression that failed to parse or uses something outside the allowed subset. */
export class ExpressionError extends Error {
  readonly expression: string;
  constructor(expression: string, message: string) {
    super(`expression "${expression}": ${message}`);
    this.name = 'ExpressionError';
    this.expression = expression;
  }
}

/** A NaN or ±Infinity in the state, with the step and time where it first appeared. */
export class NonFiniteError extends Error {
  readonly step: number;
  readonly time: number;
  readonly index: number;
  constructor(step: number, time: number, index: number, value: number) {
    super(`non-finite value ${value} in cell ${index} at step ${step}, time ${time}; the run was aborted`);
    this.name = 'NonFiniteError';
    this.step = step;
    this.time = time;
    this.index = index;
  }
}

/** A time step that violates the stability or positivity bound of the scheme. */
export class StepSizeError extends Error {
  readonly dt: number;
  readonly bound: number;
  constructor(scheme: string, dt: number, bound: number, reason: string) {
    super(`${scheme}: time step ${dt} exceeds the bound ${bound} (${reason}); choose dt ≤ ${bound}`);
    this.name = 'StepSizeError';
    this.dt = dt;
    this.bound = bound;
  }
}

/** A conservation check that failed during a run (mass drift or negative density beyond round-off). */
export class InvariantError extends Error {
  readonly step: number;
  readonly time: number;
  constructor(message: string, step: number, time: number) {
    super(`${message} at step ${step}, time ${time}; the run was aborted`);
    this.name = 'InvariantError';
    this.step = step;
    this.time = time;
  }
}
