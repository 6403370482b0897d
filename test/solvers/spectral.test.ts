import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { Density } from '../../src/model/density.js';
import { ConfigError, StepSizeError } from '../../src/model/errors.js';
import type { Fitness } from '../../src/model/fitness.js';
import { CellGrid, gaussLegendre } from '../../src/model/grid.js';
import type { GaussianKernel, KernelBoundary } from '../../src/model/kernel.js';
import type { Logger } from '../../src/model/logger.js';
import type { Problem } from '../../src/model/problem.js';
import { listSolvers } from '../../src/model/solver.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import { makeCellAverageConversion, SpectralBasis, spectralSolver } from '../../solvers/spectral/index.js';
import { observedOrder } from '../../validation/convergence.js';
import { replicatorMutatorGaussian, selectionMutationStationaryGaussian } from '../../validation/exact.js';
import { functionFitness, gaussianFitness, l1Distance, lineGrid, normalCellAverages } from '../support/problems.js';

const gaussianKernel = (std: number[], boundary: KernelBoundary): GaussianKernel => ({ kind: 'gaussian', std, boundary });

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Values of the normal density N(mean, variance) at the cell centres. */
function normalAtCentres(grid: CellGrid, mean: number, variance: number): Float64Array {
  const c = 1 / Math.sqrt(2 * Math.PI * variance);
  return grid.sampleAtCentres((p) => c * Math.exp(-((p[0] - mean) ** 2) / (2 * variance)));
}

/**
 * Evaluates the trigonometric interpolant of centre values on the torus
 * [0, 1) at `points`, by direct summation (n is small in these tests).
 */
function trigonometricInterpolant(values: Float64Array, points: Float64Array): Float64Array {
  const n = values.length;
  const half = n / 2;
  const re = new Float64Array(half + 1);
  const im = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * k * j) / n;
      re[k] += values[j] * Math.cos(angle);
      im[k] += values[j] * Math.sin(angle);
    }
    re[k] /= n;
    im[k] /= n;
  }
  const firstCentre = 0.5 / n;
  return points.map((x) => {
    const theta = 2 * Math.PI * (x - firstCentre);
    let s = re[0] + re[half] * Math.cos(half * theta);
    for (let k = 1; k < half; k++) s += 2 * (re[k] * Math.cos(k * theta) - im[k] * Math.sin(k * theta));
    return s;
  });
}

/** Integral of f over [a, b] by composite Gauss–Legendre, `panels` × 16 points. */
function integrate(f: (y: number) => number, a: number, b: number, panels: number): number {
  const rule = gaussLegendre(16);
  const width = (b - a) / panels;
  let s = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * width;
    for (let q = 0; q < 16; q++) s += rule.weights[q] * f(mid + 0.5 * width * rule.nodes[q]);
  }
  return 0.5 * width * s;
}

/** Centre values of a spectral snapshot, which the solver returns as cell averages. */
function centres(grid: CellGrid, averages: Float64Array): Float64Array {
  const out = new Float64Array(grid.size);
  makeCellAverageConversion(new SpectralBasis(grid)).toCentreValues(averages, out);
  return out;
}

