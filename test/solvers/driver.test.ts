import { describe, expect, it } from 'vitest';
import { Density } from '../../src/model/density.js';
import { NonFiniteError } from '../../src/model/errors.js';
import { SteadyStateObserver } from '../../src/model/observers.js';
import type { Problem } from '../../src/model/problem.js';
import { integrate } from '../../solvers/time/driver.js';
import { functionFitness, lineGrid } from '../support/problems.js';

function problem(times: number[]): Problem {
  const grid = lineGrid(0, 1, 8);
  return {
    form: 'RM',
    name: 'driver',
    grid,
    initial: Density.fromFunction(grid, () => 1),
    times,
    potential: functionFitness(1, () => 0),
    beta: 1,
    nu: 0,
  };
}

describe('integrate', () => {
  it('hits every output time exactly with equal steps per interval', () => {
    const seen: number[] = [];
    const solution = integrate({
      solver: 'test',
      scheme: 'none',
      problem: problem([0.25, 1]),
      dt: 0.1,
      stepper: (_values, _time, dt) => {
        seen.push(dt);
      },
    });
    expect(solution.snapshots.map((s) => s.time)).toEqual([0, 0.25, 1]);
    // [0, 0.25] takes 3 steps of 1/12; [0.25, 1] takes 8 steps of 0.09375.
    expect(seen.slice(0, 3).every((h) => Math.abs(h - 0.25 / 3) < 1e-15)).toBe(true);
    expect(seen.slice(3).every((h) => Math.abs(h - 0.75 / 8) < 1e-15)).toBe(true);
    expect(solution.stats.steps).toBe(11);
  });

  it('aborts on a NaN with the step and time where it appeared', () => {
    let calls = 0;
    const run = () =>
      integrate({
        solver: 'test',
        scheme: 'none',
        problem: problem([1]),
        dt: 0.1,
        stepper: (values) => {
          calls++;
          if (calls === 4) values[5] = Number.NaN;
        },
      });
    expect(run).toThrow(NonFiniteError);
    calls = 0;
    try {
      run();
    } catch (error) {
      const e = error as NonFiniteError;
      expect(e.step).toBe(4);
      expect(e.time).toBeCloseTo(0.4, 14);
      expect(e.index).toBe(5);
      expect(e.message).toMatch(/cell 5 at step 4, time 0\.4/);
    }
  });

  it('reports a steady state through the observer', () => {
    const observer = new SteadyStateObserver(1e-10);
    integrate({
      solver: 'test',
      scheme: 'none',
      problem: problem([1]),
      dt: 0.1,
      stepper: () => {},
      observers: [observer],
    });
    expect(observer.steadyAt).toBeCloseTo(0.2, 14);
  });
});
