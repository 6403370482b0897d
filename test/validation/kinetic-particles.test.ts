import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { ConfigError } from '../../src/model/errors.js';
import { CellGrid } from '../../src/model/grid.js';
import { Density } from '../../src/model/density.js';
import { wassersteinToDensity } from '../../solvers/particles/empirical.js';
import { RidgeModel } from '../../solvers/particles/models.js';
import { lambdaMarginal, type KineticProblem } from '../../solvers/kinetic/index.js';
import {
  particleModelFor,
  runKineticEpsilonStudy,
  runKineticParticleStudy,
  sampleInitialAgents,
} from '../../validation/kinetic-particles.js';

/**
 * Builds the ridge teacher with d = 1, L = ½(θ − 1)² + (λ/2)θ², V = ½(θ − 0.5)²,
 * σ = 0.3, on λ ∈ [0, 2] at ε = 0.5: the θ-curvature is 1 + λ ≤ 3, and
 * argmax F = 1. θ starts at N(−0.5, 0.3²), away from its equilibrium, and
 * λ at N(0.4, 0.2²).
 */
function ridgeProblem(options: { thetaCells?: number; lambdaCells?: number; times?: number[] } = {}): KineticProblem {
  const thetaCells = options.thetaCells ?? 96;
  const lambdaCells = options.lambdaCells ?? 64;
  const thetaGrid = new CellGrid(new Box([-2.5], [3.5]), thetaCells);
  const lambdaGrid = new CellGrid(new Box([0], [2]), lambdaCells);
  const profile = thetaGrid.cellAverages(([t]) => Math.exp(-((t + 0.5) ** 2) / (2 * 0.09)));
  const rho = lambdaGrid.cellAverages(([l]) => Math.exp(-((l - 0.4) ** 2) / (2 * 0.04)));
  const profileMass = profile.reduce((s, v) => s + v, 0) * thetaGrid.spacing[0];
  const rhoMass = rho.reduce((s, v) => s + v, 0) * lambdaGrid.spacing[0];
  const initial = new Float64Array(thetaCells * lambdaCells);
  for (let j = 0; j < thetaCells; j++) {
    for (let i = 0; i < lambdaCells; i++) initial[j * lambdaCells + i] = (profile[j] / profileMass) * (rho[i] / rhoMass);
  }
  return {
    name: 'ridge-1d',
    thetaGrid,
    lambdaGrid,
    loss: '0.5 * (theta - u)^2 + 0.5 * lambda * theta^2',
    validation: '0.5 * (theta - w)^2',
    sigma: 'T',
    parameters: { u: 1, w: 0.5, T: 0.3 },
    alpha: 4,
    gamma: 1,
    epsilon: 0.5,
    kernel: { kind: 'gaussian', std: [0.15], boundary: 'reflect' },
    initial,
    times: options.times ?? [1],
  };
}

