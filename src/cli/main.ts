/**
 * The `pbt-mf` command. Exit codes: 0 success, 1 a run failed (non-finite
 * values, a broken invariant, an I/O error), 2 invalid input (arguments,
 * config, expressions, step sizes).
 */
import { parseArgs } from 'node:util';

import '../../solvers/finite-volume/index.js';
import '../../solvers/spectral/index.js';
import '../../solvers/particles/index.js';
import { ConfigError, ExpressionError, StepSizeError } from '../model/errors.js';
import { createLogger, type LogLevel } from '../model/logger.js';
import { FIGURES_HELP, figuresCommand, parseFiguresArgs } from './figures.js';
import { runCommand } from './run.js';
import { parseValidateArgs, VALIDATE_HELP, validateCommand } from './validate.js';

const MAIN_HELP = `pbt-mf: mean-field solvers for population-based training

Usage:
  pbt-mf run [config.json] [options]   solve a problem and write a run folder with a report
  pbt-mf figures <run-folder> [options] export a run's figures as SVG, PNG or PDF
  pbt-mf validate [config.json] [opts]  particles against the PDE as N grows, and observed orders
  pbt-mf --help                        show this help
  pbt-mf <command> --help              show help for one command

Examples live in the examples/ folder of the package.
`;

const RUN_HELP = `pbt-mf run [config.json] [options]

Solves the selection-mutation problem described by a JSON config with every
solver it lists, and writes one run folder: config.json (resolved),
metadata.json, snapshots as JSON and CSV, trace CSV and report.html.
Without a config, runs the embedded default example
(examples/ridge-weight-decay-sm.json: weight decay on a ridge teacher).
A config with "form": "kinetic" solves the joint density f(θ, λ) instead
and also writes joint-kinetic.json (see examples/kinetic/double-well.json).

Options:
  --out DIR        output folder (default: runs/<name>-<timestamp>); must be
                   missing or empty unless --overwrite is given
  --overwrite      replace a non-empty output folder once the run succeeded
  --no-report      skip report.html
  --quiet          print only errors
  --verbose        print debug messages
  -h, --help       show this help
`;

class UsageError extends Error {}

/** Output streams of the CLI; tests pass in-memory ones. */
export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean };
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof ExpressionError) return 2;
  if (error instanceof StepSizeError || error instanceof RangeError) return 2;
  return 1;
}

async function main(argv: string[], streams: CliStreams): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    streams.stdout.write(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === 'figures') {
    const parsed = parseFiguresArgs(rest);
    if (parsed.help) {
      streams.stdout.write(FIGURES_HELP);
      return 0;
    }
    const logger = createLogger(parsed.logLevel, (line) => streams.stderr.write(`${line}\n`));
    const result = await figuresCommand({ ...parsed.options, logger });
    if (parsed.logLevel !== 'error') for (const file of result.files) streams.stdout.write(`${file.path}\n`);
    return 0;
  }
  if (command === 'validate') {
    const parsed = parseValidateArgs(rest);
    if (parsed.help) {
      streams.stdout.write(VALIDATE_HELP);
      return 0;
    }
    const logger = createLogger(parsed.logLevel, (line) => streams.stderr.write(`${line}\n`));
    const result = await validateCommand({ ...parsed.options, logger });
    if (parsed.logLevel !== 'error') streams.stdout.write(`${result.summary.join('\n')}\n`);
    return 0;
  }
  if (command !== 'run') {
    throw new UsageError(`unknown command "${command}"; available commands: run, figures, validate (see pbt-mf --help)`);
  }

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        'no-report': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see pbt-mf run --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    streams.stdout.write(RUN_HELP);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one config file, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  let level: LogLevel = 'info';
  if (values.verbose) level = 'debug';
  if (values.quiet) level = 'error';
  const logger = createLogger(level, (line) => streams.stderr.write(`${line}\n`));
  const result = await runCommand({
    config: positionals[0],
    out: values.out,
    overwrite: values.overwrite,
    report: !values['no-report'],
    progress: !values.quiet,
    logger,
  });
  if (!values.quiet) {
    streams.stdout.write(`run folder: ${result.folder}\n`);
    if (!values['no-report']) streams.stdout.write(`report:     ${result.folder}/report.html\n`);
  }
  return 0;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns
 * the exit code. Errors are printed to `streams.stderr`, never thrown.
 */
export async function runCli(argv: string[], streams: CliStreams = process): Promise<number> {
  try {
    return await main(argv, streams);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr.write(`pbt-mf: error: ${message}\n`);
    if (process.env.PBT_MF_DEBUG && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
