/**
 * Run configs of form "kinetic": the joint density f(t, θ, λ) of
 *
 *   ∂ₜf = (1/ε) ∂_θ(f ∂_θL + σ(λ) ∂_θf) + γ (K_δ ⋆_λ (ωf)/⟨ω⟩_f − f),   ω = exp(−αV),
 *
 * with θ on a truncated interval (no-flux faces) and λ on a 1D box or torus.
 * A kinetic config is not a Problem of src/model/problem.ts, whose forms
 * describe ρ(λ) alone. It has its own resolved type, `ResolvedKineticConfig`,
 * and `buildKineticProblem` turns it into the KineticProblem of the solver.
 *
 * Keys (unknown keys are rejected, as in the other forms):
 *
 *   thetaDomain   {kind?: "box", lower: [a], upper: [b], labels?: [name]}
 *   thetaGrid     {cells: n}: cells of the θ interval
 *   domain, grid  Λ and its cells, as in the other forms but with one axis
 *   loss          L(θ, λ), an expression in `theta` and `lambda`
 *   validation    V(θ, λ), an expression in `theta` and `lambda`
 *   sigma         σ(λ) > 0, an expression in `lambda` or a number
 *   parameters    constants substituted into loss, validation and sigma
 *   alpha ≥ 0, gamma ≥ 0, epsilon > 0
 *   mutation      the Gaussian kernel K_δ on Λ, as in form SM
 *   initial       the λ-marginal ρ₀, any initial kind of form SM
 *   thetaInitial  θ given λ: {kind: "gibbs"} (local equilibrium μ_{λ,h}, the
 *                 default), {kind: "gaussian", mean, std} or {kind: "uniform"}
 *   times         output times, as in form SM
 *   solver        {fokkerPlanck?, selection?, dt?}: the kinetic schemes
 *   reference     false, or {name?, scheme?, dt?}: the selection–mutation
 *                 solver run on the ε → 0 limit with F_h for comparison
 *                 (default {"name": "finite-volume"})
 *   epsilonStudy  optional {epsilons: [ε₁, ε₂, …], stepRatio?}: the ε-study
 *                 of the λ-marginal against that limit at the output times
 *   seed, output, initialMass   as in the other forms
 *
 * NOTE: this module imports the kinetic problem type and its discrete Gibbs
 * state from solvers/kinetic, against the rule that src/ does not import
 * solvers/. The 'gibbs' initial state must be the solver's own discrete
 * equilibrium, so it cannot be rebuilt here without duplicating the scheme.
 */

import { Density } from '../model/density.js';
import { ConfigError, ExpressionError } from '../model/errors.js';
import { compileExpression, type CompiledExpression } from '../model/expression.js';
import { CellGrid } from '../model/grid.js';
import type { StepInfo } from '../model/observer.js';
import { EQUATION_FORMS, type SelectionMutationProblem } from '../model/problem.js';
import { getSolver, listSolvers, type Snapshot, type Solution, type SolverStats, type Trace } from '../model/solver.js';
import {
  discreteEffectiveFitness,
  EXACT_FLOW_MAX_CELLS,
  FOKKER_PLANCK_INTEGRATORS,
  gibbsProduct,
  lambdaMarginal,
  prepareKineticProblem,
  SELECTION_INTEGRATORS,
  selectionStepBound,
  type FokkerPlanckIntegrator,
  type KineticObserver,
  type KineticProblem,
  type KineticSolution,
  type KineticSolveOptions,
  type SelectionIntegrator,
} from '../../solvers/kinetic/index.js';
import { atPath, buildDomain, buildInitialDensity, buildKernel } from './config-build.js';
import {
  CONFIG_VERSION,
  MAX_GRID_CELLS,
  parseConfig,
  parseDomain,
  parseCells,
  parseInitial,
  parseJson,
  parseMutation,
  parseOutput,
  parseParameters,
  parseTimes,
  readConfigText,
  type DomainConfig,
  type InitialConfig,
  type MutationConfig,
  type OutputConfig,
  type ResolvedConfig,
  type SolverChoice,
} from './config.js';
import { joinPath, JsonValidator, type JsonObject } from './json-validator.js';

