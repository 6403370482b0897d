import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { CheckFailedError, parseValidateArgs, validateCommand, type ValidateResult } from '../../src/cli/validate.js';
import { silentLogger } from '../../src/model/logger.js';
import { listSolvers } from '../../src/model/solver.js';

const workspace = mkdtempSync(join(tmpdir(), 'pbt-mf-validate-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const EXAMPLE = join(import.meta.dirname, '../../examples/validation-ridge.json');

/** Writes the shipped example with the particles' mutation std scaled by `scale`. */
function exampleWithScale(scale: number): string {
  const config = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { validation?: Record<string, unknown> };
  config.validation = { ...config.validation, particleMutationScale: scale };
  const path = join(workspace, `ridge-scale-${scale}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const options = { quick: true, check: true, overwrite: false, progress: false, logger: silentLogger };

describe('pbt-mf validate --quick', () => {
  let result: ValidateResult;
  let seconds = 0;

  it('completes the quick study of the default example and passes --check', async () => {
    const started = performance.now();
    result = await validateCommand({ ...options, out: join(workspace, 'quick') });
    seconds = (performance.now() - started) / 1000;
    expect(result.check.passed).toBe(true);
    expect(result.nStudy.ladder).toEqual([100, 316, 1000, 3162, 10000]);
    expect(result.nStudy.replicas).toBe(12);
  });

  it('runs well inside two minutes', () => {
    // About 8 s on the two-core development machine; the limit leaves room for slower CI.
    expect(seconds).toBeLessThan(120);
  });

  it('writes every result file', () => {
    for (const name of ['study.json', 'config.json', 'n-study.json', 'n-study.csv', 'slopes.json', 'mesh-study.json', 'check.json', 'metadata.json', 'report.html']) {
      expect(existsSync(join(result.folder, name)), name).toBe(true);
    }
    expect(existsSync(`${result.folder}.partial`)).toBe(false);
    const html = readFileSync(join(result.folder, 'report.html'), 'utf8');
    for (const id of ['n-study-w1', 'n-study-scaled', 'mesh-space', 'mesh-time']) expect(html, id).toContain(id);
  });

  it('measures every scheme of every registered PDE solver', () => {
    const measured = new Set(result.mesh?.orders.filter((m) => m.kind === 'space').map((m) => `${m.solver} ${m.form} ${m.scheme}`));
    for (const solver of listSolvers()) {
      if (solver.family === 'particles') continue;
      for (const form of solver.forms) {
        for (const scheme of solver.schemes(form)) expect(measured.has(`${solver.name} ${form} ${scheme.name}`), `${solver.name} ${form} ${scheme.name}`).toBe(true);
      }
    }
  });

  it('observes the declared finite-volume orders for SM, RM and G', () => {
    const finiteVolume = result.mesh?.orders.filter((m) => m.solver === 'finite-volume' && m.form !== 'T') ?? [];
    expect(finiteVolume.length).toBeGreaterThan(0);
    for (const m of finiteVolume) {
      expect(Math.abs(m.observedOrder - m.expectedOrder), `${m.form} ${m.scheme} ${m.kind}: ${m.observedOrder}`).toBeLessThanOrEqual(0.3);
    }
  });

  it('prints the slopes, orders and check in its summary', () => {
    expect(result.summary.some((line) => /^t = 4: W1 slope -0\.\d+/.test(line))).toBe(true);
    expect(result.summary.some((line) => line.startsWith('finite-volume SM ssp-rk3 space: expected 2'))).toBe(true);
    expect(result.summary.at(-1)).toBe('check: passed');
  });
});

// The quick study above passes --check with the matching mutation std.
describe('pbt-mf validate --check', () => {
  it('flags particles whose mutation std is 20% above the PDE', async () => {
    const attempt = validateCommand({ ...options, config: exampleWithScale(1.2), out: join(workspace, 'wide') });
    await expect(attempt).rejects.toThrow(CheckFailedError);
    const check = JSON.parse(readFileSync(join(workspace, 'wide', 'check.json'), 'utf8')) as { passed: boolean; criteria: { name: string; passed: boolean }[] };
    expect(check.passed).toBe(false);
    expect(check.criteria.some((c) => c.name === 'slope' && !c.passed)).toBe(true);
  });
});

describe('pbt-mf validate arguments', () => {
  it('parses every option', () => {
    const parsed = parseValidateArgs(['my.json', '--out', 'dir', '--quick', '--check', '--replicas', '8', '--max-particles', '1000', '--overwrite', '--quiet']);
    expect(parsed.help).toBe(false);
    expect(parsed.logLevel).toBe('error');
    expect(parsed.options).toEqual({
      config: 'my.json',
      out: 'dir',
      quick: true,
      check: true,
      replicas: 8,
      maxParticles: 1000,
      overwrite: true,
      progress: false,
    });
  });

  it('defaults to the shipped example with progress bars', () => {
    const parsed = parseValidateArgs([]);
    expect(parsed.options.config).toBeUndefined();
    expect(parsed.options.progress).toBe(true);
    expect(parsed.logLevel).toBe('info');
  });

  it('rejects a replica count below 2', () => {
    expect(() => parseValidateArgs(['--replicas', '1'])).toThrow(/--replicas: invalid value "1"; expected an integer ≥ 2/);
  });

  it('accepts exponent notation for N', () => {
    expect(parseValidateArgs(['--max-particles', '1e5']).options.maxParticles).toBe(100_000);
  });

  it('rejects a non-integer particle count', () => {
    expect(() => parseValidateArgs(['--max-particles', '2.5'])).toThrow(/--max-particles: invalid value "2.5"/);
  });

  it('rejects two config files', () => {
    expect(() => parseValidateArgs(['a.json', 'b.json'])).toThrow(/at most one config file/);
  });

  it('rejects an unknown option', () => {
    expect(() => parseValidateArgs(['--fast'])).toThrow(/see pbt-mf validate --help/);
  });
});
