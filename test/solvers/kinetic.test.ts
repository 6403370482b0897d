import { Matrix, EigenvalueDecomposition, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { Density } from '../../src/model/density.js';
import { ConfigError, StepSizeError } from '../../src/model/errors.js';
import { compileExpression } from '../../src/model/expression.js';
import { QuadratureFitness } from '../../src/model/fitness-models.js';
import { CellGrid } from '../../src/model/grid.js';
import { makeMutationOperator } from '../../src/model/mutation.js';
import type { SelectionMutationProblem } from '../../src/model/problem.js';
import type { StepInfo } from '../../src/model/observer.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import {
  BackwardEulerFokkerPlanck,
  discreteEffectiveFitness,
  discreteGibbsState,
  ExactFokkerPlanckFlow,
  fokkerPlanckRates,
  gibbsProduct,
  gibbsWeights,
  kineticSolver,
  lambdaMarginal,
  type FokkerPlanckIntegrator,
  type KineticProblem,
} from '../../solvers/kinetic/index.js';
import { runEpsilonStudy } from '../../validation/epsilon-study.js';
import { observedOrder } from '../../validation/convergence.js';

/** Double well in θ, tilted by λ: the minima move with λ and the barrier is 1/4 at λ = 0. */
const doubleWell = (theta: number, lambda: number): number => (theta * theta - 1) ** 2 / 4 + 0.3 * lambda * theta;
const validationLoss = (theta: number, lambda: number): number => 0.5 * (theta - 0.8) ** 2 + 0.2 * lambda * lambda;
const temperature = (lambda: number): number => 0.4 + 0.1 * lambda;

interface Options {
  thetaCells?: number;
  lambdaCells?: number;
  epsilon?: number;
  gamma?: number;
  times?: number[];
  /** 'gibbs': ρ₀(λ)·μ_{λ,h}(θ); 'offset': ρ₀(λ)·N(−0.2, 0.09) in θ, away from equilibrium. */
  start?: 'gibbs' | 'offset';
  torus?: boolean;
}

/** ρ₀ = N(−0.3, 0.1) cell values on the λ grid, normalised to mass 1. */
function initialMarginal(lambdaGrid: CellGrid): Float64Array {
  const centres = lambdaGrid.centres(0);
  const rho = centres.map((l) => Math.exp(-((l + 0.3) ** 2) / 0.2));
  const mass = rho.reduce((s, v) => s + v, 0) * lambdaGrid.spacing[0];
  return rho.map((v) => v / mass);
}

function makeProblem(options: Options = {}): KineticProblem {
  const thetaCells = options.thetaCells ?? 40;
  const lambdaCells = options.lambdaCells ?? 32;
  const thetaGrid = new CellGrid(new Box([-2.5], [2.5]), thetaCells);
  const lambdaDomain = options.torus ? new Torus([-1], [1]) : new Box([-1], [1]);
  const lambdaGrid = new CellGrid(lambdaDomain, lambdaCells);
  const base = {
    name: 'double-well',
    thetaGrid,
    lambdaGrid,
    loss: doubleWell,
    validation: validationLoss,
    sigma: temperature,
    alpha: 2,
    gamma: options.gamma ?? 1,
    epsilon: options.epsilon ?? 0.01,
    kernel: { kind: 'gaussian' as const, std: [0.15], boundary: options.torus ? ('wrap' as const) : ('reflect' as const) },
    times: options.times ?? [1],
  };
  const rho = initialMarginal(lambdaGrid);
  if ((options.start ?? 'offset') === 'gibbs') return { ...base, initial: gibbsProduct(base, lambdaGrid, rho) };

  const theta = thetaGrid.centres(0);
  const profile = theta.map((t) => Math.exp(-((t + 0.2) ** 2) / (2 * 0.09)));
  const z = profile.reduce((s, v) => s + v, 0) * thetaGrid.spacing[0];
  const initial = new Float64Array(thetaCells * lambdaCells);
  for (let j = 0; j < thetaCells; j++) {
    for (let i = 0; i < lambdaCells; i++) initial[j * lambdaCells + i] = (profile[j] / z) * rho[i];
  }
  return { ...base, initial };
}

function l1(a: Float64Array, b: Float64Array, cellVolume: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s * cellVolume;
}

function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxOf(a: Float64Array): number {
  return a.reduce((m, v) => Math.max(m, v), -Infinity);
}