export const KINETIC_FORM = 'kinetic';

/** Solver of the (SM) reference when a kinetic config names none. */
export const DEFAULT_REFERENCE_SOLVER = 'finite-volume';

/** Kinetic time step as a fraction of ε in the ε-study when `epsilonStudy.stepRatio` is absent. */
export const DEFAULT_EPSILON_STEP_RATIO = 0.1;

/** θ given λ at t = 0. The λ-marginal of f₀ is always ρ₀ of `initial`. */
export type ThetaInitialConfig =
  | { kind: 'gibbs' }
  | { kind: 'gaussian'; mean: number; std: number }
  | { kind: 'uniform' };

export interface KineticSolverConfig {
  fokkerPlanck: FokkerPlanckIntegrator;
  selection: SelectionIntegrator;
  /** Target time step; absent means the solver's default. */
  dt?: number;
}

export interface EpsilonStudyConfig {
  /** At least two distinct values of ε > 0. */
  epsilons: number[];
  /** Kinetic time step of each run as a fraction of its ε. */
  stepRatio: number;
}

export interface ResolvedKineticConfig {
  version: typeof CONFIG_VERSION;
  name: string;
  description: string;
  form: typeof KINETIC_FORM;
  /** The truncated θ interval, always a one-axis box. */
  thetaDomain: DomainConfig;
  thetaGrid: { cells: number[] };
  /** Λ, a one-axis box or torus. */
  domain: DomainConfig;
  grid: { cells: number[] };
  loss: string;
  validation: string;
  sigma: string | number;
  parameters: Record<string, number>;
  alpha: number;
  gamma: number;
  epsilon: number;
  mutation: MutationConfig;
  /** The λ-marginal ρ₀. */
  initial: InitialConfig;
  thetaInitial: ThetaInitialConfig;
  times: number[];
  solver: KineticSolverConfig;
  /** The selection–mutation solver run on F_h, or false for none. */
  reference: SolverChoice | false;
  epsilonStudy?: EpsilonStudyConfig;
  seed: number;
  output: OutputConfig;
  /** ∫ρ₀ of `initial` before normalisation, computed on every load as in the other forms. */
  initialMass: number;
}

/** A resolved config of any form that `pbt-mf run` accepts. */
export type RunConfig = ResolvedConfig | ResolvedKineticConfig;

const KINETIC_KEYS = [
  'version',
  'name',
  'description',
  'form',
  'thetaDomain',
  'thetaGrid',
  'domain',
  'grid',
  'loss',
  'validation',
  'sigma',
  'parameters',
  'alpha',
  'gamma',
  'epsilon',
  'mutation',
  'initial',
  'thetaInitial',
  'times',
  'solver',
  'reference',
  'epsilonStudy',
  'seed',
  'output',
  'initialMass',
] as const;

/** Top-level keys of the other forms that the kinetic form does not use, with the reason. */
const PDE_ONLY_KEYS: Record<string, string> = {
  fitness: 'not used by form "kinetic", which selects on exp(−αV) from loss, validation, sigma and alpha',
  potential: 'not used by form "kinetic" (only by form RM)',
  beta: 'not used by form "kinetic" (only by form RM)',
  nu: 'not used by form "kinetic" (only by form RM)',
  q: 'not used by form "kinetic" (only by form T)',
};

/**
 * Key order of a written config. `satisfies` makes the compiler reject a
 * ResolvedKineticConfig key missing here.
 */
