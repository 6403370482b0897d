import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

const workspace = mkdtempSync(join(tmpdir(), 'pbt-mf-cli-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function capture() {
  let stdout = '';
  let stderr = '';
  return {
    streams: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** A valid 1D SM config; tests override one part at a time. */
function baseConfig(): Record<string, unknown> {
  return {
    name: 'cli-test',
    form: 'SM',
    domain: { kind: 'box', lower: [0], upper: [1] },
    grid: { cells: 32 },
    fitness: { kind: 'expression', expression: 'exp(-(lambda - 0.3)^2 / 0.02)' },
    mutation: { kind: 'gaussian', std: 0.05, boundary: 'reflect' },
    gamma: 1,
    initial: { kind: 'uniform' },
    times: [0.5],
  };
}

let counter = 0;
function writeConfig(config: unknown): string {
  const path = join(workspace, `config-${counter++}.json`);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
  return path;
}

/** Entries of the workspace that belong to output folder `name`, partial ones included. */
function leftovers(name: string): string[] {
  return readdirSync(workspace).filter((entry) => entry.startsWith(name));
}

describe('pbt-mf run', () => {
  it('runs the embedded default and writes a complete folder', async () => {
    const out = join(workspace, 'default-run');
    const io = capture();
    const code = await runCli(['run', '--out', out], io.streams);
    expect(code, io.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      expect.arrayContaining(['config.json', 'metadata.json', 'report.html', 'snapshots-finite-volume.json']),
    );
    expect(io.stdout).toContain('report.html');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.name).toBe('ridge-weight-decay-sm');
    expect(leftovers('default-run')).toEqual(['default-run']);
  });

  it('runs a config given on the command line', async () => {
    const out = join(workspace, 'given-run');
    const io = capture();
    expect(await runCli(['run', writeConfig(baseConfig()), '--out', out, '--no-report'], io.streams), io.stderr).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(existsSync(join(out, 'snapshots-finite-volume.csv'))).toBe(true);
  });

  it('runs the particle solver beside finite volume', async () => {
    const out = join(workspace, 'particles-run');
    const config = { ...baseConfig(), solver: [{ name: 'finite-volume' }, { name: 'particles', particles: 500 }], seed: 3 };
    const io = capture();
    expect(await runCli(['run', writeConfig(config), '--out', out, '--no-report'], io.streams), io.stderr).toBe(0);
    expect(existsSync(join(out, 'snapshots-particles.json'))).toBe(true);
    const metadata = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8'));
    expect(JSON.stringify(metadata)).toContain('"particles":500');
  });

  it('refuses to overwrite a non-empty folder without --overwrite', async () => {
    const out = join(workspace, 'twice');
    const path = writeConfig(baseConfig());
    expect(await runCli(['run', path, '--out', out, '--no-report'], capture().streams)).toBe(0);
    const io = capture();
    expect(await runCli(['run', path, '--out', out, '--no-report'], io.streams)).toBe(2);
    expect(io.stderr).toMatch(/not empty/);
    expect(await runCli(['run', path, '--out', out, '--no-report', '--overwrite'], capture().streams)).toBe(0);
  });

  const rejectedExpressions: Array<[string, string, RegExp]> = [
    ['assignment', 'lambda = 1', /assignment/i],
    ['function definition', 'f(x) = x^2', /function definition/i],
    ['import', 'import({}, {})', /import/],
    ['evaluate', 'evaluate("1+1")', /evaluate/],
    ['parse', 'parse("1")', /parse/],
    ['createUnit', 'createUnit("foo")', /createUnit/],
    ['property access', 'lambda.constructor', /property|access/i],
    ['index access', 'lambda[1]', /index|access/i],
    ['object literal', '{a: 1}', /object/i],
    ['unknown symbol', 'exp(-mu * lambda)', /unknown symbol "mu"|"mu"/],
    ['unknown function', 'gamma(lambda)', /unknown function|"gamma"/],
    ['syntax error', 'exp(lambda', /syntax|parenthesis|expected/i],
  ];

  for (const [label, expression, message] of rejectedExpressions) {
    it(`rejects an expression with ${label}`, async () => {
      const name = `expr-${label.replace(/\W+/g, '-')}`;
      const out = join(workspace, name);
      const config = { ...baseConfig(), fitness: { kind: 'expression', expression } };
      const io = capture();
      const code = await runCli(['run', writeConfig(config), '--out', out], io.streams);
      expect(code).toBe(2);
      expect(io.stderr).toMatch(/^pbt-mf: error: /);
      expect(io.stderr).toMatch(message);
      expect(io.stderr).toContain('fitness');
      expect(leftovers(name)).toEqual([]);
    });
  }

  const badConfigs: Array<[string, (c: Record<string, unknown>) => unknown, RegExp]> = [
    ['an unknown key', (c) => ({ ...c, gama: 1 }), /gama/],
    ['a negative mutation std', (c) => ({ ...c, mutation: { kind: 'gaussian', std: -0.1, boundary: 'reflect' } }), /mutation\.std.*-0\.1/],
    ['wrap on a box', (c) => ({ ...c, mutation: { kind: 'gaussian', std: 0.1, boundary: 'wrap' } }), /wrap/],
    ['a zero selection rate', (c) => ({ ...c, gamma: 0 }), /gamma.*0/],
    ['an unknown form', (c) => ({ ...c, form: 'XY' }), /form.*XY/],
    ['decreasing times', (c) => ({ ...c, times: [1, 0.5] }), /times/],
    ['one grid cell', (c) => ({ ...c, grid: { cells: 1 } }), /cells/],
    ['q for SM', (c) => ({ ...c, q: 0.2 }), /\bq\b/],
    ['an unknown solver', (c) => ({ ...c, solver: { name: 'magic' } }), /magic/],
    ['particles for finite volume', (c) => ({ ...c, solver: { name: 'finite-volume', particles: 10 } }), /solver\.particles/],
    ['a step above the positivity bound', (c) => ({ ...c, solver: { name: 'finite-volume', dt: 5 } }), /bound/],
    ['invalid JSON', () => '{ "name": ', /JSON/],
  ];

  for (const [label, edit, message] of badConfigs) {
    it(`rejects a config with ${label}`, async () => {
      const name = `config-${label.replace(/\W+/g, '-')}`;
      const out = join(workspace, name);
      const io = capture();
      const code = await runCli(['run', writeConfig(edit(baseConfig())), '--out', out], io.streams);
      expect(code).toBe(2);
      expect(io.stderr).toMatch(message);
      expect(leftovers(name)).toEqual([]);
    });
  }

  it('rejects a missing config file', async () => {
    const io = capture();
    const code = await runCli(['run', join(workspace, 'nope.json'), '--out', join(workspace, 'missing-run')], io.streams);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/nope\.json/);
    expect(leftovers('missing-run')).toEqual([]);
  });

  it('rejects unknown options and commands', async () => {
    const io = capture();
    expect(await runCli(['run', '--frobnicate'], io.streams)).toBe(2);
    expect(io.stderr).toMatch(/frobnicate/);
    expect(await runCli(['fly'], capture().streams)).toBe(2);
  });

  it('sets the exit code of the built command', () => {
    // The built binary is what users run; `npm test` builds it first.
    const bin = join(import.meta.dirname, '../../dist/src/cli/bin.js');
    const result = spawnSync(process.execPath, [bin, 'run', join(workspace, 'absent.json')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/absent\.json/);
  });
});
