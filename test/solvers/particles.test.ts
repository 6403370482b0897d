import { describe, expect, it } from 'vitest';
import { Density } from '../../src/model/density.js';
import { Box, Torus } from '../../src/model/domain.js';
import { CellGrid } from '../../src/model/grid.js';
import type { GaussianKernel, PerturbKernel } from '../../src/model/kernel.js';
import { makeMutationOperator } from '../../src/model/mutation.js';
import type { GenerationalProblem, SelectionMutationProblem, TruncationProblem } from '../../src/model/problem.js';
import { StepSizeError } from '../../src/model/errors.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import {
  binnedKernelRegression,
  directKernelRegression,
  EmpiricalSampler,
  ExpressionModel,
  makeLambdaMutation,
  particleSolver,
  ParticleSystem,
  ReducedParticleSystem,
  reducedSystemFor,
  reflectIntoInterval,
  RidgeModel,
  silvermanBandwidth,
  wassersteinBetweenDensities,
  wassersteinToDensity,
  wrapIntoInterval,
  StreamDraws,
  type ParticleDraws,
} from '../../solvers/particles/index.js';
import { BlockLayout } from '../../solvers/particles/blocks.js';
import { ParentTable, WeightTransform } from '../../solvers/particles/parents.js';
import { streamFor } from '../../src/random/index.js';
import { CHI_SQUARE_CRITICAL_0_001, chiSquareStatistic } from '../random/statistics.js';
import { functionFitness, gaussianFitness, lineGrid, normalCellAverages } from '../support/problems.js';

/** Draws that replay fixed lists and fail when a list runs out, so a test checks every draw the code takes. */
class ScriptedDraws implements ParticleDraws {
  constructor(
    readonly uniformQueue: number[],
    readonly normalQueue: number[],
  ) {}

  uniform(): number {
    const u = this.uniformQueue.shift();
    if (u === undefined) throw new Error('ScriptedDraws: no uniform left');
    return u;
  }

  uniforms(out: Float64Array, offset: number, count: number): void {
    for (let k = 0; k < count; k++) out[offset + k] = this.uniform();
  }

  normals(out: Float64Array, offset: number, count: number): void {
    for (let k = 0; k < count; k++) {
      const z = this.normalQueue.shift();
      if (z === undefined) throw new Error('ScriptedDraws: no normal left');
      out[offset + k] = z;
    }
  }
}

const reflect = (std: number): GaussianKernel => ({ kind: 'gaussian', std: [std], boundary: 'reflect' });

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('ParticleSystem step', () => {
  // Ridge teacher with d = 2 on Λ = [0, 1]: ∇L = (1 + λ)θ − u, σ ≡ T.
  const u = [1, -0.5];
  const w = [0.2, 0.4];
  const temperature = 0.3;
  const epsilon = 0.5;
  const dt = 0.1;
  const h = dt / epsilon;
  const theta0 = [0.3, -0.2, 1.0, 0.5, -0.4, 0.8];
  const lambda0 = [0.1, 0.5, 0.95];

  function scriptedSystem(model: RidgeModel | ExpressionModel, draws: ScriptedDraws): ParticleSystem {
    return new ParticleSystem({
      model,
      domain: new Box([0], [1]),
      particles: 3,
      alpha: 2,
      gamma: 1,
      epsilon,
      kernel: reflect(0.2),
      initialLambda: Float64Array.from(lambda0),
      initialTheta: Float64Array.from(theta0),
      draws: () => draws,
    });
  }

  /**
   * Returns a parent uniform that picks agent j: the middle of j's interval in the running
   * sums of the weights exp(−α(V − min V)), divided by their total. V = ½|θ − w|² is
   * 0.185, 0.325 and 0.26, so the weights are 1, e^{−0.28} and e^{−0.15}.
   */
  function parentUniform(j: number): number {
    const losses = [0, 1, 2].map((i) => 0.5 * ((theta0[2 * i] - w[0]) ** 2 + (theta0[2 * i + 1] - w[1]) ** 2));
    const min = Math.min(...losses);
    const weights = losses.map((v) => Math.exp(-2 * (v - min)));
    const before = weights.slice(0, j).reduce((sum, x) => sum + x, 0);
    const total = weights.reduce((sum, x) => sum + x, 0);
    return (before + weights[j] / 2) / total;
  }

  function scriptedDraws(): ScriptedDraws {
    // The selection probability is p = 1 − e^{−0.1} ≈ 0.095, and the decisions come
    // first as geometric gaps ⌊ln(1 − U)/ln(1 − p)⌋ between replaced agents: U = 0.05 < p
    // gives gap 0 (agent 0 is replaced), U = 0.12 in [p, 1 − (1 − p)²) ≈ [0.095, 0.181)
    // gives gap 1 (agent 1 is kept, agent 2 replaced), and U = 0.5 passes the end of the
    // block. The block's six EM normals follow, in agent order. Then the replaced agents
    // draw in order. Agent 0 takes parent 2, and its mutation normal 0.6 moves λ to
    // 0.95 + 0.12 = 1.07, reflected to 0.93. Agent 2 takes parent 0 as it stood before
    // the step: λ = 0.1 − 0.2·0.25 = 0.05 and agent 0's old θ.
    return new ScriptedDraws(
      [0.05, 0.12, 0.5, parentUniform(2), parentUniform(0)],
      [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.6, -0.25],
    );
  }

  /** θ_s − h((1 + λ)θ_s − u) + sqrt(2Th)ξ, written out by hand. */
  function expectedTheta(): number[] {
    const amplitude = Math.sqrt(2 * temperature * h);
    const xi = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
    const rows = [
      { source: 2, lambda: 0.93 },
      { source: 1, lambda: 0.5 },
      { source: 0, lambda: 0.05 },
    ];
    return rows.flatMap(({ source, lambda }, i) =>
      [0, 1].map((k) => {
        const t = theta0[source * 2 + k];
        return t - h * ((1 + lambda) * t - u[k]) + amplitude * xi[i * 2 + k];
      }),
    );
  }

  it('matches the hand-computed update (ridge model)', () => {
    const draws = scriptedDraws();
    const system = scriptedSystem(new RidgeModel({ d: 2, u, w, temperature }), draws);
    system.step(dt);
    // toBeCloseTo(…, 14) allows 5e-15: the code groups the same terms differently,
    // which moves the last bits.
    expect(Array.from(system.parents)).toEqual([2, -1, 0]);
    const lambda = Array.from(system.lambda);
    expect(lambda[0]).toBeCloseTo(0.93, 14);
    expect(lambda[1]).toBe(0.5);
    expect(lambda[2]).toBeCloseTo(0.05, 14);
    const expected = expectedTheta();
    Array.from(system.theta).forEach((value, j) => expect(value).toBeCloseTo(expected[j], 14));
    expect(draws.uniformQueue).toHaveLength(0);
    expect(draws.normalQueue).toHaveLength(0);
    expect(system.time).toBe(dt);
    expect(system.selectionCount).toBe(2);
  });

  it('matches the hand-computed update (expression model)', () => {
    const draws = scriptedDraws();
    const model = new ExpressionModel({
      thetaDim: 2,
      loss: '0.5*((theta1 - u1)^2 + (theta2 - u2)^2) + lambda/2*(theta1^2 + theta2^2)',
      validation: '0.5*((theta1 - w1)^2 + (theta2 - w2)^2)',
      sigma: 'T',
      parameters: { u1: u[0], u2: u[1], w1: w[0], w2: w[1], T: temperature },
    });
    const system = scriptedSystem(model, draws);
    system.step(dt);
    // Tolerance 5e-15, as for the ridge model: the same formula, rounded differently.
    expect(Array.from(system.parents)).toEqual([2, -1, 0]);
    const expected = expectedTheta();
    Array.from(system.theta).forEach((value, j) => expect(value).toBeCloseTo(expected[j], 14));
    expect(draws.normalQueue).toHaveLength(0);
  });

  it('rejects a step beyond the Euler–Maruyama bound', () => {
    const system = new ParticleSystem({
      model: new RidgeModel({ d: 1, u: 1, w: 0, temperature: 1 }),
      domain: new Box([0], [1]),
      particles: 4,
      alpha: 1,
      gamma: 1,
      epsilon: 0.1,
      kernel: reflect(0.1),
      initialLambda: Float64Array.of(0.2, 0.4, 0.6, 0.8),
    });
    // Curvature 1 + λ ≤ 2 on [0, 1], so Δt/ε < 1 is required: Δt < 0.1.
    expect(system.maxStableStep()).toBeCloseTo(0.1, 15);
    expect(() => system.step(0.1)).toThrow(StepSizeError);
    expect(() => system.step(0.099)).not.toThrow();
  });
});