describe('spectral basis', () => {
  const cases: Array<[string, CellGrid]> = [
    ['cosine 1D, odd n', new CellGrid(new Box([0], [2]), 15)],
    ['fourier 1D, odd n', new CellGrid(new Torus([0], [2]), 15)],
    ['cosine 2D', new CellGrid(new Box([0, -1], [1, 1]), [12, 10])],
    ['fourier 2D, odd sizes', new CellGrid(new Torus([0, -1], [1, 1]), [9, 7])],
  ];
  for (const [name, grid] of cases) {
    it(`${name} round trip is exact to 1e-14`, () => {
      const basis = new SpectralBasis(grid);
      const values = grid.sampleAtCentres((p) => Math.exp(Math.sin(3 * p[0]) + (p[1] ?? 0)) + p[0] * p[0]);
      const coefficients = basis.createCoefficients();
      const back = new Float64Array(grid.size);
      basis.forward(values, coefficients);
      basis.inverse(coefficients, back);
      expect(maxDifference(values, back)).toBeLessThan(1e-14 * maxAbs(values));
    });
  }

  it('cell averages of a cosine mode are sinc(κh/2) times its centre values', () => {
    const grid = new CellGrid(new Box([-1], [2]), 32);
    const conversion = makeCellAverageConversion(new SpectralBasis(grid));
    const k = 7;
    const kappa = (Math.PI * k) / 3;
    const centreValues = grid.sampleAtCentres((p) => Math.cos(kappa * (p[0] + 1)));
    const averages = new Float64Array(grid.size);
    conversion.toCellAverages(centreValues, averages);
    const x = (kappa * grid.spacing[0]) / 2;
    const exact = Float64Array.from(centreValues, (v) => (v * Math.sin(x)) / x);
    expect(maxDifference(averages, exact)).toBeLessThan(1e-14);
  });
});

describe('spectral mutation symbol', () => {
  // K⋆g from the definition of each boundary rule, by quadrature, against
  // one generational step with F ≡ 1 (which is ρ ↦ K⋆ρ). The test
  // functions have smooth even (box) or periodic (torus) extensions, so the
  // spectral result must agree to near round-off: tolerance 1e-12.
  const delta = 0.15;
  const normal = (x: number) => Math.exp(-(x * x) / (2 * delta * delta)) / (delta * Math.sqrt(2 * Math.PI));

  function mutateOnce(grid: CellGrid, g: (y: number) => number, boundary: KernelBoundary): Float64Array {
    const problem: Problem = {
      form: 'G',
      name: 'mutate',
      grid,
      initial: Density.fromFunction(grid, (p) => g(p[0]), 16),
      times: [1],
      fitness: functionFitness(1, () => 1),
      kernel: gaussianKernel([delta], boundary),
    };
    return centres(grid, spectralSolver.solve(problem).snapshots[1].density.values);
  }

  it('is the method of images on a box', () => {
    const grid = new CellGrid(new Box([0], [1]), 64);
    const g = (y: number) => Math.exp(Math.cos(Math.PI * y));
    // Reflected kernel on [0, 1]: Σ_m φ(x − y − 2m) + φ(x + y − 2m).
    const images = (x: number, y: number) => {
      let s = 0;
      for (let m = -3; m <= 3; m++) s += normal(x - y - 2 * m) + normal(x + y - 2 * m);
      return s;
    };
    const exact = grid.sampleAtCentres((p) => integrate((y) => images(p[0], y) * g(y), 0, 1, 64));
    expect(maxDifference(mutateOnce(grid, g, 'reflect'), exact)).toBeLessThan(1e-12);
  });

  it('is the wrapped Gaussian on a torus, also for odd n', () => {
    const grid = new CellGrid(new Torus([0], [1]), 45);
    const g = (y: number) => Math.exp(Math.sin(2 * Math.PI * y));
    const wrapped = (x: number, y: number) => {
      let s = 0;
      for (let m = -4; m <= 4; m++) s += normal(x - y - m);
      return s;
    };
    const exact = grid.sampleAtCentres((p) => integrate((y) => wrapped(p[0], y) * g(y), 0, 1, 64));
    expect(maxDifference(mutateOnce(grid, g, 'wrap'), exact)).toBeLessThan(1e-12);
  });

  for (const kind of ['box', 'torus'] as const) {
    it(`2D generational step on a ${kind} is the product of the 1D steps`, () => {
      // With F, ρ₀ and K all products over the axes, one generation is the
      // outer product of the 1D generations: equal to round-off, 1e-13.
      const lower = [-1, 0];
      const upper = [2, 1.5];
      const shape = [24, 21];
      const boundary = kind === 'box' ? 'reflect' : 'wrap';
      const make = (lo: number[], hi: number[]) => (kind === 'box' ? new Box(lo, hi) : new Torus(lo, hi));
      const f = [(x: number) => Math.exp(-((x - 0.5) ** 2)), (y: number) => 1 + 0.5 * Math.sin(4 * y)];
      const g = [(x: number) => Math.exp(Math.cos(2 * x)), (y: number) => 2 + Math.cos(3 * y)];
      const std = [0.2, 0.1];

      const grid = new CellGrid(make(lower, upper), shape);
      const twoD = spectralSolver.solve({
        form: 'G',
        name: 'g-2d',
        grid,
        initial: Density.fromFunction(grid, (p) => g[0](p[0]) * g[1](p[1]), 8),
        times: [1],
        fitness: functionFitness(2, (p) => f[0](p[0]) * f[1](p[1])),
        kernel: gaussianKernel(std, boundary),
      }).snapshots[1].density.values;
      const twoDCentres = centres(grid, twoD);

      const oneD = [0, 1].map((axis) => {
        const line = new CellGrid(make([lower[axis]], [upper[axis]]), shape[axis]);
        const values = spectralSolver.solve({
          form: 'G',
          name: `g-axis-${axis}`,
          grid: line,
          initial: Density.fromFunction(line, (p) => g[axis](p[0]), 8),
          times: [1],
          fitness: functionFitness(1, (p) => f[axis](p[0])),
          kernel: gaussianKernel([std[axis]], boundary),
        }).snapshots[1].density.values;
        return centres(line, values);
      });
      const product = new Float64Array(grid.size);
      for (let i = 0; i < shape[0]; i++) {
        for (let j = 0; j < shape[1]; j++) product[i * shape[1] + j] = oneD[0][i] * oneD[1][j];
      }
      expect(maxDifference(twoDCentres, product)).toBeLessThan(1e-13 * maxAbs(product));
    });
  }
});

