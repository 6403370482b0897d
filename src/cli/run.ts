import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildProblem, resolveSolverChoices, type ResolvedConfig, type SolverChoice } from '../io/config.js';
import {
  buildKineticLimitProblem,
  buildKineticProblem,
  isKineticConfig,
  kineticMarginalSolution,
  kineticSolveOptions,
  loadRunConfig,
  MarginalTraceObserver,
  resolveKineticReference,
  type ResolvedKineticConfig,
  type RunConfig,
} from '../io/kinetic-config.js';
import { encodeNpy } from '../io/npy.js';
import {
  commitRunFolder,
  createRunFolder,
  createRunMetadata,
  discardRunFolder,
  writeFileAtomic,
  writeRun,
  type RunFolder,
} from '../io/output.js';
import { describeGrid, snapshotArray, snapshotsCsv, snapshotsJson, solutionLabels, traceCsv } from '../io/result-files.js';
import { ConfigError, InvariantError, NonFiniteError, StepSizeError } from '../model/errors.js';
import type { Logger } from '../model/logger.js';
import type { Observer } from '../model/observer.js';
import { InvariantObserver, ProgressObserver } from '../model/observers.js';
import type { SelectionMutationProblem } from '../model/problem.js';
import { getSolver, type Solution, type SolveOptions } from '../model/solver.js';
import { buildFigures } from '../report/figures.js';
import { renderReport } from '../report/html.js';
import type { FigureSpec } from '../report/spec.js';
import { buildKineticFigures, type EpsilonStudyRows } from '../report/kinetic-figures.js';
import { kineticSolver, type KineticObserver, type KineticProblem, type KineticSolution } from '../../solvers/kinetic/index.js';
import { runKineticEpsilonStudy } from '../../validation/kinetic-particles.js';
import { ProgressBar } from './progress.js';

/** The config that `pbt-mf run` uses when none is given. */
export const DEFAULT_EXAMPLE = 'ridge-weight-decay-sm.json';

/** Folder of the shipped example configs (two levels above dist/src/cli, or src/cli under vitest). */
export function examplesFolder(): string {
  const moduleFolder = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../../../examples', '../../examples']) {
    const candidate = join(moduleFolder, up);
    if (existsSync(join(candidate, DEFAULT_EXAMPLE))) return candidate;
  }
  throw new Error(`the shipped examples folder was not found next to ${moduleFolder}; reinstall the package`);
}

export interface RunCommandOptions {
  config?: string;
  out?: string;
  overwrite: boolean;
  report: boolean;
  progress: boolean;
  logger: Logger;
}

export interface RunResult {
  folder: string;
  config: RunConfig;
  /** The solutions written as snapshot files; for a kinetic run its λ-marginal, then the reference if any. */
  solutions: Solution[];
  /** The joint solution of a kinetic run. */
  kinetic?: KineticSolution;
}

/**
 * Runs one solver and names it in its errors: a step-size error becomes a
 * config error at `solver[i].dt`, and run failures name the solver that failed.
 */
function solveWithContext(index: number, name: string, solve: () => Solution): Solution {
  try {
    return solve();
  } catch (error) {
    if (error instanceof StepSizeError) throw new ConfigError(`solver[${index}].dt`, error.message);
    if (error instanceof NonFiniteError || error instanceof InvariantError) {
      error.message = `solver ${name}: ${error.message}`;
    }
    throw error;
  }
}

