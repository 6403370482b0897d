import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseConfig } from '../../src/io/config.js';
import {
  buildKineticLimitProblem,
  buildKineticProblem,
  isKineticConfig,
  kineticMarginalSolution,
  kineticSolveOptions,
  loadRunConfig,
  parseKineticConfig,
  parseRunConfig,
  resolveKineticReference,
  type ResolvedKineticConfig,
} from '../../src/io/kinetic-config.js';
import { ConfigError } from '../../src/model/errors.js';
import { discreteGibbsState, kineticSolver, lambdaMarginal } from '../../solvers/kinetic/index.js';
import '../../solvers/finite-volume/index.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'kinetic', 'double-well.json');

/** Returns a small valid kinetic config. Each bad case below changes one thing in it. */
function baseConfig(): Record<string, any> {
  return {
    name: 'kinetic-base',
    form: 'kinetic',
    thetaDomain: { lower: [-2], upper: [2] },
    thetaGrid: { cells: 24 },
    domain: { kind: 'box', lower: [0], upper: [1] },
    grid: { cells: 16 },
    loss: '0.5 * (theta - u)^2 + 0.5 * lambda * theta^2',
    validation: '0.5 * (theta - 0.3)^2',
    sigma: 0.2,
    parameters: { u: 0.8 },
    alpha: 2,
    gamma: 1,
    epsilon: 0.1,
    mutation: { kind: 'gaussian', std: 0.1, boundary: 'reflect' },
    initial: { kind: 'uniform' },
    times: [0.5, 1],
  };
}

