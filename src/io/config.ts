/**
 * Run configs: loading a JSON file, validating it into a ResolvedConfig with
 * every default filled in, and building the Problem it describes.
 *
 * Every error is a ConfigError whose field is the JSON path of the bad value
 * (`mutation.std`, `times[2]`) and whose message gives the value, what is
 * allowed and the file. Unknown keys are rejected with the list of allowed
 * keys, and keys that the chosen equation form does not use are rejected too.
 */
import { readFile } from 'node:fs/promises';
import type { Domain } from '../model/domain.js';
import { ConfigError } from '../model/errors.js';
import type { Fitness } from '../model/fitness.js';
import { CellGrid } from '../model/grid.js';
import { EQUATION_FORMS, type EquationForm, type Problem } from '../model/problem.js';
import { getSolver, listSolvers } from '../model/solver.js';
import {
  atPath,
  buildDomain,
  buildFitness,
  buildInitialDensity,
  buildKernel,
  checkFitnessOnGrid,
  LogFitness,
} from './config-build.js';
import {
  CONFIG_VERSION,
  type DomainConfig,
  type FitnessConfig,
  type InitialConfig,
  type MutationConfig,
  type OutputConfig,
  type PotentialConfig,
  type ResolvedConfig,
  type SolverChoice,
} from './config-types.js';
import { joinPath, JsonValidator, type JsonObject } from './json-validator.js';

export * from './config-types.js';
export { LogFitness } from './config-build.js';

/** Solver used when a config has no `solver` section. */
export const DEFAULT_SOLVER = 'finite-volume';

/** Trapezoid nodes per θ axis when a quadrature fitness gives none; the default of QuadratureFitness. */
export const DEFAULT_QUADRATURE_POINTS = 201;

/**
 * Largest grid accepted, in cells. One density then takes 128 MiB, and the
 * solvers keep several; the limit catches typos such as 1e9 cells.
 */
export const MAX_GRID_CELLS = 2 ** 24;

/** Largest population a run config may ask of the particles solver. */
export const MAX_RUN_PARTICLES = 50_000_000;

const COMMON_KEYS = [
  'version',
  'name',
  'description',
  'form',
  'domain',
  'grid',
  'initial',
  'times',
  'solver',
  'seed',
  'output',
  'initialMass',
] as const;

/** Top-level keys that only some equation forms use. */
const FORM_KEYS: Record<EquationForm, readonly string[]> = {
  SM: ['fitness', 'mutation', 'gamma'],
  RM: ['fitness', 'potential', 'beta', 'nu'],
  G: ['fitness', 'mutation'],
  T: ['fitness', 'mutation', 'q'],
};

const FITNESS_KEYS: Record<FitnessConfig['kind'], readonly string[]> = {
  expression: ['kind', 'expression', 'parameters'],
  values: ['kind', 'values', 'shape'],
  ridge: ['kind', 'd', 'u', 'w', 'temperature', 'alpha'],
  quadrature: ['kind', 'thetaDim', 'loss', 'validation', 'sigma', 'alpha', 'thetaLower', 'thetaUpper', 'points', 'parameters'],
};

const INITIAL_KEYS: Record<InitialConfig['kind'], readonly string[]> = {
  uniform: ['kind'],
  gaussian: ['kind', 'mean', 'std'],
  indicator: ['kind', 'lower', 'upper'],
  expression: ['kind', 'expression', 'parameters'],
  values: ['kind', 'values'],
};

/**
 * Key order of a written config: general keys, then the model, then the run.
 * `satisfies` makes the compiler reject a ResolvedConfig key missing here.
 */
const KEY_ORDER = Object.keys({
  version: true,
  name: true,
  description: true,
  form: true,
  domain: true,
  grid: true,
  fitness: true,
  potential: true,
  mutation: true,
  gamma: true,
  beta: true,
  nu: true,
  q: true,
  initial: true,
  times: true,
  solver: true,
  seed: true,
  output: true,
  initialMass: true,
} satisfies Record<keyof ResolvedConfig, true>) as (keyof ResolvedConfig)[];

