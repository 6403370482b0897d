import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { ConfigError, ExpressionError } from '../../src/model/errors.js';
import {
  ExpressionFitness,
  QuadratureFitness,
  RidgeFitness,
  ValuesFitness,
} from '../../src/model/fitness-models.js';
import { CellGrid } from '../../src/model/grid.js';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

function lambdas(lower: number, upper: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => lower + ((upper - lower) * k) / (count - 1));
}

describe('ExpressionFitness', () => {
  it('evaluates a 1D expression in lambda', () => {
    const fitness = new ExpressionFitness('exp(-(lambda - m)^2 / 2)', 1, { m: 0.5 });
    expect(fitness.dim).toBe(1);
    expect(fitness.evaluate([1.5])).toBe(Math.exp(-0.5));
    expect(fitness.describe()).toContain('m = 0.5');
  });

  it('evaluates a 2D expression on a grid', () => {
    const fitness = new ExpressionFitness('1 + lambda1 * lambda2', 2);
    const grid = new CellGrid(new Box([0, 0], [2, 3]), [2, 3]);
    const values = fitness.onGrid(grid);
    const [x, y] = grid.centreCoordinates();
    for (let c = 0; c < grid.size; c++) expect(values[c]).toBe(1 + x[c] * y[c]);
  });

  it('rejects lambda in 2D and an invalid dimension', () => {
    expect(() => new ExpressionFitness('lambda', 2)).toThrow(ExpressionError);
    expect(() => new ExpressionFitness('lambda', 3)).toThrow(/fitness.dim: 3 is invalid/);
  });

  it('rejects a grid of the wrong dimension', () => {
    const fitness = new ExpressionFitness('lambda', 1);
    expect(() => fitness.onGrid(new CellGrid(new Box([0, 0], [1, 1]), 4))).toThrow(ConfigError);
    expect(() => fitness.evaluate([1, 2])).toThrow(RangeError);
  });
});

describe('ValuesFitness', () => {
  it('reproduces linear data exactly in 1D', () => {
    const grid = new CellGrid(new Box([-1], [3]), 8);
    const linear = (x: number): number => 2 - 0.75 * x;
    const fitness = new ValuesFitness(grid.domain, grid.sampleAtCentres(([x]) => linear(x)), 8);
    const [first, last] = [grid.centres(0)[0], grid.centres(0)[7]];
    for (const x of lambdas(first, last, 37)) expect(Math.abs(fitness.evaluate([x]) - linear(x))).toBeLessThan(1e-14);
  });

  it('reproduces bilinear data exactly in 2D', () => {
    const grid = new CellGrid(new Box([0, -1], [2, 1]), [5, 4]);
    const bilinear = (x: number, y: number): number => 1 + 2 * x - y + 0.5 * x * y;
    const fitness = new ValuesFitness(grid.domain, grid.sampleAtCentres(([x, y]) => bilinear(x, y)), [5, 4]);
    for (const x of lambdas(0.2, 1.8, 9)) {
      for (const y of lambdas(-0.75, 0.75, 7)) {
        expect(Math.abs(fitness.evaluate([x, y]) - bilinear(x, y))).toBeLessThan(1e-14);
      }
    }
  });

  it('extends the edge values over the half cells', () => {
    const fitness = new ValuesFitness(new Box([0], [4]), [1, 2, 3, 5], [4]);
    expect(fitness.evaluate([0])).toBe(1);
    expect(fitness.evaluate([0.5])).toBe(1);
    expect(fitness.evaluate([3.75])).toBe(5);
    expect(fitness.evaluate([4])).toBe(5);
    expect(fitness.evaluate([3])).toBe(4);
  });

  it('wraps around on a torus', () => {
    const fitness = new ValuesFitness(new Torus([0], [4]), [1, 2, 3, 5], [4]);
    expect(fitness.evaluate([0])).toBe(3);
    expect(fitness.evaluate([4])).toBe(3);
    expect(fitness.evaluate([3.75])).toBe(4);
  });

  it('returns the stored values on its own grid', () => {
    const domain = new Box([0, 0], [1, 1]);
    const values = [1, 2, 3, 4, 5, 6];
    const fitness = new ValuesFitness(domain, values, [2, 3]);
    expect([...fitness.onGrid(new CellGrid(domain, [2, 3]))]).toEqual(values);
  });

  it('rejects wrong lengths and shapes', () => {
    const domain = new Box([0], [1]);
    expect(() => new ValuesFitness(domain, [1, 2, 3], [4])).toThrow(/fitness.values: has 3 entries but the shape 4 has 4 cells/);
    expect(() => new ValuesFitness(domain, [1, 2, 3, 4], [2, 2])).toThrow(/fitness.shape: has 2 entries/);
    expect(() => new ValuesFitness(domain, [1], [1])).toThrow(/fitness.shape\[0\]: 1 is invalid/);
    expect(() => new ValuesFitness(domain, [1, NaN], [2])).toThrow(/fitness.values\[1\]: NaN/);
  });
});