const KEY_ORDER = Object.keys({
  version: true,
  name: true,
  description: true,
  form: true,
  thetaDomain: true,
  thetaGrid: true,
  domain: true,
  grid: true,
  loss: true,
  validation: true,
  sigma: true,
  parameters: true,
  alpha: true,
  gamma: true,
  epsilon: true,
  mutation: true,
  initial: true,
  thetaInitial: true,
  times: true,
  solver: true,
  reference: true,
  epsilonStudy: true,
  seed: true,
  output: true,
  initialMass: true,
} satisfies Record<keyof ResolvedKineticConfig, true>) as (keyof ResolvedKineticConfig)[];

// ---------------------------------------------------------------------------
// Loading any form

/**
 * Reads and validates a config file of any form: the kinetic form gives a
 * ResolvedKineticConfig, the others a ResolvedConfig as `loadConfig` does.
 */
export async function loadRunConfig(path: string): Promise<RunConfig> {
  return parseRunConfigText(await readConfigText(path), path);
}

/** Parses JSON text of any form and validates it; `source` names the text in error messages. */
export function parseRunConfigText(text: string, source: string): RunConfig {
  return parseRunConfig(parseJson(text, source), source);
}

/** Validates a parsed JSON config of any form, dispatching on `form`. */
export function parseRunConfig(object: unknown, source: string): RunConfig {
  const v = new JsonValidator(source);
  const root = v.object('', object);
  v.choice('form', root.form, [...EQUATION_FORMS, KINETIC_FORM]);
  return root.form === KINETIC_FORM ? parseKineticConfig(root, source) : parseConfig(root, source);
}

export function isKineticConfig(config: RunConfig): config is ResolvedKineticConfig {
  return config.form === KINETIC_FORM;
}

// ---------------------------------------------------------------------------
// Validation

/**
 * Validates a parsed JSON config of form "kinetic" and fills in every
 * default. It builds the problem once, so an expression that does not
 * compile, an L that is not finite, a σ that is not > 0 or an initial
 * density without mass is reported here with its config path.
 */
export function parseKineticConfig(object: unknown, source: string): ResolvedKineticConfig {
  const v = new JsonValidator(source);
  const root = v.object('', object);
  v.choice('form', root.form, [KINETIC_FORM]);
  v.keys('', root, KINETIC_KEYS, PDE_ONLY_KEYS);

  if (root.version !== undefined) v.choice('version', root.version, [CONFIG_VERSION]);
  const name = v.string('name', root.name, { nonEmpty: true });
  const description = root.description === undefined ? '' : v.string('description', root.description);
  const thetaDomain = parseThetaDomain(v, root.thetaDomain);
  const thetaCells = v.object('thetaGrid', root.thetaGrid);
  v.keys('thetaGrid', thetaCells, ['cells']);
  const thetaGrid = { cells: v.numberOrNumbers('thetaGrid.cells', thetaCells.cells, 1, { integer: true, min: 2 }) };

  const domain = parseDomain(v, root.domain);
  if (domain.lower.length !== 1) {
    throw v.invalid('domain.lower', (root.domain as JsonObject).lower, 'an array of 1 number, because the kinetic form has one hyperparameter');
  }
  const cells = parseCells(v, root.grid, 1);
  const jointCells = thetaGrid.cells[0] * cells[0];
  if (jointCells > MAX_GRID_CELLS) {
    throw v.invalid('thetaGrid.cells', thetaGrid.cells[0], `at most ${MAX_GRID_CELLS} joint cells n_θ·n_λ in total, got ${jointCells}`);
  }

  const sigma =
    typeof root.sigma === 'number' ? v.number('sigma', root.sigma, { above: 0 }) : v.string('sigma', root.sigma, { nonEmpty: true });
  const gamma = v.number('gamma', root.gamma, { min: 0 });
  const config: ResolvedKineticConfig = {
    version: CONFIG_VERSION,
    name,
    description,
    form: KINETIC_FORM,
    thetaDomain,
    thetaGrid,
    domain,
    grid: { cells },
    loss: v.string('loss', root.loss, { nonEmpty: true }),
    validation: v.string('validation', root.validation, { nonEmpty: true }),
    sigma,
    parameters: parseParameters(v, 'parameters', root.parameters),
    alpha: v.number('alpha', root.alpha, { min: 0 }),
    gamma,
    epsilon: v.number('epsilon', root.epsilon, { above: 0 }),
    mutation: parseMutation(v, root.mutation, domain),
    initial: parseInitial(v, root.initial, domain, cells[0]),
    thetaInitial: parseThetaInitial(v, root.thetaInitial),
    times: parseTimes(v, root.times, false),
    solver: parseKineticSolver(v, root.solver, gamma, thetaGrid.cells[0]),
    reference: parseReference(v, root.reference, gamma),
    seed: root.seed === undefined ? 0 : v.number('seed', root.seed, { integer: true, min: 0 }),
    output: root.output === undefined ? { csv: true, npy: false } : parseOutput(v, root.output),
    initialMass: 1,
  };
  if (root.epsilonStudy !== undefined) config.epsilonStudy = parseEpsilonStudy(v, root.epsilonStudy, config.solver.selection, gamma);
  const givenMass = root.initialMass === undefined ? undefined : v.number('initialMass', root.initialMass, { above: 0 });

  config.initialMass = assembleKineticProblem(config, v).initialMass;
  if (givenMass !== undefined && Math.abs(givenMass - config.initialMass) > 1e-9 * config.initialMass) {
    throw v.error(
      'initialMass',
      `${givenMass} does not match ∫ρ₀ = ${config.initialMass} computed from "initial"; ` +
        'this field is written by pbt-mf into resolved configs and cannot be set, so remove it',
    );
  }
  return inFileOrder(config);
}