describe('spectral RM on a torus converges exponentially in n', () => {
  // Smooth periodic data exp(κ(cos 2π(λ − 0.3) − 1)) with κ = 100 needs
  // about 64 modes. Reference: n = 256 with the same Δt, so the time error
  // is common to all runs and cancels. The reference is compared at the
  // coarse centres through its trigonometric interpolant. Error: max norm
  // relative to max ρ.
  const dt = 0.01;

  function solveAt(cells: number): Float64Array {
    const grid = new CellGrid(new Torus([0], [1]), cells);
    const raw = Density.fromFunction(grid, (p) => Math.exp(100 * (Math.cos(2 * Math.PI * (p[0] - 0.3)) - 1)), 24);
    const mass = raw.mass();
    const problem: Problem = {
      form: 'RM',
      name: 'rm-torus',
      grid,
      initial: new Density(grid, raw.values.map((v) => v / mass)),
      times: [1],
      potential: functionFitness(1, (p) => Math.cos(2 * Math.PI * p[0]) + 0.5 * Math.sin(4 * Math.PI * p[0])),
      beta: 2,
      nu: 0.002,
    };
    return centres(grid, spectralSolver.solve(problem, { dt }).snapshots[1].density.values);
  }

  it('converges faster than any power', () => {
    const reference = solveAt(256);
    const scale = maxAbs(reference);
    const cells = [16, 32, 64, 128];
    const errors = cells.map((n) => {
      const centres = new CellGrid(new Torus([0], [1]), n).centres(0);
      return maxDifference(solveAt(n), trigonometricInterpolant(reference, centres)) / scale;
    });
    // Measured: 6.0e-2, 1.4e-3, 8.8e-10, 1.1e-14.
    expect(errors[3]).toBeLessThan(1e-10);
    const firstOrder = Math.log2(errors[0] / errors[1]);
    const secondOrder = Math.log2(errors[1] / errors[2]);
    // Algebraic convergence of order p keeps both near p. Here the order at
    // least doubles from one pair to the next and exceeds 15.
    expect(secondOrder).toBeGreaterThan(2 * firstOrder);
    expect(secondOrder).toBeGreaterThan(15);
  });
});