function configError(object: unknown): ConfigError {
  try {
    parseKineticConfig(object, 'kinetic.json');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseKineticConfig accepted the config');
}

function mass(values: Float64Array, cellVolume: number): number {
  return values.reduce((s, v) => s + v, 0) * cellVolume;
}

describe('kinetic config', () => {
  it('fills defaults', () => {
    const config = parseKineticConfig(baseConfig(), 'kinetic.json');
    expect(config.version).toBe(1);
    expect(config.thetaDomain).toEqual({ kind: 'box', lower: [-2], upper: [2], labels: ['theta'] });
    expect(config.thetaGrid.cells).toEqual([24]);
    expect(config.domain.labels).toEqual(['lambda']);
    expect(config.thetaInitial).toEqual({ kind: 'gibbs' });
    expect(config.solver).toEqual({ fokkerPlanck: 'backward-euler', selection: 'euler' });
    expect(config.reference).toEqual({ name: 'finite-volume' });
    expect(config.epsilonStudy).toBeUndefined();
    expect(config.mutation).toEqual({ kind: 'gaussian', std: [0.1], boundary: 'reflect', coordinates: 'absolute' });
    expect(config.output).toEqual({ csv: true, npy: false });
    expect(config.initialMass).toBeCloseTo(1, 14);
  });

  it('round-trips through the resolved config', async () => {
    for (const object of [baseConfig(), JSON.parse(readFileSync(EXAMPLE, 'utf8'))]) {
      const config = parseKineticConfig(object, 'first');
      const again = parseKineticConfig(JSON.parse(JSON.stringify(config)), 'resolved');
      expect(again).toEqual(config);
      expect(Object.keys(again)).toEqual(Object.keys(config));
    }
    const loaded = await loadRunConfig(EXAMPLE);
    expect(isKineticConfig(loaded)).toBe(true);
    expect(parseRunConfig(JSON.parse(JSON.stringify(loaded)), 'resolved')).toEqual(loaded);
  });

  it('dispatches on form', () => {
    const sm = {
      name: 'sm',
      form: 'SM',
      domain: { kind: 'box', lower: [0], upper: [1] },
      grid: { cells: 8 },
      fitness: { kind: 'expression', expression: '1 + lambda' },
      mutation: { std: 0.1 },
      gamma: 1,
      initial: { kind: 'uniform' },
      times: [1],
    };
    expect(parseRunConfig(sm, 'sm').form).toBe('SM');
    expect(isKineticConfig(parseRunConfig(baseConfig(), 'kinetic'))).toBe(true);
    expect(() => parseRunConfig({ ...sm, form: 'kinetics' }, 'x')).toThrow(/form: invalid value "kinetics".*"kinetic"/);
    expect(() => parseConfig(baseConfig(), 'x')).toThrow(/form: form "kinetic".*parseKineticConfig/);
  });

  it('builds the problem with mass 1 and marginal ρ₀', () => {
    const object = baseConfig();
    object.initial = { kind: 'gaussian', mean: [0.4], std: [0.2] };
    object.thetaInitial = { kind: 'gaussian', mean: 0.5, std: 0.4 };
    const config = parseKineticConfig(object, 'kinetic.json');
    const problem = buildKineticProblem(config);
    const { thetaGrid, lambdaGrid } = problem;
    expect(thetaGrid.shape).toEqual([24]);
    expect(lambdaGrid.shape).toEqual([16]);
    expect(problem.kernel).toEqual({ kind: 'gaussian', std: [0.1], boundary: 'reflect' });
    expect(Math.abs(mass(problem.initial, thetaGrid.spacing[0] * lambdaGrid.spacing[0]) - 1)).toBeLessThan(1e-13);

    const limit = buildKineticLimitProblem(problem);
    const rho = lambdaMarginal(problem.initial, 24, 16, thetaGrid.spacing[0]);
    expect(Array.from(limit.initial.values)).toEqual(Array.from(rho));
    expect(limit.initial.mass()).toBeCloseTo(1, 13);
    // Every λ column has the same θ profile, so f₀(θ_j, λ_i)/ρ₀(λ_i) does not depend on i.
    const ratio = (j: number, i: number) => problem.initial[j * 16 + i] / rho[i];
    expect(ratio(10, 3)).toBeCloseTo(ratio(10, 12), 12);
  });

  it('gibbs start is stationary without selection', () => {
    const object = { ...baseConfig(), gamma: 0, reference: false };
    const problem = buildKineticProblem(parseKineticConfig(object, 'kinetic.json'));
    const gibbs = discreteGibbsState(problem, problem.lambdaGrid);
    // Uniform ρ₀ = 1 on [0, 1], so f₀ is the Gibbs state itself.
    gibbs.forEach((g, k) => expect(Math.abs(problem.initial[k] - g)).toBeLessThan(1e-12 * g + 1e-300));
    const solution = kineticSolver.solve(problem, { dt: 0.05 });
    const final = solution.snapshots.at(-1)!.joint.values;
    let worst = 0;
    final.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - gibbs[k]))));
    expect(worst).toBeLessThan(1e-12 * Math.max(...gibbs));
  });

  it('sets the solver options', () => {
    const object = { ...baseConfig(), solver: { fokkerPlanck: 'exact', selection: 'exponential', dt: 2 } };
    expect(kineticSolveOptions(parseKineticConfig(object, 'x'))).toEqual({ fokkerPlanck: 'exact', selection: 'exponential', dt: 2 });
    expect(kineticSolveOptions(parseKineticConfig(baseConfig(), 'x'))).toEqual({ fokkerPlanck: 'backward-euler', selection: 'euler' });
  });

  it('resolves the reference scheme', () => {
    const config = parseKineticConfig(baseConfig(), 'x');
    const resolved = resolveKineticReference(config);
    expect(resolved.reference).toEqual({ name: 'finite-volume', scheme: 'ssp-rk3' });
    const unknown: ResolvedKineticConfig = { ...config, reference: { name: 'no-such-solver' } };
    expect(() => resolveKineticReference(unknown)).toThrow(/reference\.name: invalid value "no-such-solver"; expected one of .*finite-volume/);
    const scheme: ResolvedKineticConfig = { ...config, reference: { name: 'finite-volume', scheme: 'rk9' } };
    expect(() => resolveKineticReference(scheme)).toThrow(/reference\.scheme: invalid value "rk9".*ssp-rk3/);
    expect(resolveKineticReference({ ...config, reference: false }).reference).toBe(false);
  });
});

