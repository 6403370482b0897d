import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { Density } from '../../src/model/density.js';
import { CellGrid } from '../../src/model/grid.js';
import type { GaussianKernel } from '../../src/model/kernel.js';
import type { Problem } from '../../src/model/problem.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import { observedOrder } from '../../validation/convergence.js';
import {
  generationalGaussianStep,
  replicatorMutatorGaussian,
  selectionMutationStationaryGaussian,
} from '../../validation/exact.js';
import { functionFitness, gaussianFitness, l1Distance, lineGrid, normalCellAverages } from '../support/problems.js';

const reflect = (std: number | number[], dim = 1): GaussianKernel => ({
  kind: 'gaussian',
  std: Array.isArray(std) ? std : new Array<number>(dim).fill(std),
  boundary: 'reflect',
});

describe('finite-volume RM against the exact Gaussian solution', () => {
  // Φ = −(a/2)(λ − λ*)² with β = 2 ≠ 1; tails at the walls of [−2.5, 2.5]
  // are below e^{−60}, so the whole-line solution is the reference.
  const params = { beta: 2, nu: 0.01, a: 1.5, optimum: 0.3 };
  const initial = { mean: -0.4, variance: 0.05 };
  const endTime = 2;

  function l1Error(cells: number, scheme: string, dtPerH: number): { h: number; error: number } {
    const grid = lineGrid(-2.5, 2.5, cells);
    const h = grid.spacing[0];
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
    const solution = finiteVolumeSolver.solve(problem, { scheme, dt: dtPerH * h });
    const exact = replicatorMutatorGaussian(params, initial, endTime);
    const reference = normalCellAverages(grid, exact.mean, exact.variance);
    return { h, error: l1Distance(grid, solution.snapshots[1].density.values, reference.values) };
  }

  it('strang converges with observed L1 order 2 ± 0.1 over four resolutions', () => {
    const runs = [64, 128, 256, 512].map((n) => l1Error(n, 'strang', 0.5));
    const order = observedOrder(
      runs.map((r) => r.h),
      runs.map((r) => r.error),
    );
    expect(order).toBeGreaterThan(1.9);
    expect(order).toBeLessThan(2.1);
    expect(runs[3].error).toBeLessThan(1e-4);
  });

  it('has time order 2 (strang) and 1 (imex-euler) at fixed h', () => {
    // Same grid for every run, so the spatial error cancels against a
    // reference from strang with a 64 times smaller step.
    const grid = lineGrid(-2.5, 2.5, 256);
    const problem: Problem = {
      form: 'RM',
      name: 'rm-time-order',
      grid,
      initial: normalCellAverages(grid, initial.mean, initial.variance),
      times: [endTime],
      potential: functionFitness(1, (p) => -(params.a / 2) * (p[0] - params.optimum) ** 2),
      beta: params.beta,
      nu: params.nu,
    };
    const steps = [0.08, 0.04, 0.02, 0.01];
    const reference = finiteVolumeSolver.solve(problem, { scheme: 'strang', dt: 0.01 / 64 }).snapshots[1].density.values;
    const orders: Record<string, number> = {};
    for (const scheme of ['strang', 'imex-euler']) {
      const errors = steps.map((dt) =>
        l1Distance(grid, finiteVolumeSolver.solve(problem, { scheme, dt }).snapshots[1].density.values, reference),
      );
      orders[scheme] = observedOrder(steps, errors);
    }
    expect(orders['strang']).toBeGreaterThan(1.9);
    expect(orders['strang']).toBeLessThan(2.1);
    expect(orders['imex-euler']).toBeGreaterThan(0.9);
    expect(orders['imex-euler']).toBeLessThan(1.1);
  });

  it('imex-euler rejects a step above its positivity bound', () => {
    const grid = lineGrid(-2.5, 2.5, 32);
    const problem: Problem = {
      form: 'RM',
      name: 'rm-bound',
      grid,
      initial: normalCellAverages(grid, 0, 0.1),
      times: [1],
      potential: functionFitness(1, (p) => -(params.a / 2) * p[0] * p[0]),
      beta: 2,
      nu: 0.01,
    };
    // max Φ − min Φ ≈ (a/2)·2.42² ≈ 4.4, so the bound is about 1/(2·4.4) ≈ 0.11.
    expect(() => finiteVolumeSolver.solve(problem, { scheme: 'imex-euler', dt: 0.5 })).toThrow(/exceeds the bound 0\.11/);
  });
});