function isMapForm(form: EquationForm): boolean {
  return form === 'G' || form === 'T';
}

// ---------------------------------------------------------------------------
// Loading

/**
 * Reads and validates a config file. A missing file, a JSON syntax error
 * (reported with line and column) or an invalid value is a ConfigError.
 */
export async function loadConfig(path: string): Promise<ResolvedConfig> {
  return parseConfigText(await readConfigText(path), path);
}

/** Reads a config file as text. A missing, unreadable or folder path is a ConfigError. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(path, 'config file not found; check the path');
    if (code === 'EISDIR') throw new ConfigError(path, 'is a directory; pass the path of a JSON config file');
    if (code === 'EACCES') throw new ConfigError(path, 'config file is not readable (permission denied)');
    throw error;
  }
}

/** Parses JSON text and validates it; `source` names the text in error messages. */
export function parseConfigText(text: string, source: string): ResolvedConfig {
  return parseConfig(parseJson(text, source), source);
}

/** JSON.parse with the error position converted to line and column. */
export function parseJson(text: string, source: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const match = /position (\d+)/.exec(error.message);
    const position = match ? Number(match[1]) : body.length;
    const before = body.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    throw new ConfigError(source, `invalid JSON at line ${line}, column ${column}: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------
// Validation

/**
 * Validates a parsed JSON config and fills in every default. It also builds
 * the fitness and the initial density once. So a fitness that is negative or
 * non-finite on the grid is reported here and not when a solver starts, and
 * so is an initial density with a negative cell or zero mass.
 */
export function parseConfig(object: unknown, source: string): ResolvedConfig {
  const v = new JsonValidator(source);
  const root = v.object('', object);
  if (root.form === 'kinetic') {
    throw v.error(
      'form',
      'form "kinetic" describes the joint density f(θ, λ), which is not a Problem; ' +
        'parse it with parseKineticConfig or parseRunConfig, or load it with loadRunConfig',
    );
  }
  const form = v.choice('form', root.form, EQUATION_FORMS);
  checkTopLevelKeys(v, root, form);

  if (root.version !== undefined) v.choice('version', root.version, [CONFIG_VERSION]);
  const name = v.string('name', root.name, { nonEmpty: true });
  const description = root.description === undefined ? '' : v.string('description', root.description);
  const domain = parseDomain(v, root.domain);
  const dim = domain.lower.length;
  const cells = parseCells(v, root.grid, dim);
  const size = cells.reduce((p, n) => p * n, 1);

  const config: ResolvedConfig = {
    version: CONFIG_VERSION,
    name,
    description,
    form,
    domain,
    grid: { cells },
    initial: { kind: 'uniform' },
    times: [],
    solver: [],
    seed: 0,
    output: { csv: true, npy: false },
    initialMass: 1,
  };
  parseFormSections(v, root, config);
  config.initial = parseInitial(v, root.initial, domain, size);
  config.times = parseTimes(v, root.times, isMapForm(form));
  config.solver = parseSolvers(v, root.solver, form);
  if (root.seed !== undefined) config.seed = v.number('seed', root.seed, { integer: true, min: 0 });
  if (root.output !== undefined) config.output = parseOutput(v, root.output);
  const givenMass = root.initialMass === undefined ? undefined : v.number('initialMass', root.initialMass, { above: 0 });

  config.initialMass = assembleProblem(config, v).initialMass;
  // initialMass is an output: resolved configs record ∫ρ₀ before normalisation.
  // A value that disagrees with the initial section is a mistake, not a setting.
  if (givenMass !== undefined && Math.abs(givenMass - config.initialMass) > 1e-9 * config.initialMass) {
    throw v.error(
      'initialMass',
      `${givenMass} does not match ∫ρ₀ = ${config.initialMass} computed from "initial"; ` +
        'this field is written by pbt-mf into resolved configs and cannot be set, so remove it',
    );
  }
  return inFileOrder(config);
}

/** Copies a config with its keys in the order of the file format, dropping absent optional sections. */
function inFileOrder(config: ResolvedConfig): ResolvedConfig {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = config[key];
    if (value !== undefined) ordered[key] = value;
  }
  return ordered as unknown as ResolvedConfig;
}

function checkTopLevelKeys(v: JsonValidator, root: JsonObject, form: EquationForm): void {
  const allowed = [...COMMON_KEYS, ...FORM_KEYS[form]];
  const misplaced: Record<string, string> = {};
  for (const other of EQUATION_FORMS) {
    for (const key of FORM_KEYS[other]) {
      if (allowed.includes(key)) continue;
      const users = EQUATION_FORMS.filter((f) => FORM_KEYS[f].includes(key)).join(', ');
      misplaced[key] = `not used by form "${form}" (only by form ${users})`;
    }
  }
  v.keys('', root, allowed, misplaced);
}

export function parseDomain(v: JsonValidator, value: unknown): DomainConfig {
  const domain = v.object('domain', value);
  v.keys('domain', domain, ['kind', 'lower', 'upper', 'labels']);
  const kind = v.choice('domain.kind', domain.kind, ['box', 'torus'] as const);
  const lower = v.numbers('domain.lower', domain.lower);
  if (lower.length !== 1 && lower.length !== 2) {
    throw v.invalid('domain.lower', domain.lower, 'an array of 1 or 2 numbers (one per hyperparameter)');
  }
  const dim = lower.length;
  const upper = v.numbers('domain.upper', domain.upper, {}, dim);
  for (let k = 0; k < dim; k++) {
    if (!(lower[k] < upper[k])) {
      throw v.invalid(joinPath('domain.upper', k), upper[k], `a number > domain.lower[${k}] = ${lower[k]}`);
    }
  }
  let labels = dim === 1 ? ['lambda'] : ['lambda1', 'lambda2'];
  if (domain.labels !== undefined) {
    const items = v.array('domain.labels', domain.labels, dim, 'an array of strings');
    labels = items.map((item, k) => v.string(joinPath('domain.labels', k), item, { nonEmpty: true }));
  }
  return { kind, lower, upper, labels };
}

export function parseCells(v: JsonValidator, value: unknown, dim: number): number[] {
  const grid = v.object('grid', value);
  v.keys('grid', grid, ['cells']);
  const cells = v.numberOrNumbers('grid.cells', grid.cells, dim, { integer: true, min: 2 });
  const size = cells.reduce((p, n) => p * n, 1);
  if (size > MAX_GRID_CELLS) {
    throw v.invalid('grid.cells', grid.cells, `at most ${MAX_GRID_CELLS} cells in total, got ${size}`);
  }
  return cells;
}

/** Parses the sections that depend on the equation form into `config`. */
function parseFormSections(v: JsonValidator, root: JsonObject, config: ResolvedConfig): void {
  const { form, domain } = config;
  if (form === 'RM') {
    parseReplicatorSections(v, root, config);
    return;
  }
  config.fitness = parseFitness(v, 'fitness', root.fitness, domain);
  config.mutation = parseMutation(v, root.mutation, domain);
  if (form === 'SM') config.gamma = v.number('gamma', root.gamma, { above: 0 });
  if (form === 'T') config.q = v.number('q', root.q, { above: 0, max: 0.5 });
}

function parseReplicatorSections(v: JsonValidator, root: JsonObject, config: ResolvedConfig): void {
  const fitness = root.fitness === undefined ? undefined : parseFitness(v, 'fitness', root.fitness, config.domain);
  let potential: PotentialConfig;
  if (root.potential === undefined) {
    if (fitness === undefined) {
      throw v.missing('potential', 'a fitness model, or "log-fitness" together with a fitness section');
    }
    potential = 'log-fitness';
  } else if (typeof root.potential === 'string') {
    potential = v.choice('potential', root.potential, ['log-fitness'] as const);
    if (fitness === undefined) throw v.missing('fitness', 'a fitness model, because potential is "log-fitness" (Φ = log F)');
  } else {
    potential = parseFitness(v, 'potential', root.potential, config.domain);
    if (fitness !== undefined) {
      throw v.error('fitness', 'not used by form "RM" when the potential is given as a model; remove fitness or set potential to "log-fitness"');
    }
  }
  if (fitness !== undefined) config.fitness = fitness;
  config.potential = potential;
  config.beta = v.number('beta', root.beta, { above: 0 });
  config.nu = v.number('nu', root.nu, { min: 0 });
}

export function parseParameters(v: JsonValidator, path: string, value: unknown): Record<string, number> {
  return value === undefined ? {} : v.numberRecord(path, value);
}

function parseFitness(v: JsonValidator, path: string, value: unknown, domain: DomainConfig): FitnessConfig {
  const section = v.object(path, value);
  const kind = v.choice(joinPath(path, 'kind'), section.kind, Object.keys(FITNESS_KEYS) as FitnessConfig['kind'][]);
  v.keys(path, section, FITNESS_KEYS[kind]);
  const at = (key: string) => joinPath(path, key);
  const dim = domain.lower.length;

  switch (kind) {
    case 'expression':
      return {
        kind,
        expression: v.string(at('expression'), section.expression, { nonEmpty: true }),
        parameters: parseParameters(v, at('parameters'), section.parameters),
      };

    case 'values': {
      const values = v.numbers(at('values'), section.values);
      const shape = v.numbers(at('shape'), section.shape, { integer: true, min: 2 }, dim);
      const count = shape.reduce((p, n) => p * n, 1);
      if (count !== values.length) {
        throw v.invalid(at('shape'), section.shape, `a shape whose product equals the ${values.length} values given, got ${count}`);
      }
      return { kind, values, shape };
    }

    case 'ridge': {
      if (dim !== 1) {
        throw v.invalid(at('kind'), kind, `a fitness for a ${dim}D domain; the ridge fitness has one hyperparameter (weight decay)`);
      }
      if (!(domain.lower[0] > -1)) {
        throw v.invalid('domain.lower[0]', domain.lower[0], 'a number > −1, because the ridge fitness needs 1 + λ > 0');
      }
      const d = v.number(at('d'), section.d, { integer: true, min: 1 });
      const vector = (key: string): number | number[] =>
        typeof section[key] === 'number' ? v.number(at(key), section[key]) : v.numbers(at(key), section[key], {}, d);
      return {
        kind,
        d,
        u: vector('u'),
        w: vector('w'),
        temperature: v.number(at('temperature'), section.temperature, { above: 0 }),
        alpha: v.number(at('alpha'), section.alpha, { min: 0 }),
      };
    }

    case 'quadrature': {
      const thetaDim = v.choice(at('thetaDim'), section.thetaDim, [1, 2] as const);
      const thetaLower = v.numbers(at('thetaLower'), section.thetaLower, {}, thetaDim);
      const thetaUpper = v.numbers(at('thetaUpper'), section.thetaUpper, {}, thetaDim);
      for (let k = 0; k < thetaDim; k++) {
        if (!(thetaLower[k] < thetaUpper[k])) {
          throw v.invalid(joinPath(at('thetaUpper'), k), thetaUpper[k], `a number > thetaLower[${k}] = ${thetaLower[k]}`);
        }
      }
      return {
        kind,
        thetaDim,
        loss: v.string(at('loss'), section.loss, { nonEmpty: true }),
        validation: v.string(at('validation'), section.validation, { nonEmpty: true }),
        sigma:
          typeof section.sigma === 'number'
            ? v.number(at('sigma'), section.sigma, { above: 0 })
            : v.string(at('sigma'), section.sigma, { nonEmpty: true }),
        alpha: v.number(at('alpha'), section.alpha, { min: 0 }),
        thetaLower,
        thetaUpper,
        points:
          section.points === undefined
            ? DEFAULT_QUADRATURE_POINTS
            : v.number(at('points'), section.points, { integer: true, min: 3 }),
        parameters: parseParameters(v, at('parameters'), section.parameters),
      };
    }
  }
}

export function parseMutation(v: JsonValidator, value: unknown, domain: DomainConfig): MutationConfig {
  const mutation = v.object('mutation', value);
  v.keys('mutation', mutation, ['kind', 'std', 'boundary', 'coordinates']);
  if (mutation.kind !== undefined) v.choice('mutation.kind', mutation.kind, ['gaussian'] as const);
  const dim = domain.lower.length;
  const std = v.numberOrNumbers('mutation.std', mutation.std, dim, { above: 0 });

  const allowedBoundaries = domain.kind === 'torus' ? (['wrap'] as const) : (['reflect', 'clip'] as const);
  let boundary: MutationConfig['boundary'] = allowedBoundaries[0];
  if (mutation.boundary !== undefined) {
    const requested = v.choice('mutation.boundary', mutation.boundary, ['reflect', 'wrap', 'clip'] as const);
    if (!(allowedBoundaries as readonly string[]).includes(requested)) {
      const expected = allowedBoundaries.map((b) => `"${b}"`).join(' or ');
      throw v.invalid('mutation.boundary', requested, `${expected} on a domain of kind "${domain.kind}"`);
    }
    boundary = requested;
  }

  const coordinates =
    mutation.coordinates === undefined
      ? 'absolute'
      : v.choice('mutation.coordinates', mutation.coordinates, ['absolute', 'normalized'] as const);
  return { kind: 'gaussian', std, boundary, coordinates };
}

export function parseInitial(v: JsonValidator, value: unknown, domain: DomainConfig, size: number): InitialConfig {
  const initial = v.object('initial', value);
  const kind = v.choice('initial.kind', initial.kind, Object.keys(INITIAL_KEYS) as InitialConfig['kind'][]);
  v.keys('initial', initial, INITIAL_KEYS[kind]);
  const dim = domain.lower.length;

  switch (kind) {
    case 'uniform':
      return { kind };

    case 'gaussian':
      return {
        kind,
        mean: v.numbers('initial.mean', initial.mean, {}, dim),
        std: v.numberOrNumbers('initial.std', initial.std, dim, { above: 0 }),
      };

    case 'indicator': {
      const lower = v.numbers('initial.lower', initial.lower, {}, dim);
      const upper = v.numbers('initial.upper', initial.upper, {}, dim);
      for (let k = 0; k < dim; k++) {
        if (!(lower[k] < upper[k])) {
          throw v.invalid(joinPath('initial.upper', k), upper[k], `a number > initial.lower[${k}] = ${lower[k]}`);
        }
        const period = domain.upper[k] - domain.lower[k];
        if (domain.kind === 'torus' && upper[k] - lower[k] > period) {
          throw v.invalid(joinPath('initial.upper', k), upper[k], `an interval no longer than the period ${period} of the torus`);
        }
      }
      return { kind, lower, upper };
    }

    case 'expression':
      return {
        kind,
        expression: v.string('initial.expression', initial.expression, { nonEmpty: true }),
        parameters: parseParameters(v, 'initial.parameters', initial.parameters),
      };

    case 'values':
      return { kind, values: v.numbers('initial.values', initial.values, {}, size) };
  }
}

/** Parses `times`: positive increasing times, or generation counts when `integer` (the maps G and T). */
export function parseTimes(v: JsonValidator, value: unknown, integer: boolean): number[] {
  const unit = integer ? 'generation counts (integers ≥ 1)' : 'times > 0';

  if (Array.isArray(value)) {
    if (value.length === 0) throw v.invalid('times', value, `at least one output time; a run needs ${unit}`);
    const times = v.numbers('times', value, integer ? { integer: true, min: 1 } : { above: 0 });
    for (let i = 1; i < times.length; i++) {
      if (!(times[i] > times[i - 1])) {
        throw v.invalid(joinPath('times', i), times[i], `a value > times[${i - 1}] = ${times[i - 1]}; output times must increase`);
      }
    }
    return times;
  }

  if (typeof value !== 'object' || value === null) {
    throw v.invalid('times', value, `an increasing array of ${unit}, or {"end": T, "count": k}`);
  }
  const spec = value as JsonObject;
  v.keys('times', spec, ['end', 'count']);
  const end = v.number('times.end', spec.end, integer ? { integer: true, min: 1 } : { above: 0 });
  const count = v.number('times.count', spec.count, { integer: true, min: 1 });
  if (integer && count > end) {
    throw v.invalid('times.count', count, `at most times.end = ${end}, because a map has only ${end} generations to output`);
  }
  const times: number[] = [];
  for (let i = 1; i <= count; i++) {
    const t = i === count ? end : (end * i) / count;
    times.push(integer ? Math.round(t) : t);
  }
  return times;
}

function parseSolverChoice(v: JsonValidator, path: string, value: unknown, form: EquationForm): SolverChoice {
  const section = v.object(path, value);
  v.keys(path, section, ['name', 'scheme', 'dt', 'particles']);
  const choice: SolverChoice = {
    name: section.name === undefined ? DEFAULT_SOLVER : v.string(joinPath(path, 'name'), section.name, { nonEmpty: true }),
  };
  if (section.scheme !== undefined) choice.scheme = v.string(joinPath(path, 'scheme'), section.scheme, { nonEmpty: true });
  if (section.dt !== undefined) {
    if (isMapForm(form)) {
      throw v.error(joinPath(path, 'dt'), `not used by form "${form}", because a map advances one generation per step; remove the key`);
    }
    choice.dt = v.number(joinPath(path, 'dt'), section.dt, { above: 0 });
  }
  if (section.particles !== undefined) {
    if (choice.name !== 'particles') {
      throw v.error(joinPath(path, 'particles'), `only used by the "particles" solver, not "${choice.name}"; remove the key`);
    }
    // 5e7 agents already take gigabytes in state, weights and scratch
    // arrays; larger populations belong in the library API, not a run file.
    choice.particles = v.number(joinPath(path, 'particles'), section.particles, { integer: true, min: 2, max: MAX_RUN_PARTICLES });
  }
  return choice;
}

function parseSolvers(v: JsonValidator, value: unknown, form: EquationForm): SolverChoice[] {
  if (value === undefined) return [{ name: DEFAULT_SOLVER }];
  if (!Array.isArray(value)) return [parseSolverChoice(v, 'solver', value, form)];
  if (value.length === 0) throw v.invalid('solver', value, 'a solver object or a non-empty array of them');
  return value.map((item, i) => parseSolverChoice(v, joinPath('solver', i), item, form));
}

export function parseOutput(v: JsonValidator, value: unknown): OutputConfig {
  const output = v.object('output', value);
  v.keys('output', output, ['csv', 'npy']);
  return {
    csv: output.csv === undefined ? true : v.boolean('output.csv', output.csv),
    npy: output.npy === undefined ? false : v.boolean('output.npy', output.npy),
  };
}

// ---------------------------------------------------------------------------
// Building

function required<T>(v: JsonValidator, path: string, value: T | undefined, expected: string): T {
  if (value === undefined) throw v.missing(path, expected);
  return value;
}

/** Builds the fitness of a `fitness` section and checks that it is ≥ 0 and not all zero on the grid. */
function buildCheckedFitness(v: JsonValidator, config: ResolvedConfig, domain: Domain, grid: CellGrid): Fitness {
  const section = required(v, 'fitness', config.fitness, `a fitness model for form "${config.form}"`);
  const fitness = buildFitness(v, 'fitness', section, domain);
  checkFitnessOnGrid(v, 'fitness', fitness, grid, config.domain.labels, 'non-negative');
  return fitness;
}

function buildPotential(v: JsonValidator, config: ResolvedConfig, domain: Domain, grid: CellGrid): Fitness {
  const potential = required(v, 'potential', config.potential, 'a fitness model or "log-fitness"');
  if (potential !== 'log-fitness') {
    const model = buildFitness(v, 'potential', potential, domain);
    checkFitnessOnGrid(v, 'potential', model, grid, config.domain.labels, 'finite');
    return model;
  }
  const section = required(v, 'fitness', config.fitness, 'a fitness model, because potential is "log-fitness"');
  const fitness = buildFitness(v, 'fitness', section, domain);
  checkFitnessOnGrid(v, 'fitness', fitness, grid, config.domain.labels, 'positive');
  return new LogFitness(fitness);
}

/** Builds the Problem and returns it with the mass ∫ρ₀ that the initial density was divided by. */
function assembleProblem(config: ResolvedConfig, v: JsonValidator): { problem: Problem; initialMass: number } {
  const domain = atPath(v, 'domain', () => buildDomain(config.domain));
  const grid = atPath(v, 'grid.cells', () => new CellGrid(domain, config.grid.cells));
  const { density, mass } = buildInitialDensity(v, 'initial', config.initial, grid, config.domain.labels);
  const common = { name: config.name, grid, initial: density, times: [...config.times] };
  const rate = (path: string, value: number | undefined) => required(v, path, value, `a number for form "${config.form}"`);
  const kernel = () => buildKernel(required(v, 'mutation', config.mutation, 'a mutation section'), domain);

  let problem: Problem;
  switch (config.form) {
    case 'SM':
      problem = {
        ...common,
        form: 'SM',
        fitness: buildCheckedFitness(v, config, domain, grid),
        kernel: kernel(),
        gamma: rate('gamma', config.gamma),
      };
      break;
    case 'RM':
      problem = {
        ...common,
        form: 'RM',
        potential: buildPotential(v, config, domain, grid),
        beta: rate('beta', config.beta),
        nu: rate('nu', config.nu),
      };
      break;
    case 'G':
      problem = { ...common, form: 'G', fitness: buildCheckedFitness(v, config, domain, grid), kernel: kernel() };
      break;
    case 'T':
      problem = {
        ...common,
        form: 'T',
        fitness: buildCheckedFitness(v, config, domain, grid),
        kernel: kernel(),
        q: rate('q', config.q),
      };
      break;
  }
  return { problem, initialMass: mass };
}

/**
 * Builds the Problem of a validated config: domain, grid, fitness or
 * potential, mutation kernel (std converted to λ units) and the initial
 * density normalised to mass 1.
 */
export function buildProblem(config: ResolvedConfig): Problem {
  return assembleProblem(config, new JsonValidator(`config "${config.name}"`)).problem;
}

/**
 * Checks every `solver` entry against the solver registry (name registered,
 * form supported, scheme known) and returns a copy of the config with each
 * missing scheme set to the solver's default for the form. Call it after the
 * solvers are registered. `parseConfig` does not do this check, because src/
 * does not import the solvers.
 */
export function resolveSolverChoices(config: ResolvedConfig, source = `config "${config.name}"`): ResolvedConfig {
  const v = new JsonValidator(source);
  const solver = config.solver.map((choice, i) => {
    const path = config.solver.length === 1 ? 'solver' : joinPath('solver', i);
    const registered = listSolvers().map((s) => s.name);
    if (!registered.includes(choice.name)) {
      const expected = registered.length === 0 ? 'a registered solver (none are registered)' : `one of ${registered.join(', ')}`;
      throw v.invalid(joinPath(path, 'name'), choice.name, expected);
    }
    const entry = getSolver(choice.name);
    if (!entry.forms.includes(config.form)) {
      throw v.invalid(joinPath(path, 'name'), choice.name, `a solver for form "${config.form}"; ${choice.name} supports ${entry.forms.join(', ')}`);
    }
    const schemes = entry.schemes(config.form).map((s) => s.name);
    if (choice.scheme !== undefined && !schemes.includes(choice.scheme)) {
      throw v.invalid(joinPath(path, 'scheme'), choice.scheme, `one of the ${choice.name} schemes for form "${config.form}": ${schemes.join(', ')}`);
    }
    return { ...choice, scheme: choice.scheme ?? schemes[0] };
  });
  return { ...config, solver };
}
