import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

import '../../solvers/finite-volume/index.js';
import '../../solvers/particles/index.js';
import '../../solvers/spectral/index.js';
import { describeCriterion } from '../../validation/check.js';
import { describeMeasurement } from '../../validation/mesh-study.js';
import type { ParticleRunner } from '../../validation/particle-runner.js';
import { loadValidationConfig } from '../../validation/settings.js';
import { runValidation, type ValidationOutcome } from '../../validation/study.js';
import { ConfigError } from '../model/errors.js';
import type { Logger, LogLevel } from '../model/logger.js';
import { ProgressBar } from './progress.js';
import { examplesFolder } from './run.js';

/** The config that `pbt-mf validate` uses when none is given. */
export const DEFAULT_VALIDATION_EXAMPLE = 'validation-ridge.json';

export const VALIDATE_HELP = `pbt-mf validate [config.json] [options]

Compares the particle system with its mean-field PDE and measures the
convergence order of every registered PDE solver. The config is a run
config (form SM, G or T) with an optional "validation" section (keys
minParticles, maxParticles, rungsPerDecade, replicas, seed, particleDt,
times, referenceErrorFraction, referenceMaxCells, slices); without a
config, runs the shipped example examples/validation-ridge.json. A config
with more than four output times is studied at its first, middle and last
one unless validation.times is given.

N-study: for N on a geometric ladder (default 100 to 100000, two values per
decade) it runs R seeded replicas of the particle system and measures, at
each output time, W1, KS, L1 and the errors in mean, covariance and <F>
against a finite-volume reference, and fits the slope of log W1 against
log N (expected -1/2). Mesh study: observed orders in space and time of
every finite-volume and spectral scheme against exact solutions.

Writes one folder: n-study.json/.csv, slopes.json, mesh-study.json,
check.json, per-replica results in replicas/ and report.html. Finished
replicas are kept in <out>.partial while the study runs, so a run that was
interrupted resumes where it stopped when started again with the same
config and output folder.

Options:
  --out DIR            output folder (default: runs/validate-<name>, with
                       -quick appended under --quick)
  --quick              reduced study for CI: N from 100 to 10000, 12
                       replicas, three grids per mesh ladder
  --check              exit with code 1 unless, at every output time, the
                       slope of W1 to the exact law of the particle scheme
                       (for SM the stepped mean field at the particle step,
                       else the PDE) is within -0.5 +- 0.1, W1 does not
                       level off over the top decade of N, and W1 at the
                       largest N is at least 3 times the reference error
  --replicas R         replicas per N (integer >= 2)
  --max-particles N    largest N of the ladder (integer >= 2)
  --overwrite          discard a study in the output folder made with another
                       config, or replace a folder that is not a study
  --quiet              print only errors, and no progress bars
  --verbose            print debug messages
  -h, --help           show this help
`;

export interface ValidateCommandOptions {
  config?: string;
  out?: string;
  quick: boolean;
  check: boolean;
  replicas?: number;
  maxParticles?: number;
  overwrite: boolean;
  progress: boolean;
  logger: Logger;
  /** Replaces the particle runner; tests use it to count runs. */
  runner?: ParticleRunner;
}

export interface ValidateResult extends ValidationOutcome {
  /** Lines for the CLI to print: the folder, the slopes, the observed orders and the check. */
  summary: string[];
}

/** Raised by `validateCommand` with `check` set when a criterion fails; the folder is written first. */
export class CheckFailedError extends Error {
  constructor(readonly result: ValidateResult) {
    const failed = result.check.criteria.filter((c) => !c.passed).map(describeCriterion);
    super(`validation check failed (${failed.length} criteria); see ${result.folder}/check.json:\n  ${failed.join('\n  ')}`);
    this.name = 'CheckFailedError';
  }
}

/**
 * `pbt-mf validate`: loads the validation config, runs the N-study (resuming
 * finished replicas), the mesh study and the check, and writes the folder.
 * With `check` set, a failed criterion raises CheckFailedError after the
 * folder is written.
 */
export async function validateCommand(options: ValidateCommandOptions): Promise<ValidateResult> {
  const { logger } = options;
  const path = options.config ?? join(examplesFolder(), DEFAULT_VALIDATION_EXAMPLE);
  if (!options.config) logger.info(`no config given; validating the shipped example ${basename(path)}`);
  const validation = await loadValidationConfig(path, {
    quick: options.quick,
    replicas: options.replicas,
    maxParticles: options.maxParticles,
  });
  const out = options.out ?? join('runs', `validate-${validation.config.name}${options.quick ? '-quick' : ''}`);

  const replicaBar = new ProgressBar('N-study');
  const meshBar = new ProgressBar('mesh study');
  let outcome: ValidationOutcome;
  try {
    outcome = await runValidation({
      validation,
      configPath: path,
      out,
      overwrite: options.overwrite,
      runner: options.runner,
      logger,
      onReplica: options.progress ? (done, total, particles) => replicaBar.update(done / total, `N = ${particles}`) : undefined,
      onMeshProgress: options.progress ? (done, total) => meshBar.update(done / total, `${done}/${total} schemes`) : undefined,
    });
  } finally {
    replicaBar.finish();
    meshBar.finish();
  }

  const summary = [`validation folder: ${outcome.folder}`, `report:            ${outcome.folder}/report.html`];
  for (const fit of outcome.nStudy.fits) {
    const [low, high] = fit.pde.confidenceInterval;
    summary.push(`t = ${fit.time}: W1 slope ${fit.pde.slope.toFixed(3)}, 95% CI [${low.toFixed(3)}, ${high.toFixed(3)}] (expected -0.5)`);
  }
  for (const m of outcome.mesh?.orders ?? []) summary.push(`${describeMeasurement(m)}${m.agrees ? '' : ' (differs from the declared order)'}`);
  summary.push(`check: ${outcome.check.passed ? 'passed' : 'failed'}`);

  const result: ValidateResult = { ...outcome, summary };
  if (options.check && !outcome.check.passed) throw new CheckFailedError(result);
  return result;
}

export interface ParsedValidateArgs {
  help: boolean;
  logLevel: LogLevel;
  options: Omit<ValidateCommandOptions, 'logger'>;
}

function parseCount(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // Number accepts exponent notation such as 1e5, which is convenient for N.
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isSafeInteger(value) || value < 2) {
    throw new ConfigError(option, `invalid value "${text}"; expected an integer ≥ 2`);
  }
  return value;
}

/**
 * Parses the arguments of `pbt-mf validate` (after the command name). A bad
 * option or more than one config is a ConfigError that points to --help.
 */
export function parseValidateArgs(args: readonly string[]): ParsedValidateArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        quick: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        replicas: { type: 'string' },
        'max-particles': { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new ConfigError('pbt-mf validate', `${(error as Error).message}; see pbt-mf validate --help`);
  }
  const { values, positionals } = parsed;
  let logLevel: LogLevel = 'info';
  if (values.verbose) logLevel = 'debug';
  if (values.quiet) logLevel = 'error';
  if (positionals.length > 1) {
    throw new ConfigError('pbt-mf validate', `expected at most one config file, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  return {
    help: values.help,
    logLevel,
    options: {
      config: positionals[0],
      out: values.out,
      quick: values.quick,
      check: values.check,
      replicas: parseCount('--replicas', values.replicas),
      maxParticles: parseCount('--max-particles', values['max-particles']),
      overwrite: values.overwrite,
      progress: !values.quiet,
    },
  };
}