describe('spectral RM time order', () => {
  // n = 64 on a torus, errors at Δt = 1/8 … 1/64 against Δt = 1/1024
  // (same n), max norm. Measured pairwise orders 3.81, 3.90, 3.95 (ETDRK4).
  function solveWith(scheme: string, dt: number): Float64Array {
    const grid = new CellGrid(new Torus([0], [1]), 64);
    const raw = Density.fromFunction(grid, (p) => Math.exp(10 * (Math.cos(2 * Math.PI * (p[0] - 0.3)) - 1)), 16);
    const mass = raw.mass();
    const problem: Problem = {
      form: 'RM',
      name: 'rm-order',
      grid,
      initial: new Density(grid, raw.values.map((v) => v / mass)),
      times: [1],
      potential: functionFitness(1, (p) => Math.cos(2 * Math.PI * p[0]) + 0.5 * Math.sin(4 * Math.PI * p[0])),
      beta: 2,
      nu: 0.002,
    };
    return centres(grid, spectralSolver.solve(problem, { scheme, dt }).snapshots[1].density.values);
  }

  for (const scheme of ['etdrk4', 'if-rk4']) {
    it(`${scheme} has observed order 4 ± 0.3 over four steps`, () => {
      const reference = solveWith(scheme, 1 / 1024);
      const steps = [1 / 8, 1 / 16, 1 / 32, 1 / 64];
      const errors = steps.map((dt) => maxDifference(solveWith(scheme, dt), reference));
      const order = observedOrder(steps, errors);
      expect(order).toBeGreaterThan(3.7);
      expect(order).toBeLessThan(4.3);
    });
  }
});

describe('spectral RM against the exact Gaussian solution', () => {
  // Φ = −(a/2)(λ − λ*)², β = 2. The walls of [−2.5, 2.5] are more than 11
  // standard deviations from the mean at all times, so the whole-line
  // solution is the reference. Measured max error 3e-10 (etdrk4) and 5e-10
  // (if-rk4) at n = 64.
  const params = { beta: 2, nu: 0.01, a: 1.5, optimum: 0.3 };
  const initial = { mean: -0.4, variance: 0.05 };
  const endTime = 2;

  for (const scheme of ['etdrk4', 'if-rk4']) {
    it(`${scheme} matches to 1e-8 at n = 64`, () => {
      const grid = lineGrid(-2.5, 2.5, 64);
      const problem: Problem = {
        form: 'RM',
        name: 'rm-gaussian',
        grid,
        initial: normalCellAverages(grid, initial.mean, initial.variance),
        times: [endTime],
        potential: functionFitness(1, (p) => -(params.a / 2) * (p[0] - params.optimum) ** 2),
        beta: params.beta,
        nu: params.nu,
      };
      const solution = spectralSolver.solve(problem, { scheme });
      const exact = replicatorMutatorGaussian(params, initial, endTime);
      const reference = normalAtCentres(grid, exact.mean, exact.variance);
      expect(maxDifference(centres(grid, solution.snapshots[1].density.values), reference)).toBeLessThan(1e-8);
      expect(solution.stats.massDrift).toBeLessThan(1e-12);
    });
  }
});