/** Builds the (SM) problem of the ε → 0 limit: F_h, the same λ grid and kernel, and ρ₀ the λ-marginal of f₀. */
function limitProblem(problem: KineticProblem): SelectionMutationProblem {
  const { thetaGrid, lambdaGrid } = problem;
  const rho = lambdaMarginal(problem.initial, thetaGrid.shape[0], lambdaGrid.shape[0], thetaGrid.spacing[0]);
  return {
    form: 'SM',
    name: 'limit',
    grid: lambdaGrid,
    initial: new Density(lambdaGrid, rho),
    fitness: discreteEffectiveFitness(problem),
    kernel: problem.kernel,
    gamma: problem.gamma,
    times: problem.times,
  };
}

/** Dense generator A of one λ column (row-major), from the chain rates. */
function denseGenerator(forward: Float64Array, backward: Float64Array, n: number, m: number, column: number): Matrix {
  const a = Matrix.zeros(n, n);
  for (let k = 0; k + 1 < n; k++) {
    const right = forward[k * m + column];
    const left = backward[k * m + column];
    a.set(k + 1, k, right);
    a.set(k, k, a.get(k, k) - right);
    a.set(k, k + 1, left);
    a.set(k + 1, k + 1, a.get(k + 1, k + 1) - left);
  }
  return a;
}

describe('Chang–Cooper Fokker–Planck step', () => {
  const problem = makeProblem({ thetaCells: 48, lambdaCells: 8, epsilon: 1e-4 });
  const thetaCells = 48;
  const lambdaCells = 8;
  const loss = new Float64Array(thetaCells * lambdaCells);
  const sigma = problem.lambdaGrid.centres(0).map(temperature);
  problem.thetaGrid.centres(0).forEach((t, j) => {
    problem.lambdaGrid.centres(0).forEach((l, i) => (loss[j * lambdaCells + i] = doubleWell(t, l)));
  });
  const rates = fokkerPlanckRates(loss, sigma, thetaCells, problem.thetaGrid.spacing[0], problem.epsilon);

  it('has zero flux at the Gibbs state', () => {
    const gibbs = gibbsWeights(loss, sigma, thetaCells);
    let worst = 0;
    for (let k = 0; k + 1 < thetaCells; k++) {
      for (let i = 0; i < lambdaCells; i++) {
        const out = rates.forward[k * lambdaCells + i] * gibbs[k * lambdaCells + i];
        const back = rates.backward[k * lambdaCells + i] * gibbs[(k + 1) * lambdaCells + i];
        worst = Math.max(worst, Math.abs(out - back) / Math.max(out, back));
      }
    }
    expect(worst).toBeLessThan(1e-14);
  });

  it('backward Euler matches dense LU', () => {
    // At this stiffness ml-matrix's LU with partial pivoting loses about
    // 1e-11 of the mass, and the column-sum Thomas solve a few ulps. The
    // comparison tolerance is therefore the LU's.
    const tau = 1;
    const values = new Float64Array(thetaCells * lambdaCells);
    for (let k = 0; k < values.length; k++) values[k] = 1 + Math.sin(0.7 * k);
    const before = values.slice();
    new BackwardEulerFokkerPlanck(rates).step(values, tau);
    for (let i = 0; i < lambdaCells; i++) {
      const a = denseGenerator(rates.forward, rates.backward, thetaCells, lambdaCells, i);
      const m = Matrix.eye(thetaCells).sub(a.mul(tau));
      const input = Array.from({ length: thetaCells }, (_, k) => before[k * lambdaCells + i]);
      const dense = solve(m, Matrix.columnVector(input)).getColumn(0);
      const column = Array.from({ length: thetaCells }, (_, k) => values[k * lambdaCells + i]);
      const scale = Math.max(...dense);
      column.forEach((v, k) => expect(Math.abs(v - dense[k])).toBeLessThan(1e-10 * scale));

      const massIn = input.reduce((s, v) => s + v, 0);
      const massOut = column.reduce((s, v) => s + v, 0);
      expect(Math.abs(massOut / massIn - 1)).toBeLessThan(4e-15);
    }
  });

  it('exact flow matches eigendecomposition', () => {
    // Constant σ = 1 and a shallow well, so exp(−L/σ) varies by e^{−2} and
    // the symmetrisation D^{−1/2} A D^{1/2} is well conditioned.
    const n = 16;
    const h = 4 / n;
    const shallow = new Float64Array(n);
    for (let k = 0; k < n; k++) shallow[k] = 0.25 * (-2 + (k + 0.5) * h) ** 2;
    const unitSigma = Float64Array.of(1);
    const columnRates = fokkerPlanckRates(shallow, unitSigma, n, h, 1);
    const tau = 0.3;
    const propagator = new ExactFokkerPlanckFlow(columnRates).propagator(0, tau);

    const gibbs = gibbsWeights(shallow, unitSigma, n);
    const a = denseGenerator(columnRates.forward, columnRates.backward, n, 1, 0);
    const root = Matrix.diag(Array.from(gibbs, Math.sqrt));
    const inverseRoot = Matrix.diag(Array.from(gibbs, (g) => 1 / Math.sqrt(g)));
    const symmetric = inverseRoot.mmul(a).mmul(root);
    const decomposition = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true });
    const q = decomposition.eigenvectorMatrix;
    const exponential = Matrix.diag(decomposition.realEigenvalues.map((l) => Math.exp(tau * l)));
    const expected = root.mmul(q).mmul(exponential).mmul(q.transpose()).mmul(inverseRoot);

    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) expect(Math.abs(propagator[r * n + c] - expected.get(r, c))).toBeLessThan(1e-13);
    }
  });

  it('stiff exact propagator is stochastic', () => {
    const flow = new ExactFokkerPlanckFlow(rates);
    for (const column of [0, lambdaCells - 1]) {
      const propagator = flow.propagator(column, 1e2);
      expect(Math.min(...propagator)).toBeGreaterThanOrEqual(0);
      for (let c = 0; c < thetaCells; c++) {
        let s = 0;
        for (let r = 0; r < thetaCells; r++) s += propagator[r * thetaCells + c];
        expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      }
    }
  });
});

