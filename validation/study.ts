/**
 * A whole validation run: the N-study, the mesh study and the check,
 * written as one folder.
 *
 * Layout of `<out>/` (written into `<out>.partial/` until complete):
 *
 *   study.json                   hash of everything a replica depends on
 *   config.json                  the resolved config and validation settings
 *   replicas/N-<N>-r-<r>.json    metrics of one replica at every output time
 *   n-study.json                 reference, time-step bias, C(t), table rows
 *   n-study.csv                  the table rows, one per (N, time)
 *   slopes.json                  fitted slopes with intervals, per output time
 *   mesh-study.json              observed orders per solver, form and scheme
 *   check.json                   the check criteria and their outcome
 *   metadata.json                package, timing, Node version, platform
 *   report.html                  figures and notes
 *
 * Non-finite numbers are written as the strings "Infinity", "-Infinity" or
 * "NaN", because JSON has no such numbers (a spectral order is Infinity).
 */

import type { ResolvedConfig } from '../src/io/config.js';
import { buildProblem } from '../src/io/config.js';
import { readPackageInfo } from '../src/io/output.js';
import type { Logger } from '../src/model/logger.js';
import { silentLogger } from '../src/model/logger.js';
import { checkNStudy, type CheckResult } from './check.js';
import { runMeshStudy, type MeshStudyResult } from './mesh-study.js';
import { planNStudy, runNStudy, type NStudyResult, type NStudyRunOptions } from './n-study.js';
import type { ParticleRunner } from './particle-runner.js';
import { renderValidationReport } from './report.js';
import type { ValidationConfig } from './settings.js';
import { commitStudyFolder, openStudyFolder, studyIdentity, writeStudyFile } from './study-folder.js';

export interface ValidationRunOptions {
  validation: ValidationConfig;
  /** Path of the config file, for the report. */
  configPath: string;
  out: string;
  overwrite?: boolean;
  /** Skips the mesh study (tests of the N-study alone). @default false */
  skipMesh?: boolean;
  runner?: ParticleRunner;
  logger?: Logger;
  onReplica?: NStudyRunOptions['onProgress'];
  onMeshProgress?: (done: number, total: number) => void;
}

export interface ValidationOutcome {
  folder: string;
  config: ResolvedConfig;
  nStudy: NStudyResult;
  mesh: MeshStudyResult | null;
  check: CheckResult;
}

/** Serialises JSON with non-finite numbers as strings and a final newline. */
export function jsonText(value: unknown): string {
  const replacer = (_key: string, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item);
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

/** Formats the N-study table as CSV, one row per (N, time): means and standard errors of each metric. */
export function nStudyCsv(result: NStudyResult): string {
  const metrics = ['w1', 'w1Scaled', 'ks', 'l1', 'meanError', 'covarianceError', 'meanFitnessError', 'w1Iid', 'w1IidScaled'] as const;
  const header = ['particles', 'time', 'replicas', ...metrics.flatMap((m) => [`${m}_mean`, `${m}_se`]), 'w1Stepped_mean', 'w1Stepped_se', 'copyingFactor'];
  const lines = [header.join(',')];
  for (const row of result.rows) {
    const values = metrics.flatMap((m) => [row[m].mean, row[m].standardError]);
    const stepped = row.w1Stepped ? [row.w1Stepped.mean, row.w1Stepped.standardError] : ['', ''];
    lines.push([row.particles, row.time, row.replicas, ...values, ...stepped, row.copyingFactor].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the N-study (resuming from the work area of `out` when its hash
 * matches), the mesh study and the check, writes every file of the layout
 * above and commits the folder. The check is always computed; the caller
 * decides whether a failure is an error.
 */
export async function runValidation(options: ValidationRunOptions): Promise<ValidationOutcome> {
  const logger = options.logger ?? silentLogger;
  const { config, settings } = options.validation;
  const start = new Date();

  logger.info(`planning the N-study of ${config.name}: reference solution and time-step bias`);
  const plan = planNStudy(config, settings, logger);
  const folder = await openStudyFolder(options.out, studyIdentity(plan.identity), { overwrite: options.overwrite });
  if (folder.resumedReplicas > 0) logger.info(`resuming ${folder.workPath}: ${folder.resumedReplicas} replicas already done`);
  logger.info(
    `N-study: N = ${plan.ladder.join(', ')}, ${settings.replicas} replicas each, times ${plan.problem.times.join(', ')}; ` +
      `reference ${plan.reference.cells.join('×')} cells`,
  );

  const nStudy = await runNStudy(plan, folder, { runner: options.runner, onProgress: options.onReplica, logger });
  for (const fit of nStudy.fits) {
    const [low, high] = fit.pde.confidenceInterval;
    logger.info(`t = ${fit.time}: W1 slope ${fit.pde.slope.toFixed(3)} (95% CI ${low.toFixed(3)} to ${high.toFixed(3)}), reference −0.5`);
  }

  let mesh: MeshStudyResult | null = null;
  if (!options.skipMesh) {
    logger.info('mesh study: observed orders of every registered finite-volume and spectral solver');
    mesh = runMeshStudy({ levels: settings.meshLevels, problem: buildProblem(config), logger, onProgress: options.onMeshProgress });
  }
  const check = checkNStudy(nStudy);
  const end = new Date();

  const summary: Record<string, string | number> = {
    config: options.configPath,
    problem: `${config.name} (${config.form})`,
    description: config.description,
    'particles N': nStudy.ladder.join(', '),
    replicas: nStudy.replicas,
    'output times': nStudy.times.join(', '),
    'particle Δt': nStudy.form === 'SM' ? nStudy.particleDt : 'one generation per step',
    'base seed': nStudy.seed,
    'reference grid': `${nStudy.reference.cells.join('×')} cells`,
    'replicas computed / resumed': `${nStudy.computedReplicas} / ${nStudy.resumedReplicas}`,
    check: check.passed ? 'passed' : 'failed',
    started: start.toISOString(),
  };
  const reportHtml = renderValidationReport({ title: `Validation of ${config.name}: particles against the mean field`, summary, nStudy, mesh, check });

  const { fits, ...table } = nStudy;
  await writeStudyFile(folder, 'config.json', jsonText({ ...config, validation: settings }));
  await writeStudyFile(folder, 'n-study.json', jsonText(table));
  await writeStudyFile(folder, 'n-study.csv', nStudyCsv(nStudy));
  await writeStudyFile(folder, 'slopes.json', jsonText(fits));
  if (mesh) await writeStudyFile(folder, 'mesh-study.json', jsonText(mesh));
  await writeStudyFile(folder, 'check.json', jsonText(check));
  await writeStudyFile(
    folder,
    'metadata.json',
    jsonText({
      package: readPackageInfo(),
      startTime: start.toISOString(),
      endTime: end.toISOString(),
      wallSeconds: (end.getTime() - start.getTime()) / 1000,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      hash: folder.identity.hash,
    }),
  );
  await writeStudyFile(folder, 'report.html', reportHtml);
  const path = await commitStudyFolder(folder);
  return { folder: path, config, nStudy, mesh, check };
}
