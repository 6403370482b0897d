import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildProblem, loadConfig, resolveSolverChoices, type ResolvedConfig } from '../io/config.js';
import { createRunFolder, createRunMetadata, discardRunFolder, writeRun } from '../io/output.js';
import { ConfigError, InvariantError, NonFiniteError, StepSizeError } from '../model/errors.js';
import type { Logger } from '../model/logger.js';
import type { Observer } from '../model/observer.js';
import { InvariantObserver, ProgressObserver } from '../model/observers.js';
import { getSolver, type Solution, type SolveOptions } from '../model/solver.js';
import { renderReport } from '../report/html.js';
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
  config: ResolvedConfig;
  solutions: Solution[];
}

/**
 * Runs one solver and names it in its errors: a step-size error becomes a
 * config error at `solver[i].dt`, and run failures say which solver failed.
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
  const config = resolveSolverChoices(await loadConfig(path), `config ${path}`);
  const problem = buildProblem(config);
  logger.debug(`config ${path}: ${problem.form} problem "${problem.name}" on ${problem.grid.describe()}`);
  logger.debug(`output times: ${problem.times.length} from ${problem.times[0]} to ${problem.times[problem.times.length - 1]}`);
  const start = new Date();
  const out = options.out ?? join('runs', `${config.name}-${timestamp(start)}`);
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
        })
      : undefined;
    const written = await writeRun(folder, { config, metadata, solutions, reportHtml });
    return { folder: written, config, solutions };
  } catch (error) {
    await discardRunFolder(folder);
    throw error;
  }
}
