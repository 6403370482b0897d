/**
 * Run folders and atomic file writes.
 *
 * Layout of a run folder `<out>/`:
 *
 *   config.json               the resolved config, every default filled in;
 *                             it is itself a valid config for the same run
 *   metadata.json             package name and version, seed, start and end
 *                             time (ISO 8601), wall seconds, Node version,
 *                             platform, and per solver its statistics
 *   snapshots-<label>.json    per solver: grid (bounds, cells, spacing, axis
 *                             labels, centres), fitness or potential at the
 *                             centres, and the arrays `times`, `steps` and
 *                             `values` (one row-major array of cell averages
 *                             per snapshot; snapshot 0 is t = 0)
 *   snapshots-<label>.csv     long format, one row per snapshot and cell:
 *                             time,lambda,rho (1D) or time,lambda1,lambda2,rho
 *                             (2D), with cell centres as coordinates
 *   trace-<label>.csv         per-step time, mean per axis, mass, min ρ
 *   snapshots-<label>.npy     float64 array (snapshots, n) or (snapshots, n1, n2)
 *   times-<label>.npy         float64 array of the snapshot times
 *   report.html               the self-contained report, when one is given
 *
 * The CSV files are written when `output.csv` is true (the default), the
 * `.npy` files when `output.npy` is true. `<label>` is the solver name,
 * extended by the scheme, and then by an index, only where two solutions
 * would otherwise share a name.
 *
 * Crash safety: a run is written into the sibling folder
 * `<out>.partial-<pid>`, every file by write, fsync and rename, and that
 * folder is renamed to `<out>` only after the last file is written. A folder
 * named `<out>` is therefore complete, and an interrupted run leaves only a
 * `.partial-<pid>` folder behind, which the next run to the same `<out>`
 * removes once process <pid> has ended.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../model/errors.js';
import type { Solution, SolverStats } from '../model/solver.js';
import type { ResolvedConfig } from './config-types.js';
import { encodeNpy } from './npy.js';
import { snapshotArray, snapshotsCsv, snapshotsJson, solutionLabels, traceCsv } from './result-files.js';

export { encodeNpy } from './npy.js';
export { solutionLabels } from './result-files.js';

/** File contents: text (written as UTF-8), bytes, or a sequence of chunks of either. */
export type FileData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Flushes a folder's entries to disk. The error codes by which a platform rejects fsync on a folder are ignored. */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes every byte of `bytes`, looping over short writes. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

async function writeData(handle: FileHandle, data: FileData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await writeAll(handle, toBytes(data));
    return;
  }
  for await (const chunk of data) await writeAll(handle, toBytes(chunk));
}

/**
 * Writes `data` to `path` atomically: into a hidden temporary file in the
 * same folder, fsync, then rename over `path`. Readers see either the old
 * file or the complete new one. When writing fails, including when an
 * iterable of chunks throws, the temporary file is removed, `path` is left
 * as it was, and the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let renamed = false;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await writeData(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(temporary, { force: true });
  }
  await syncDirectory(folder);
}

// ---------------------------------------------------------------------------
// Run folders

/** A run folder being written: files go to `partialPath` until the run is committed to `path`. */
export interface RunFolder {
  /** Absolute path of the finished run. */
  readonly path: string;
  /** Absolute path of the sibling folder `<path>.partial-<pid>` that receives the files. */
  readonly partialPath: string;
  /** Whether a non-empty folder at `path` may be replaced. */
  readonly overwrite: boolean;
}

export interface RunFolderOptions {
  /** Replace a non-empty folder at the output path. @default false */
  overwrite?: boolean;
}

type FolderState = 'missing' | 'empty' | 'non-empty' | 'not-a-folder';

async function folderState(path: string): Promise<FolderState> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'not-a-folder';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  return (await readdir(path)).length === 0 ? 'empty' : 'non-empty';
}