describe('kinetic config errors', () => {
  const cases: Array<[string, (c: Record<string, any>) => unknown, string, RegExp]> = [
    ['a misspelt key', (c) => ({ ...c, epsilom: 0.1 }), 'epsilom', /unknown key \(did you mean "epsilon"\?\)/],
    ['a fitness section', (c) => ({ ...c, fitness: { kind: 'expression', expression: '1' } }), 'fitness', /not used by form "kinetic".*remove the key/],
    ['a missing epsilon', (c) => ({ ...c, epsilon: undefined }), 'epsilon', /missing required key; expected a finite number > 0/],
    ['epsilon 0', (c) => ({ ...c, epsilon: 0 }), 'epsilon', /invalid value 0; expected a finite number > 0/],
    ['negative alpha', (c) => ({ ...c, alpha: -1 }), 'alpha', /invalid value -1; expected a finite number ≥ 0/],
    ['a θ torus', (c) => ({ ...c, thetaDomain: { kind: 'torus', lower: [-2], upper: [2] } }), 'thetaDomain.kind', /"box"/],
    ['an empty θ interval', (c) => ({ ...c, thetaDomain: { lower: [2], upper: [2] } }), 'thetaDomain.upper', /> thetaDomain.lower = 2/],
    ['one θ cell', (c) => ({ ...c, thetaGrid: { cells: 1 } }), 'thetaGrid.cells', /an integer ≥ 2/],
    [
      'a 2D λ domain',
      (c) => ({ ...c, domain: { kind: 'box', lower: [0, 0], upper: [1, 1] } }),
      'domain.lower',
      /one hyperparameter/,
    ],
    ['a loss with a syntax error', (c) => ({ ...c, loss: '(theta' }), 'loss', /expression "\(theta"/],
    ['a loss with an unknown symbol', (c) => ({ ...c, loss: 'theta^2 * k' }), 'loss', /"k"/],
    ['a validation loss in x', (c) => ({ ...c, validation: 'x^2' }), 'validation', /"x"/],
    ['a σ that reaches 0', (c) => ({ ...c, sigma: '0.5 - lambda' }), 'sigma', /σ\(λ = .*\) = .*σ must be finite and > 0/],
    ['a non-finite loss', (c) => ({ ...c, loss: 'log(theta)' }), 'loss', /L\(θ = -1.9\d*, λ = .*\) = NaN; L must be finite/],
    ['a θ profile outside the interval', (c) => ({ ...c, thetaInitial: { kind: 'gaussian', mean: 60, std: 0.1 } }), 'thetaInitial', /mass 0/],
    ['an unknown θ initial kind', (c) => ({ ...c, thetaInitial: { kind: 'delta' } }), 'thetaInitial.kind', /"gibbs", "gaussian", "uniform"/],
    ['an unknown integrator', (c) => ({ ...c, solver: { selection: 'rk4' } }), 'solver.selection', /"euler", "ssp-rk3", "exponential"/],
    ['γΔt > 1 with euler selection', (c) => ({ ...c, gamma: 4, solver: { dt: 0.5 } }), 'solver.dt', /≤ 1\/γ = 0.25.*"exponential"/],
    [
      'the exact flow on too many θ cells',
      (c) => ({ ...c, thetaGrid: { cells: 300 }, solver: { fokkerPlanck: 'exact' } }),
      'solver.fokkerPlanck',
      /at most 256 θ cells/,
    ],
    ['a reference with gamma 0', (c) => ({ ...c, gamma: 0 }), 'reference', /gamma > 0.*"reference": false/],
    ['an ε-study with one ε', (c) => ({ ...c, epsilonStudy: { epsilons: [0.1] } }), 'epsilonStudy.epsilons', /at least two/],
    ['an ε-study with a repeated ε', (c) => ({ ...c, epsilonStudy: { epsilons: [0.1, 0.1] } }), 'epsilonStudy.epsilons[1]', /different from/],
    ['a wrong initialMass', (c) => ({ ...c, initialMass: 3 }), 'initialMass', /does not match ∫ρ₀ = 1/],
  ];

  for (const [label, change, field, message] of cases) {
    it(`rejects ${label}`, () => {
      const error = configError(change(baseConfig()));
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('(in kinetic.json)');
    });
  }
});

describe('kinetic marginal solution', () => {
  it('wraps the λ-marginal as an SM solution', () => {
    const problem = buildKineticProblem(parseKineticConfig(baseConfig(), 'x'));
    const kinetic = kineticSolver.solve(problem, { dt: 0.05 });
    const marginal = kineticMarginalSolution(kinetic);
    expect(marginal.solver).toBe('kinetic');
    expect(marginal.problem.form).toBe('SM');
    expect(marginal.problem.grid).toBe(problem.lambdaGrid);
    expect(marginal.snapshots.map((s) => s.time)).toEqual([0, 0.5, 1]);
    expect(marginal.snapshots[2].density.values).toBe(kinetic.marginals[2].density.values);
    expect(marginal.stats.minJoint).toBe(kinetic.stats.minValue);
    expect(marginal.stats.minValue).toBeGreaterThan(kinetic.stats.minValue);
  });
});