describe('Euler–Maruyama stationary variance', () => {
  // With no selection (γ = 0) every agent is an independent chain
  // θ ← (1 − ch)θ + sqrt(2σh)ξ, h = Δt/ε. From θ = 0 its variance after k steps is
  // v∞(1 − (1 − ch)^{2k}) with v∞ = σ/(c(1 − ch/2)); at ch = 0.5 the transient
  // factor 0.25^k is below 1e-18 after 30 steps. The sample variance of M
  // independent normals has standard error v·sqrt(2/(M − 1)), and the tolerance is
  // 5 of them. The continuous-time value σ/c lies 33% (about 70 standard errors) away.
  it('expression loss, d = 1', () => {
    const c = 2;
    const sigma = 0.5;
    const epsilon = 0.25;
    const dt = 0.0625;
    const chains = 100_000;
    const system = new ParticleSystem({
      model: new ExpressionModel({ thetaDim: 1, loss: 'c/2*theta^2', validation: 'theta^2', sigma, parameters: { c } }),
      domain: new Box([0], [1]),
      particles: chains,
      alpha: 1,
      gamma: 0,
      epsilon,
      kernel: reflect(0.1),
      initialLambda: new Float64Array(chains).fill(0.5),
      seed: 11,
    });
    for (let k = 0; k < 30; k++) system.step(dt);

    const variance = system.thetaCovariance()[0][0];
    const expected = sigma / (c * (1 - (c * dt) / (2 * epsilon)));
    const standardError = expected * Math.sqrt(2 / (chains - 1));
    expect(Math.abs(variance - expected)).toBeLessThan(5 * standardError);
    expect(Math.abs(variance - sigma / c)).toBeGreaterThan(20 * standardError);
  });

  it('ridge model, d = 10', () => {
    // λ = 1 for every agent, so c = 2 in every coordinate, and the stationary mean is
    // u/(1 + λ) exactly (the fixed point of the linear recursion). The 10 coordinates
    // of 20 000 agents are 200 000 independent chains; the mean's standard error is
    // sqrt(v/M) and its tolerance is 5 of them.
    const agents = 20_000;
    const d = 10;
    const temperature = 0.4;
    const epsilon = 0.5;
    const dt = 0.125;
    const c = 2;
    const system = new ParticleSystem({
      model: new RidgeModel({ d, u: 1.5, w: 0, temperature }),
      domain: new Box([0], [2]),
      particles: agents,
      alpha: 1,
      gamma: 0,
      epsilon,
      kernel: reflect(0.1),
      initialLambda: new Float64Array(agents).fill(1),
      seed: 12,
    });
    for (let k = 0; k < 30; k++) system.step(dt);

    const samples = agents * d;
    const theta = system.theta;
    let mean = 0;
    for (let j = 0; j < samples; j++) mean += theta[j];
    mean /= samples;
    let squares = 0;
    for (let j = 0; j < samples; j++) squares += (theta[j] - mean) ** 2;
    const variance = squares / (samples - 1);

    const expected = temperature / (c * (1 - (c * dt) / (2 * epsilon)));
    expect(Math.abs(variance - expected)).toBeLessThan(5 * expected * Math.sqrt(2 / (samples - 1)));
    expect(Math.abs(mean - 1.5 / 2)).toBeLessThan(5 * Math.sqrt(expected / samples));
  });
});