describe('RidgeFitness', () => {
  const options = { d: 1, u: 1.2, w: 0.4, temperature: 0.5, alpha: 2 };

  it('matches the closed form', () => {
    const ridge = new RidgeFitness(options);
    for (const lambda of [0, 0.5, 2]) {
      const s2 = 0.5 / (1 + lambda);
      const r = 1.2 / (1 + lambda) - 0.4;
      const expected = Math.pow(1 + 2 * s2, -0.5) * Math.exp((-(2 / 2) * r * r) / (1 + 2 * s2));
      expect(relativeError(ridge.evaluate([lambda]), expected)).toBeLessThan(1e-15);
    }
  });

  it('gives the Gibbs mean and variance', () => {
    const ridge = new RidgeFitness({ ...options, d: 2, u: [1, -2] });
    expect(ridge.gibbsMean(1)).toEqual([0.5, -1]);
    expect(ridge.gibbsVariance(1)).toBe(0.25);
  });

  it('has a log derivative that matches finite differences', () => {
    const ridge = new RidgeFitness({ ...options, d: 3, u: [1, 0.5, -0.2], w: [0.3, 0.1, 0] });
    const h = 1e-3;
    const f = (lambda: number): number => ridge.logFitness(lambda);
    for (const lambda of [-0.5, 0.1, 1.7]) {
      // Fourth-order central difference.
      const numeric = (8 * (f(lambda + h) - f(lambda - h)) - (f(lambda + 2 * h) - f(lambda - 2 * h))) / (12 * h);
      expect(Math.abs(ridge.logFitnessDerivative(lambda) - numeric)).toBeLessThan(1e-9 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('finds the argmax of a fine scan', () => {
    for (const [temperature, alpha] of [
      [0.5, 2],
      [0.1, 5],
      [1, 4],
      [0.05, 20],
    ]) {
      const ridge = new RidgeFitness({ ...options, temperature, alpha });
      const best = ridge.argmax(0, 20);
      let scanLambda = 0;
      let scanValue = -Infinity;
      for (const lambda of lambdas(0, 20, 400_001)) {
        const value = ridge.evaluate([lambda]);
        if (value > scanValue) [scanLambda, scanValue] = [lambda, value];
      }
      expect(best.lambda).toBeGreaterThan(0);
      expect(best.lambda).toBeLessThan(20);
      expect(Math.abs(best.lambda - scanLambda)).toBeLessThan(1e-4);
      expect(best.value).toBeGreaterThanOrEqual(scanValue);
      expect(Math.abs(ridge.logFitnessDerivative(best.lambda))).toBeLessThan(1e-12);
    }
  });

  it('puts the argmax on a face when F is monotone', () => {
    const ridge = new RidgeFitness({ ...options, temperature: 0.1, alpha: 5 });
    const interior = ridge.argmax(0, 3).lambda;
    expect(interior).toBeGreaterThan(1);
    expect(interior).toBeLessThan(2.5);
    expect(ridge.argmax(interior + 0.5, 3).lambda).toBe(interior + 0.5);
    expect(ridge.argmax(0, interior - 0.5).lambda).toBe(interior - 0.5);
    expect(new RidgeFitness({ ...options, alpha: 0 }).argmax(0, 1).lambda).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => new RidgeFitness({ ...options, alpha: -1 })).toThrow(/fitness.alpha: -1 is invalid; expected a finite number ≥ 0/);
    expect(() => new RidgeFitness({ ...options, alpha: NaN })).toThrow(/fitness.alpha/);
    expect(() => new RidgeFitness({ ...options, temperature: 0 })).toThrow(/fitness.temperature: 0 is invalid/);
    expect(() => new RidgeFitness({ ...options, d: 2, u: [1, 2, 3] })).toThrow(
      /fitness.u: got an array of length 3; expected a number or an array of 2 numbers/,
    );
    expect(() => new RidgeFitness({ ...options, d: 0 })).toThrow(/fitness.d: 0 is invalid/);
    expect(() => new RidgeFitness(options).evaluate([-1])).toThrow(/λ = -1 is outside the ridge model/);
  });
});

describe('QuadratureFitness', () => {
  it('equals RidgeFitness for d = 1', () => {
    const parameters = { u: 1.2, w: 0.4, T: 0.5 };
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      loss: '0.5 * (theta - u)^2 + lambda / 2 * theta^2',
      validation: '0.5 * (theta - w)^2',
      sigma: 'T',
      alpha: 2,
      thetaLower: -8,
      thetaUpper: 9,
      parameters,
    });
    const ridge = new RidgeFitness({ d: 1, u: 1.2, w: 0.4, temperature: 0.5, alpha: 2 });
    for (const lambda of lambdas(0, 3, 61)) {
      expect(relativeError(quadrature.evaluate([lambda]), ridge.evaluate([lambda]))).toBeLessThan(1e-10);
      expect(quadrature.edgeWeight([lambda])).toBeLessThan(1e-16);
    }
  });

  it('equals RidgeFitness for d = 2', () => {
    const parameters = { u1: 1.2, u2: -0.6, w1: 0.4, w2: 0.3, T: 0.8 };
    const quadrature = new QuadratureFitness({
      thetaDim: 2,
      loss: '0.5 * ((theta1 - u1)^2 + (theta2 - u2)^2) + lambda / 2 * (theta1^2 + theta2^2)',
      validation: '0.5 * ((theta1 - w1)^2 + (theta2 - w2)^2)',
      sigma: 'T',
      alpha: 3,
      thetaLower: [-9, -9],
      thetaUpper: [9, 9],
      points: 161,
      parameters,
    });
    const ridge = new RidgeFitness({ d: 2, u: [1.2, -0.6], w: [0.4, 0.3], temperature: 0.8, alpha: 3 });
    for (const lambda of lambdas(0, 3, 13)) {
      expect(relativeError(quadrature.evaluate([lambda]), ridge.evaluate([lambda]))).toBeLessThan(1e-10);
    }
  });

  it('does not underflow for a large L/σ', () => {
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      loss: '1000 + 0.5 * (theta - 1)^2',
      validation: '0.5 * theta^2',
      sigma: '1e-3 * (1 + lambda)',
      alpha: 1,
      thetaLower: -1,
      thetaUpper: 3,
      points: 4001,
    });
    const ridge = new RidgeFitness({ d: 1, u: 1, w: 0, temperature: 1e-3, alpha: 1 });
    // σ = 1e-3 (1 + λ) with curvature 1 gives the ridge Gibbs variance at λ = 0 only.
    expect(relativeError(quadrature.evaluate([0]), ridge.evaluate([0]))).toBeLessThan(1e-10);
  });

  it('uses lambda1 and lambda2 in 2D', () => {
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      lambdaDim: 2,
      loss: '0.5 * (theta - lambda2)^2',
      validation: '0.5 * theta^2',
      sigma: 'lambda1',
      alpha: 1,
      thetaLower: -10,
      thetaUpper: 10,
    });
    // θ ~ N(λ₂, λ₁): E[exp(−θ²/2)] = (1 + λ₁)^(−1/2) exp(−λ₂²/(2(1 + λ₁))).
    const [l1, l2] = [0.3, 0.7];
    const expected = Math.exp(-(l2 * l2) / (2 * (1 + l1))) / Math.sqrt(1 + l1);
    expect(relativeError(quadrature.evaluate([l1, l2]), expected)).toBeLessThan(1e-10);
    expect(quadrature.dim).toBe(2);
  });

  it('rejects σ ≤ 0 naming λ', () => {
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      loss: 'theta^2',
      validation: 'theta^2',
      sigma: 'lambda - 1',
      alpha: 1,
      thetaLower: -5,
      thetaUpper: 5,
    });
    expect(() => quadrature.evaluate([0.5])).toThrow(/fitness.sigma: σ\(λ = 0.5\) = -0.5; σ must be finite and > 0/);
    expect(() => quadrature.evaluate([1])).toThrow(/σ\(λ = 1\) = 0/);
    expect(quadrature.evaluate([2])).toBeGreaterThan(0);
  });

  it('rejects NaN losses naming θ and λ', () => {
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      loss: 'log(theta)',
      validation: 'theta^2',
      sigma: 1,
      alpha: 1,
      thetaLower: -1,
      thetaUpper: 1,
      points: 3,
    });
    expect(() => quadrature.evaluate([0])).toThrow(/fitness.loss: L\(θ = -1, λ = 0\) = NaN/);
  });

  it('rejects invalid options', () => {
    const base = {
      thetaDim: 1 as const,
      loss: 'theta^2',
      validation: 'theta^2',
      sigma: 1,
      alpha: 1,
      thetaLower: -5,
      thetaUpper: 5,
    };
    expect(() => new QuadratureFitness({ ...base, alpha: -2 })).toThrow(/fitness.alpha: -2 is invalid/);
    expect(() => new QuadratureFitness({ ...base, alpha: Infinity })).toThrow(/fitness.alpha: Infinity is invalid/);
    expect(() => new QuadratureFitness({ ...base, sigma: 0 })).toThrow(/fitness.sigma: 0 is invalid; expected a finite number > 0/);
    expect(() => new QuadratureFitness({ ...base, sigma: -1 })).toThrow(/fitness.sigma/);
    expect(() => new QuadratureFitness({ ...base, thetaLower: [-5, -5] })).toThrow(
      /fitness.thetaLower: got an array of length 2; expected a number or an array of 1 numbers/,
    );
    expect(() => new QuadratureFitness({ ...base, thetaLower: 5 })).toThrow(/give thetaLower < thetaUpper/);
    expect(() => new QuadratureFitness({ ...base, points: 2 })).toThrow(/fitness.points\[0\]: 2 is invalid/);
    expect(() => new QuadratureFitness({ ...base, thetaDim: 3 as 1 })).toThrow(/fitness.thetaDim: 3 is invalid/);
    expect(() => new QuadratureFitness({ ...base, loss: 'theta1^2' })).toThrow(/unknown symbol "theta1"/);
    expect(() => new QuadratureFitness({ ...base, sigma: 'theta' })).toThrow(/unknown symbol "theta"/);
  });
});