function inFileOrder(config: ResolvedKineticConfig): ResolvedKineticConfig {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = config[key];
    if (value !== undefined) ordered[key] = value;
  }
  return ordered as unknown as ResolvedKineticConfig;
}

function parseThetaDomain(v: JsonValidator, value: unknown): DomainConfig {
  const section = v.object('thetaDomain', value);
  v.keys('thetaDomain', section, ['kind', 'lower', 'upper', 'labels']);
  if (section.kind !== undefined && section.kind !== 'box') {
    throw v.invalid(
      'thetaDomain.kind',
      section.kind,
      '"box": θ lives on a truncated interval with no-flux faces, so choose it wide enough that the Gibbs measure is negligible at the faces',
    );
  }
  const lower = v.numberOrNumbers('thetaDomain.lower', section.lower, 1);
  const upper = v.numberOrNumbers('thetaDomain.upper', section.upper, 1);
  if (!(lower[0] < upper[0])) throw v.invalid('thetaDomain.upper', section.upper, `a number > thetaDomain.lower = ${lower[0]}`);
  let labels = ['theta'];
  if (section.labels !== undefined) {
    const items = v.array('thetaDomain.labels', section.labels, 1, 'an array of strings');
    labels = [v.string(joinPath('thetaDomain.labels', 0), items[0], { nonEmpty: true })];
  }
  return { kind: 'box', lower, upper, labels };
}

const THETA_INITIAL_KEYS: Record<ThetaInitialConfig['kind'], readonly string[]> = {
  gibbs: ['kind'],
  gaussian: ['kind', 'mean', 'std'],
  uniform: ['kind'],
};

function parseThetaInitial(v: JsonValidator, value: unknown): ThetaInitialConfig {
  if (value === undefined) return { kind: 'gibbs' };
  const section = v.object('thetaInitial', value);
  const kind = v.choice('thetaInitial.kind', section.kind, Object.keys(THETA_INITIAL_KEYS) as ThetaInitialConfig['kind'][]);
  v.keys('thetaInitial', section, THETA_INITIAL_KEYS[kind]);
  if (kind === 'gaussian') {
    return {
      kind,
      mean: v.number('thetaInitial.mean', section.mean),
      std: v.number('thetaInitial.std', section.std, { above: 0 }),
    };
  }
  return { kind };
}