describe('Boltzmann selection', () => {
  it('draws parents with frequencies ω_j/Σω (chi-square)', () => {
    // 50 agents with V_j = j/25 and α = 1, so ω_j = e^{−j/25} spans a factor e².
    // γΔt = 50 makes the selection probability 1 − e^{−50}, which rounds to 1, so every
    // agent draws a parent. The state is restored before each of 4000 steps, which
    // gives 200 000 draws from the same weights (at least 1250 expected per agent).
    // Pearson's statistic has 49 degrees of freedom; the test fails at level 0.001.
    const agents = 50;
    const target = 0.3;
    const losses = Array.from({ length: agents }, (_, j) => j / 25);
    const theta = Float64Array.from(losses, (v) => target + Math.sqrt(2 * v));
    const lambda = new Float64Array(agents).fill(0.5);
    const system = new ParticleSystem({
      model: new RidgeModel({ d: 1, u: 0, w: target, temperature: 0.1 }),
      domain: new Box([0], [1]),
      particles: agents,
      alpha: 1,
      gamma: 500,
      epsilon: 1,
      kernel: reflect(0.05),
      initialLambda: lambda,
      initialTheta: theta,
      seed: 3,
    });

    const counts = new Float64Array(agents);
    let kept = 0;
    for (let step = 0; step < 4000; step++) {
      system.theta.set(theta);
      system.lambda.set(lambda);
      system.step(0.1);
      for (const parent of system.parents) {
        if (parent < 0) kept++;
        else counts[parent]++;
      }
    }
    expect(kept).toBe(0);

    const weights = losses.map((v) => Math.exp(-v));
    expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[49]);
  });
});

describe('mutation rules', () => {
  const domain = new Box([0], [1]);
  const noPrior = new EmpiricalSampler(Float64Array.of(0.5), 1);

  it('reflects repeatedly until inside', () => {
    expect(reflectIntoInterval(1.3, 0, 1)).toBeCloseTo(0.7, 15);
    expect(reflectIntoInterval(-0.25, 0, 1)).toBe(0.25);
    // 3.2 → −1.2 (at 1) → 1.2 (at 0) → 0.8 (at 1): three reflections.
    expect(reflectIntoInterval(3.2, 0, 1)).toBeCloseTo(0.8, 14);
    expect(reflectIntoInterval(-2.7, 0, 1)).toBeCloseTo(0.7, 14);
    expect(wrapIntoInterval(3.2, 0, 1)).toBeCloseTo(0.2, 14);
    expect(wrapIntoInterval(-0.25, 0, 1)).toBe(0.75);
  });

  it('applies reflect, clip and wrap to λ + δξ', () => {
    const cases: Array<[GaussianKernel['boundary'], Box | Torus, number]> = [
      ['reflect', domain, 0.8],
      ['clip', domain, 1],
      ['wrap', new Torus([0], [1]), 0.2],
    ];
    for (const [boundary, space, expected] of cases) {
      const mutation = makeLambdaMutation({ kind: 'gaussian', std: [0.5], boundary }, space, noPrior);
      const out = new Float64Array(1);
      // 0.9 + 0.5·0.6 = 1.2.
      mutation.mutate(Float64Array.of(0.9), 0, out, 0, new ScriptedDraws([], [0.6]));
      expect(out[0]).toBeCloseTo(expected, 14);
    }
  });

  it('perturbs by the factors, resamples with probability p and clips', () => {
    const kernel: PerturbKernel = {
      kind: 'perturb',
      factors: [1.2, 0.8],
      resampleProbability: 0.25,
      coordinates: 'linear',
      boundary: 'clip',
    };
    const prior = new EmpiricalSampler(Float64Array.of(0.1, 0.3), 1);
    const mutation = makeLambdaMutation(kernel, domain, prior);
    const run = (lambda: number, uniforms: number[]): number => {
      const out = new Float64Array(1);
      const draws = new ScriptedDraws(uniforms, []);
      mutation.mutate(Float64Array.of(lambda), 0, out, 0, draws);
      expect(draws.uniformQueue).toHaveLength(0);
      return out[0];
    };
    expect(run(0.5, [0.3, 0.2])).toBeCloseTo(0.6, 15);
    expect(run(0.5, [0.3, 0.7])).toBeCloseTo(0.4, 15);
    expect(run(0.9, [0.9, 0.1])).toBe(1);
    // u = 0.1 < p resamples; the prior's own uniform 0.6 picks its second value.
    expect(run(0.5, [0.1, 0.6])).toBe(0.3);

    const logKernel: PerturbKernel = { ...kernel, coordinates: 'log' };
    const logDomain = new Box([-4], [0]);
    const logMutation = makeLambdaMutation(logKernel, logDomain, new EmpiricalSampler(Float64Array.of(-2), 1));
    const out = new Float64Array(1);
    logMutation.mutate(Float64Array.of(-3), 0, out, 0, new ScriptedDraws([0.5, 0.2], []));
    expect(out[0]).toBeCloseTo(-3 + Math.log10(1.2), 14);
  });
});

