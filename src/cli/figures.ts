/**
 * `pbt-mf figures`: exports the report figures of a finished run as SVG,
 * PNG or PDF.
 *
 * A run folder that contains figures.json (the report's figure specs, a
 * JSON array) is exported from that file. Otherwise the figures of an SM,
 * RM, G or T run are rebuilt from its files: config.json gives the problem
 * (grid, fitness, initial density), metadata.json lists the solvers in
 * their order, and each solver's snapshots-<label>.json and
 * trace-<label>.csv give its snapshots and per-step trace. Both files store
 * every number in JavaScript's shortest round-trip form, so the rebuilt
 * figures equal those of the report. A run written without CSV files has
 * no trace file, and its mean and invariant figures then use one point per
 * snapshot, and their titles note this. The figures of a kinetic run
 * (config form "kinetic") are not rebuilt, so such a run needs figures.json.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { buildProblem, parseConfigText } from '../io/config.js';
import { Density } from '../model/density.js';
import { ConfigError } from '../model/errors.js';
import { silentLogger, type Logger, type LogLevel } from '../model/logger.js';
import type { Problem } from '../model/problem.js';
import type { Snapshot, Solution, SolverStats, Trace } from '../model/solver.js';
import {
  CHROMIUM_PATH_VARIABLE,
  DEFAULT_CHROMIUM_PATH,
  EXPORT_FORMATS,
  exportFigures,
  MAX_FIGURE_SIZE,
  MAX_PNG_SCALE,
  MIN_FIGURE_SIZE,
  PAPER_WIDE_WIDTH,
  PAPER_WIDTH,
  PNG_SCALE,
  type ExportedFile,
  type ExportFormat,
} from '../report/export.js';
import { buildFigures } from '../report/figures.js';
import type { FigureSpec } from '../report/spec.js';

export const FIGURES_HELP = `pbt-mf figures <run-folder> [options]

Exports the report figures of a run folder written by pbt-mf run as static
files <out>/<figure id>.<format> for a paper. The figures come from the
folder's figures.json when it has one, and are otherwise rebuilt from
config.json, metadata.json, snapshots-<solver>.json and trace-<solver>.csv
(kinetic runs need figures.json). Figures are drawn by plotly in a headless
Chromium: ${DEFAULT_CHROMIUM_PATH}, or the executable named by
${CHROMIUM_PATH_VARIABLE}. On Debian, install it with
"apt-get install chromium fonts-dejavu-core".

Figure ids are those of the report, such as density, snapshots, mean,
fitness and invariants; an unknown id lists the ids of the run.

Options:
  --out DIR          output folder (default: <run-folder>/figures); created
                     when missing, existing files of the same name are replaced
  --format LIST      comma-separated formats: svg, png, pdf (default: all)
  --figure LIST      comma-separated figure ids (default: all of the run)
  --width PX         width in CSS pixels, 96 per inch (default: ${PAPER_WIDTH} = 3.5 in,
                     or ${PAPER_WIDE_WIDTH} = 7 in for figures with panels side by side)
  --height PX        height in CSS pixels (default: from the width and the
                     figure's panels, a multiple of 8)
  --scale X          PNG pixels per CSS pixel (default: ${PNG_SCALE}, which is 300 dpi)
  --titles           keep the figure titles (default: no title, for a caption)
  --quiet            print only errors
  --verbose          print debug messages
  -h, --help         show this help

SVG and PNG files are the same bytes on every run with the same Chromium
and fonts. PDF files are too, because their creation date is blanked.
`;

export interface FiguresCommandOptions {
  /** Run folder written by `pbt-mf run`. */
  folder: string;
  /** Output folder. @default `<folder>/figures` */
  out?: string;
  /** Formats to write. @default all of EXPORT_FORMATS */
  formats?: readonly string[];
  /** Figure ids to export. @default every figure of the run */
  figures?: readonly string[];
  width?: number;
  height?: number;
  scale?: number;
  titles?: boolean;
  logger?: Logger;
}

export interface FiguresResult {
  /** Absolute path of the output folder. */
  out: string;
  files: ExportedFile[];
}

/**
 * Exports the chosen figures of a run folder in the chosen formats. The
 * folder, the formats and the figure ids are checked before Chromium starts.
 */