function parseKineticSolver(v: JsonValidator, value: unknown, gamma: number, thetaCells: number): KineticSolverConfig {
  const section = value === undefined ? {} : v.object('solver', value);
  v.keys('solver', section, ['fokkerPlanck', 'selection', 'dt']);
  const solver: KineticSolverConfig = {
    fokkerPlanck:
      section.fokkerPlanck === undefined ? 'backward-euler' : v.choice('solver.fokkerPlanck', section.fokkerPlanck, FOKKER_PLANCK_INTEGRATORS),
    selection: section.selection === undefined ? 'euler' : v.choice('solver.selection', section.selection, SELECTION_INTEGRATORS),
  };
  if (solver.fokkerPlanck === 'exact' && thetaCells > EXACT_FLOW_MAX_CELLS) {
    throw v.invalid(
      'solver.fokkerPlanck',
      'exact',
      `"backward-euler" for ${thetaCells} θ cells, because the exact flow stores dense n_θ × n_θ propagators and accepts at most ${EXACT_FLOW_MAX_CELLS} θ cells`,
    );
  }
  if (section.dt !== undefined) {
    const dt = v.number('solver.dt', section.dt, { above: 0 });
    checkSelectionBound(v, 'solver.dt', dt, solver.selection, gamma);
    solver.dt = dt;
  }
  return solver;
}

/** Rejects a step above the positivity bound γΔt ≤ 1 of the explicit selection integrators. */
function checkSelectionBound(v: JsonValidator, path: string, dt: number, selection: SelectionIntegrator, gamma: number): void {
  const bound = selectionStepBound(selection, gamma);
  if (dt > bound * (1 + 1e-12)) {
    throw v.invalid(
      path,
      dt,
      `a step ≤ 1/γ = ${bound}, because the ${selection} selection step keeps f ≥ 0 only for γΔt ≤ 1; ` +
        'lower the step or set solver.selection to "exponential"',
    );
  }
}

function parseReference(v: JsonValidator, value: unknown, gamma: number): SolverChoice | false {
  if (value === false) return false;
  const section = value === undefined ? {} : v.object('reference', value);
  v.keys('reference', section, ['name', 'scheme', 'dt']);
  if (!(gamma > 0)) {
    throw v.error('reference', 'the selection–mutation reference needs gamma > 0; set "reference": false for a run with gamma = 0');
  }
  const choice: SolverChoice = {
    name: section.name === undefined ? DEFAULT_REFERENCE_SOLVER : v.string('reference.name', section.name, { nonEmpty: true }),
  };
  if (section.scheme !== undefined) choice.scheme = v.string('reference.scheme', section.scheme, { nonEmpty: true });
  if (section.dt !== undefined) choice.dt = v.number('reference.dt', section.dt, { above: 0 });
  return choice;
}

function parseEpsilonStudy(v: JsonValidator, value: unknown, selection: SelectionIntegrator, gamma: number): EpsilonStudyConfig {
  const section = v.object('epsilonStudy', value);
  v.keys('epsilonStudy', section, ['epsilons', 'stepRatio']);
  const epsilons = v.numbers('epsilonStudy.epsilons', section.epsilons, { above: 0 });
  if (epsilons.length < 2) {
    throw v.invalid('epsilonStudy.epsilons', section.epsilons, 'at least two values of ε > 0, because a rate needs two points');
  }
  epsilons.forEach((epsilon, k) => {
    if (epsilons.indexOf(epsilon) !== k) {
      throw v.invalid(joinPath('epsilonStudy.epsilons', k), epsilon, `a value different from epsilonStudy.epsilons[${epsilons.indexOf(epsilon)}]`);
    }
  });
  const stepRatio =
    section.stepRatio === undefined ? DEFAULT_EPSILON_STEP_RATIO : v.number('epsilonStudy.stepRatio', section.stepRatio, { above: 0 });
  const largest = Math.max(...epsilons);
  checkSelectionBound(v, 'epsilonStudy.stepRatio', stepRatio * largest, selection, gamma);
  return { epsilons, stepRatio };
}

