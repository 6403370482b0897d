import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import '../../solvers/finite-volume/index.js';
import '../../solvers/particles/index.js';
import { ConfigError } from '../../src/model/errors.js';
import { checkNStudy } from '../../validation/check.js';
import { planNStudy, runNStudy, type NStudyResult } from '../../validation/n-study.js';
import { runReducedParticles, type ParticleRunner } from '../../validation/particle-runner.js';
import { loadValidationConfig, parseValidationConfig, type ValidationConfig } from '../../validation/settings.js';
import { runValidation } from '../../validation/study.js';
import { openStudyFolder, studyIdentity } from '../../validation/study-folder.js';

const workspace = mkdtempSync(join(tmpdir(), 'pbt-mf-n-study-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const EXAMPLE = join(import.meta.dirname, '../../examples/validation-ridge.json');

describe('N-study on the reduced ridge problem', () => {
  // N = 1e2 … 1e4 at two rungs per decade with 32 replicas at t = 2: the
  // replica spread (coefficient of variation about 0.45) gives a slope
  // standard error near 0.02, so a 95% interval of about ±0.045. The full
  // ladder up to 1e5 at t = 1, 2 and 4 runs in `pbt-mf validate`.
  let result: NStudyResult;

  beforeAll(async () => {
    const validation = await loadValidationConfig(EXAMPLE, { maxParticles: 10_000, replicas: 32 });
    validation.config.times = [2];
    const plan = planNStudy(validation.config, validation.settings);
    const folder = await openStudyFolder(join(workspace, 'ridge'), studyIdentity(plan.identity));
    result = await runNStudy(plan, folder);
  });

  it('fits a W1 slope within −0.5 ± 0.1 at every time', () => {
    for (const fit of result.fits) {
      expect(Math.abs(fit.pde.slope + 0.5), `t = ${fit.time}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('has a 95% interval inside −0.5 ± 0.1 at every time', () => {
    for (const fit of result.fits) {
      expect(fit.pde.confidenceInterval[0], `t = ${fit.time}`).toBeGreaterThanOrEqual(-0.6);
      expect(fit.pde.confidenceInterval[1], `t = ${fit.time}`).toBeLessThanOrEqual(-0.4);
    }
  });

  it('passes the check', () => {
    const check = checkNStudy(result);
    expect(check.criteria.filter((c) => !c.passed)).toEqual([]);
  });

  it('keeps the reference error below a tenth of the i.i.d. level', () => {
    expect(result.reference.reachedTarget).toBe(true);
    result.reference.errorEstimate.forEach((e, t) => {
      expect(e, `t = ${result.times[t]}`).toBeLessThanOrEqual(0.1 * result.iidConstant[t] / 100);
    });
  });

  it('reports copying above the i.i.d. baseline', () => {
    // W1 of the particles exceeds that of i.i.d. draws (copying and drift).
    for (const row of result.rows) expect(row.copyingFactor, `N = ${row.particles}, t = ${row.time}`).toBeGreaterThan(1);
  });

  it('has a first-order time-step bias below the particle W1', () => {
    const bias = result.timeStepBias as number[];
    expect(bias).toHaveLength(1);
    const top = result.rows.filter((r) => r.particles === 10_000);
    bias.forEach((b, t) => expect(b, `t = ${result.times[t]}`).toBeLessThan(top[t].w1.mean));
  });
});

describe('N-study resume', () => {
  /** Builds a tiny study: N = 100 and 1000, 3 replicas, one output time. */
  async function tinyConfig(extra: Record<string, unknown> = {}): Promise<ValidationConfig> {
    const text = JSON.parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
    text.times = [1];
    text.validation = { minParticles: 100, maxParticles: 1000, rungsPerDecade: 1, replicas: 3, ...extra };
    return parseValidationConfig(text, 'tiny');
  }

  function countingRunner(limit = Infinity): { runner: ParticleRunner; calls: () => number } {
    let calls = 0;
    const runner: ParticleRunner = (problem, options, onSnapshot) => {
      if (calls >= limit) throw new Error('simulated interruption');
      calls++;
      runReducedParticles(problem, options, onSnapshot);
    };
    return { runner, calls: () => calls };
  }

  it('skips finished replicas after an interruption', async () => {
    const out = join(workspace, 'resume');
    const validation = await tinyConfig();
    const interrupted = countingRunner(4);
    await expect(runValidation({ validation, configPath: 'tiny', out, skipMesh: true, runner: interrupted.runner })).rejects.toThrow(
      /simulated interruption/,
    );
    expect(readdirSync(join(`${out}.partial`, 'replicas')).filter((f) => f.endsWith('.json'))).toHaveLength(4);

    const resumed = countingRunner();
    const outcome = await runValidation({ validation, configPath: 'tiny', out, skipMesh: true, runner: resumed.runner });
    expect(resumed.calls()).toBe(2);
    expect(outcome.nStudy.computedReplicas).toBe(2);
    expect(outcome.nStudy.resumedReplicas).toBe(4);
    expect(readdirSync(workspace)).not.toContain('resume.partial');

    // The resumed study equals one run without interruption: every replica is seeded on its own.
    const fresh = await runValidation({ validation, configPath: 'tiny', out: join(workspace, 'fresh'), skipMesh: true });
    expect(outcome.nStudy.rows.map((r) => r.w1.mean)).toEqual(fresh.nStudy.rows.map((r) => r.w1.mean));
  });

  it('reuses a finished study and adds only new replicas', async () => {
    const out = join(workspace, 'reuse');
    await runValidation({ validation: await tinyConfig(), configPath: 'tiny', out, skipMesh: true });

    const again = countingRunner();
    await runValidation({ validation: await tinyConfig(), configPath: 'tiny', out, skipMesh: true, runner: again.runner });
    expect(again.calls()).toBe(0);

    const more = countingRunner();
    const outcome = await runValidation({ validation: await tinyConfig({ replicas: 4 }), configPath: 'tiny', out, skipMesh: true, runner: more.runner });
    expect(more.calls()).toBe(2);
    expect(outcome.nStudy.replicas).toBe(4);
  });

  it('rejects a different config in the same folder, naming it', async () => {
    const out = join(workspace, 'conflict');
    await runValidation({ validation: await tinyConfig(), configPath: 'tiny', out, skipMesh: true });
    const other = await tinyConfig({ seed: 99 });
    const attempt = runValidation({ validation: other, configPath: 'tiny', out, skipMesh: true });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(runValidation({ validation: other, configPath: 'tiny', out, skipMesh: true })).rejects.toThrow(out);

    const replaced = await runValidation({ validation: other, configPath: 'tiny', out, skipMesh: true, overwrite: true });
    expect(replaced.nStudy.seed).toBe(99);
  });

  it('rejects an output path that is a file', async () => {
    const out = join(workspace, 'a-file');
    writeFileSync(out, 'not a folder');
    await expect(runValidation({ validation: await tinyConfig(), configPath: 'tiny', out, skipMesh: true })).rejects.toThrow(/not a folder/);
  });
});