describe('fitness estimates', () => {
  it('binned kernel regression matches pairwise sums', () => {
    // Linear binning at spacing h/16 and linear interpolation back change the
    // estimate by O((spacing/h)²). The tolerance is 1e-4 relative; the observed
    // worst cases were 7e-6 in 1D and 4e-5 in 2D.
    const count = 2000;
    const points = new Float64Array(count);
    const logValues = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      points[i] = 0.5 + 0.2 * Math.sin(i * 1.7) + 0.1 * Math.cos(i * 0.37);
      logValues[i] = -2 * (points[i] - 0.6) ** 2 + 0.3 * Math.sin(i * 2.3);
    }
    for (const space of [new Box([0], [1]), new Torus([0], [1])]) {
      const bandwidth = silvermanBandwidth(points, 1);
      const direct = new Float64Array(count);
      const binned = new Float64Array(count);
      directKernelRegression(points, logValues, 1, bandwidth, space, direct);
      binnedKernelRegression(points, logValues, 1, bandwidth, space, binned);
      let worst = 0;
      for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(Math.expm1(binned[i] - direct[i])));
      expect(worst).toBeLessThan(1e-4);
    }

    const plane = new Float64Array(2 * count);
    for (let i = 0; i < count; i++) {
      plane[2 * i] = points[i];
      plane[2 * i + 1] = 0.4 + 0.25 * Math.sin(i * 0.91 + 1);
    }
    for (const space of [new Box([0, 0], [1, 1]), new Torus([0, 0], [1, 1])]) {
      const bandwidth = silvermanBandwidth(plane, 2);
      const direct = new Float64Array(count);
      const binned = new Float64Array(count);
      directKernelRegression(plane, logValues, 2, bandwidth, space, direct);
      binnedKernelRegression(plane, logValues, 2, bandwidth, space, binned);
      let worst = 0;
      for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(Math.expm1(binned[i] - direct[i])));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('Silverman bandwidth follows 0.9·min(s, IQR/1.34)·N^(−1/5)', () => {
    const points = Float64Array.from({ length: 101 }, (_, i) => i / 100);
    // s = sqrt(Σ(x − ½)²/100) and the type-7 IQR is 0.5.
    let squares = 0;
    for (const x of points) squares += (x - 0.5) ** 2;
    const s = Math.sqrt(squares / 100);
    const expected = 0.9 * Math.min(s, 0.5 / 1.34) * Math.pow(101, -0.2);
    expect(silvermanBandwidth(points, 1)[0]).toBeCloseTo(expected, 14);
  });

  it('moving average selects on the mean of the last k evaluations', () => {
    // Reduced system with evaluation noise: with window 4 the estimate is
    // log(mean of the last four exp(log F + noise)), checked through the truncation
    // ranking it produces. Two agents, q = ½: the agent with the lower average is
    // replaced by a copy of the other.
    const fitness = functionFitness(1, () => 1);
    const draws = new ScriptedDraws([], []);
    const system = new ReducedParticleSystem({
      fitness,
      form: 'truncation',
      q: 0.5,
      domain: new Box([0], [1]),
      particles: 2,
      kernel: reflect(0.01),
      initialLambda: Float64Array.of(0.2, 0.8),
      fitnessEstimate: { kind: 'moving-average', window: 4 },
      evaluationNoise: 1,
      draws: () => draws,
    });

    // Step 1: noise (+2, −1) ranks agent 1 lower; it copies agent 0 (uniform 0, normal 0).
    draws.normalQueue.push(2, -1, 0);
    draws.uniformQueue.push(0);
    system.step();
    expect(Array.from(system.parents)).toEqual([-1, 0]);
    expect(system.lambda[1]).toBeCloseTo(0.2, 15);

    // Step 2: agent 0's history averages e^{2} and e^{−3}, about 3.72·e^{−½}; agent 1
    // started afresh and has only e^{1.5}, about 4.48·e^{−½}: agent 0 is replaced.
    draws.normalQueue.push(-3, 1.5, 0);
    draws.uniformQueue.push(0);
    system.step();
    expect(Array.from(system.parents)).toEqual([1, -1]);
  });
});

describe('reduced truncation selection', () => {
  it('replaces the bottom round(qN) by mutated copies of the top', () => {
    // F(λ) = λ on [0, 1]; N = 10 and q = 0.2 replace the two lowest λ by copies
    // of the two highest.
    const lambda = Float64Array.of(0.5, 0.05, 0.9, 0.3, 0.95, 0.1, 0.6, 0.7, 0.2, 0.4);
    const draws = new ScriptedDraws([0.75, 0.1], [0.1, -0.2]);
    const system = new ReducedParticleSystem({
      fitness: functionFitness(1, (p) => p[0]),
      form: 'truncation',
      q: 0.2,
      domain: new Box([0], [1]),
      particles: 10,
      kernel: reflect(0.1),
      initialLambda: lambda,
      draws: () => draws,
    });
    system.step();
    // Agents 1 and 5 are the bottom two, and the top list is [2, 4] in index order.
    // So the uniform 0.75 picks agent 4 for agent 1, and 0.1 picks agent 2 for agent 5.
    const expected = Array.from(lambda);
    expected[1] = reflectIntoInterval(0.95 + 0.1 * 0.1, 0, 1);
    expected[5] = 0.9 - 0.1 * 0.2;
    Array.from(system.lambda).forEach((value, i) => expect(value).toBeCloseTo(expected[i], 15));
    expect(Array.from(system.parents)).toEqual([-1, 4, -1, -1, -1, 2, -1, -1, -1, -1]);
  });
});