// ---------------------------------------------------------------------------
// Building

/**
 * Runs `build` and rethrows a ConfigError of the kinetic problem (field
 * `kinetic.<name>`) at config path `<name>`, and any other model error at
 * `fallback`.
 */
function atKineticPath<T>(v: JsonValidator, fallback: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError && error.field.startsWith('kinetic.')) {
      const path = error.field.slice('kinetic.'.length).replace(/^(initial)\[\d+\]$/, '$1');
      throw v.error(path, error.message.slice(error.field.length + 2));
    }
    if (error instanceof ConfigError || error instanceof ExpressionError || error instanceof RangeError) {
      throw v.error(fallback, error.message);
    }
    throw error;
  }
}

/** Cell averages of the θ profile given λ, with Σ_j g_j h_θ = 1. Not used for the 'gibbs' kind, whose profile depends on λ. */
function thetaProfile(v: JsonValidator, initial: ThetaInitialConfig, thetaGrid: CellGrid): Float64Array {
  const profile =
    initial.kind === 'gaussian'
      ? thetaGrid.cellAverages(([theta]) => Math.exp(-0.5 * ((theta - initial.mean) / initial.std) ** 2))
      : new Float64Array(thetaGrid.size).fill(1);
  let mass = 0;
  for (let j = 0; j < profile.length; j++) mass += profile[j];
  mass *= thetaGrid.spacing[0];
  if (!(mass > 0) || !Number.isFinite(mass)) {
    throw v.error('thetaInitial', `the θ profile has mass ${mass} on the θ grid; move its mean inside thetaDomain or widen its std`);
  }
  for (let j = 0; j < profile.length; j++) profile[j] /= mass;
  return profile;
}

/**
 * Checks L at every cell centre before the Gibbs state exp(−L/σ) is built
 * from it, so that a non-finite L is reported at `loss` with its (θ, λ).
 */
function checkLossFinite(v: JsonValidator, loss: CompiledExpression, thetaGrid: CellGrid, lambdaGrid: CellGrid): void {
  const point = new Float64Array(2);
  for (const theta of thetaGrid.centres(0)) {
    for (const lambda of lambdaGrid.centres(0)) {
      point[0] = theta;
      point[1] = lambda;
      const value = loss.evaluate(point);
      if (!Number.isFinite(value)) {
        throw v.error('loss', `L(θ = ${theta}, λ = ${lambda}) = ${value}; L must be finite at every cell centre of the θ and λ grids`);
      }
    }
  }
}

function assembleKineticProblem(config: ResolvedKineticConfig, v: JsonValidator): { problem: KineticProblem; initialMass: number } {
  const thetaDomain = atPath(v, 'thetaDomain', () => buildDomain(config.thetaDomain));
  const thetaGrid = atPath(v, 'thetaGrid.cells', () => new CellGrid(thetaDomain, config.thetaGrid.cells));
  const domain = atPath(v, 'domain', () => buildDomain(config.domain));
  const lambdaGrid = atPath(v, 'grid.cells', () => new CellGrid(domain, config.grid.cells));
  const { density, mass } = buildInitialDensity(v, 'initial', config.initial, lambdaGrid, config.domain.labels);

  const parameters = config.parameters;
  const jointVariables = ['theta', 'lambda'];
  const loss = atPath(v, 'loss', () => compileExpression(config.loss, jointVariables, parameters));
  const validation = atPath(v, 'validation', () => compileExpression(config.validation, jointVariables, parameters));
  const sigma: number | CompiledExpression =
    typeof config.sigma === 'number' ? config.sigma : atPath(v, 'sigma', () => compileExpression(config.sigma as string, ['lambda'], parameters));

  const base = {
    name: config.name,
    thetaGrid,
    lambdaGrid,
    loss,
    validation,
    sigma,
    alpha: config.alpha,
    gamma: config.gamma,
    epsilon: config.epsilon,
    kernel: buildKernel(config.mutation, domain),
    times: [...config.times],
    parameters,
  };

  checkLossFinite(v, loss, thetaGrid, lambdaGrid);
  let initial: Float64Array;
  if (config.thetaInitial.kind === 'gibbs') {
    initial = atKineticPath(v, 'thetaInitial', () => gibbsProduct(base, lambdaGrid, density.values));
  } else {
    const profile = thetaProfile(v, config.thetaInitial, thetaGrid);
    const lambdaCells = lambdaGrid.size;
    initial = new Float64Array(thetaGrid.size * lambdaCells);
    for (let j = 0; j < thetaGrid.size; j++) {
      for (let i = 0; i < lambdaCells; i++) initial[j * lambdaCells + i] = profile[j] * density.values[i];
    }
  }

  const problem: KineticProblem = { ...base, initial };
  atKineticPath(v, '', () => prepareKineticProblem(problem));
  return { problem, initialMass: mass };
}