/** Records min f over every accepted step, and the worst relative mass drift. */
function invariantRecorder(initialMass: number) {
  const record = { minValue: Infinity, maxDrift: 0 };
  const observer = {
    step(info: StepInfo): void {
      let s = 0;
      for (let k = 0; k < info.values.length; k++) {
        const v = info.values[k];
        if (v < record.minValue) record.minValue = v;
        s += v;
      }
      record.maxDrift = Math.max(record.maxDrift, Math.abs(s / initialMass - 1));
    },
  };
  return { record, observer };
}

const FLOWS: readonly FokkerPlanckIntegrator[] = ['backward-euler', 'exact'];

describe('kinetic solver invariants', () => {
  it.each(FLOWS)('keeps double-well Gibbs state (%s)', (fokkerPlanck) => {
    // 2000 steps at Δt/ε = 10; the tolerance is on max |f − f₀| / max f₀.
    const problem = makeProblem({ gamma: 0, epsilon: 1e-3, start: 'gibbs', times: [20] });
    const solution = kineticSolver.solve(problem, { dt: 0.01, fokkerPlanck });
    expect(solution.stats.steps).toBe(2000);
    const final = solution.snapshots[1].joint.values;
    expect(maxAbsDifference(final, problem.initial) / maxOf(problem.initial)).toBeLessThan(1e-12);
  });

  it.each(FLOWS)('stiff steps keep mass and positivity (%s)', (fokkerPlanck) => {
    // All mass starts in the leftmost θ cell of each λ column, far from equilibrium.
    const problem = makeProblem({ gamma: 0, epsilon: 1e-6, times: [1] });
    const lambdaCells = problem.lambdaGrid.shape[0];
    const initial = new Float64Array(problem.initial.length);
    const rho = initialMarginal(problem.lambdaGrid);
    for (let i = 0; i < lambdaCells; i++) initial[i] = rho[i] / problem.thetaGrid.spacing[0];
    const { record, observer } = invariantRecorder(initial.reduce((s, v) => s + v, 0));
    const solution = kineticSolver.solve({ ...problem, initial }, { dt: 1e-2, fokkerPlanck }, [observer]);
    expect(solution.stats.stiffness).toBeCloseTo(1e4, 6);
    expect(record.minValue).toBeGreaterThanOrEqual(0);
    expect(record.maxDrift).toBeLessThan(1e-12);
  });

  it.each(FLOWS)('stiff selection steps keep mass (%s)', (fokkerPlanck) => {
    // The FFT convolution may return −1e-16·max in cells whose exact value
    // is tiny, so here f ≥ 0 is checked relative to max f.
    const problem = makeProblem({ gamma: 1, epsilon: 1e-6, times: [1] });
    const { record, observer } = invariantRecorder(problem.initial.reduce((s, v) => s + v, 0));
    const solution = kineticSolver.solve(problem, { dt: 1e-2, fokkerPlanck }, [observer]);
    expect(record.maxDrift).toBeLessThan(1e-12);
    expect(record.minValue).toBeGreaterThanOrEqual(-1e-15 * maxOf(solution.snapshots[1].joint.values));
  });

  it('relaxes to ρ₀·μ_λ,h without selection', () => {
    // Each λ column keeps its mass ρ₀(λ) and tends to its discrete Gibbs
    // state. Late in the run the deviation decays like backward Euler on the
    // slowest mode, by 1/(1 + Δt·gap) per step, with gap the smallest
    // spectral gap over the columns (dense eigenvalues from ml-matrix).
    const dt = 0.1;
    const problem = makeProblem({ gamma: 0, epsilon: 1, times: [5, 20, 40, 100] });
    const solution = kineticSolver.solve(problem, { dt });
    const rho = initialMarginal(problem.lambdaGrid);
    const equilibrium = gibbsProduct(problem, problem.lambdaGrid, rho);
    const volume = solution.jointGrid.cellVolume;
    const errors = solution.snapshots.map((s) => l1(s.joint.values, equilibrium, volume));
    expect(errors[0]).toBeGreaterThan(0.1);
    for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(errors[k - 1]);
    expect(errors[4]).toBeLessThan(1e-12);

    const thetaCells = problem.thetaGrid.shape[0];
    const lambdaCells = problem.lambdaGrid.shape[0];
    const sigma = problem.lambdaGrid.centres(0).map(temperature);
    const setupRates = fokkerPlanckRates(problemLoss(problem), sigma, thetaCells, problem.thetaGrid.spacing[0], 1);
    let gap = Infinity;
    let slowest = 0;
    for (let i = 0; i < lambdaCells; i++) {
      const a = denseGenerator(setupRates.forward, setupRates.backward, thetaCells, lambdaCells, i);
      const eigenvalues = new EigenvalueDecomposition(a).realEigenvalues.map((l) => -l).sort((x, y) => x - y);
      if (eigenvalues[1] < gap) {
        gap = eigenvalues[1];
        slowest = i;
      }
    }
    const columnError = (values: Float64Array): number => {
      let s = 0;
      for (let j = 0; j < thetaCells; j++) s += Math.abs(values[j * lambdaCells + slowest] - equilibrium[j * lambdaCells + slowest]);
      return s;
    };
    const observedRate = Math.log(columnError(solution.snapshots[2].joint.values) / columnError(solution.snapshots[3].joint.values)) / 20;
    const predictedRate = Math.log(1 + dt * gap) / dt;
    expect(Math.abs(observedRate / predictedRate - 1)).toBeLessThan(0.02);

    const marginal = solution.snapshots[4].marginal.values;
    expect(maxAbsDifference(marginal, rho) / maxOf(rho)).toBeLessThan(1e-12);
  });
});