describe('Wasserstein-1 distance', () => {
  it('is exact for one sample against a uniform density', () => {
    // ∫₀^¼ x dx + ∫_¼^1 (1 − x) dx = 1/32 + 9/32.
    const grid = lineGrid(0, 1, 4);
    const uniform = new Density(grid, new Float64Array(4).fill(1));
    expect(wassersteinToDensity(Float64Array.of(0.25), uniform)).toBeCloseTo(0.3125, 15);
    // Two samples at 0.5 against the uniform law: ∫₀^½ x dx + ∫_½^1 (1 − x) dx = 1/4.
    expect(wassersteinToDensity(Float64Array.of(0.5, 0.5), uniform)).toBeCloseTo(0.25, 15);
  });

  it('between densities equals the distance of their means for a shift', () => {
    // A one-cell shift of a density away from the faces is a translation by h.
    const grid = lineGrid(0, 1, 10);
    const a = new Density(grid, Float64Array.of(0, 0, 5, 5, 0, 0, 0, 0, 0, 0));
    const b = new Density(grid, Float64Array.of(0, 0, 0, 5, 5, 0, 0, 0, 0, 0));
    expect(wassersteinBetweenDensities(a, b)).toBeCloseTo(0.1, 15);
  });
});

describe('reduced particles against the mean field', () => {
  // SM on [−2, 2] (400 cells) with F = exp(−(λ − ½)²/(2·¼)), reflecting Gaussian
  // mutation δ = 0.1, γ = 1, ρ₀ = N(−½, 0.09), output at t = 1.
  //
  // Tolerance C/√N with C = 3. In 400 seeded runs at N = 1000 (seeds 5000–5399)
  // √N·W1 had mean 0.85, 99th percentile 2.0 and maximum 2.3, and runs at
  // N = 1e4 and 1e5 gave the same distribution. For independent samples of the
  // final law, E[√N·W1] ≈ √(2/π)∫√(G(1 − G))dλ = 0.47; selection correlates the
  // agents and roughly doubles it.
  const C = 3;
  const grid = lineGrid(-2, 2, 400);
  const problem: SelectionMutationProblem = {
    form: 'SM',
    name: 'sm-particles',
    grid,
    initial: normalCellAverages(grid, -0.5, 0.09),
    times: [1],
    fitness: gaussianFitness([0.5], 0.5),
    kernel: reflect(0.1),
    gamma: 1,
  };
  const dt = 0.01;

  /** ρ ← e^{−γΔt}ρ + (1 − e^{−γΔt}) K ⋆ (Fρ)/⟨F⟩, the law of the stepped particle system on the grid. */
  function steppedMeanField(step: number, steps: number): Density {
    const fitness = problem.fitness.onGrid(grid);
    const mutation = makeMutationOperator(grid, problem.kernel);
    const rho = Float64Array.from(problem.initial.values);
    const selected = new Float64Array(grid.size);
    const mutated = new Float64Array(grid.size);
    const keep = Math.exp(-problem.gamma * step);
    for (let n = 0; n < steps; n++) {
      let weighted = 0;
      let mass = 0;
      for (let i = 0; i < grid.size; i++) {
        weighted += fitness[i] * rho[i];
        mass += rho[i];
      }
      for (let i = 0; i < grid.size; i++) selected[i] = (fitness[i] * rho[i] * mass) / weighted;
      mutation.apply(selected, mutated);
      for (let i = 0; i < grid.size; i++) rho[i] = keep * rho[i] + (1 - keep) * mutated[i];
    }
    return new Density(grid, rho);
  }

  const finiteVolume = finiteVolumeSolver.solve(problem, { dt: 0.005 }).snapshots[1].density;
  const stepped = steppedMeanField(dt, 100);

  it('has a first-order time-step bias against the finite-volume solution', () => {
    // Halving Δt halves W1 between the stepped map and the SSP-RK3 solution (whose
    // own time error at Δt = 0.005 is about 1e-8): ratio 2 ± 0.1.
    const bias = wassersteinBetweenDensities(stepped, finiteVolume);
    const halfBias = wassersteinBetweenDensities(steppedMeanField(dt / 2, 200), finiteVolume);
    expect(bias / halfBias).toBeGreaterThan(1.9);
    expect(bias / halfBias).toBeLessThan(2.1);
  });

  for (const particles of [1_000, 10_000, 100_000]) {
    it(`agrees in W1 within C/√N for N = ${particles}`, () => {
      const system = reducedSystemFor(problem, { particles, seed: 7 });
      for (let k = 0; k < 100; k++) system.step(dt);
      const samples = system.sortedLambda();
      const tolerance = C / Math.sqrt(particles);
      expect(wassersteinToDensity(samples, stepped)).toBeLessThan(tolerance);
      // Against the finite-volume SM solution, add the time-step bias by the triangle inequality.
      expect(wassersteinToDensity(samples, finiteVolume)).toBeLessThan(tolerance + wassersteinBetweenDensities(stepped, finiteVolume));
    });
  }

  it('G and T maps within C/√N at N = 1e5', () => {
    // Three generations of each map. In 400 runs at N = 1000, √N·W1 had maximum
    // 2.2 for G and 1.7 for T, so the same C = 3 applies.
    const particles = 100_000;
    const common = { grid, initial: problem.initial, fitness: problem.fitness, kernel: problem.kernel, times: [1, 3] };
    const generational: GenerationalProblem = { ...common, form: 'G', name: 'g-particles' };
    const truncation: TruncationProblem = { ...common, form: 'T', name: 't-particles', q: 0.25 };
    for (const mapProblem of [generational, truncation]) {
      const reference = finiteVolumeSolver.solve(mapProblem).snapshots[2].density;
      const system = reducedSystemFor(mapProblem, { particles, seed: 8 });
      for (let generation = 0; generation < 3; generation++) system.step();
      expect(wassersteinToDensity(system.sortedLambda(), reference)).toBeLessThan(C / Math.sqrt(particles));
    }
  });
});