/** Rejects an output path that is a file, or a non-empty folder without `overwrite`. `note` is appended to the message. */
function checkOutputPath(outDir: string, state: FolderState, overwrite: boolean, note = ''): void {
  if (state === 'not-a-folder') {
    throw new ConfigError(outDir, `the output path exists and is not a folder; choose another output folder${note}`);
  }
  if (state === 'non-empty' && !overwrite) {
    throw new ConfigError(outDir, `the output folder is not empty; choose another folder or allow overwriting it (pbt-mf run --overwrite)${note}`);
  }
}

/**
 * Prepares a run folder: checks that `outDir` is missing, empty, or may be
 * overwritten, and creates the empty sibling `<outDir>.partial-<pid>`
 * (removing one left by an earlier process with the same id). A ConfigError
 * names the output path when it is a file, or a non-empty folder without
 * `overwrite`.
 */
export async function createRunFolder(outDir: string, options: RunFolderOptions = {}): Promise<RunFolder> {
  const path = resolve(outDir);
  const overwrite = options.overwrite ?? false;
  const state = await folderState(path);
  checkOutputPath(outDir, state, overwrite);
  if (state === 'non-empty' && overwrite) await checkReplaceable(outDir, path);

  await mkdir(dirname(path), { recursive: true });
  await removeAbandonedPartials(path);
  const partialPath = `${path}.partial-${process.pid}`;
  await rm(partialPath, { recursive: true, force: true });
  await mkdir(partialPath);
  return { path, partialPath, overwrite };
}

/**
 * Allows `overwrite` to replace only a folder that an earlier run of this
 * package wrote (it has a metadata.json naming the package) and that does
 * not contain the working directory, so that a mistyped --out cannot
 * delete unrelated files.
 */
async function checkReplaceable(outDir: string, path: string): Promise<void> {
  const inside = relative(path, process.cwd());
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new ConfigError(outDir, 'the output folder contains the working directory, so it cannot be overwritten; choose another folder');
  }
  let packageName: unknown;
  try {
    packageName = JSON.parse(await readFile(join(path, 'metadata.json'), 'utf8'))?.package?.name;
  } catch {
    packageName = undefined;
  }
  if (packageName !== readPackageInfo().name) {
    throw new ConfigError(
      outDir,
      'the output folder is not empty and has no metadata.json of an earlier pbt-mf run, so --overwrite will not replace it; ' +
        'choose another folder or empty it yourself',
    );
  }
}

/**
 * Removes `<path>.partial-<pid>` folders whose process no longer runs: a
 * run killed by a signal cannot remove its own partial folder.
 */