describe('finite-volume SM stationary state', () => {
  // F = exp(−(λ − c)²/(2s²)), reflecting Gaussian kernel; the stationary
  // state on the whole line is N(c, v*) with v*² − δ²v* − δ²s² = 0.
  const params = { centre: 0.4, width: 1, delta: 0.5 };
  const exact = selectionMutationStationaryGaussian(params);

  it('approaches N(c, v*) with observed order 2 ± 0.1 in h', () => {
    const spacings: number[] = [];
    const errors: number[] = [];
    for (const cells of [48, 96, 192, 384]) {
      const grid = lineGrid(-7, 7, cells);
      const problem: Problem = {
        form: 'SM',
        name: 'sm-stationary',
        grid,
        initial: normalCellAverages(grid, -1, 1),
        times: [80],
        fitness: gaussianFitness([params.centre], params.width),
        kernel: reflect(params.delta),
        gamma: 1,
      };
      const solution = finiteVolumeSolver.solve(problem, { dt: 0.1 });
      const reference = normalCellAverages(grid, exact.mean, exact.variance);
      spacings.push(grid.spacing[0]);
      errors.push(l1Distance(grid, solution.snapshots[1].density.values, reference.values));
    }
    const order = observedOrder(spacings, errors);
    expect(order).toBeGreaterThan(1.9);
    expect(order).toBeLessThan(2.1);
  });
});

describe('finite-volume SM time order', () => {
  it('observes the order of each SSP scheme at fixed h', () => {
    const grid = lineGrid(-5, 5, 128);
    const problem: Problem = {
      form: 'SM',
      name: 'sm-time-order',
      grid,
      initial: normalCellAverages(grid, -1, 0.5),
      times: [2],
      fitness: gaussianFitness([0.5], 0.8),
      kernel: reflect(0.3),
      gamma: 1.5,
    };
    const reference = finiteVolumeSolver.solve(problem, { dt: 1e-3 }).snapshots[1].density.values;
    const steps = [0.2, 0.1, 0.05, 0.025];
    for (const [scheme, order] of [
      ['ssp-rk3', 3],
      ['ssp-rk2', 2],
      ['euler', 1],
    ] as const) {
      const errors = steps.map((dt) =>
        l1Distance(grid, finiteVolumeSolver.solve(problem, { scheme, dt }).snapshots[1].density.values, reference),
      );
      const observed = observedOrder(steps, errors);
      expect(observed, scheme).toBeGreaterThan(order - 0.15);
      expect(observed, scheme).toBeLessThan(order + 0.15);
    }
  });
});

describe('finite-volume G against the exact Gaussian recursion', () => {
  const params = { centre: 0.5, width: 0.8, delta: 0.3 };
  const generations = 6;

  it('converges with observed order 2 ± 0.1 in h', () => {
    let state = { mean: -1, variance: 0.3 };
    for (let g = 0; g < generations; g++) state = generationalGaussianStep(params, state);
    const spacings: number[] = [];
    const errors: number[] = [];
    for (const cells of [40, 80, 160, 320]) {
      const grid = lineGrid(-6, 6, cells);
      const problem: Problem = {
        form: 'G',
        name: 'g-gaussian',
        grid,
        initial: normalCellAverages(grid, -1, 0.3),
        times: [generations],
        fitness: gaussianFitness([params.centre], params.width),
        kernel: reflect(params.delta),
      };
      const solution = finiteVolumeSolver.solve(problem);
      const reference = normalCellAverages(grid, state.mean, state.variance);
      spacings.push(grid.spacing[0]);
      errors.push(l1Distance(grid, solution.snapshots[1].density.values, reference.values));
    }
    const order = observedOrder(spacings, errors);
    expect(order).toBeGreaterThan(1.9);
    expect(order).toBeLessThan(2.1);
  });
});