/** Returns the default run folder, `runs/<name>-<yyyymmdd-hhmmss>`. */
export function defaultRunFolder(name: string, start: Date): string {
  return join('runs', `${name}-${timestamp(start)}`);
}

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/**
 * `pbt-mf run`: loads and validates the config, solves it with every solver
 * it names, and writes the run folder with its report. Nothing is written
 * unless every solver finished; the folder appears only when complete.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunResult> {
  const { logger } = options;
  const path = options.config ?? join(examplesFolder(), DEFAULT_EXAMPLE);
  if (!options.config) logger.info(`no config given; running the default example ${basename(path)}`);
  const loaded = await loadRunConfig(path);
  if (isKineticConfig(loaded)) return runKineticCommand(loaded, path, options);
  return runProblem(resolveSolverChoices(loaded, `config ${path}`), path, options);
}

/** Solves a config of the forms SM, RM, G or T with every solver it lists and writes the run folder. */
async function runProblem(config: ResolvedConfig, path: string, options: RunCommandOptions): Promise<RunResult> {
  const { logger } = options;
  const problem = buildProblem(config);
  logger.debug(`config ${path}: ${problem.form} problem "${problem.name}" on ${problem.grid.describe()}`);
  logger.debug(`output times: ${problem.times.length} from ${problem.times[0]} to ${problem.times[problem.times.length - 1]}`);
  const start = new Date();
  const out = options.out ?? defaultRunFolder(config.name, start);
  // The output folder is checked before the solve, so a bad --out costs nothing.
  const folder = await createRunFolder(out, { overwrite: options.overwrite });

  try {
    const solutions: Solution[] = [];
    for (const [index, choice] of config.solver.entries()) {
      const solver = getSolver(choice.name);
      const bar = new ProgressBar(`${choice.name}${choice.scheme ? ` ${choice.scheme}` : ''}`);
      // Spectral solutions may dip below zero near steep data (the Gibbs
      // phenomenon). The spectral solver records and warns about that
      // itself, so only the mass is checked here for it.
      const negativeTolerance = solver.family === 'spectral' ? Infinity : undefined;
      const observers: Observer[] = [new InvariantObserver(undefined, negativeTolerance)];
      if (options.progress) {
        observers.push(new ProgressObserver((fraction, time) => bar.update(fraction, `t = ${time.toPrecision(4)}`)));
      }
      logger.info(`solving ${problem.form} on ${problem.grid.describe()} with ${choice.name}`);
      logger.debug(`solver[${index}]: ${choice.name}, scheme ${choice.scheme ?? 'default'}, dt ${choice.dt ?? 'default'}`);
      try {
        const solution = solveWithContext(index, choice.name, () =>
          solver.solve(
            problem,
            { scheme: choice.scheme, dt: choice.dt, logger, particles: choice.particles, seed: config.seed } as SolveOptions,
            observers,
          ),
        );
        solutions.push(solution);
        logger.info(
          `${choice.name} (${solution.scheme}): ${solution.stats.steps} steps in ${solution.stats.wallSeconds.toFixed(2)} s, ` +
            `mass drift ${solution.stats.massDrift.toExponential(2)}, min ρ ${solution.stats.minValue.toExponential(2)}`,
        );
      } finally {
        bar.finish();
      }
    }
    const end = new Date();
    const metadata = createRunMetadata({ seed: config.seed, start, end, solutions });
    const figures = buildFigures(solutions);
    const reportHtml = options.report
      ? renderReport({
          title: `${config.name}: ${problem.form} on ${problem.grid.describe()}`,
          summary: {
            config: path,
            description: config.description ?? '',
            started: start.toISOString(),
            seed: config.seed,
          },
          solutions,
          figures,
        })
      : undefined;
    const written = await writeRun(folder, { config, metadata, solutions, reportHtml, figures });
    return { folder: written, config, solutions };
  } catch (error) {
    await discardRunFolder(folder);
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Form "kinetic"

/** Throttled progress of a kinetic run on a bar, at most 100 updates. */
function kineticProgress(bar: ProgressBar): KineticObserver {
  let reported = -1;
  return {
    step(info) {
      const fraction = Math.min(1, info.time / info.endTime);
      const bucket = Math.floor(fraction * 100);
      if (bucket <= reported) return;
      reported = bucket;
      bar.update(fraction, `t = ${info.time.toPrecision(4)}`);
    },
  };
}

/** Rethrows a step-size error as a config error at `path`, and names the solver in run failures. */
function withErrorContext<T>(path: string, name: string, solve: () => T): T {
  try {
    return solve();
  } catch (error) {
    if (error instanceof StepSizeError) throw new ConfigError(path, error.message);
    if (error instanceof NonFiniteError || error instanceof InvariantError) error.message = `solver ${name}: ${error.message}`;
    throw error;
  }
}

/**
 * `pbt-mf run` on a kinetic config: solves the joint equation, then the
 * (SM) reference with F_h unless `reference` is false, and the ε-study when
 * the config has an `epsilonStudy` section, and writes the run folder. The
 * λ-marginal is written as the standard snapshot files of solver `kinetic`,
 * the joint density as joint-kinetic.*. As in the other forms, the folder
 * appears only when every file is written.
 */
async function runKineticCommand(loaded: ResolvedKineticConfig, path: string, options: RunCommandOptions): Promise<RunResult> {
  const config = resolveKineticReference(loaded, `config ${path}`);
  const problem = buildKineticProblem(config);
  const start = new Date();
  // The output folder is checked before the solve, so a bad --out costs nothing.
  const folder = await createRunFolder(options.out ?? defaultRunFolder(config.name, start), { overwrite: options.overwrite });
  let result: RunResult;
  try {
    result = await solveAndWriteKinetic(config, problem, path, start, folder, options);
  } catch (error) {
    await discardRunFolder(folder);
    throw error;
  }
  await commitRunFolder(folder);
  return result;
}

/** Solves a kinetic config (see runKineticCommand) and writes every file into the partial folder. */
async function solveAndWriteKinetic(
  config: ResolvedKineticConfig,
  problem: KineticProblem,
  path: string,
  start: Date,
  folder: RunFolder,
  options: RunCommandOptions,
): Promise<RunResult> {
  const { logger } = options;
  const limit = buildKineticLimitProblem(problem);
  const grids = `${problem.thetaGrid.shape[0]} θ cells × ${problem.lambdaGrid.describe()}`;
  logger.debug(`config ${path}: kinetic problem "${problem.name}" on ${grids}, ε = ${problem.epsilon}`);

  const traceObserver = new MarginalTraceObserver();
  const bar = new ProgressBar('kinetic');
  const observers: KineticObserver[] = options.progress ? [traceObserver, kineticProgress(bar)] : [traceObserver];
  logger.info(`solving the kinetic equation on ${grids}, ε = ${problem.epsilon}`);
  let kinetic: KineticSolution;
  try {
    kinetic = withErrorContext('solver.dt', 'kinetic', () =>
      kineticSolver.solve(problem, { ...kineticSolveOptions(config), logger }, observers),
    );
  } finally {
    bar.finish();
  }
  logger.info(
    `kinetic (${kinetic.scheme}): ${kinetic.stats.steps} steps in ${kinetic.stats.wallSeconds.toFixed(2)} s, ` +
      `mass drift ${kinetic.stats.massDrift.toExponential(2)}, min f ${kinetic.stats.minValue.toExponential(2)}`,
  );
  const marginal = kineticMarginalSolution(kinetic, limit, traceObserver.trace);
  const solutions: Solution[] = [marginal];

  const reference = config.reference === false ? undefined : solveKineticReference(config.reference, limit, options);
  if (reference) solutions.push(reference);

  let epsilonStudy: EpsilonStudyRows | undefined;
  if (config.epsilonStudy) {
    const { epsilons, stepRatio } = config.epsilonStudy;
    logger.info(`ε-study: ε = ${epsilons.join(', ')} with Δt = ${stepRatio}·ε`);
    epsilonStudy = withErrorContext('epsilonStudy.stepRatio', 'kinetic', () =>
      runKineticEpsilonStudy({ problem, epsilons, stepRatio, ...config.solver, dt: undefined }),
    );
    const last = epsilonStudy.times.length - 1;
    logger.info(`ε-study: fitted rate ${epsilonStudy.rates[last].toFixed(3)} at t = ${epsilonStudy.times[last]} (expected 1)`);
  }

  const end = new Date();
  const metadata = {
    ...createRunMetadata({ seed: config.seed, start, end, solutions }),
    kinetic: {
      scheme: kinetic.scheme,
      epsilon: problem.epsilon,
      thetaCells: problem.thetaGrid.shape[0],
      lambdaCells: problem.lambdaGrid.shape[0],
      stats: kinetic.stats,
    },
    ...(epsilonStudy ? { epsilonStudy } : {}),
  };
  const figures = buildKineticFigures({ solution: kinetic, marginal, reference, epsilonStudy });
  const reportHtml = options.report
    ? renderReport({
        title: `${config.name}: kinetic equation on ${grids}, ε = ${problem.epsilon}`,
        summary: kineticSummary(config, path, start),
        solutions,
        figures,
        notes: KINETIC_NOTES,
      })
    : undefined;

  await writeKineticRunFiles(folder, { config, metadata, kinetic, solutions, epsilonStudy, reportHtml, figures });
  return { folder: folder.path, config, solutions, kinetic };
}

/** Solves the ε → 0 limit problem (SM with F_h) with the reference solver of a kinetic config. */
function solveKineticReference(choice: SolverChoice, limit: SelectionMutationProblem, options: RunCommandOptions): Solution {
  const { logger } = options;
  const solver = getSolver(choice.name);
  const bar = new ProgressBar(`${choice.name} (F_h)`);
  // As in the other forms, spectral solutions are checked for mass only.
  const negativeTolerance = solver.family === 'spectral' ? Infinity : undefined;
  const observers: Observer[] = [new InvariantObserver(undefined, negativeTolerance)];
  if (options.progress) observers.push(new ProgressObserver((fraction, time) => bar.update(fraction, `t = ${time.toPrecision(4)}`)));
  logger.info(`solving the ε → 0 limit (SM with F_h) with ${choice.name}`);

  let reference: Solution;
  try {
    reference = withErrorContext('reference.dt', choice.name, () =>
      solver.solve(limit, { scheme: choice.scheme, dt: choice.dt, logger }, observers),
    );
  } finally {
    bar.finish();
  }
  logger.info(
    `${choice.name} (${reference.scheme}) on F_h: ${reference.stats.steps} steps in ${reference.stats.wallSeconds.toFixed(2)} s, ` +
      `mass drift ${reference.stats.massDrift.toExponential(2)}`,
  );
  return reference;
}

const KINETIC_NOTES = [
  'Solver "kinetic" in the tables and figures of ρ is the λ-marginal ρ(λ) = ∫ f dθ of the kinetic solution.',
  'F is the discrete effective fitness F_h of the θ grid: the fitness of the ε → 0 limit of this scheme, which the reference solves.',
  'min ρ is the minimum of the λ-marginal. The minimum of f itself is recorded as minJoint in metadata.json.',
];

function kineticSummary(config: ResolvedKineticConfig, path: string, start: Date): Record<string, string | number> {
  return {
    config: path,
    description: config.description,
    started: start.toISOString(),
    'loss L(θ, λ)': config.loss,
    'validation V(θ, λ)': config.validation,
    'σ(λ)': String(config.sigma),
    parameters: Object.entries(config.parameters)
      .map(([name, value]) => `${name} = ${value}`)
      .join(', '),
    'α, γ, ε': `${config.alpha}, ${config.gamma}, ${config.epsilon}`,
    'initial θ given λ': config.thetaInitial.kind,
    seed: config.seed,
  };
}

interface KineticRunOutput {
  config: ResolvedKineticConfig;
  metadata: object;
  kinetic: KineticSolution;
  solutions: readonly Solution[];
  epsilonStudy?: EpsilonStudyRows;
  reportHtml?: string;
  figures: readonly FigureSpec[];
}

/**
 * Chunks of `joint-kinetic.json`: the θ and λ grids, the output times and
 * steps, then f at each snapshot as one θ-major array of cell averages.
 */
function* jointJson(kinetic: KineticSolution, lambdaLabels: readonly string[], thetaLabels: readonly string[]): Generator<string> {
  const { thetaGrid, lambdaGrid } = kinetic.problem;
  const head = {
    solver: kinetic.solver,
    scheme: kinetic.scheme,
    name: kinetic.problem.name,
    epsilon: kinetic.problem.epsilon,
    thetaGrid: describeGrid(thetaGrid, thetaLabels),
    lambdaGrid: describeGrid(lambdaGrid, lambdaLabels),
    order: 'θ-major: flat index j*lambdaGrid.cells[0] + i for θ cell j and λ cell i',
    times: kinetic.snapshots.map((s) => s.time),
    steps: kinetic.snapshots.map((s) => s.step),
  };
  const entries = Object.entries(head).map(([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  yield `{\n${entries.join(',\n')},\n "values": [\n`;
  for (let k = 0; k < kinetic.snapshots.length; k++) {
    const separator = k + 1 < kinetic.snapshots.length ? ',' : '';
    yield `  ${JSON.stringify(Array.from(kinetic.snapshots[k].joint.values))}${separator}\n`;
  }
  yield ' ]\n}\n';
}

/** Chunks of `joint-kinetic.csv`, one row per snapshot and joint cell: time,theta,lambda,f at the cell centres. */
function* jointCsv(kinetic: KineticSolution): Generator<string> {
  yield 'time,theta,lambda,f\n';
  const theta = kinetic.problem.thetaGrid.centres(0);
  const lambda = kinetic.problem.lambdaGrid.centres(0);
  for (const snapshot of kinetic.snapshots) {
    const values = snapshot.joint.values;
    const rows: string[] = [];
    for (let j = 0; j < theta.length; j++) {
      for (let i = 0; i < lambda.length; i++) rows.push(`${snapshot.time},${theta[j]},${lambda[i]},${values[j * lambda.length + i]}\n`);
    }
    yield rows.join('');
  }
}

/**
 * Writes the files of a kinetic run into the partial folder: config.json,
 * metadata.json, joint-kinetic.json (and .csv and .npy when the output
 * section enables them), the snapshot and trace files of each 1D solution as in the other
 * forms, epsilon-study.json when the study ran, and report.html.
 */
async function writeKineticRunFiles(folder: RunFolder, run: KineticRunOutput): Promise<void> {
  const file = (name: string) => join(folder.partialPath, name);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const { config, kinetic } = run;
  await writeFileAtomic(file('config.json'), json(config));
  await writeFileAtomic(file('metadata.json'), json(run.metadata));

  await writeFileAtomic(file('joint-kinetic.json'), jointJson(kinetic, config.domain.labels, config.thetaDomain.labels));
  if (config.output.csv) await writeFileAtomic(file('joint-kinetic.csv'), jointCsv(kinetic));
  if (config.output.npy) {
    const size = kinetic.jointGrid.size;
    const values = new Float64Array(kinetic.snapshots.length * size);
    kinetic.snapshots.forEach((snapshot, k) => values.set(snapshot.joint.values, k * size));
    await writeFileAtomic(file('joint-kinetic.npy'), encodeNpy(values, [kinetic.snapshots.length, ...kinetic.jointGrid.shape]));
  }

  const labels = solutionLabels(run.solutions);
  for (const [k, solution] of run.solutions.entries()) {
    const label = labels[k];
    await writeFileAtomic(file(`snapshots-${label}.json`), snapshotsJson(solution, config.domain.labels));
    if (config.output.csv) {
      await writeFileAtomic(file(`snapshots-${label}.csv`), snapshotsCsv(solution));
      await writeFileAtomic(file(`trace-${label}.csv`), traceCsv(solution));
    }
    if (config.output.npy) {
      const { values, shape } = snapshotArray(solution);
      await writeFileAtomic(file(`snapshots-${label}.npy`), encodeNpy(values, shape));
      const times = solution.snapshots.map((s) => s.time);
      await writeFileAtomic(file(`times-${label}.npy`), encodeNpy(times, [times.length]));
    }
  }

  if (run.epsilonStudy) await writeFileAtomic(file('epsilon-study.json'), json(run.epsilonStudy));
  await writeFileAtomic(file('figures.json'), json(run.figures));
  if (run.reportHtml !== undefined) await writeFileAtomic(file('report.html'), run.reportHtml);
}