describe('particles solver', () => {
  const grid = lineGrid(-2, 2, 200);
  const problem: SelectionMutationProblem = {
    form: 'SM',
    name: 'sm-solver',
    grid,
    initial: normalCellAverages(grid, -0.5, 0.09),
    times: [0.5, 1],
    fitness: gaussianFitness([0.5], 0.5),
    kernel: reflect(0.1),
    gamma: 1,
  };

  it('returns histograms at the requested times with the run statistics', () => {
    const solution = particleSolver.solve(problem, { particles: 5000, seed: 4, dt: 0.02 });
    expect(solution.solver).toBe('particles');
    expect(solution.scheme).toBe('rate');
    expect(solution.snapshots.map((s) => s.time)).toEqual([0, 0.5, 1]);
    expect(solution.snapshots.map((s) => s.step)).toEqual([0, 25, 50]);
    for (const snapshot of solution.snapshots) {
      // Counts/(N·h) summed times h is 1 up to round-off (200 terms).
      expect(Math.abs(snapshot.density.mass() - 1)).toBeLessThan(1e-13);
      expect(snapshot.density.min()).toBeGreaterThanOrEqual(0);
    }
    expect(solution.stats.particles).toBe(5000);
    expect(solution.stats.seed).toBe(4);
    expect(solution.stats.steps).toBe(50);
    expect(solution.stats.dtMax).toBeCloseTo(0.02, 15);
    expect(solution.stats.massDrift).toBeLessThan(1e-13);
    expect(solution.trace.time).toHaveLength(51);
  });

  it('is bitwise reproducible for a seed', () => {
    const first = particleSolver.solve(problem, { particles: 3000, seed: 9 });
    const second = particleSolver.solve(problem, { particles: 3000, seed: 9 });
    const other = particleSolver.solve(problem, { particles: 3000, seed: 10 });
    expect(sameBits(first.snapshots[2].density.values, second.snapshots[2].density.values)).toBe(true);
    expect(sameBits(first.snapshots[2].density.values, other.snapshots[2].density.values)).toBe(false);
  });

  it('rejects the RM form', () => {
    const rm = { ...problem, form: 'RM' as const, potential: problem.fitness, beta: 1, nu: 0.01 };
    expect(() => particleSolver.solve(rm)).toThrow(/RM form/);
  });
});

describe('two hyperparameters', () => {
  it('full system on a torus keeps λ inside', () => {
    // λ ∈ [0, 1)² on a torus with wrapped mutation, θ ∈ R², σ depending on λ, and
    // selection on the kernel-regression estimate of F (binned, since N > 512).
    const torus = new Torus([0, 0], [1, 1]);
    const grid = new CellGrid(torus, [8, 8]);
    const system = new ParticleSystem({
      model: new ExpressionModel({
        thetaDim: 2,
        lambdaDim: 2,
        loss: '0.5*((theta1 - lambda1)^2 + (theta2 - lambda2)^2)',
        validation: '0.5*(theta1^2 + theta2^2)',
        sigma: '0.1 + 0.1*lambda1',
      }),
      domain: torus,
      particles: 3000,
      alpha: 2,
      gamma: 2,
      epsilon: 0.5,
      kernel: { kind: 'gaussian', std: [0.3, 0.3], boundary: 'wrap' },
      initialLambda: new Density(grid, new Float64Array(64).fill(1)),
      fitnessEstimate: { kind: 'kernel-regression' },
      seed: 1,
    });
    for (let k = 0; k < 20; k++) system.step(0.05);

    expect(system.selectionCount).toBeGreaterThan(0);
    for (const value of system.lambda) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    // Counts/(N·h²) summed times h² is 1 up to round-off over 64 cells.
    expect(Math.abs(system.lambdaHistogram(grid).mass() - 1)).toBeLessThan(1e-14);
    const thetaGrid = new CellGrid(new Box([-3, -3], [3, 3]), [12, 12]);
    const thetaHistogram = system.thetaHistogram(thetaGrid);
    expect(thetaHistogram.outside).toBe(0);
    expect(system.thetaCovariance()).toHaveLength(2);
  });

  it('reduced system with perturb mutation stays in the box', () => {
    const box = new Box([0, -3], [2, 0]);
    const grid = new CellGrid(box, [10, 10]);
    const system = new ReducedParticleSystem({
      fitness: gaussianFitness([1, -1.5], 0.5),
      form: 'generational',
      domain: box,
      particles: 2000,
      kernel: { kind: 'perturb', factors: [1.2, 0.8], resampleProbability: 0.25, coordinates: 'log', boundary: 'clip' },
      initialLambda: new Density(grid, new Float64Array(100).fill(1 / 6)),
      seed: 2,
    });
    for (let k = 0; k < 5; k++) system.step();

    const lambda = system.lambda;
    for (let i = 0; i < system.agents; i++) {
      expect(lambda[2 * i]).toBeGreaterThanOrEqual(0);
      expect(lambda[2 * i]).toBeLessThanOrEqual(2);
      expect(lambda[2 * i + 1]).toBeGreaterThanOrEqual(-3);
      expect(lambda[2 * i + 1]).toBeLessThanOrEqual(0);
    }
    expect(system.selectionCount).toBe(5 * 2000);
  });
});