async function removeAbandonedPartials(path: string): Promise<void> {
  const prefix = `${basename(path)}.partial-`;
  let entries: string[];
  try {
    entries = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processIsRunning(pid)) continue;
    await rm(join(dirname(path), entry), { recursive: true, force: true });
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the partial folder of a run that will not be committed, for example after a solver failed. */
export async function discardRunFolder(folder: RunFolder): Promise<void> {
  await rm(folder.partialPath, { recursive: true, force: true });
}

/**
 * Renames the partial folder to the run path. An existing folder there is
 * first moved aside to `<path>.replaced-<pid>` and removed after the rename,
 * so `<path>` never contains a mix of two runs. The output path is checked
 * again, because another process may have written to it during the run.
 */
export async function commitRunFolder(folder: RunFolder): Promise<void> {
  await syncDirectory(folder.partialPath);
  const state = await folderState(folder.path);
  checkOutputPath(folder.path, state, folder.overwrite, ` (the finished run was kept in ${folder.partialPath})`);

  let replaced: string | undefined;
  if (state === 'empty') await rmdir(folder.path);
  if (state === 'non-empty') {
    replaced = `${folder.path}.replaced-${process.pid}`;
    await rm(replaced, { recursive: true, force: true });
    await rename(folder.path, replaced);
  }
  await rename(folder.partialPath, folder.path);
  await syncDirectory(dirname(folder.path));
  if (replaced !== undefined) await rm(replaced, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Run metadata

export interface PackageInfo {
  name: string;
  version: string;
}

let packageInfo: PackageInfo | undefined;

/**
 * Reads name and version from the package.json of this package, found by
 * walking up from this module (src/io from sources, dist/src/io when built).
 */
export function readPackageInfo(): PackageInfo {
  if (packageInfo) return packageInfo;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Partial<PackageInfo>;
      if (json.name === 'pbt-meanfield' && typeof json.version === 'string') {
        packageInfo = { name: json.name, version: json.version };
        return packageInfo;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error('package.json of pbt-meanfield not found above the io module');
    folder = parent;
  }
}

/** One solver's entry in metadata.json. */
export interface SolverRecord {
  /** File label of the solution's snapshot and trace files. */
  label: string;
  solver: string;
  scheme: string;
  stats: SolverStats;
}

export interface RunMetadata {
  package: PackageInfo;
  seed: number;
  /** ISO 8601 start of the run. */
  startTime: string;
  /** ISO 8601 end of the run. */
  endTime: string;
  wallSeconds: number;
  /** `process.version`, e.g. `v20.20.2`. */
  node: string;
  /** `process.platform` and `process.arch`, e.g. `linux x64`. */
  platform: string;
  solvers: SolverRecord[];
}

/** Collects the metadata of a run that started at `start` and ended at `end`. */
export function createRunMetadata(run: { seed: number; start: Date; end: Date; solutions: readonly Solution[] }): RunMetadata {
  const labels = solutionLabels(run.solutions);
  return {
    package: readPackageInfo(),
    seed: run.seed,
    startTime: run.start.toISOString(),
    endTime: run.end.toISOString(),
    wallSeconds: (run.end.getTime() - run.start.getTime()) / 1000,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    solvers: run.solutions.map((s, i) => ({ label: labels[i], solver: s.solver, scheme: s.scheme, stats: s.stats })),
  };
}

// ---------------------------------------------------------------------------
// Writing a run

export interface RunOutput {
  config: ResolvedConfig;
  metadata: RunMetadata;
  solutions: readonly Solution[];
  /** Self-contained HTML report, written as report.html when given. */
  reportHtml?: string;
  /** Figure specs of the report, written as figures.json so `pbt-mf figures` can export them. */
  figures?: readonly unknown[];
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes every file of the layout above into the partial folder. */
async function writeRunFiles(folder: string, run: RunOutput): Promise<void> {
  const file = (name: string) => join(folder, name);
  await writeFileAtomic(file('config.json'), jsonText(run.config));
  await writeFileAtomic(file('metadata.json'), jsonText(run.metadata));

  const labels = solutionLabels(run.solutions);
  for (let i = 0; i < run.solutions.length; i++) {
    const solution = run.solutions[i];
    const label = labels[i];
    await writeFileAtomic(file(`snapshots-${label}.json`), snapshotsJson(solution, run.config.domain.labels));
    if (run.config.output.csv) {
      await writeFileAtomic(file(`snapshots-${label}.csv`), snapshotsCsv(solution));
      await writeFileAtomic(file(`trace-${label}.csv`), traceCsv(solution));
    }
    if (run.config.output.npy) {
      const { values, shape } = snapshotArray(solution);
      await writeFileAtomic(file(`snapshots-${label}.npy`), encodeNpy(values, shape));
      const times = solution.snapshots.map((s) => s.time);
      await writeFileAtomic(file(`times-${label}.npy`), encodeNpy(times, [times.length]));
    }
  }

  if (run.figures !== undefined) await writeFileAtomic(file('figures.json'), jsonText(run.figures));
  if (run.reportHtml !== undefined) await writeFileAtomic(file('report.html'), run.reportHtml);
}

/**
 * Writes a whole run into the partial folder of `folder` and commits it to
 * `folder.path`, which it returns. When any write fails the partial folder
 * is removed and the error rethrown, so nothing appears at `folder.path`.
 */
export async function writeRun(folder: RunFolder, run: RunOutput): Promise<string> {
  try {
    await writeRunFiles(folder.partialPath, run);
  } catch (error) {
    await discardRunFolder(folder);
    throw error;
  }
  await commitRunFolder(folder);
  return folder.path;
}
