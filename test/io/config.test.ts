import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildProblem,
  loadConfig,
  parseConfig,
  parseConfigText,
  resolveSolverChoices,
  type ResolvedConfig,
} from '../../src/io/config.js';
import { ConfigError } from '../../src/model/errors.js';
import { RidgeFitness } from '../../src/model/fitness-models.js';
import { registerSolver, type Solver } from '../../src/model/solver.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

/** Returns a small valid SM config. Each bad case below changes one thing in it. */
function baseConfig(): Record<string, any> {
  return {
    name: 'base',
    form: 'SM',
    domain: { kind: 'box', lower: [0], upper: [1] },
    grid: { cells: 16 },
    fitness: { kind: 'expression', expression: '1 + lambda' },
    mutation: { kind: 'gaussian', std: 0.1, boundary: 'reflect' },
    gamma: 1,
    initial: { kind: 'uniform' },
    times: [1, 2],
  };
}

function configError(object: unknown): ConfigError {
  try {
    parseConfig(object, 'test.json');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseConfig accepted the config');
}

describe('examples', () => {
  let files: string[] = [];
  beforeAll(async () => {
    files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.json')).sort();
  });

  it('include the six documented configs', () => {
    expect(files).toEqual([
      'generational.json',
      'pbt-practice-truncation.json',
      'ridge-weight-decay-rm.json',
      'ridge-weight-decay-sm.json',
      'two-hyperparameters-2d.json',
      'validation-ridge.json',
    ]);
  });

  it('load and build', async () => {
    for (const file of files) {
      const config = await loadConfig(join(EXAMPLES, file));
      const problem = buildProblem(config);
      expect(problem.form, file).toBe(config.form);
      expect(problem.grid.size, file).toBe(config.grid.cells.reduce((p, n) => p * n, 1));
      expect(problem.initial.mass(), file).toBeCloseTo(1, 12);
      expect(problem.initial.min(), file).toBeGreaterThanOrEqual(0);
      expect(problem.times.length, file).toBeGreaterThan(0);
    }
  });

  it('round-trip through the resolved config', async () => {
    for (const file of files) {
      const config = await loadConfig(join(EXAMPLES, file));
      const again = parseConfig(JSON.parse(JSON.stringify(config)), 'resolved');
      expect(again, file).toEqual(config);
    }
  });

  it('ridge SM optimum lies inside the box', async () => {
    const config = await loadConfig(join(EXAMPLES, 'ridge-weight-decay-sm.json'));
    const problem = buildProblem(config);
    if (problem.form !== 'SM' || !(problem.fitness instanceof RidgeFitness)) throw new Error('expected a ridge SM problem');
    const best = problem.fitness.argmax(0, 3);
    expect(best.lambda).toBeGreaterThan(0.1);
    expect(best.lambda).toBeLessThan(2.9);
    expect(problem.grid.shape).toEqual([256]);
    expect(problem.times[problem.times.length - 1]).toBe(80);
  });

  it('ridge RM matches the SM rates', async () => {
    const sm = await loadConfig(join(EXAMPLES, 'ridge-weight-decay-sm.json'));
    const rm = await loadConfig(join(EXAMPLES, 'ridge-weight-decay-rm.json'));
    const delta = sm.mutation!.std[0];
    expect(rm.fitness).toEqual(sm.fitness);
    expect(rm.potential).toBe('log-fitness');
    expect(rm.beta).toBe(sm.gamma);
    expect(rm.nu).toBeCloseTo((sm.gamma! * delta * delta) / 2, 15);

    const problem = buildProblem(rm);
    if (problem.form !== 'RM') throw new Error('expected RM');
    const fitness = new RidgeFitness(rm.fitness as never);
    expect(problem.potential.evaluate([1.5])).toBeCloseTo(Math.log(fitness.evaluate([1.5])), 14);
  });

  it('truncation example uses normalized clip mutation', async () => {
    const config = await loadConfig(join(EXAMPLES, 'pbt-practice-truncation.json'));
    const problem = buildProblem(config);
    if (problem.form !== 'T') throw new Error('expected T');
    expect(problem.q).toBe(0.2);
    expect(problem.kernel.boundary).toBe('clip');
    // std 0.1 on [−1, 1] is 0.1 · (−2 − (−5)) / 2 = 0.15 in log10 learning rate.
    expect(problem.kernel.std[0]).toBeCloseTo(0.15, 15);
    expect(problem.times).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const centres = problem.grid.centres(0);
    const values = problem.fitness.onGrid(problem.grid);
    const best = centres[values.indexOf(Math.max(...values))];
    expect(Math.abs(best - -3.3)).toBeLessThan(0.05);
  });

  it('generational example wraps its indicator', async () => {
    const config = await loadConfig(join(EXAMPLES, 'generational.json'));
    const problem = buildProblem(config);
    expect(problem.form).toBe('G');
    // The interval [0.8, 1.1] covers 0.2 of the torus above 0.8 and 0.1 below 0.1.
    const values = problem.initial.values;
    const first = values[0];
    const last = values[values.length - 1];
    expect(first).toBeCloseTo(1 / 0.3, 12);
    expect(last).toBeCloseTo(1 / 0.3, 12);
    expect(values[64]).toBe(0);
  });
});

describe('parseConfig', () => {
  it('fills defaults', () => {
    const config = parseConfig(baseConfig(), 'test.json');
    expect(config.version).toBe(1);
    expect(config.description).toBe('');
    expect(config.domain.labels).toEqual(['lambda']);
    expect(config.grid.cells).toEqual([16]);
    expect(config.mutation).toEqual({ kind: 'gaussian', std: [0.1], boundary: 'reflect', coordinates: 'absolute' });
    expect(config.solver).toEqual([{ name: 'finite-volume' }]);
    expect(config.seed).toBe(0);
    expect(config.output).toEqual({ csv: true, npy: false });
    expect(config.fitness).toEqual({ kind: 'expression', expression: '1 + lambda', parameters: {} });
  });

  it('defaults the boundary by domain kind', () => {
    const box = baseConfig();
    delete box.mutation.boundary;
    expect(parseConfig(box, 'box').mutation?.boundary).toBe('reflect');
    const torus = baseConfig();
    delete torus.mutation.boundary;
    torus.domain.kind = 'torus';
    expect(parseConfig(torus, 'torus').mutation?.boundary).toBe('wrap');
  });

  it('defaults the RM potential to log F', () => {
    const object = baseConfig();
    object.form = 'RM';
    delete object.mutation;
    delete object.gamma;
    object.beta = 1;
    object.nu = 0.01;
    const config = parseConfig(object, 'rm');
    expect(config.potential).toBe('log-fitness');
    const problem = buildProblem(config);
    if (problem.form !== 'RM') throw new Error('expected RM');
    expect(problem.potential.evaluate([0.5])).toBeCloseTo(Math.log(1.5), 15);
  });

  it('accepts an explicit RM potential', () => {
    const object = baseConfig();
    object.form = 'RM';
    delete object.mutation;
    delete object.gamma;
    delete object.fitness;
    object.potential = { kind: 'expression', expression: '-(lambda - 0.5)^2' };
    object.beta = 1;
    object.nu = 0;
    const problem = buildProblem(parseConfig(object, 'rm'));
    if (problem.form !== 'RM') throw new Error('expected RM');
    expect(problem.potential.evaluate([0.5])).toBe(-0);
  });

  it('records the initial mass', () => {
    const object = baseConfig();
    object.domain.upper = [3];
    const uniform = parseConfig(object, 'mass');
    expect(uniform.initialMass).toBeCloseTo(3, 14);

    object.initial = { kind: 'values', values: new Array(16).fill(2) };
    const values = parseConfig(object, 'mass');
    expect(values.initialMass).toBeCloseTo(6, 14);
    const problem = buildProblem(values);
    expect(problem.initial.values[5]).toBeCloseTo(1 / 3, 15);
  });

  it('rejects an initialMass that disagrees with initial', () => {
    const object = baseConfig();
    object.domain.upper = [3];
    expect(parseConfig({ ...object, initialMass: 3 }, 'mass').initialMass).toBeCloseTo(3, 14);
    expect(() => parseConfig({ ...object, initialMass: 2 }, 'mass')).toThrow(/initialMass.*does not match.*remove it/);
  });

  it('evenly spaces {end, count} times', () => {
    const object = baseConfig();
    object.times = { end: 2, count: 4 };
    expect(parseConfig(object, 'times').times).toEqual([0.5, 1, 1.5, 2]);

    object.form = 'G';
    delete object.gamma;
    object.times = { end: 10, count: 4 };
    expect(parseConfig(object, 'times').times).toEqual([3, 5, 8, 10]);
  });

  it('converts normalized mutation std to λ units', () => {
    const object = baseConfig();
    object.domain = { kind: 'box', lower: [-5, 0], upper: [-1, 0.5] };
    object.grid = { cells: [8, 8] };
    object.fitness = { kind: 'expression', expression: '1' };
    object.mutation = { std: [0.1, 0.2], boundary: 'reflect', coordinates: 'normalized' };
    const problem = buildProblem(parseConfig(object, '2d'));
    if (problem.form !== 'SM') throw new Error('expected SM');
    expect(problem.kernel.std[0]).toBeCloseTo(0.2, 15);
    expect(problem.kernel.std[1]).toBeCloseTo(0.05, 15);
  });

  it('builds a quadrature fitness', () => {
    const object = baseConfig();
    object.fitness = {
      kind: 'quadrature',
      thetaDim: 1,
      loss: '0.5 * (theta - 1)^2 + lambda / 2 * theta^2',
      validation: '0.5 * (theta - w)^2',
      sigma: 0.2,
      alpha: 4,
      thetaLower: [-4],
      thetaUpper: [5],
      points: 401,
      parameters: { w: 0.6 },
    };
    const config = parseConfig(object, 'quadrature');
    expect(config.fitness).toMatchObject({ kind: 'quadrature', points: 401, sigma: 0.2 });
    const problem = buildProblem(config);
    if (problem.form !== 'SM') throw new Error('expected SM');
    // The same model in closed form: the ridge teacher with d = 1.
    const ridge = new RidgeFitness({ d: 1, u: 1, w: 0.6, temperature: 0.2, alpha: 4 });
    expect(problem.fitness.evaluate([0.7])).toBeCloseTo(ridge.evaluate([0.7]), 10);
  });

  it('builds a values fitness', () => {
    const object = baseConfig();
    object.grid.cells = 4;
    object.fitness = { kind: 'values', values: [1, 2, 3, 4], shape: [4] };
    const problem = buildProblem(parseConfig(object, 'values'));
    if (problem.form !== 'SM') throw new Error('expected SM');
    expect(Array.from(problem.fitness.onGrid(problem.grid))).toEqual([1, 2, 3, 4]);
  });

  it('defaults quadrature points', () => {
    const object = baseConfig();
    object.fitness = {
      kind: 'quadrature',
      thetaDim: 1,
      loss: '0.5 * theta^2',
      validation: '0.5 * theta^2',
      sigma: '1 + lambda',
      alpha: 1,
      thetaLower: [-8],
      thetaUpper: [8],
    };
    const config = parseConfig(object, 'quadrature');
    expect(config.fitness).toMatchObject({ points: 201, parameters: {} });
  });

  it('builds a 2D Gaussian initial density', () => {
    const object = baseConfig();
    object.domain = { kind: 'box', lower: [0, 0], upper: [1, 2] };
    object.grid = { cells: [32, 32] };
    object.fitness = { kind: 'expression', expression: '1 + lambda1 * lambda2' };
    object.initial = { kind: 'gaussian', mean: [0.5, 1], std: 0.1 };
    const problem = buildProblem(parseConfig(object, '2d'));
    const mean = problem.initial.mean();
    expect(problem.initial.mass()).toBeCloseTo(1, 13);
    expect(mean[0]).toBeCloseTo(0.5, 10);
    expect(mean[1]).toBeCloseTo(1, 10);
  });
});

interface BadCase {
  description: string;
  change: (config: Record<string, any>) => void;
  field: string;
  fragment: RegExp;
}

const BAD_CASES: BadCase[] = [
  { description: 'negative mutation std', change: (c) => (c.mutation.std = -0.1), field: 'mutation.std', fragment: /invalid value -0\.1; expected a finite number > 0/ },
  { description: 'zero mutation std in an array', change: (c) => (c.mutation.std = [0]), field: 'mutation.std[0]', fragment: /invalid value 0;/ },
  { description: 'std array of wrong length', change: (c) => (c.mutation.std = [0.1, 0.2]), field: 'mutation.std', fragment: /\[0\.1,0\.2\]; expected .*length 1/ },
  { description: 'misspelt mutation key', change: (c) => (c.mutation.sdt = 0.1), field: 'mutation.sdt', fragment: /unknown key \(did you mean "std"\?\); allowed keys in mutation: kind, std, boundary, coordinates/ },
  { description: 'misspelt top-level key', change: (c) => (c.gama = 1), field: 'gama', fragment: /did you mean "gamma"/ },
  { description: 'q on SM', change: (c) => (c.q = 0.2), field: 'q', fragment: /not used by form "SM" \(only by form T\); remove the key/ },
  { description: 'nu on SM', change: (c) => (c.nu = 0.2), field: 'nu', fragment: /not used by form "SM" \(only by form RM\)/ },
  { description: 'potential on SM', change: (c) => (c.potential = 'log-fitness'), field: 'potential', fragment: /not used by form "SM"/ },
  { description: 'unknown form', change: (c) => (c.form = 'XY'), field: 'form', fragment: /invalid value "XY"; expected one of "SM", "RM", "G", "T"/ },
  { description: 'missing gamma', change: (c) => delete c.gamma, field: 'gamma', fragment: /missing required key; expected a finite number > 0/ },
  { description: 'zero gamma', change: (c) => (c.gamma = 0), field: 'gamma', fragment: /invalid value 0/ },
  { description: 'string gamma', change: (c) => (c.gamma = '1'), field: 'gamma', fragment: /invalid value "1"/ },
  { description: 'empty name', change: (c) => (c.name = ' '), field: 'name', fragment: /invalid value " "; expected a non-empty string/ },
  { description: 'unsupported version', change: (c) => (c.version = 2), field: 'version', fragment: /invalid value 2; expected one of 1/ },
  { description: 'domain of dimension 3', change: (c) => (c.domain.lower = [0, 0, 0]), field: 'domain.lower', fragment: /\[0,0,0\]; expected an array of 1 or 2 numbers/ },
  { description: 'upper length mismatch', change: (c) => (c.domain.upper = [1, 2]), field: 'domain.upper', fragment: /of length 1, got length 2/ },
  { description: 'reversed domain bounds', change: (c) => (c.domain.upper = [-1]), field: 'domain.upper[0]', fragment: /invalid value -1; expected a number > domain.lower\[0\] = 0/ },
  { description: 'unknown domain kind', change: (c) => (c.domain.kind = 'sphere'), field: 'domain.kind', fragment: /"sphere"; expected one of "box", "torus"/ },
  { description: 'one cell', change: (c) => (c.grid.cells = 1), field: 'grid.cells', fragment: /invalid value 1; expected an integer ≥ 2/ },
  { description: 'fractional cells', change: (c) => (c.grid.cells = 10.5), field: 'grid.cells', fragment: /invalid value 10\.5/ },
  { description: 'too many cells', change: (c) => (c.grid.cells = 1e8), field: 'grid.cells', fragment: /at most 16777216 cells/ },
  { description: 'wrap on a box', change: (c) => (c.mutation.boundary = 'wrap'), field: 'mutation.boundary', fragment: /invalid value "wrap"; expected "reflect" or "clip" on a domain of kind "box"/ },
  { description: 'reflect on a torus', change: (c) => (c.domain.kind = 'torus'), field: 'mutation.boundary', fragment: /invalid value "reflect"; expected "wrap"/ },
  { description: 'unknown coordinates', change: (c) => (c.mutation.coordinates = 'relative'), field: 'mutation.coordinates', fragment: /"relative"; expected one of "absolute", "normalized"/ },
  { description: 'no output times', change: (c) => (c.times = []), field: 'times', fragment: /invalid value \[\]; expected at least one output time/ },
  { description: 'decreasing times', change: (c) => (c.times = [1, 0.5]), field: 'times[1]', fragment: /invalid value 0\.5; expected a value > times\[0\] = 1/ },
  { description: 'zero time', change: (c) => (c.times = [0, 1]), field: 'times[0]', fragment: /invalid value 0; expected a finite number > 0/ },
  { description: 'infinite time', change: (c) => (c.times = [1, Infinity]), field: 'times[1]', fragment: /invalid value Infinity/ },
  { description: 'times as a number', change: (c) => (c.times = 5), field: 'times', fragment: /invalid value 5; expected an increasing array/ },
  { description: 'times spec without count', change: (c) => (c.times = { end: 5 }), field: 'times.count', fragment: /missing required key/ },
  { description: 'unknown fitness kind', change: (c) => (c.fitness = { kind: 'table' }), field: 'fitness.kind', fragment: /invalid value "table"; expected one of "expression", "values", "ridge", "quadrature"/ },
  { description: 'expression syntax error', change: (c) => (c.fitness.expression = 'lambda +'), field: 'fitness.expression', fragment: /expression "lambda \+"/ },
  { description: 'forbidden function', change: (c) => (c.fitness.expression = 'evaluate("1")'), field: 'fitness.expression', fragment: /not allowed/ },
  { description: 'negative fitness', change: (c) => (c.fitness.expression = 'lambda - 0.5'), field: 'fitness', fragment: /the fitness is -0\.46875 at cell 0 \(lambda = 0\.03125\); a fitness must be ≥ 0/ },
  { description: 'infinite fitness', change: (c) => (c.fitness.expression = '1 / (lambda - lambda)'), field: 'fitness', fragment: /evaluates to Infinity at cell 0/ },
  { description: 'zero fitness', change: (c) => (c.fitness.expression = '0'), field: 'fitness', fragment: /the fitness is 0 at every cell centre/ },
  { description: 'bad parameter value', change: (c) => (c.fitness.parameters = { a: 'x' }), field: 'fitness.parameters.a', fragment: /invalid value "x"/ },
  { description: 'bad parameter name', change: (c) => (c.fitness.parameters = { '2a': 1 }), field: 'fitness.parameters.2a', fragment: /invalid parameter name/ },
  { description: 'ridge on a 2D domain', change: (c) => { c.domain = { kind: 'box', lower: [0, 0], upper: [1, 1] }; c.fitness = { kind: 'ridge', d: 2, u: 1, w: 0.5, temperature: 0.1, alpha: 1 }; }, field: 'fitness.kind', fragment: /the ridge fitness has one hyperparameter/ },
  { description: 'ridge below −1', change: (c) => { c.domain.lower = [-2]; c.fitness = { kind: 'ridge', d: 2, u: 1, w: 0.5, temperature: 0.1, alpha: 1 }; }, field: 'domain.lower[0]', fragment: /invalid value -2; expected a number > −1/ },
  { description: 'ridge vector length', change: (c) => (c.fitness = { kind: 'ridge', d: 3, u: [1, 2], w: 0.5, temperature: 0.1, alpha: 1 }), field: 'fitness.u', fragment: /of length 3, got length 2/ },
  { description: 'ridge zero temperature', change: (c) => (c.fitness = { kind: 'ridge', d: 3, u: 1, w: 0.5, temperature: 0, alpha: 1 }), field: 'fitness.temperature', fragment: /invalid value 0/ },
  { description: 'key of another fitness kind', change: (c) => (c.fitness.d = 3), field: 'fitness.d', fragment: /unknown key; allowed keys in fitness: kind, expression, parameters/ },
  { description: 'values shape mismatch', change: (c) => (c.fitness = { kind: 'values', values: [1, 2, 3], shape: [4] }), field: 'fitness.shape', fragment: /product equals the 3 values given, got 4/ },
  { description: 'quadrature box reversed', change: (c) => (c.fitness = { kind: 'quadrature', thetaDim: 1, loss: 'theta^2', validation: 'theta^2', sigma: '1', alpha: 1, thetaLower: [1], thetaUpper: [-1] }), field: 'fitness.thetaUpper[0]', fragment: /invalid value -1; expected a number > thetaLower\[0\] = 1/ },
  { description: 'quadrature with too few points', change: (c) => (c.fitness = { kind: 'quadrature', thetaDim: 1, loss: 'theta^2', validation: 'theta^2', sigma: '1', alpha: 1, thetaLower: [-1], thetaUpper: [1], points: 2 }), field: 'fitness.points', fragment: /invalid value 2; expected an integer ≥ 3/ },
  { description: 'negative initial expression', change: (c) => (c.initial = { kind: 'expression', expression: 'lambda - 0.5' }), field: 'initial', fragment: /initial density is -0\.46875 at cell 0 \(lambda = 0\.03125\); it must be ≥ 0/ },
  { description: 'negative initial value', change: (c) => (c.initial = { kind: 'values', values: [1, 1, 1, -1, ...new Array(12).fill(1)] }), field: 'initial.values[3]', fragment: /initial density is -1 at cell 3/ },
  { description: 'initial values length', change: (c) => (c.initial = { kind: 'values', values: [1, 2] }), field: 'initial.values', fragment: /of length 16, got length 2/ },
  { description: 'zero initial mass', change: (c) => (c.initial = { kind: 'values', values: new Array(16).fill(0) }), field: 'initial', fragment: /mass 0 on the grid; it needs a positive mass/ },
  { description: 'Gaussian far outside', change: (c) => (c.initial = { kind: 'gaussian', mean: [1000], std: [0.1] }), field: 'initial', fragment: /mass 0 on the grid.*move it inside the domain/ },
  { description: 'indicator outside', change: (c) => (c.initial = { kind: 'indicator', lower: [2], upper: [3] }), field: 'initial', fragment: /mass 0 on the grid/ },
  { description: 'indicator reversed', change: (c) => (c.initial = { kind: 'indicator', lower: [0.5], upper: [0.2] }), field: 'initial.upper[0]', fragment: /invalid value 0\.2/ },
  { description: 'unknown initial kind', change: (c) => (c.initial = { kind: 'delta' }), field: 'initial.kind', fragment: /invalid value "delta"/ },
  { description: 'initial key of another kind', change: (c) => (c.initial = { kind: 'uniform', mean: [0.5] }), field: 'initial.mean', fragment: /unknown key; allowed keys in initial: kind/ },
  { description: 'empty solver list', change: (c) => (c.solver = []), field: 'solver', fragment: /invalid value \[\]; expected a solver object or a non-empty array/ },
  { description: 'negative solver dt', change: (c) => (c.solver = [{ name: 'finite-volume' }, { dt: -1 }]), field: 'solver[1].dt', fragment: /invalid value -1/ },
  { description: 'unknown solver key', change: (c) => (c.solver = { name: 'finite-volume', step: 0.1 }), field: 'solver.step', fragment: /unknown key; allowed keys in solver: name, scheme, dt/ },
  { description: 'negative seed', change: (c) => (c.seed = -1), field: 'seed', fragment: /invalid value -1; expected an integer ≥ 0/ },
  { description: 'fractional seed', change: (c) => (c.seed = 1.5), field: 'seed', fragment: /invalid value 1\.5/ },
  { description: 'non-boolean output', change: (c) => (c.output = { csv: 'yes' }), field: 'output.csv', fragment: /invalid value "yes"; expected true or false/ },
  { description: 'unknown output format', change: (c) => (c.output = { pdf: true }), field: 'output.pdf', fragment: /unknown key; allowed keys in output: csv, npy/ },
  { description: 'config not an object', change: (c) => Object.assign(c, { domain: [0, 1] }), field: 'domain', fragment: /invalid value \[0,1\]; expected a JSON object/ },
];

describe('parseConfig rejects', () => {
  for (const bad of BAD_CASES) {
    it(bad.description, () => {
      const object = baseConfig();
      bad.change(object);
      const error = configError(object);
      expect(error.field).toBe(bad.field);
      expect(error.message).toMatch(bad.fragment);
      expect(error.message).toContain('(in test.json)');
    });
  }
});

describe('parseConfig rejects by form', () => {
  function rmConfig(): Record<string, any> {
    const object = baseConfig();
    object.form = 'RM';
    delete object.mutation;
    delete object.gamma;
    object.beta = 1;
    object.nu = 0.01;
    return object;
  }

  it('mutation on RM', () => {
    const object = rmConfig();
    object.mutation = { std: 0.1 };
    const error = configError(object);
    expect(error.field).toBe('mutation');
    expect(error.message).toMatch(/not used by form "RM" \(only by form SM, G, T\)/);
  });

  it('RM without fitness or potential', () => {
    const object = rmConfig();
    delete object.fitness;
    const error = configError(object);
    expect(error.field).toBe('potential');
    expect(error.message).toMatch(/missing required key/);
  });

  it('log-fitness without fitness', () => {
    const object = rmConfig();
    delete object.fitness;
    object.potential = 'log-fitness';
    const error = configError(object);
    expect(error.field).toBe('fitness');
    expect(error.message).toMatch(/missing required key; expected a fitness model, because potential is "log-fitness"/);
  });

  it('log-fitness with a zero fitness cell', () => {
    const object = rmConfig();
    object.fitness.expression = 'lambda < 0.5 ? 0 : 1';
    const error = configError(object);
    expect(error.field).toBe('fitness');
    expect(error.message).toMatch(/the fitness is 0 at cell 0 .*needs F > 0 everywhere/);
  });

  it('fitness beside an explicit potential', () => {
    const object = rmConfig();
    object.potential = { kind: 'expression', expression: 'lambda' };
    const error = configError(object);
    expect(error.field).toBe('fitness');
    expect(error.message).toMatch(/not used by form "RM" when the potential is given as a model/);
  });

  it('negative nu', () => {
    const object = rmConfig();
    object.nu = -1;
    const error = configError(object);
    expect(error.field).toBe('nu');
    expect(error.message).toMatch(/invalid value -1; expected a finite number ≥ 0/);
  });

  it('q outside (0, 0.5]', () => {
    const object = baseConfig();
    object.form = 'T';
    delete object.gamma;
    object.q = 0.6;
    const error = configError(object);
    expect(error.field).toBe('q');
    expect(error.message).toMatch(/invalid value 0\.6; expected a finite number > 0 ≤ 0\.5/);
  });

  it('fractional generations', () => {
    const object = baseConfig();
    object.form = 'G';
    delete object.gamma;
    object.times = [1, 2.5];
    const error = configError(object);
    expect(error.field).toBe('times[1]');
    expect(error.message).toMatch(/invalid value 2\.5; expected an integer ≥ 1/);
  });

  it('more outputs than generations', () => {
    const object = baseConfig();
    object.form = 'G';
    delete object.gamma;
    object.times = { end: 5, count: 10 };
    const error = configError(object);
    expect(error.field).toBe('times.count');
    expect(error.message).toMatch(/invalid value 10; expected at most times.end = 5/);
  });

  it('dt for a map', () => {
    const object = baseConfig();
    object.form = 'T';
    delete object.gamma;
    object.q = 0.2;
    object.solver = { dt: 0.1 };
    const error = configError(object);
    expect(error.field).toBe('solver.dt');
    expect(error.message).toMatch(/not used by form "T", because a map advances one generation per step/);
  });
});

describe('loadConfig', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pbt-mf-config-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reports a missing file', async () => {
    const path = join(folder, 'absent.json');
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(/absent\.json: config file not found/);
  });

  it('reports a folder', async () => {
    await expect(loadConfig(folder)).rejects.toThrow(/is a directory/);
  });

  it('reports invalid JSON with line and column', async () => {
    const path = join(folder, 'broken.json');
    await writeFile(path, '{\n  "name": "x",\n  "form": "SM",,\n}\n');
    await expect(loadConfig(path)).rejects.toThrow(/broken\.json: invalid JSON at line 3, column 16/);
  });

  it('reports truncated JSON at the end', () => {
    expect(() => parseConfigText('{"name": "x"', 'cut.json')).toThrow(/cut\.json: invalid JSON at line 1, column 13/);
  });

  it('names the file in validation errors', async () => {
    const path = join(folder, 'bad.json');
    const object = baseConfig();
    object.gamma = -2;
    await writeFile(path, JSON.stringify(object));
    await expect(loadConfig(path)).rejects.toThrow(`gamma: invalid value -2; expected a finite number > 0 (in ${path})`);
  });

  it('rejects non-finite numbers from JSON', () => {
    const text = JSON.stringify(baseConfig()).replace('"gamma":1', '"gamma":1e999');
    expect(() => parseConfigText(text, 'big.json')).toThrow(/gamma: invalid value Infinity/);
  });
});