describe('spectral SM stationary state', () => {
  // F = exp(−(λ − c)²/(2s²)) and a reflecting kernel: the stationary state
  // on the whole line is N(c, v*), and on [−7, 7] the tails at the walls are
  // below 1e-9 of the peak. At t = 80 the transient has decayed below the
  // max-norm tolerance 1e-8 (measured error 5e-10).
  it('approaches N(c, v*) to 1e-8 at n = 128', () => {
    const params = { centre: 0.4, width: 1, delta: 0.5 };
    const exact = selectionMutationStationaryGaussian(params);
    const grid = lineGrid(-7, 7, 128);
    const problem: Problem = {
      form: 'SM',
      name: 'sm-stationary',
      grid,
      initial: normalCellAverages(grid, -1, 1),
      times: [80],
      fitness: gaussianFitness([params.centre], params.width),
      kernel: gaussianKernel([params.delta], 'reflect'),
      gamma: 1,
    };
    const solution = spectralSolver.solve(problem, { scheme: 'rk4', dt: 0.1 });
    const reference = normalAtCentres(grid, exact.mean, exact.variance);
    expect(maxDifference(centres(grid, solution.snapshots[1].density.values), reference)).toBeLessThan(1e-8);
  });
});

describe('spectral agrees with finite volume', () => {
  // The finite-volume error at n is estimated by Richardson extrapolation
  // from n and 2n (second order): ê = (4/3)‖FV_n − R·FV_2n‖₁, with R the
  // average over each 2 (1D) or 2×2 (2D) block of fine cells. The spectral
  // centre values are turned into cell averages before comparing. The
  // spectral error is far below ê, so ‖S_n − FV_n‖₁ should equal ê, and the
  // tolerance 1.1·ê leaves 10% for the higher-order terms of the estimate.
  // Measured ratios ‖S_n − FV_n‖₁/ê: 0.99 to 1.004.
  function restrict(grid: CellGrid, fine: Float64Array): Float64Array {
    const out = new Float64Array(grid.size);
    if (grid.dim === 1) {
      for (let i = 0; i < grid.size; i++) out[i] = 0.5 * (fine[2 * i] + fine[2 * i + 1]);
      return out;
    }
    const [n0, n1] = grid.shape;
    const fineRow = 2 * n1;
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        const top = 2 * i * fineRow + 2 * j;
        const bottom = top + fineRow;
        out[i * n1 + j] = 0.25 * (fine[top] + fine[top + 1] + fine[bottom] + fine[bottom + 1]);
      }
    }
    return out;
  }

  function problems(cells: number, dim: 1 | 2): Problem[] {
    const domain = dim === 1 ? new Box([-3], [3]) : new Box([-3, -3], [3, 3]);
    const grid = new CellGrid(domain, cells);
    const centre = [-1, 0.5];
    const variance = 0.3;
    const initial = Density.fromFunction(
      grid,
      (p) => {
        let r2 = 0;
        for (let k = 0; k < p.length; k++) r2 += (p[k] - centre[k]) ** 2;
        return Math.exp(-r2 / (2 * variance)) / (2 * Math.PI * variance) ** (p.length / 2);
      },
      8,
    );
    const fitness: Fitness = functionFitness(dim, (p) => Math.exp(-p.reduce((s, x, k) => s + (x - 0.5 + 0.2 * k) ** 2, 0) / 2));
    const potential: Fitness = functionFitness(
      dim,
      (p) => -0.75 * p.reduce((s, x, k) => s + (x - 0.3 * (k + 1)) ** 2, 0) + 0.3 * Math.sin(2 * p[0]),
    );
    const kernel = gaussianKernel(new Array<number>(dim).fill(0.3), 'reflect');
    const common = { grid, initial, name: `agree-${dim}d` };
    return [
      { ...common, form: 'SM', fitness, kernel, gamma: 1, times: [2] },
      { ...common, form: 'RM', potential, beta: 1, nu: 0.02, times: [1] },
      { ...common, form: 'G', fitness, kernel, times: [3] },
    ];
  }

  // Small steps, so that the finite-volume time error (not part of ê) stays
  // below 1e-5 of its space error.
  const steps: Record<string, number | undefined> = { SM: 0.01, RM: 0.002, G: undefined };

  for (const [dim, cells] of [
    [1, 64],
    [2, 32],
  ] as const) {
    const coarse = problems(cells, dim);
    const fine = problems(2 * cells, dim);
    coarse.forEach((problem, k) => {
      it(`${problem.form} ${dim}D within finite-volume error`, () => {
        const dt = steps[problem.form];
        const fv = finiteVolumeSolver.solve(problem, { dt }).snapshots[1].density.values;
        const fvFine = finiteVolumeSolver.solve(fine[k], { dt }).snapshots[1].density.values;
        const estimate = (4 / 3) * l1Distance(problem.grid, fv, restrict(problem.grid, fvFine));

        const spectral = spectralSolver.solve(problem, { dt: problem.form === 'SM' ? dt : undefined });
        expect(l1Distance(problem.grid, spectral.snapshots[1].density.values, fv)).toBeLessThan(1.1 * estimate);
      });
    });
  }

  it('T converges to the finite-volume map as n doubles', () => {
    // The truncation map leaves a jump at the quantile level, so neither
    // discretisation converges fast; both converge to the same limit, and
    // the L1 gap between them must at least halve per doubling of n.
    const gaps = [64, 128, 256].map((cells) => {
      const grid = lineGrid(-3, 3, cells);
      const problem: Problem = {
        form: 'T',
        name: 't-agree',
        grid,
        initial: normalCellAverages(grid, -1, 0.3),
        times: [3],
        fitness: functionFitness(1, (p) => Math.exp(-((p[0] - 0.5) ** 2) / 2)),
        kernel: gaussianKernel([0.3], 'reflect'),
        q: 0.2,
      };
      const fv = finiteVolumeSolver.solve(problem).snapshots[1].density.values;
      const spectral = spectralSolver.solve(problem).snapshots[1].density.values;
      return l1Distance(grid, spectral, fv);
    });
    expect(gaps[1]).toBeLessThan(0.5 * gaps[0]);
    expect(gaps[2]).toBeLessThan(0.5 * gaps[1]);
    expect(gaps[2]).toBeLessThan(1e-2);
  });
});