describe('pbt-mf run on the kinetic example', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'pbt-mf-kinetic-'));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('writes a complete run folder', async () => {
    const out = join(workspace, 'double-well');
    let stdout = '';
    let stderr = '';
    const streams = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
    };
    const code = await runCli(['run', EXAMPLE, '--out', out], streams);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`run folder: ${out}`);
    expect(readdirSync(workspace)).toEqual(['double-well']);

    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'config.json',
      'epsilon-study.json',
      'figures.json',
      'joint-kinetic.csv',
      'joint-kinetic.json',
      'metadata.json',
      'report.html',
      'snapshots-finite-volume.csv',
      'snapshots-finite-volume.json',
      'snapshots-kinetic.csv',
      'snapshots-kinetic.json',
      'trace-finite-volume.csv',
      'trace-kinetic.csv',
    ]);

    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(parseRunConfig(config, 'written')).toEqual(config);
    expect(config.reference).toEqual({ name: 'finite-volume', scheme: 'ssp-rk3', dt: 0.005 });

    const joint = JSON.parse(readFileSync(join(out, 'joint-kinetic.json'), 'utf8'));
    const [thetaCells, lambdaCells] = [joint.thetaGrid.cells[0], joint.lambdaGrid.cells[0]];
    expect(joint.times).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(joint.values).toHaveLength(5);
    const cellVolume = joint.thetaGrid.spacing[0] * joint.lambdaGrid.spacing[0];
    for (const values of joint.values) {
      expect(values).toHaveLength(thetaCells * lambdaCells);
      expect(Math.abs(mass(Float64Array.from(values), cellVolume) - 1)).toBeLessThan(1e-12);
    }

    const marginal = JSON.parse(readFileSync(join(out, 'snapshots-kinetic.json'), 'utf8'));
    const last = Float64Array.from(joint.values[4]);
    const expected = lambdaMarginal(last, thetaCells, lambdaCells, joint.thetaGrid.spacing[0]);
    marginal.values[4].forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i], 14));
    expect(marginal.fitness).toHaveLength(lambdaCells);
    expect(readFileSync(join(out, 'trace-kinetic.csv'), 'utf8').split('\n')[0]).toBe('time,mean_lambda,mass,min_rho');
    expect(readFileSync(join(out, 'joint-kinetic.csv'), 'utf8').split('\n')[0]).toBe('time,theta,lambda,f');

    const study = JSON.parse(readFileSync(join(out, 'epsilon-study.json'), 'utf8'));
    expect(study.rows.map((row: { epsilon: number }) => row.epsilon)).toEqual([0.01, 0.005, 0.0025]);
    const rate = study.rates.at(-1);
    expect(rate).toBeGreaterThan(0.8);
    expect(rate).toBeLessThan(1.2);

    const metadata = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8'));
    expect(metadata.solvers.map((s: { label: string }) => s.label)).toEqual(['kinetic', 'finite-volume']);
    expect(metadata.kinetic).toMatchObject({ epsilon: 0.05, thetaCells: 80, lambdaCells: 48 });

    const report = readFileSync(join(out, 'report.html'), 'utf8');
    for (const title of ['Joint density f(θ, λ)', 'Marginal densities', 'against the ε → 0 limit', 'ε-study']) {
      expect(report).toContain(title);
    }
  });

  it('rejects an invalid kinetic config without a folder', async () => {
    const out = join(workspace, 'invalid');
    let stderr = '';
    const streams = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text), isTTY: false } };
    const path = join(workspace, 'invalid.json');
    writeFileSync(path, JSON.stringify({ ...baseConfig(), epsilon: -1 }));
    expect(await runCli(['run', path, '--out', out], streams)).toBe(2);
    expect(stderr).toMatch(/^pbt-mf: error: epsilon: invalid value -1/);
    expect(existsSync(out)).toBe(false);
  });
});