describe('resolveSolverChoices', () => {
  const fake: Solver = {
    name: 'io-test-solver',
    family: 'finite-volume',
    forms: ['SM', 'RM'],
    schemes: () => [
      { name: 'first', timeOrder: 1, spaceOrder: 2, description: 'default' },
      { name: 'second', timeOrder: 2, spaceOrder: 2, description: 'other' },
    ],
    solve: () => {
      throw new Error('not used');
    },
  };
  beforeAll(() => registerSolver(fake));

  function withSolver(solver: unknown, form = 'SM'): ResolvedConfig {
    const object = baseConfig();
    object.solver = solver;
    if (form === 'G') {
      object.form = 'G';
      delete object.gamma;
    }
    return parseConfig(object, 'solvers');
  }

  it('fills the default scheme', () => {
    const config = resolveSolverChoices(withSolver({ name: 'io-test-solver' }));
    expect(config.solver).toEqual([{ name: 'io-test-solver', scheme: 'first' }]);
  });

  it('rejects an unknown solver', () => {
    expect(() => resolveSolverChoices(withSolver({ name: 'nope' }))).toThrow(/solver\.name: invalid value "nope"; expected one of .*io-test-solver/);
  });

  it('rejects an unknown scheme', () => {
    expect(() => resolveSolverChoices(withSolver([{ name: 'io-test-solver', scheme: 'third' }, { name: 'io-test-solver' }]))).toThrow(
      /solver\[0\]\.scheme: invalid value "third"; expected one of the io-test-solver schemes for form "SM": first, second/,
    );
  });

  it('rejects an unsupported form', () => {
    expect(() => resolveSolverChoices(withSolver({ name: 'io-test-solver' }, 'G'))).toThrow(/a solver for form "G"; io-test-solver supports SM, RM/);
  });
});