/** L at the cell centres of the product grid, θ-major. */
function problemLoss(problem: KineticProblem): Float64Array {
  const lambda = problem.lambdaGrid.centres(0);
  const out = new Float64Array(problem.thetaGrid.shape[0] * lambda.length);
  problem.thetaGrid.centres(0).forEach((t, j) => lambda.forEach((l, i) => (out[j * lambda.length + i] = doubleWell(t, l))));
  return out;
}

describe('kinetic solver in the ε → 0 limit', () => {
  it('marginal converges to SM at rate ε', () => {
    // f₀ is off equilibrium in θ, so there is an initial layer of length
    // about ε/gap; t = 1 is far past it for every ε here. Δt = ε/10 makes
    // the splitting and backward Euler errors scale with ε as well, and the
    // second run below shows them to be below 1% of the ε effect.
    const problem = makeProblem({ times: [1] });
    const study = runEpsilonStudy({ problem, epsilons: [0.04, 0.02, 0.01, 0.005], stepRatio: 0.1 });
    const errors = study.rows.map((row) => row.errors[0]);
    expect(study.rates[0]).toBeGreaterThan(0.85);
    expect(study.rates[0]).toBeLessThan(1.15);
    expect(errors[3]).toBeLessThan(errors[0] / 4);

    const finer = runEpsilonStudy({ problem, epsilons: [0.01, 0.005], stepRatio: 0.05 });
    expect(Math.abs(finer.rows[0].errors[0] / errors[2] - 1)).toBeLessThan(0.01);
  });

  it('stiff limit equals SM forward Euler', () => {
    // As Δt/ε → ∞ the fast step projects every λ column onto its Gibbs
    // state, so the λ-marginal takes exactly the forward Euler step of (SM)
    // with F_h. What remains is the ε effect (measured 3.5e-9 here).
    // Against an accurate (SM) solution the error is then the O(Δt) error
    // of forward Euler, measured 6.1e-5 at t = 1.
    const problem = makeProblem({ epsilon: 1e-8, times: [0.5, 1] });
    const limit = limitProblem(problem);
    const euler = finiteVolumeSolver.solve(limit, { dt: 1e-2, scheme: 'euler' });
    const accurate = finiteVolumeSolver.solve(limit, { dt: 1e-3, scheme: 'ssp-rk3' });
    const h = problem.lambdaGrid.spacing[0];
    for (const fokkerPlanck of FLOWS) {
      const kinetic = kineticSolver.solve(problem, { dt: 1e-2, fokkerPlanck });
      for (const k of [1, 2]) {
        const rho = kinetic.marginals[k].density.values;
        const eulerError = l1(euler.snapshots[k].density.values, accurate.snapshots[k].density.values, h);
        expect(l1(rho, euler.snapshots[k].density.values, h)).toBeLessThan(1e-7);
        expect(l1(rho, accurate.snapshots[k].density.values, h)).toBeLessThan(eulerError + 1e-7);
        expect(eulerError).toBeLessThan(2e-4);
      }
    }
  });

  it('stiff limit equals SM exponential step', () => {
    // ρ ← e^{−γΔt} ρ + (1 − e^{−γΔt}) K ⋆ (F_h ρ)/⟨F_h⟩_ρ, written out here.
    const problem = makeProblem({ epsilon: 1e-8, times: [1] });
    const dt = 1e-2;
    const kinetic = kineticSolver.solve(problem, { dt, selection: 'exponential' });
    const grid = problem.lambdaGrid;
    const fitness = discreteEffectiveFitness(problem).onGrid(grid);
    const mutation = makeMutationOperator(grid, problem.kernel);
    const rho = limitProblem(problem).initial.values.slice();
    const selected = new Float64Array(rho.length);
    const mutated = new Float64Array(rho.length);
    for (let n = 0; n < 100; n++) {
      let mean = 0;
      for (let i = 0; i < rho.length; i++) {
        selected[i] = fitness[i] * rho[i];
        mean += selected[i] * grid.spacing[0];
      }
      mutation.apply(selected, mutated);
      const keep = Math.exp(-problem.gamma * dt);
      for (let i = 0; i < rho.length; i++) rho[i] = keep * rho[i] + (1 - keep) * (mutated[i] / mean);
    }
    expect(l1(kinetic.marginals[1].density.values, rho, grid.spacing[0])).toBeLessThan(1e-7);
  });
});