export async function figuresCommand(options: FiguresCommandOptions): Promise<FiguresResult> {
  const logger = options.logger ?? silentLogger;
  const formats = checkFormats(options.formats ?? EXPORT_FORMATS);
  const specs = selectFigures(await loadRunFigures(options.folder), options.figures);
  const out = resolve(options.out ?? join(options.folder, 'figures'));

  logger.info(`exporting ${specs.map((s) => s.id).join(', ')} as ${formats.join(', ')} to ${out}`);
  const files = await exportFigures({
    specs,
    outDir: out,
    formats,
    width: options.width,
    height: options.height,
    scale: options.scale,
    titles: options.titles,
  });
  for (const file of files) logger.debug(`wrote ${file.path} (${file.bytes} bytes, ${file.width}×${file.height})`);
  return { out, files };
}

function checkFormats(formats: readonly string[]): ExportFormat[] {
  const allowed = EXPORT_FORMATS.join(', ');
  if (formats.length === 0) throw new ConfigError('--format', `no format given; use one or more of ${allowed}`);
  for (const format of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new ConfigError('--format', `unknown format "${format}"; use one or more of ${allowed}`);
    }
  }
  return [...new Set(formats)] as ExportFormat[];
}

/** Picks the figures named by `ids` in the order given, or all of them. */
function selectFigures(specs: readonly FigureSpec[], ids: readonly string[] | undefined): FigureSpec[] {
  if (ids === undefined) return [...specs];
  const available = specs.map((s) => s.id).join(', ');
  if (ids.length === 0) throw new ConfigError('--figure', `no figure id given; this run has ${available}`);
  return [...new Set(ids)].map((id) => {
    const spec = specs.find((s) => s.id === id);
    if (!spec) throw new ConfigError('--figure', `unknown figure id "${id}"; this run has ${available}`);
    return spec;
  });
}

// ---------------------------------------------------------------------------
// Reading a run folder

/** Name of the optional file of a run folder that stores the report's figure specs. */
export const FIGURES_FILE = 'figures.json';

/**
 * Returns the report figures of a run folder: the specs in figures.json when
 * the folder has that file, else the figures rebuilt from the solutions.
 */
export async function loadRunFigures(folder: string): Promise<FigureSpec[]> {
  await checkRunFolder(folder);
  const stored = await readOptionalRunFile(folder, FIGURES_FILE);
  if (stored !== undefined) return parseFigures(stored, join(folder, FIGURES_FILE));
  return buildFigures(await loadRunSolutions(folder));
}

/** Checks that figures.json is a non-empty array of specs with an id, a data array and a layout object. */
function parseFigures(text: string, path: string): FigureSpec[] {
  const figures = parseJsonFile(text, path);
  if (!Array.isArray(figures) || figures.length === 0) {
    throw new ConfigError(path, 'expected a non-empty JSON array of figure specs {id, title, data, layout}');
  }
  figures.forEach((figure, i) => {
    const valid = isObject(figure) && typeof figure.id === 'string' && Array.isArray(figure.data) && isObject(figure.layout);
    if (!valid) throw new ConfigError(`${path}: [${i}]`, 'expected a figure spec with a string id, a data array and a layout object');
  });
  return figures as FigureSpec[];
}

/**
 * Rebuilds the solutions of a run folder, in the order of metadata.json:
 * the problem from config.json, snapshots from snapshots-<label>.json, the
 * trace from trace-<label>.csv (empty when the file is absent), and the
 * statistics from metadata.json.
 */
export async function loadRunSolutions(folder: string): Promise<Solution[]> {
  await checkRunFolder(folder);
  const configPath = join(folder, 'config.json');
  const configText = await readRunFile(folder, 'config.json');
  const form = (parseJsonFile(configText, configPath) as { form?: unknown } | null)?.form;
  // NOTE: until pbt-mf run writes figures.json, the figures of kinetic runs cannot be exported.
  if (form === 'kinetic') {
    throw new ConfigError(
      folder,
      `is a kinetic run, whose figures are not rebuilt from its files, and it has no ${FIGURES_FILE} ` +
        "(the report's figure specs) to export them from",
    );
  }
  const config = parseConfigText(configText, configPath);
  const problem = buildProblem(config);
  const records = parseMetadata(await readRunFile(folder, 'metadata.json'), join(folder, 'metadata.json'));

  const solutions: Solution[] = [];
  for (const record of records) {
    const snapshotsName = `snapshots-${record.label}.json`;
    const snapshots = parseSnapshots(await readRunFile(folder, snapshotsName), join(folder, snapshotsName), problem);
    const traceText = await readOptionalRunFile(folder, `trace-${record.label}.csv`);
    const trace = traceText === undefined ? emptyTrace() : parseTrace(traceText, join(folder, `trace-${record.label}.csv`), problem.grid.dim);
    solutions.push({ solver: record.solver, scheme: record.scheme, problem, snapshots, trace, stats: record.stats });
  }
  return solutions;
}