describe('spectral mass and positivity', () => {
  // Discontinuous data next to a wall: the spectral interpolant oscillates,
  // so ρ < 0 is expected. The solver must keep the mass (1e-12 relative),
  // record min ρ / max ρ, warn through the logger (on the first negative
  // state, then with a count at the end), and not clip.
  function recordingLogger(): { logger: Logger; warnings: string[] } {
    const warnings: string[] = [];
    const ignore = () => {};
    return { logger: { debug: ignore, info: ignore, warn: (m) => warnings.push(m), error: ignore }, warnings };
  }

  function cases(dim: 1 | 2): Problem[] {
    const domain = dim === 1 ? new Box([0], [1]) : new Box([0, 0], [1, 1]);
    const grid = new CellGrid(domain, dim === 1 ? 128 : [48, 40]);
    const raw = Density.fromFunction(grid, (p) => (p.every((x) => x < 0.15) ? 1 : 0));
    const initial = new Density(grid, raw.values.map((v) => v / raw.mass()));
    const fitness = functionFitness(dim, (p) => Math.exp(-3 * p.reduce((s, x) => s + x, 0)));
    const potential = functionFitness(dim, (p) => -3 * p.reduce((s, x) => s + x, 0));
    const kernel = gaussianKernel(new Array<number>(dim).fill(0.08), 'reflect');
    const common = { grid, initial, name: `wall-${dim}d` };
    return [
      { ...common, form: 'SM', fitness, kernel, gamma: 2, times: [0.5, 3] },
      { ...common, form: 'RM', potential, beta: 2, nu: 0.02, times: [0.5, 3] },
      { ...common, form: 'G', fitness, kernel, times: [1, 10] },
      { ...common, form: 'T', fitness, kernel, q: 0.3, times: [1, 10] },
    ];
  }

  for (const dim of [1, 2] as const) {
    for (const problem of cases(dim)) {
      for (const scheme of spectralSolver.schemes(problem.form)) {
        it(`${problem.form} ${scheme.name} in ${dim}D keeps mass to 1e-12 and reports ρ < 0`, () => {
          const { logger, warnings } = recordingLogger();
          const solution = spectralSolver.solve(problem, { scheme: scheme.name, logger });
          expect(solution.stats.massDrift).toBeLessThan(1e-12);
          const minRelative = solution.stats.minValueRelative as number;
          expect(minRelative).toBeLessThan(-1e-10);
          expect(warnings.length).toBeGreaterThanOrEqual(1);
          expect(warnings.length).toBeLessThanOrEqual(2);
          expect(warnings[0]).toMatch(/min ρ = .* does not clip/);
          // Not clipped: the driver, which scans the state after every step,
          // saw the negative centre values.
          expect(solution.stats.minValue).toBeLessThan(0);
        });
      }
    }
  }

  it('stays silent on smooth, resolved data', () => {
    const { logger, warnings } = recordingLogger();
    const grid = lineGrid(-2.5, 2.5, 64);
    const solution = spectralSolver.solve(
      {
        form: 'RM',
        name: 'smooth',
        grid,
        initial: normalCellAverages(grid, -0.4, 0.05),
        times: [1],
        potential: functionFitness(1, (p) => -0.75 * p[0] * p[0]),
        beta: 2,
        nu: 0.01,
      },
      { logger },
    );
    expect(warnings).toEqual([]);
    expect(solution.stats.negativeSteps).toBe(0);
  });
});

