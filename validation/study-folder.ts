/**
 * The validation folder and its resumable work area.
 *
 * A study is written into `<out>.partial/`, a work area with a fixed name,
 * so that an interrupted run can be resumed:
 *
 *   <out>.partial/study.json                 config hash and what it covers
 *   <out>.partial/replicas/N-<N>-r-<r>.json  one file per finished replica
 *
 * Every file is written atomically (writeFileAtomic), so a replica file
 * that exists is complete. A re-run with the same output folder and the
 * same config hash skips the replicas already there. When the study is
 * done the work area is renamed to `<out>`, replacing an older study
 * there only after the new one is complete.
 *
 * A finished `<out>` with the same hash also seeds a new work area with its
 * replica files, so raising the number of replicas or the largest N reuses
 * every replica already computed.
 */

import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { writeFileAtomic } from '../src/io/output.js';
import { ConfigError } from '../src/model/errors.js';

/** Name of the file that identifies a study folder or work area. */
export const STUDY_FILE = 'study.json';
const REPLICA_FOLDER = 'replicas';

export interface StudyIdentity {
  /** SHA-256 of the canonical JSON of everything a replica's result depends on. */
  hash: string;
  /** The hashed content, stored for the reader. */
  content: unknown;
}

export interface StudyFolder {
  /** Absolute path of the finished study. */
  readonly path: string;
  /** Absolute path of the work area `<path>.partial`. */
  readonly workPath: string;
  readonly identity: StudyIdentity;
  /** Number of replica files found when the folder was opened. */
  readonly resumedReplicas: number;
}

/** Serialises a JSON value with object keys sorted, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function studyIdentity(content: unknown): StudyIdentity {
  return { hash: createHash('sha256').update(canonicalJson(content)).digest('hex'), content };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Reads the hash stored in a folder's study.json; returns null when the folder has none. */
async function storedHash(folder: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(folder, STUDY_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { hash?: unknown };
    return typeof parsed.hash === 'string' ? parsed.hash : null;
  } catch {
    return null;
  }
}

async function isEmptyOrMissing(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  return (await readdir(path)).length === 0;
}

function mismatch(folder: string, found: string, expected: string): ConfigError {
  return new ConfigError(
    folder,
    `this folder holds a validation study made with a different config or settings (hash ${found.slice(0, 12)}, ` +
      `expected ${expected.slice(0, 12)}); choose another --out, or pass --overwrite to discard it`,
  );
}

/**
 * Opens the work area for `out`: reuses `<out>.partial` when its hash
 * matches, seeds it from a finished `<out>` with the same hash, or creates
 * it. Throws a ConfigError naming the folder when either contains a study with
 * a different hash, or `<out>` is a non-empty folder that is not a study,
 * unless `overwrite` is set.
 */
export async function openStudyFolder(out: string, identity: StudyIdentity, options: { overwrite?: boolean } = {}): Promise<StudyFolder> {
  const path = resolve(out);
  const workPath = `${path}.partial`;
  const overwrite = options.overwrite ?? false;

  if (await exists(workPath)) {
    const found = await storedHash(workPath);
    if (found !== identity.hash) {
      if (!overwrite) throw mismatch(workPath, found ?? '(none)', identity.hash);
      await rm(workPath, { recursive: true, force: true });
    }
  }

  if (!(await isEmptyOrMissing(path))) {
    if (!(await stat(path)).isDirectory()) {
      throw new ConfigError(out, 'the output path exists and is not a folder; choose another output folder');
    }
    const found = await storedHash(path);
    if (found === null && !overwrite) {
      throw new ConfigError(out, 'the output folder is not empty and is not a validation study; choose another folder or pass --overwrite');
    }
    if (found !== null && found !== identity.hash && !overwrite) throw mismatch(path, found, identity.hash);
    if (found === identity.hash) await seedFromFinished(path, workPath);
  }

  await mkdir(join(workPath, REPLICA_FOLDER), { recursive: true });
  await writeFileAtomic(join(workPath, STUDY_FILE), `${JSON.stringify({ hash: identity.hash, covers: identity.content }, null, 2)}\n`);
  const resumedReplicas = (await readdir(join(workPath, REPLICA_FOLDER))).filter((name) => name.endsWith('.json')).length;
  return { path, workPath, identity, resumedReplicas };
}

/** Copies the replica files of a finished study into the work area, keeping any already there. */
async function seedFromFinished(path: string, workPath: string): Promise<void> {
  const source = join(path, REPLICA_FOLDER);
  if (!(await exists(source))) return;
  const target = join(workPath, REPLICA_FOLDER);
  await mkdir(target, { recursive: true });
  for (const name of await readdir(source)) {
    if (!/^N-\d+-r-\d+\.json$/.test(name)) continue;
    if (await exists(join(target, name))) continue;
    await copyFile(join(source, name), join(target, `.${name}.copy`));
    await rename(join(target, `.${name}.copy`), join(target, name));
  }
}

function replicaFile(folder: StudyFolder, particles: number, replica: number): string {
  return join(folder.workPath, REPLICA_FOLDER, `N-${particles}-r-${replica}.json`);
}

/** Reads a finished replica's result, or returns null when it has not been computed. */
export async function loadReplica<T>(folder: StudyFolder, particles: number, replica: number): Promise<T | null> {
  try {
    return JSON.parse(await readFile(replicaFile(folder, particles, replica), 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function saveReplica(folder: StudyFolder, particles: number, replica: number, result: unknown): Promise<void> {
  await writeFileAtomic(replicaFile(folder, particles, replica), `${JSON.stringify(result)}\n`);
}

/** Writes a result file into the work area. */
export async function writeStudyFile(folder: StudyFolder, name: string, text: string): Promise<void> {
  await writeFileAtomic(join(folder.workPath, name), text);
}

/**
 * Renames the work area to the study path. An older folder there is moved
 * aside first and removed after the rename, so the path never contains a mix
 * of two studies.
 */
export async function commitStudyFolder(folder: StudyFolder): Promise<string> {
  let replaced: string | undefined;
  if (await exists(folder.path)) {
    replaced = `${folder.path}.replaced-${process.pid}`;
    await rm(replaced, { recursive: true, force: true });
    await rename(folder.path, replaced);
  }
  await mkdir(dirname(folder.path), { recursive: true });
  await rename(folder.workPath, folder.path);
  if (replaced !== undefined) await rm(replaced, { recursive: true, force: true });
  return folder.path;
}