async function checkRunFolder(folder: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(folder)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ConfigError(folder, 'run folder not found; pass a folder written by pbt-mf run');
  }
  if (!isFolder) throw new ConfigError(folder, 'is not a folder; pass a run folder written by pbt-mf run');
}

async function readRunFile(folder: string, name: string): Promise<string> {
  const text = await readOptionalRunFile(folder, name);
  if (text === undefined) {
    throw new ConfigError(
      join(folder, name),
      'file not found; a run folder written by pbt-mf run contains config.json, metadata.json and snapshots-<solver>.json',
    );
  }
  return text;
}

async function readOptionalRunFile(folder: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(folder, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseJsonFile(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `invalid JSON (${(error as Error).message}); the file is damaged, so write the run again with pbt-mf run`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface SolverRecord {
  label: string;
  solver: string;
  scheme: string;
  stats: SolverStats;
}

/** Reads the `solvers` list of metadata.json: file label, solver, scheme and statistics of each solution. */
function parseMetadata(text: string, path: string): SolverRecord[] {
  const metadata = parseJsonFile(text, path);
  const solvers = isObject(metadata) ? metadata.solvers : undefined;
  if (!Array.isArray(solvers) || solvers.length === 0) {
    throw new ConfigError(`${path}: solvers`, 'expected a non-empty list of {label, solver, scheme, stats}');
  }
  return solvers.map((entry, i) => {
    const field = `${path}: solvers[${i}]`;
    if (!isObject(entry)) throw new ConfigError(field, 'expected an object with label, solver, scheme and stats');
    const { label, solver, scheme, stats } = entry;
    if (typeof label !== 'string' || !/^[A-Za-z0-9._-]+$/.test(label)) {
      throw new ConfigError(`${field}.label`, `${JSON.stringify(label)} is not a file label of letters, digits, ".", "_" and "-"`);
    }
    if (typeof solver !== 'string' || typeof scheme !== 'string') {
      throw new ConfigError(field, `solver ${JSON.stringify(solver)} and scheme ${JSON.stringify(scheme)} must be strings`);
    }
    if (!isObject(stats)) throw new ConfigError(`${field}.stats`, 'expected an object of solver statistics');
    return { label, solver, scheme, stats: stats as SolverStats };
  });
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

/**
 * Reads snapshots-<label>.json into snapshots on the problem's grid, after
 * checking that its grid is the grid of config.json.
 */
function parseSnapshots(text: string, path: string, problem: Problem): Snapshot[] {
  const file = parseJsonFile(text, path);
  if (!isObject(file)) throw new ConfigError(path, 'expected a JSON object with grid, times, steps and values');
  const grid = problem.grid;

  const stored = isObject(file.grid) ? file.grid : {};
  const sameGrid =
    isNumberArray(stored.cells) &&
    isNumberArray(stored.lower) &&
    isNumberArray(stored.upper) &&
    String(stored.cells) === String(grid.shape) &&
    String(stored.lower) === String(grid.domain.lower) &&
    String(stored.upper) === String(grid.domain.upper);
  if (!sameGrid) {
    throw new ConfigError(
      `${path}: grid`,
      `cells ${JSON.stringify(stored.cells)} on [${String(stored.lower)}] to [${String(stored.upper)}] differ from config.json ` +
        `(${grid.describe()}); the files come from different runs`,
    );
  }

  const { times, steps, values } = file;
  if (!isNumberArray(times) || !isNumberArray(steps) || !Array.isArray(values)) {
    throw new ConfigError(path, 'expected number arrays "times" and "steps" and an array of snapshot arrays "values"');
  }
  if (steps.length !== times.length || values.length !== times.length || times.length === 0) {
    throw new ConfigError(
      path,
      `has ${times.length} times, ${steps.length} steps and ${values.length} value arrays; expected the same non-zero count of each`,
    );
  }
  return values.map((row, i) => {
    if (!isNumberArray(row) || row.length !== grid.size) {
      const length = Array.isArray(row) ? row.length : typeof row;
      throw new ConfigError(`${path}: values[${i}]`, `has ${length} entries; expected ${grid.size} numbers, one per cell`);
    }
    return { time: times[i], step: steps[i], density: new Density(grid, Float64Array.from(row)) };
  });
}

function emptyTrace(): Trace {
  return { time: [], mean: [], mass: [], minValue: [] };
}

/** Reads trace-<label>.csv: the columns time, one mean per axis, mass and min_rho. */
function parseTrace(text: string, path: string, dim: number): Trace {
  const lines = text.split('\n').filter((line) => line !== '');
  const expected = ['time', ...(dim === 1 ? ['mean_lambda'] : ['mean_lambda1', 'mean_lambda2']), 'mass', 'min_rho'];
  if (lines.length === 0 || lines[0] !== expected.join(',')) {
    throw new ConfigError(path, `header ${JSON.stringify(lines[0] ?? '')} differs from the expected "${expected.join(',')}"`);
  }

  const trace = emptyTrace();
  for (let row = 1; row < lines.length; row++) {
    const fields = lines[row].split(',');
    const numbers = fields.map(Number);
    const invalid = fields.findIndex((field, k) => field.trim() === '' || (Number.isNaN(numbers[k]) && field !== 'NaN'));
    if (fields.length !== expected.length || invalid >= 0) {
      throw new ConfigError(`${path}: line ${row + 1}`, `${JSON.stringify(lines[row])} is not ${expected.length} numbers`);
    }
    trace.time.push(numbers[0]);
    trace.mean.push(numbers.slice(1, 1 + dim));
    trace.mass.push(numbers[1 + dim]);
    trace.minValue.push(numbers[2 + dim]);
  }
  return trace;
}

// ---------------------------------------------------------------------------
// Command-line arguments

export interface ParsedFiguresArgs {
  help: boolean;
  /** Options for figuresCommand, without a logger. */
  options: Omit<FiguresCommandOptions, 'logger'>;
  logLevel: LogLevel;
}

/**
 * Parses the arguments after `pbt-mf figures`. Invalid arguments raise a
 * ConfigError that names the option and the allowed values. Formats and
 * figure ids may be given as comma-separated lists, by repeating the
 * option, or both.
 */
export function parseFiguresArgs(args: readonly string[]): ParsedFiguresArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        format: { type: 'string', multiple: true },
        figure: { type: 'string', multiple: true },
        width: { type: 'string' },
        height: { type: 'string' },
        scale: { type: 'string' },
        titles: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new ConfigError('pbt-mf figures', `${(error as Error).message}; see pbt-mf figures --help`);
  }
  const { values, positionals } = parsed;
  let logLevel: LogLevel = 'info';
  if (values.verbose) logLevel = 'debug';
  if (values.quiet) logLevel = 'error';
  if (values.help) return { help: true, options: { folder: '' }, logLevel };

  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? 'none' : positionals.join(' ');
    throw new ConfigError('<run-folder>', `expected exactly one run folder, got ${got}; see pbt-mf figures --help`);
  }
  return {
    help: false,
    logLevel,
    options: {
      folder: positionals[0],
      out: values.out,
      formats: splitList(values.format),
      figures: splitList(values.figure),
      width: parsePixels('--width', values.width),
      height: parsePixels('--height', values.height),
      scale: parseScale(values.scale),
      titles: values.titles,
    },
  };
}

/** Splits repeated, comma-separated option values into one list, or returns undefined when the option is absent. */
function splitList(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function parsePixels(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < MIN_FIGURE_SIZE || value > MAX_FIGURE_SIZE) {
    throw new ConfigError(
      option,
      `"${text}" is invalid; use a whole number of CSS pixels from ${MIN_FIGURE_SIZE} to ${MAX_FIGURE_SIZE} (96 per inch)`,
    );
  }
  return value;
}

function parseScale(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > MAX_PNG_SCALE) {
    throw new ConfigError('--scale', `"${text}" is invalid; use a number above 0 and at most ${MAX_PNG_SCALE} (PNG pixels per CSS pixel)`);
  }
  return value;
}