describe('spectral input checks', () => {
  const box = lineGrid(0, 1, 32);
  const torusGrid = new CellGrid(new Torus([0], [1]), 32);
  const generational = (grid: CellGrid, boundary: KernelBoundary): Problem => ({
    form: 'G',
    name: 'check',
    grid,
    initial: Density.fromFunction(grid, () => 1),
    times: [1],
    fitness: functionFitness(1, () => 1),
    kernel: gaussianKernel([0.1], boundary),
  });

  it('rejects clip and suggests finite volume', () => {
    const run = () => spectralSolver.solve(generational(box, 'clip'));
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/not diagonal in the cosine basis.*finite-volume/);
  });

  it('rejects wrap on a box', () => {
    expect(() => spectralSolver.solve(generational(box, 'wrap'))).toThrow(/use "reflect"/);
  });

  it('rejects reflect on a torus', () => {
    expect(() => spectralSolver.solve(generational(torusGrid, 'reflect'))).toThrow(/use "wrap"/);
  });

  it('rejects an unknown scheme with the list of schemes', () => {
    expect(() => spectralSolver.solve(generational(box, 'reflect'), { scheme: 'etdrk4' })).toThrow(/available: map/);
  });

  it('rejects γΔt above the SSP-RK3 stability interval', () => {
    const problem: Problem = {
      form: 'SM',
      name: 'sm-bound',
      grid: box,
      initial: Density.fromFunction(box, () => 1),
      times: [10],
      fitness: functionFitness(1, (p) => 1 + p[0]),
      kernel: gaussianKernel([0.1], 'reflect'),
      gamma: 2,
    };
    const run = () => spectralSolver.solve(problem, { dt: 1.5 });
    expect(run).toThrow(StepSizeError);
    expect(run).toThrow(/exceeds the bound 1\.255/);
  });

  it('rejects βΔt(max Φ − min Φ) above the RK4 stability interval', () => {
    const problem: Problem = {
      form: 'RM',
      name: 'rm-bound',
      grid: box,
      initial: Density.fromFunction(box, () => 1),
      times: [10],
      potential: functionFitness(1, (p) => 4 * p[0]),
      beta: 1,
      nu: 0.01,
    };
    // max Φ − min Φ = 4·(31/32) = 3.875 at the centres, so the bound is 2.78/3.875 ≈ 0.717.
    expect(() => spectralSolver.solve(problem, { dt: 1 })).toThrow(/exceeds the bound 0\.717/);
  });
});