describe('particles against the kinetic equation', () => {
  it('W1 falls like N^(−1/2)', () => {
    // 8 replicas per N over N = 100 … 6400 give a slope standard error of
    // about 0.05 (measured 0.044 to 0.051), so ±0.2 is about four standard
    // errors: wide enough for any seed, narrow enough to reject slope 0 or −1.
    // Δt = 1e-3 = 2e-3·ε keeps every bias below a fifth of the W1 at N = 6400
    // (largest measured 4.3e-4, the mesh error of θ, against W1 ≈ 7e-3).
    const particles = [100, 400, 1600, 6400];
    const result = runKineticParticleStudy({
      problem: ridgeProblem(),
      model: new RidgeModel({ d: 1, u: 1, w: 0.5, temperature: 0.3 }),
      curvature: 3,
      particles,
      replicas: 8,
      particleDt: 1e-3,
      seed: 11,
    });
    expect(result.particleSteps).toBe(1000);
    expect(result.rows.map((row) => row.particles)).toEqual(particles);

    for (const marginal of ['lambda', 'theta'] as const) {
      const fit = result.slopes[marginal];
      expect(Math.abs(fit.slope + 0.5), `${marginal} slope ${fit.slope}`).toBeLessThan(0.2);
      expect(fit.standardError).toBeLessThan(0.1);
    }

    const last = result.rows.at(-1)!;
    expect(result.largestBias.lambda).toBeLessThan(last.w1Lambda.mean / 5);
    expect(result.largestBias.theta).toBeLessThan(last.w1Theta.mean / 5);
    expect(result.biases.eulerMaruyamaTheta).toBeGreaterThan(0);
    expect(result.biases.mesh).not.toBeNull();
    for (const row of result.rows) {
      expect(row.outsideTheta).toBe(0);
      expect(row.w1Lambda.values).toHaveLength(8);
    }
  });

  it('initial agents follow f₀', () => {
    const problem = ridgeProblem({ thetaCells: 48, lambdaCells: 32 });
    const count = 40000;
    const agents = sampleInitialAgents(problem, count, 3);
    const { thetaGrid, lambdaGrid } = problem;
    const rho = new Density(lambdaGrid, lambdaMarginal(problem.initial, 48, 32, thetaGrid.spacing[0]));
    const thetaDensity = new Density(
      thetaGrid,
      Float64Array.from({ length: 48 }, (_, j) => problem.initial.subarray(j * 32, (j + 1) * 32).reduce((s, v) => s + v, 0) * lambdaGrid.spacing[0]),
    );
    // E W1 ≈ 0.5·std/√N for i.i.d. draws: about 5e-4 here, so 3e-3 fails only on a wrong law.
    expect(wassersteinToDensity(agents.lambda.slice().sort(), rho)).toBeLessThan(3e-3);
    expect(wassersteinToDensity(agents.theta.slice().sort(), thetaDensity)).toBeLessThan(3e-3);
    expect(sampleInitialAgents(problem, 10, 3).theta).toEqual(sampleInitialAgents(problem, 10, 3).theta);
  });

  it('default model needs expressions', () => {
    const problem = ridgeProblem({ thetaCells: 16, lambdaCells: 8 });
    expect(particleModelFor(problem, 3).maxCurvature()).toBe(3);
    expect(() => particleModelFor({ ...problem, loss: (theta: number) => theta * theta })).toThrow(ConfigError);
  });

  it('rejects a torus and a short ladder', () => {
    const problem = ridgeProblem({ thetaCells: 16, lambdaCells: 8 });
    const base = { problem, replicas: 2, particleDt: 0.01 };
    expect(() => runKineticParticleStudy({ ...base, particles: [100] })).toThrow(/at least two increasing/);
    expect(() => runKineticParticleStudy({ ...base, particles: [100, 200], replicas: 1 })).toThrow(/replicas = 1/);
    const torus = { ...problem, lambdaGrid: new CellGrid(new Torus([0], [2]), 8) };
    expect(() => runKineticParticleStudy({ ...base, problem: torus, particles: [100, 200] })).toThrow(/torus/);
  });

  it('ε-study rows for the report', () => {
    const problem = ridgeProblem({ thetaCells: 32, lambdaCells: 16, times: [0.5, 1] });
    const study = runKineticEpsilonStudy({ problem, epsilons: [0.04, 0.02, 0.01], stepRatio: 0.5 });
    expect(study.times).toEqual([0.5, 1]);
    expect(study.rows.map((row) => row.epsilon)).toEqual([0.04, 0.02, 0.01]);
    expect(study.rows[2].steps).toBe(200);
    for (const row of study.rows) expect(row.errors).toHaveLength(2);
    expect(Object.keys(study)).toEqual(['times', 'rows', 'rates']);
    // The quadratic loss relaxes fast, so the gap is O(ε) already at these ε.
    study.rates.forEach((rate) => expect(Math.abs(rate - 1)).toBeLessThan(0.15));
  });
});