/**
 * Builds the KineticProblem of a validated kinetic config: the θ and λ
 * grids, compiled L, V and σ, the mutation kernel (std in λ units) and
 * f₀ = ρ₀(λ)·g(θ | λ) with mass 1, θ-major.
 */
export function buildKineticProblem(config: ResolvedKineticConfig): KineticProblem {
  return assembleKineticProblem(config, new JsonValidator(`config "${config.name}"`)).problem;
}

/** Returns the options of `kineticSolver.solve` that the config's `solver` section sets. */
export function kineticSolveOptions(config: ResolvedKineticConfig): KineticSolveOptions {
  const { fokkerPlanck, selection, dt } = config.solver;
  return dt === undefined ? { fokkerPlanck, selection } : { fokkerPlanck, selection, dt };
}

/**
 * Builds the selection–mutation problem of the ε → 0 limit: the discrete
 * effective fitness F_h of the kinetic θ grid, the same λ grid, kernel and
 * rate, and ρ₀ the λ-marginal of f₀.
 */
export function buildKineticLimitProblem(problem: KineticProblem): SelectionMutationProblem {
  const { thetaGrid, lambdaGrid } = problem;
  const rho = lambdaMarginal(problem.initial, thetaGrid.shape[0], lambdaGrid.shape[0], thetaGrid.spacing[0]);
  return {
    form: 'SM',
    name: `${problem.name} (ε → 0 limit with F_h)`,
    grid: lambdaGrid,
    initial: new Density(lambdaGrid, rho),
    fitness: discreteEffectiveFitness(problem),
    kernel: problem.kernel,
    gamma: problem.gamma,
    times: [...problem.times],
  };
}

/**
 * Checks the reference solver against the registry (name registered, form
 * SM supported, scheme known) and returns the config with the default
 * scheme filled in. Call it after the solvers are registered.
 */
export function resolveKineticReference(config: ResolvedKineticConfig, source = `config "${config.name}"`): ResolvedKineticConfig {
  const choice = config.reference;
  if (choice === false) return config;
  const v = new JsonValidator(source);
  const registered = listSolvers()
    .filter((s) => s.forms.includes('SM'))
    .map((s) => s.name);
  if (!registered.includes(choice.name)) {
    const expected = registered.length === 0 ? 'a registered SM solver (none are registered)' : `one of ${registered.join(', ')}`;
    throw v.invalid('reference.name', choice.name, expected);
  }
  const schemes = getSolver(choice.name)
    .schemes('SM')
    .map((s) => s.name);
  if (choice.scheme !== undefined && !schemes.includes(choice.scheme)) {
    throw v.invalid('reference.scheme', choice.scheme, `one of the ${choice.name} schemes for form "SM": ${schemes.join(', ')}`);
  }
  return { ...config, reference: { ...choice, scheme: choice.scheme ?? schemes[0] } };
}