describe('kinetic solver time order', () => {
  it('exact flow order 2, backward Euler 1', () => {
    const problem = makeProblem({ thetaCells: 32, lambdaCells: 32, epsilon: 1, times: [1] });
    const reference = kineticSolver.solve(problem, { dt: 0.025 / 16, fokkerPlanck: 'exact', selection: 'ssp-rk3' });
    const volume = reference.jointGrid.cellVolume;
    const steps = [0.1, 0.05, 0.025];
    const orderOf = (fokkerPlanck: FokkerPlanckIntegrator, selection: 'euler' | 'ssp-rk3'): number => {
      const errors = steps.map((dt) =>
        l1(kineticSolver.solve(problem, { dt, fokkerPlanck, selection }).snapshots[1].joint.values, reference.snapshots[1].joint.values, volume),
      );
      return observedOrder(steps, errors);
    };
    const second = orderOf('exact', 'ssp-rk3');
    const first = orderOf('backward-euler', 'euler');
    expect(Math.abs(second - 2)).toBeLessThan(0.1);
    expect(Math.abs(first - 1)).toBeLessThan(0.1);
  });
});

describe('kinetic problem input', () => {
  it('accepts expression strings and compiled expressions', () => {
    const problem = makeProblem({ times: [0.2] });
    const fromFunctions = kineticSolver.solve(problem, { dt: 0.02 });
    const fromStrings = kineticSolver.solve(
      {
        ...problem,
        loss: '(theta^2 - 1)^2 / 4 + tilt * lambda * theta',
        validation: compileExpression('0.5 * (theta - 0.8)^2 + 0.2 * lambda^2', ['theta', 'lambda']),
        sigma: '0.4 + 0.1 * lambda',
        parameters: { tilt: 0.3 },
      },
      { dt: 0.02 },
    );
    const a = fromFunctions.snapshots[1].joint.values;
    const b = fromStrings.snapshots[1].joint.values;
    expect(maxAbsDifference(a, b) / maxOf(a)).toBeLessThan(1e-12);
  });

  it('runs on a λ torus', () => {
    const problem = makeProblem({ torus: true, times: [0.5] });
    const solution = kineticSolver.solve(problem, { dt: 0.02 });
    expect(solution.stats.massDrift).toBeLessThan(1e-12);
    expect(solution.snapshots[1].marginal.grid.domain.kind).toBe('torus');
  });

  it('rejects γΔt > 1 when explicit', () => {
    const problem = makeProblem({ gamma: 20, times: [0.2] });
    expect(() => kineticSolver.solve(problem, { dt: 0.1 })).toThrow(StepSizeError);
    expect(() => kineticSolver.solve(problem, { dt: 0.1, selection: 'ssp-rk3' })).toThrow(StepSizeError);
    expect(kineticSolver.solve(problem, { dt: 0.1, selection: 'exponential' }).stats.massDrift).toBeLessThan(1e-12);
  });

  it('rejects invalid fields by name', () => {
    const problem = makeProblem();
    const scaled = problem.initial.map((v) => 2 * v);
    expect(() => kineticSolver.solve({ ...problem, initial: scaled })).toThrow(/kinetic\.initial: the mass is 2/);
    expect(() => kineticSolver.solve({ ...problem, sigma: (l: number) => l })).toThrow(ConfigError);
    expect(() => kineticSolver.solve({ ...problem, epsilon: 0 })).toThrow(/kinetic\.epsilon/);
    expect(() => kineticSolver.solve({ ...problem, times: [] })).toThrow(/kinetic\.times/);
    expect(() => kineticSolver.solve({ ...problem, loss: () => NaN })).toThrow(/kinetic\.loss/);
    const wrongVariables = compileExpression('theta', ['theta']);
    expect(() => kineticSolver.solve({ ...problem, validation: wrongVariables })).toThrow(/kinetic\.validation/);
  });

  it('F_h matches quadrature fitness', () => {
    // Both rules converge faster than any power of h here, because the
    // Gibbs weight is ~e^{−50} at θ = ±4.
    const thetaGrid = new CellGrid(new Box([-4], [4]), 400);
    const data = {
      thetaGrid,
      loss: '(theta^2 - 1)^2 / 4 + 0.3 * lambda * theta',
      validation: '0.5 * (theta - 0.8)^2',
      sigma: 0.5,
      alpha: 2,
    };
    const fh = discreteEffectiveFitness(data);
    const quadrature = new QuadratureFitness({
      thetaDim: 1,
      loss: data.loss,
      validation: data.validation,
      sigma: 0.5,
      alpha: 2,
      thetaLower: -4,
      thetaUpper: 4,
      points: 801,
    });
    for (const lambda of [-1, -0.3, 0.4, 1]) {
      expect(Math.abs(fh.evaluate([lambda]) / quadrature.evaluate([lambda]) - 1)).toBeLessThan(1e-10);
    }
  });

  it('Gibbs state columns have unit mass', () => {
    const problem = makeProblem();
    const gibbs = discreteGibbsState(problem, problem.lambdaGrid);
    const masses = lambdaMarginal(gibbs, problem.thetaGrid.shape[0], problem.lambdaGrid.shape[0], problem.thetaGrid.spacing[0]);
    masses.forEach((m) => expect(Math.abs(m - 1)).toBeLessThan(1e-14));
  });
});
