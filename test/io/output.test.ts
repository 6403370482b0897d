import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildProblem, parseConfig, type ResolvedConfig } from '../../src/io/config.js';
import {
  createRunFolder,
  createRunMetadata,
  discardRunFolder,
  encodeNpy,
  readPackageInfo,
  solutionLabels,
  writeFileAtomic,
  writeRun,
} from '../../src/io/output.js';
import { Density } from '../../src/model/density.js';
import { ConfigError } from '../../src/model/errors.js';
import type { Solution } from '../../src/model/solver.js';

let folder = '';
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pbt-mf-output-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A generator that yields one chunk and then fails, as a writer that crashes mid-way. */
function* failingChunks(): Generator<string> {
  yield 'first half,';
  throw new Error('simulated crash');
}

describe('writeFileAtomic', () => {
  it('writes text, bytes and chunks', async () => {
    await writeFileAtomic(join(folder, 'a.txt'), 'hello');
    await writeFileAtomic(join(folder, 'b.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(folder, 'c.txt'), ['x', new Uint8Array([0x79]), 'z']);
    expect(await readFile(join(folder, 'a.txt'), 'utf8')).toBe('hello');
    expect([...(await readFile(join(folder, 'b.bin')))]).toEqual([1, 2, 3]);
    expect(await readFile(join(folder, 'c.txt'), 'utf8')).toBe('xyz');
    expect((await readdir(folder)).sort()).toEqual(['a.txt', 'b.bin', 'c.txt']);
  });

  it('replaces an existing file', async () => {
    const path = join(folder, 'file.txt');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('leaves no file when the writer throws', async () => {
    const path = join(folder, 'crash.csv');
    await expect(writeFileAtomic(path, failingChunks())).rejects.toThrow('simulated crash');
    expect(await readdir(folder)).toEqual([]);
  });

  it('keeps the old file when the writer throws', async () => {
    const path = join(folder, 'keep.csv');
    await writeFileAtomic(path, 'complete');
    await expect(writeFileAtomic(path, failingChunks())).rejects.toThrow('simulated crash');
    expect(await readFile(path, 'utf8')).toBe('complete');
    expect(await readdir(folder)).toEqual(['keep.csv']);
  });

  it('fails for a missing folder', async () => {
    await expect(writeFileAtomic(join(folder, 'absent', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
  });
});

/** Parses the header of a .npy file: magic, version, header text, data offset. */
function parseNpyHeader(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = [...bytes.subarray(0, 6)];
  const headerLength = view.getUint16(8, true);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength));
  const shapeText = /'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { magic, major: bytes[6], minor: bytes[7], header, dataOffset: 10 + headerLength, shape, view };
}

describe('encodeNpy', () => {
  it('writes a version 1.0 header', () => {
    const bytes = encodeNpy([1, 2, 3, 4, 5, 6], [2, 3]);
    const npy = parseNpyHeader(bytes);
    expect(npy.magic).toEqual([0x93, ...Buffer.from('NUMPY')]);
    expect(npy.major).toBe(1);
    expect(npy.minor).toBe(0);
    expect(npy.dataOffset % 64).toBe(0);
    expect(npy.header.endsWith('\n')).toBe(true);
    expect(npy.header).toContain("'descr': '<f8'");
    expect(npy.header).toContain("'fortran_order': False");
    expect(npy.shape).toEqual([2, 3]);
  });

  it('writes little-endian float64 data', () => {
    const values = [0.5, -1.25, 1e-300, Math.PI];
    const bytes = encodeNpy(values, [4]);
    const npy = parseNpyHeader(bytes);
    expect(npy.header).toContain("'shape': (4,)");
    expect(bytes.length).toBe(npy.dataOffset + 8 * values.length);
    values.forEach((v, i) => expect(npy.view.getFloat64(npy.dataOffset + 8 * i, true)).toBe(v));
  });

  it('pads every header to 64 bytes', () => {
    for (const shape of [[1], [12345], [3, 4], [100, 64, 64], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
      const count = shape.reduce((p, n) => p * n, 1);
      const npy = parseNpyHeader(encodeNpy(new Float64Array(count), shape));
      expect(npy.dataOffset % 64, JSON.stringify(shape)).toBe(0);
      expect(npy.shape, JSON.stringify(shape)).toEqual(shape);
    }
  });

  it('rejects a shape that does not match', () => {
    expect(() => encodeNpy([1, 2, 3], [2, 2])).toThrow(/has 4 entries but 3 values were given/);
  });
});

/** A solution with hand-made snapshots and trace, as a solver would return. */
function fakeSolution(config: ResolvedConfig, solver = 'fake', scheme = 'euler'): Solution {
  const problem = buildProblem(config);
  const grid = problem.grid;
  const later = new Density(grid, Float64Array.from(problem.initial.values, (v, i) => v * (1 + 0.1 * Math.sin(i))));
  const times = [0, ...problem.times];
  const snapshots = times.map((time, i) => ({ time, step: 10 * i, density: i === 0 ? problem.initial : later }));
  const dim = grid.dim;
  return {
    solver,
    scheme,
    problem,
    snapshots,
    trace: {
      time: [0, 0.5, 1],
      mean: [new Array(dim).fill(0.5), new Array(dim).fill(0.6), new Array(dim).fill(0.7)],
      mass: [1, 1, 1],
      minValue: [0, 0, 0],
    },
    stats: { steps: 20, dtMin: 0.05, dtMax: 0.05, massDrift: 1e-15, minValue: 0, wallSeconds: 0.01 },
  };
}

function smallConfig(dim: 1 | 2, output = { csv: true, npy: true }): ResolvedConfig {
  const oneD = { kind: 'box', lower: [0], upper: [1] };
  const twoD = { kind: 'box', lower: [0, 0], upper: [1, 2], labels: ['a', 'b'] };
  return parseConfig(
    {
      name: `small-${dim}d`,
      form: 'SM',
      domain: dim === 1 ? oneD : twoD,
      grid: { cells: dim === 1 ? 8 : [4, 3] },
      fitness: { kind: 'expression', expression: dim === 1 ? '1 + lambda' : '1 + lambda1 * lambda2' },
      mutation: { std: 0.1 },
      gamma: 1,
      initial: { kind: 'uniform' },
      times: [1, 2],
      output,
    },
    'test',
  );
}

function metadataFor(config: ResolvedConfig, solutions: Solution[]) {
  return createRunMetadata({ seed: config.seed, start: new Date(0), end: new Date(1500), solutions });
}

describe('createRunFolder', () => {
  it('accepts a missing or empty folder', async () => {
    const run = await createRunFolder(join(folder, 'new'));
    expect(run.partialPath).toBe(`${run.path}.partial-${process.pid}`);
    expect(await readdir(run.partialPath)).toEqual([]);
    await discardRunFolder(run);

    await mkdir(join(folder, 'empty'));
    const again = await createRunFolder(join(folder, 'empty'));
    await discardRunFolder(again);
    expect((await readdir(folder)).sort()).toEqual(['empty']);
  });

  it('rejects a non-empty folder', async () => {
    const out = join(folder, 'used');
    await mkdir(out);
    await writeFile(join(out, 'x'), 'x');
    await expect(createRunFolder(out)).rejects.toThrow(ConfigError);
    await expect(createRunFolder(out)).rejects.toThrow(/the output folder is not empty/);
  });

  it('rejects a file as output path', async () => {
    const out = join(folder, 'file');
    await writeFile(out, 'x');
    await expect(createRunFolder(out)).rejects.toThrow(/exists and is not a folder/);
  });
});

describe('writeRun', () => {
  it('writes the 1D layout', async () => {
    const config = smallConfig(1);
    const solution = fakeSolution(config);
    const run = await createRunFolder(join(folder, 'run'));
    const path = await writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution], reportHtml: '<html></html>' });

    expect((await readdir(folder)).sort()).toEqual(['run']);
    expect((await readdir(path)).sort()).toEqual([
      'config.json',
      'metadata.json',
      'report.html',
      'snapshots-fake.csv',
      'snapshots-fake.json',
      'snapshots-fake.npy',
      'times-fake.npy',
      'trace-fake.csv',
    ]);

    const written = JSON.parse(await readFile(join(path, 'config.json'), 'utf8'));
    expect(written).toEqual(config);

    const csv = (await readFile(join(path, 'snapshots-fake.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('time,lambda,rho');
    expect(csv.length).toBe(1 + 3 * 8);
    const row = csv[1].split(',').map(Number);
    expect(row).toEqual([0, 1 / 16, 1]);

    const trace = (await readFile(join(path, 'trace-fake.csv'), 'utf8')).trimEnd().split('\n');
    expect(trace[0]).toBe('time,mean_lambda,mass,min_rho');
    expect(trace[2]).toBe('0.5,0.6,1,0');
  });

  it('writes the 2D CSV columns', async () => {
    const config = smallConfig(2);
    const solution = fakeSolution(config);
    const run = await createRunFolder(join(folder, 'run2d'));
    const path = await writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] });

    const csv = (await readFile(join(path, 'snapshots-fake.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('time,lambda1,lambda2,rho');
    expect(csv.length).toBe(1 + 3 * 12);
    // Row-major: the second cell is (i, j) = (0, 1), centre (0.125, 1).
    expect(csv[2].split(',').map(Number).slice(0, 3)).toEqual([0, 0.125, 1]);
    const trace = (await readFile(join(path, 'trace-fake.csv'), 'utf8')).split('\n');
    expect(trace[0]).toBe('time,mean_lambda1,mean_lambda2,mass,min_rho');

    const npy = parseNpyHeader(new Uint8Array(await readFile(join(path, 'snapshots-fake.npy'))));
    expect(npy.shape).toEqual([3, 4, 3]);
  });

  it('stores snapshots as JSON', async () => {
    const config = smallConfig(2, { csv: false, npy: false });
    const solution = fakeSolution(config);
    const run = await createRunFolder(join(folder, 'json'));
    const path = await writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] });

    expect((await readdir(path)).sort()).toEqual(['config.json', 'metadata.json', 'snapshots-fake.json']);
    const json = JSON.parse(await readFile(join(path, 'snapshots-fake.json'), 'utf8'));
    expect(json.times).toEqual([0, 1, 2]);
    expect(json.steps).toEqual([0, 10, 20]);
    expect(json.values.length).toBe(3);
    expect(json.values[1]).toEqual(Array.from(solution.snapshots[1].density.values));
    expect(json.grid.cells).toEqual([4, 3]);
    expect(json.grid.labels).toEqual(['a', 'b']);
    expect(json.grid.centres[1].length).toBe(3);
    [1 / 3, 1, 5 / 3].forEach((c, j) => expect(json.grid.centres[1][j]).toBeCloseTo(c, 15));
    expect(json.fitness.length).toBe(12);
  });

  it('writes metadata', async () => {
    const config = smallConfig(1);
    const solution = fakeSolution(config);
    const run = await createRunFolder(join(folder, 'meta'));
    const path = await writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] });
    const metadata = JSON.parse(await readFile(join(path, 'metadata.json'), 'utf8'));
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));

    expect(metadata.package).toEqual({ name: 'pbt-meanfield', version: pkg.version });
    expect(readPackageInfo().version).toBe(pkg.version);
    expect(metadata.seed).toBe(0);
    expect(metadata.startTime).toBe('1970-01-01T00:00:00.000Z');
    expect(metadata.endTime).toBe('1970-01-01T00:00:01.500Z');
    expect(metadata.wallSeconds).toBe(1.5);
    expect(metadata.node).toBe(process.version);
    expect(metadata.platform).toBe(`${process.platform} ${process.arch}`);
    expect(metadata.solvers[0]).toEqual({ label: 'fake', solver: 'fake', scheme: 'euler', stats: solution.stats });
  });

  it('leaves no folder when a file fails', async () => {
    const config = smallConfig(1);
    const solution = fakeSolution(config);
    solution.trace.mean = [[0.5]];
    const out = join(folder, 'broken');
    const run = await createRunFolder(out);
    await expect(writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] })).rejects.toThrow(
      /trace of fake: row 1 has mean undefined/,
    );
    expect(await readdir(folder)).toEqual([]);
  });

  it('overwrites only when allowed', async () => {
    const config = smallConfig(1, { csv: false, npy: false });
    const solution = fakeSolution(config);
    const out = join(folder, 'again');
    await mkdir(out);
    await writeFile(join(out, 'stale.txt'), 'old run');

    await expect(createRunFolder(out)).rejects.toThrow(/not empty/);
    // A folder without the metadata of an earlier run is never replaced.
    await expect(createRunFolder(out, { overwrite: true })).rejects.toThrow(/no metadata\.json of an earlier pbt-mf run/);
    await writeFile(join(out, 'metadata.json'), JSON.stringify({ package: { name: 'pbt-meanfield' } }));
    const run = await createRunFolder(out, { overwrite: true });
    await writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] });
    expect((await readdir(out)).sort()).toEqual(['config.json', 'metadata.json', 'snapshots-fake.json']);
    expect((await readdir(folder)).sort()).toEqual(['again']);
  });

  it('never overwrites the working directory', async () => {
    const out = join(folder, 'cwd-run');
    await mkdir(join(out, 'inner'), { recursive: true });
    await writeFile(join(out, 'metadata.json'), JSON.stringify({ package: { name: 'pbt-meanfield' } }));
    const previous = process.cwd();
    process.chdir(join(out, 'inner'));
    try {
      await expect(createRunFolder(out, { overwrite: true })).rejects.toThrow(/contains the working directory/);
    } finally {
      process.chdir(previous);
    }
  });

  it('removes partial folders of ended processes', async () => {
    const out = join(folder, 'abandoned');
    // pid 2^22 + 1 is above Linux's default pid_max, so no process has it.
    const stale = `${out}.partial-${2 ** 22 + 1}`;
    await mkdir(stale);
    await writeFile(join(stale, 'config.json'), '{}');
    const run = await createRunFolder(out);
    expect((await readdir(folder)).filter((e) => e.startsWith('abandoned'))).toEqual([basename(run.partialPath)]);
    await discardRunFolder(run);
  });

  it('rejects a folder filled during the run', async () => {
    const config = smallConfig(1, { csv: false, npy: false });
    const solution = fakeSolution(config);
    const out = join(folder, 'race');
    const run = await createRunFolder(out);
    await mkdir(out);
    await writeFile(join(out, 'other.txt'), 'another process');
    await expect(writeRun(run, { config, metadata: metadataFor(config, [solution]), solutions: [solution] })).rejects.toThrow(
      /not empty.*kept in .*race\.partial-/,
    );
    expect(await readFile(join(out, 'other.txt'), 'utf8')).toBe('another process');
  });
});

describe('solutionLabels', () => {
  it('adds the scheme and index only for clashes', () => {
    const labels = solutionLabels([
      { solver: 'finite-volume', scheme: 'a' },
      { solver: 'spectral', scheme: 'b' },
      { solver: 'finite-volume', scheme: 'c' },
      { solver: 'particles/x', scheme: 'd' },
      { solver: 'spectral2', scheme: 'b' },
      { solver: 'spectral2', scheme: 'b' },
    ]);
    expect(labels).toEqual([
      'finite-volume-a',
      'spectral',
      'finite-volume-c',
      'particles-x',
      'spectral2-b-5',
      'spectral2-b-6',
    ]);
  });
});