describe('initial sampling', () => {
  it('accepts round-off negatives and rejects real ones', () => {
    const grid = lineGrid(0, 1, 4);
    const options = { fitness: functionFitness(1, () => 1), form: 'generational' as const, domain: grid.domain, particles: 10, kernel: reflect(0.1) };
    const roundOff = new Density(grid, Float64Array.of(2, 2, -1e-17, 0));
    const system = new ReducedParticleSystem({ ...options, initialLambda: roundOff });
    // Cells 2 and 3 have no mass, so every agent starts in [0, 0.5].
    for (const value of system.lambda) expect(value).toBeLessThanOrEqual(0.5);

    const negative = new Density(grid, Float64Array.of(2, 2, -0.1, 0.1));
    expect(() => new ReducedParticleSystem({ ...options, initialLambda: negative })).toThrow(/must be ≥ 0/);
  });
});

describe('determinism across block orders', () => {
  // Every block draws from its own stream, so processing blocks in another order,
  // or dealt to two workers (odd blocks, then even ones), must give the same bits.
  const blocks = 10;
  const blockSize = 1000;
  const agents = blocks * blockSize - 300;
  const ascending = Array.from({ length: blocks }, (_, b) => b);
  const orders = [ascending, [...ascending].reverse(), [...ascending.filter((b) => b % 2 === 1), ...ascending.filter((b) => b % 2 === 0)]];

  function fullRun(seed: number, blockOrder: number[]): ParticleSystem {
    const system = new ParticleSystem({
      model: new RidgeModel({ d: 3, u: [1, 0.5, -0.5], w: [0.8, 0.2, 0], temperature: 0.2 }),
      domain: new Box([0], [2]),
      particles: agents,
      alpha: 3,
      gamma: 2,
      epsilon: 0.5,
      kernel: reflect(0.1),
      initialLambda: new Density(lineGrid(0, 2, 20), new Float64Array(20).fill(0.5)),
      fitnessEstimate: { kind: 'moving-average', window: 3 },
      seed,
      blockSize,
      blockOrder,
    });
    for (let k = 0; k < 20; k++) system.step(0.05);
    return system;
  }

  it('full system: same seed gives the same bits in every block order', () => {
    const reference = fullRun(21, ascending);
    for (const order of orders) {
      const run = fullRun(21, order);
      expect(sameBits(run.theta, reference.theta)).toBe(true);
      expect(sameBits(run.lambda, reference.lambda)).toBe(true);
    }
    const other = fullRun(22, ascending);
    expect(sameBits(other.theta, reference.theta)).toBe(false);
  });

  it('reduced system with noisy kernel-regression estimates: same bits in every block order', () => {
    const run = (order: number[]): ReducedParticleSystem => {
      const system = new ReducedParticleSystem({
        fitness: gaussianFitness([0.5], 0.3),
        form: 'rate',
        gamma: 1,
        domain: new Box([0], [1]),
        particles: agents,
        kernel: reflect(0.05),
        initialLambda: new Density(lineGrid(0, 1, 10), new Float64Array(10).fill(1)),
        fitnessEstimate: { kind: 'kernel-regression' },
        evaluationNoise: 0.5,
        seed: 5,
        blockSize,
        blockOrder: order,
      });
      for (let k = 0; k < 10; k++) system.step(0.1);
      return system;
    };
    const reference = run(ascending);
    for (const order of orders) expect(sameBits(run(order).lambda, reference.lambda)).toBe(true);
  });
});

describe('fused ridge step', () => {
  it('matches validationLosses and eulerMaruyama bit for bit', () => {
    // d = 5 covers the odd coordinate left after the pairs.
    const model = new RidgeModel({ d: 5, u: [1, -0.5, 0.2, 0, 2], w: [0.3, 0.1, -0.4, 1, 0.5], temperature: 0.7 });
    const agents = 40;
    const rng = new StreamDraws(streamFor(41, 0));
    const theta = new Float64Array(agents * 5);
    const normals = new Float64Array(agents * 5);
    const lambda = new Float64Array(agents);
    rng.normals(theta, 0, theta.length);
    rng.normals(normals, 0, normals.length);
    rng.uniforms(lambda, 0, agents);
    const identity = Int32Array.from({ length: agents }, (_, i) => i);
    const [start, end, h] = [3, 37, 0.05];

    const lossesApart = new Float64Array(agents);
    const nextApart = new Float64Array(agents * 5);
    model.validationLosses(theta, lambda, start, end, lossesApart);
    model.eulerMaruyama(theta, identity, lambda, normals, h, start, end, nextApart);
    const lossesFused = new Float64Array(agents);
    const nextFused = new Float64Array(agents * 5);
    model.validationLossesAndStep(theta, lambda, normals, h, start, end, nextFused, lossesFused);

    expect(sameBits(lossesFused, lossesApart)).toBe(true);
    expect(sameBits(nextFused, nextApart)).toBe(true);
  });
});