describe('finite-volume T with ties', () => {
  it('reduces to (1 − q)ρ + q·K⋆ρ when F is constant', () => {
    const grid = lineGrid(0, 1, 64);
    const initial = Density.fromFunction(grid, (p) => 2 * p[0]);
    const q = 0.2;
    const kernel = reflect(0.05);
    const truncation = finiteVolumeSolver.solve({
      form: 'T',
      name: 't-flat',
      grid,
      initial,
      times: [1],
      fitness: functionFitness(1, () => 1),
      kernel,
      q,
    });
    // Same thing through G with F ≡ 1, which is ρ ↦ K⋆ρ.
    const mutated = finiteVolumeSolver.solve({
      form: 'G',
      name: 'g-flat',
      grid,
      initial,
      times: [1],
      fitness: functionFitness(1, () => 1),
      kernel,
    }).snapshots[1].density.values;
    const got = truncation.snapshots[1].density.values;
    for (let i = 0; i < grid.size; i++) {
      expect(got[i]).toBeCloseTo((1 - q) * initial.values[i] + q * mutated[i], 13);
    }
  });

  it('removes exactly mass q from the bottom, splitting the quantile cell', () => {
    const grid = lineGrid(0, 1, 10);
    const initial = Density.fromFunction(grid, () => 1);
    // F increases with λ; the bottom 0.25 is cells 0, 1 and half of cell 2.
    const solution = finiteVolumeSolver.solve({
      form: 'T',
      name: 't-split',
      grid,
      initial,
      times: [1],
      fitness: functionFitness(1, (p) => 1 + p[0]),
      kernel: reflect(1e-3),
      q: 0.25,
    });
    const v = solution.snapshots[1].density.values;
    expect(v[0]).toBeCloseTo(0, 14);
    expect(v[1]).toBeCloseTo(0, 14);
    expect(v[2]).toBeCloseTo(0.5, 6);
    expect(v[5]).toBeCloseTo(1, 6);
    // Copies of the top 0.25 (cells 9, 8 and half of cell 7) land where they came from.
    expect(v[9]).toBeCloseTo(2, 6);
    expect(v[7]).toBeCloseTo(1.5, 6);
    expect(solution.snapshots[1].density.mass()).toBeCloseTo(1, 14);
  });
});

describe('finite-volume mass and positivity', () => {
  // Discontinuous initial data next to the left wall, with F largest at the
  // wall, so selection pushes mass into the reflecting face.
  const MASS_TOLERANCE = 1e-12;
  // FFT convolutions return round-off of order 1e-16·max ρ in cells where the
  // exact value is zero; the Thomas and exact-reaction steps are exactly ≥ 0.
  const NEGATIVE_TOLERANCE = 1e-14;

  function cases(dim: 1 | 2): Problem[] {
    const domain = dim === 1 ? new Box([0], [1]) : new Box([0, 0], [1, 1]);
    const grid = new CellGrid(domain, dim === 1 ? 128 : [48, 40]);
    const wall = (p: readonly number[]) => (p.every((x) => x < 0.15) ? 1 : 0);
    const raw = Density.fromFunction(grid, wall);
    const initial = new Density(grid, raw.values.map((v) => v / raw.mass()));
    const fitness = functionFitness(dim, (p) => Math.exp(-3 * p.reduce((s, x) => s + x, 0)));
    const potential = functionFitness(dim, (p) => -3 * p.reduce((s, x) => s + x, 0));
    const kernel = reflect(0.08, dim);
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
      const schemes = finiteVolumeSolver.schemes(problem.form).map((s) => s.name);
      for (const scheme of schemes) {
        it(`${problem.form} ${scheme} in ${dim}D keeps mass to 1e-12 and ρ ≥ 0`, () => {
          const dt = problem.form === 'RM' && scheme === 'imex-euler' ? 0.02 : problem.form === 'SM' ? 0.5 : 0.05;
          const solution = finiteVolumeSolver.solve(problem, { scheme, dt });
          expect(solution.stats.massDrift).toBeLessThan(MASS_TOLERANCE);
          for (const snapshot of solution.snapshots) {
            const d = snapshot.density;
            expect(d.min()).toBeGreaterThanOrEqual(-NEGATIVE_TOLERANCE * d.max());
          }
          expect(solution.stats.minValue).toBeGreaterThanOrEqual(-NEGATIVE_TOLERANCE * solution.snapshots[0].density.max());
        });
      }
    }
  }

  it('imex-euler keeps ρ ≥ 0 exactly on a box', () => {
    const problem = cases(1)[1];
    const solution = finiteVolumeSolver.solve(problem, { scheme: 'imex-euler', dt: 0.02 });
    expect(solution.stats.minValue).toBeGreaterThanOrEqual(0);
  });

  it('SM rejects γΔt > 1 with the bound', () => {
    const problem = cases(1)[0];
    expect(() => finiteVolumeSolver.solve(problem, { dt: 0.6 })).toThrow(/exceeds the bound 0\.5/);
  });
});