// ---------------------------------------------------------------------------
// The λ-marginal as a standard solution

/** Upper bound on the rows of a marginal trace, the bound of the kinetic solver's own trace. */
const TRACE_ROWS = 2000;

/**
 * Records the λ-marginal's mean, mass and minimum at every k-th step of a
 * kinetic run (at most about TRACE_ROWS rows) and at every output time,
 * in the layout of a Solution's trace.
 */
export class MarginalTraceObserver implements KineticObserver {
  readonly trace: Trace = { time: [], mean: [], mass: [], minValue: [] };
  private thetaCells = 0;
  private lambdaCells = 0;
  private thetaSpacing = 0;
  private lambdaSpacing = 0;
  private centres: Float64Array = new Float64Array(0);
  private stride = 0;

  start(info: { problem: KineticProblem }): void {
    const { thetaGrid, lambdaGrid } = info.problem;
    this.thetaCells = thetaGrid.shape[0];
    this.lambdaCells = lambdaGrid.shape[0];
    this.thetaSpacing = thetaGrid.spacing[0];
    this.lambdaSpacing = lambdaGrid.spacing[0];
    this.centres = lambdaGrid.centres(0);
    this.record(0, info.problem.initial);
  }

  step(info: StepInfo): void {
    if (this.stride === 0) this.stride = Math.max(1, Math.ceil(Math.ceil(info.endTime / info.dt) / TRACE_ROWS));
    if (info.step % this.stride === 0) this.record(info.time, info.values);
  }

  snapshot(snapshot: { time: number; marginal: Density }): void {
    const last = this.trace.time.length - 1;
    if (last >= 0 && this.trace.time[last] === snapshot.time) return;
    this.recordMarginal(snapshot.time, snapshot.marginal.values);
  }

  private record(time: number, joint: Float64Array): void {
    this.recordMarginal(time, lambdaMarginal(joint, this.thetaCells, this.lambdaCells, this.thetaSpacing));
  }

  private recordMarginal(time: number, rho: Float64Array): void {
    let mass = 0;
    let first = 0;
    let minimum = Infinity;
    for (let i = 0; i < rho.length; i++) {
      mass += rho[i];
      first += rho[i] * this.centres[i];
      if (rho[i] < minimum) minimum = rho[i];
    }
    this.trace.time.push(time);
    this.trace.mean.push([first / mass]);
    this.trace.mass.push(mass * this.lambdaSpacing);
    this.trace.minValue.push(minimum);
  }
}

/**
 * Wraps the λ-marginal of a kinetic solution as a Solution of its ε → 0
 * limit problem (`buildKineticLimitProblem`), so that the result writers
 * and report figures of the other forms apply to it. Its fitness is F_h.
 * Without a marginal `trace` the trace is empty, and the figures then read
 * their diagnostics from the snapshots. The stats are the kinetic solver's,
 * with `minValue` replaced by the minimum of ρ over the trace and the
 * snapshots, and the joint minimum kept as `minJoint`.
 */
export function kineticMarginalSolution(
  solution: KineticSolution,
  limit: SelectionMutationProblem = buildKineticLimitProblem(solution.problem),
  trace: Trace = { time: [], mean: [], mass: [], minValue: [] },
): Solution {
  const snapshots: Snapshot[] = solution.marginals;
  let minimum = Infinity;
  for (const value of trace.minValue) minimum = Math.min(minimum, value);
  for (const snapshot of snapshots) minimum = Math.min(minimum, snapshot.density.min());
  const stats: SolverStats = { ...solution.stats, minValue: minimum, minJoint: solution.stats.minValue };
  const problem: SelectionMutationProblem = { ...limit, name: `${solution.problem.name}: λ-marginal of f` };
  return { solver: solution.solver, scheme: solution.scheme, problem, snapshots, trace, stats };
}