describe('selection decisions', () => {
  // Every agent is replaced with probability p, independently of the others and of
  // its place in the block. 400 blocks of 50 agents over 50 steps give 20 000 trials
  // per place in the block; Pearson's statistic over the 50 places has 49 degrees of
  // freedom. The total over 10^6 trials is Binomial(10^6, p), checked within 5 standard
  // deviations. p = 0.1 uses the geometric gaps and p = 0.4 one uniform per agent.
  for (const p of [0.1, 0.4]) {
    it(`replaces each place in a block with probability ${p}`, () => {
      const blockSize = 50;
      const agents = 400 * blockSize;
      const dt = 0.1;
      const system = new ParticleSystem({
        model: new RidgeModel({ d: 1, u: 0, w: 0, temperature: 0.1 }),
        domain: new Box([0], [1]),
        particles: agents,
        alpha: 0.5,
        gamma: -Math.log(1 - p) / dt,
        epsilon: 1,
        kernel: reflect(0.05),
        initialLambda: new Float64Array(agents).fill(0.5),
        seed: 42,
        blockSize,
      });
      const counts = new Float64Array(blockSize);
      const steps = 50;
      for (let step = 0; step < steps; step++) {
        system.step(dt);
        system.parents.forEach((parent, i) => {
          if (parent >= 0) counts[i % blockSize]++;
        });
      }
      expect(chiSquareStatistic(counts, new Float64Array(blockSize).fill(1))).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[49]);
      const trials = agents * steps;
      const total = counts.reduce((sum, c) => sum + c, 0);
      expect(system.selectionCount).toBe(total);
      expect(Math.abs(total - trials * p)).toBeLessThan(5 * Math.sqrt(trials * p * (1 - p)));
    });
  }
});

describe('ParentTable', () => {
  /** Builds a table over `weights` in blocks of `blockSize`, with or without guides. */
  function table(weights: Float64Array, blockSize: number, withGuide: boolean): ParentTable {
    const layout = new BlockLayout(weights.length, blockSize);
    const parents = new ParentTable(layout, new Float64Array(weights.length), new Float64Array(layout.count), new Int32Array(weights.length));
    for (let b = 0; b < layout.count; b++) parents.cumulateBlock(b, weights, WeightTransform.Identity, 0, 0, withGuide);
    parents.sumBlocks();
    return parents;
  }

  it('guided and binary search return the same agent', () => {
    // 1000 agents in blocks of 64 (the last one has 40), weights spanning e^{−8} to 1,
    // and every seventh weight 0.
    const rng = new StreamDraws(streamFor(43, 0));
    const weights = Float64Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? 0 : Math.exp(-8 * rng.uniform())));
    const plain = table(weights, 64, false);
    const guided = table(weights, 64, true);
    for (let k = 0; k < 100_000; k++) {
      const u = rng.uniform();
      const agent = plain.sample(u, false);
      expect(guided.sample(u, true)).toBe(agent);
      expect(weights[agent]).toBeGreaterThan(0);
    }
    // The largest uniform, 1 − 2^-53, lands on the last agent of positive weight.
    expect(plain.sample(1 - 2 ** -53, false)).toBe(999);
  });

  it('search matches the weights by a chi-square test', () => {
    // 50 agents with weights e^{−j/25} in blocks of 8; 200 000 draws, 49 degrees of freedom.
    const weights = Float64Array.from({ length: 50 }, (_, j) => Math.exp(-j / 25));
    const parents = table(weights, 8, false);
    const rng = new StreamDraws(streamFor(44, 0));
    const counts = new Float64Array(50);
    for (let k = 0; k < 200_000; k++) counts[parents.sample(rng.uniform(), false)]++;
    expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[49]);
  });

  it('rejection matches the Boltzmann weights by a chi-square test', () => {
    // V_j = j/25 with α = 1, shifted by min V = 0: weights e^{−j/25} ≤ 1 = bound.
    const values = Float64Array.from({ length: 50 }, (_, j) => j / 25);
    const layout = new BlockLayout(50, 8);
    const parents = new ParentTable(layout, new Float64Array(50), new Float64Array(layout.count), new Int32Array(50));
    const draws = new StreamDraws(streamFor(45, 0));
    const counts = new Float64Array(50);
    for (let k = 0; k < 200_000; k++) counts[parents.sampleByRejection(draws, values, WeightTransform.Exp, -1, 0, 1)]++;
    const weights = Array.from(values, (v) => Math.exp(-v));
    expect(chiSquareStatistic(counts, weights)).toBeLessThan(CHI_SQUARE_CRITICAL_0_001[49]);
  });

  it('rejection on values never returns a weight of 0', () => {
    const values = Float64Array.of(0, 3, 0, 1, 0);
    const parents = new ParentTable(new BlockLayout(5, 2), new Float64Array(5), new Float64Array(3), new Int32Array(5));
    const draws = new StreamDraws(streamFor(46, 0));
    const counts = new Float64Array(5);
    for (let k = 0; k < 40_000; k++) counts[parents.sampleByRejection(draws, values, WeightTransform.Identity, 0, 0, 3)]++;
    expect([counts[0], counts[2], counts[4]]).toEqual([0, 0, 0]);
    // 3 : 1 over 40 000 draws; the standard deviation of the count of agent 1 is about 87.
    expect(Math.abs(counts[1] - 30_000)).toBeLessThan(500);
  });

  it('search past a block total: last positive agent', () => {
    // Rounding of the two levels can leave the target within a block at or above the
    // block's own total. Here the block-level sums are 1 and 2.5 while block 1 sums to
    // 1.4, with zero weights at its end, so the draw goes to agent 4.
    const layout = new BlockLayout(6, 3);
    const parents = new ParentTable(layout, Float64Array.of(1, 1, 1, 0.4, 1.4, 1.4), Float64Array.of(1, 2.5), new Int32Array(6));
    expect(parents.sample(0.99, false)).toBe(4);
  });
});