describe('Price equation for the initial rate of change of the mean', () => {
  // On an interval wide enough that ρ vanishes at the walls, the discrete
  // operators reproduce the continuous identities: for SM,
  // d/dt E[λ] = γ·Cov(λ, F)/⟨F⟩; for RM, d/dt E[λ] = β·Cov(λ, Φ).
  const grid = lineGrid(-8, 8, 512);
  const initial = normalCellAverages(grid, -0.5, 0.3);
  const x = grid.centres(0);

  function discreteCovariance(g: Float64Array): number {
    const w = initial.values;
    let mw = 0;
    let mx = 0;
    let mg = 0;
    for (let i = 0; i < x.length; i++) {
      mw += w[i];
      mx += w[i] * x[i];
      mg += w[i] * g[i];
    }
    mx /= mw;
    mg /= mw;
    let c = 0;
    for (let i = 0; i < x.length; i++) c += w[i] * (x[i] - mx) * (g[i] - mg);
    return c / mw;
  }

  function initialSlope(problem: Problem, scheme: string): number {
    // Mean after one step of size dt and of dt/2; Richardson removes the O(dt) term.
    const mean = (dt: number) =>
      finiteVolumeSolver.solve({ ...problem, times: [dt] }, { scheme, dt }).snapshots[1].density.mean()[0];
    const m0 = initial.mean()[0];
    const dt = 1e-3;
    const coarse = (mean(dt) - m0) / dt;
    const fine = (mean(dt / 2) - m0) / (dt / 2);
    return 2 * fine - coarse;
  }

  it('holds for SM', () => {
    const fitness = gaussianFitness([1], 0.7);
    const gamma = 1.5;
    const problem: Problem = { form: 'SM', name: 'price-sm', grid, initial, times: [1], fitness, kernel: reflect(0.2), gamma };
    const F = fitness.onGrid(grid);
    const meanF = initial.expectation(F) / initial.mass();
    const expected = (gamma * discreteCovariance(F)) / meanF;
    expect(Math.abs(initialSlope(problem, 'ssp-rk3') - expected)).toBeLessThan(1e-5 * Math.abs(expected));
  });

  it('holds for RM', () => {
    const potential = functionFitness(1, (p) => Math.sin(p[0]) - 0.3 * p[0] * p[0]);
    const beta = 0.8;
    const problem: Problem = { form: 'RM', name: 'price-rm', grid, initial, times: [1], potential, beta, nu: 0.05 };
    const expected = beta * discreteCovariance(potential.onGrid(grid));
    expect(Math.abs(initialSlope(problem, 'strang') - expected)).toBeLessThan(1e-5 * Math.abs(expected));
  });
});

describe('finite-volume on a torus', () => {
  it('keeps mass and the circular mean of a symmetric problem', () => {
    const grid = new CellGrid(new Torus([0], [1]), 128);
    const initial = Density.fromFunction(grid, (p) => 1 + 0.5 * Math.cos(2 * Math.PI * (p[0] - 0.3)));
    const solution = finiteVolumeSolver.solve({
      form: 'SM',
      name: 'torus',
      grid,
      initial,
      times: [2],
      fitness: functionFitness(1, (p) => Math.exp(Math.cos(2 * Math.PI * (p[0] - 0.3)))),
      kernel: { kind: 'gaussian', std: [0.05], boundary: 'wrap' },
      gamma: 1,
    });
    const last = solution.snapshots[1].density;
    expect(solution.stats.massDrift).toBeLessThan(1e-12);
    expect(last.circularMean()).toBeCloseTo(0.3, 10);
  });
});
