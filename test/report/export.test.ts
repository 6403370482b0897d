import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import '../../solvers/finite-volume/index.js';
import '../../solvers/spectral/index.js';
import { FIGURES_FILE, figuresCommand, loadRunFigures, loadRunSolutions, parseFiguresArgs } from '../../src/cli/figures.js';
import { runCommand } from '../../src/cli/run.js';
import { silentLogger } from '../../src/model/logger.js';
import {
  blankPdfDates,
  CHROMIUM_PATH_VARIABLE,
  chromiumPath,
  defaultHeight,
  defaultWidth,
  EXPORT_FONT_FAMILY,
  exportFigures,
  paperFigure,
  PAPER_HEIGHT,
  PAPER_WIDE_WIDTH,
  PAPER_WIDTH,
  pngSize,
  type ExportedFile,
} from '../../src/report/export.js';
import { densityFigure, fitnessFigure, invariantsFigure } from '../../src/report/figures.js';
import type { FigureSpec } from '../../src/report/spec.js';
import { solution1d, solution2d } from './synthetic.js';

const workspace = mkdtempSync(join(tmpdir(), 'pbt-mf-export-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const INSTALL_HINT =
  `static export needs Chromium at ${chromiumPath()}: install it with ` +
  `"apt-get install chromium fonts-dejavu-core", or set ${CHROMIUM_PATH_VARIABLE} to a Chromium executable`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function bytesOf(file: ExportedFile): Buffer {
  return readFileSync(file.path);
}

function byFormat(files: readonly ExportedFile[], id: string, format: string): ExportedFile {
  const file = files.find((f) => f.figureId === id && f.format === format);
  if (!file) throw new Error(`no ${format} file for figure ${id} among ${files.map((f) => `${f.figureId}.${f.format}`).join(', ')}`);
  return file;
}

/** Returns the pixels-per-metre value of the pHYs chunk, or undefined when the PNG has none. */
function pngPixelsPerMetre(png: Buffer): number | undefined {
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'pHYs') return png.readUInt32BE(offset + 8);
    offset += 12 + length;
  }
  return undefined;
}

/** Checks that every in-use entry of the PDF cross-reference table points at its `n 0 obj` header. */
function checkPdfOffsets(pdf: Buffer): void {
  const text = pdf.toString('latin1');
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  expect(startxref, 'the PDF ends with startxref and %%EOF').not.toBeNull();
  const xrefAt = Number(startxref![1]);
  expect(text.slice(xrefAt, xrefAt + 4)).toBe('xref');

  const header = /xref\s+(\d+)\s+(\d+)\s+/y;
  header.lastIndex = xrefAt;
  const match = header.exec(text);
  expect(match, 'the xref section has a subsection header').not.toBeNull();
  const first = Number(match![1]);
  const count = Number(match![2]);
  let position = header.lastIndex;
  for (let k = 0; k < count; k++) {
    const entry = text.slice(position, position + 20);
    position += 20;
    if (entry[17] !== 'n') continue;
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + 20), `object ${first + k}`).toMatch(new RegExp(`^${first + k} 0 obj`));
  }
}

/** Private temporary folder for the exports, so that other processes' Chromium profiles do not show up in it. */
const exportTmp = join(workspace, 'tmp');
mkdirSync(exportTmp);

function temporaryChromiumFolders(): string[] {
  return readdirSync(exportTmp).filter((entry) => entry.startsWith('pbt-mf-chromium-'));
}

describe('exportFigures', () => {
  const specs: FigureSpec[] = [fitnessFigure(solution1d()), densityFigure(solution1d())];
  const size = { width: 320, height: 240, scale: 2 };
  let first: ExportedFile[] = [];
  let second: ExportedFile[] = [];
  const savedTmp = process.env.TMPDIR;

  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  });

  beforeAll(async () => {
    if (!existsSync(chromiumPath())) throw new Error(INSTALL_HINT);
    process.env.TMPDIR = exportTmp;
    const formats = ['svg', 'png', 'pdf'] as const;
    first = await exportFigures({ specs, outDir: join(workspace, 'first'), formats, ...size });
    second = await exportFigures({ specs, outDir: join(workspace, 'second'), formats, ...size });
  }, 240_000);

  it('finds Chromium', () => {
    expect(existsSync(chromiumPath()), INSTALL_HINT).toBe(true);
  });

  it('writes one file per figure and format', () => {
    expect(first.map((f) => `${f.figureId}.${f.format}`)).toEqual([
      'fitness.svg',
      'fitness.png',
      'fitness.pdf',
      'density.svg',
      'density.png',
      'density.pdf',
    ]);
    for (const file of first) expect(existsSync(file.path), file.path).toBe(true);
    expect(readdirSync(join(workspace, 'first')).sort()).toEqual(first.map((f) => `${f.figureId}.${f.format}`).sort());
  });

  it('writes SVG as standalone XML', () => {
    for (const id of ['fitness', 'density']) {
      const file = byFormat(first, id, 'svg');
      const text = bytesOf(file).toString('utf8');
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(true);
      expect(text).toMatch(/<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(text).toMatch(/<svg [^>]*width="320" height="240"/);
      expect(text.trimEnd().endsWith('</svg>')).toBe(true);
      expect(text).toContain(EXPORT_FONT_FAMILY);
      expect(file.bytes).toBeGreaterThan(3000);
    }
  });

  it('writes PNG at width·scale × height·scale', () => {
    for (const id of ['fitness', 'density']) {
      const file = byFormat(first, id, 'png');
      const png = bytesOf(file);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(png.toString('latin1', 12, 16)).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(size.width * size.scale);
      expect(png.readUInt32BE(20)).toBe(size.height * size.scale);
      expect(pngSize(png)).toEqual({ width: 640, height: 480 });
      expect({ width: file.width, height: file.height }).toEqual({ width: 640, height: 480 });
      expect(file.bytes).toBeGreaterThan(5000);
    }
  });

  it('records the PNG resolution', () => {
    // scale 2 is 192 dpi = 7559 pixels per metre.
    expect(pngPixelsPerMetre(bytesOf(byFormat(first, 'fitness', 'png')))).toBe(Math.round((2 * 96) / 0.0254));
  });

  it('writes a one-page PDF of the figure size', () => {
    for (const id of ['fitness', 'density']) {
      const file = byFormat(first, id, 'pdf');
      const pdf = bytesOf(file);
      const text = pdf.toString('latin1');
      expect(text.startsWith('%PDF-')).toBe(true);
      // 320 × 240 CSS pixels at 96 per inch are 240 × 180 pt.
      expect(text).toContain('/MediaBox [0 0 240 180]');
      expect(text.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
      expect(text).toContain('DejaVuSans');
      expect(file.bytes).toBeGreaterThan(3000);
    }
  });

  it('blanks the PDF dates and keeps offsets valid', () => {
    for (const id of ['fitness', 'density']) {
      const pdf = bytesOf(byFormat(first, id, 'pdf'));
      expect(pdf.toString('latin1')).not.toMatch(/CreationDate|ModDate/);
      checkPdfOffsets(pdf);
    }
  });

  it('writes identical bytes on a second run', () => {
    expect(second).toHaveLength(first.length);
    for (let k = 0; k < first.length; k++) {
      const label = `${first[k].figureId}.${first[k].format}`;
      expect(bytesOf(second[k]).equals(bytesOf(first[k])), label).toBe(true);
    }
  });

  it('removes its temporary Chromium profile', () => {
    expect(temporaryChromiumFolders()).toEqual([]);
  });

  it('uses paper sizes by default', async () => {
    const [svg, png] = await exportFigures({ specs: [specs[0]], outDir: join(workspace, 'default'), formats: ['svg', 'png'] });
    expect({ width: svg.width, height: svg.height }).toEqual({ width: PAPER_WIDTH, height: PAPER_HEIGHT });
    // 3.5 in at 300 dpi.
    expect({ width: png.width, height: png.height }).toEqual({ width: 1050, height: 800 });
    expect(pngPixelsPerMetre(bytesOf(png))).toBe(11811);
  }, 120_000);
});

describe('export errors', () => {
  it('names the path, package and variable when Chromium is missing', async () => {
    const missing = join(workspace, 'no-chromium-here');
    const attempt = exportFigures({
      specs: [fitnessFigure(solution1d())],
      outDir: join(workspace, 'never'),
      formats: ['svg'],
      chromiumPath: missing,
    });
    await expect(attempt).rejects.toThrow(missing);
    await expect(attempt).rejects.toThrow('apt-get install chromium');
    await expect(attempt).rejects.toThrow(CHROMIUM_PATH_VARIABLE);
  });

  it('rejects an unknown format', async () => {
    const attempt = exportFigures({ specs: [fitnessFigure(solution1d())], outDir: workspace, formats: ['jpg' as 'svg'] });
    await expect(attempt).rejects.toThrow(/unknown format "jpg"; use one or more of svg, png, pdf/);
  });

  it('rejects duplicate figure ids', async () => {
    const spec = fitnessFigure(solution1d());
    await expect(exportFigures({ specs: [spec, spec], outDir: workspace, formats: ['svg'] })).rejects.toThrow(/occurs twice/);
  });

  it('rejects a fractional width', async () => {
    const attempt = exportFigures({ specs: [fitnessFigure(solution1d())], outDir: workspace, formats: ['svg'], width: 300.5 });
    await expect(attempt).rejects.toThrow(/width 300.5 is invalid/);
  });

  it('blanks only the date entries', () => {
    const pdf = Buffer.from("1 0 obj\n<</Producer (Skia)\n/CreationDate (D:20260101120000+00'00')\n/ModDate (D:20260101120000+00'00')>>\n", 'latin1');
    const blanked = Buffer.from(blankPdfDates(pdf)).toString('latin1');
    expect(blanked).toHaveLength(pdf.length);
    expect(blanked).toContain('/Producer (Skia)');
    expect(blanked).not.toMatch(/Date|D:2026/);
  });
});

describe('paperFigure', () => {
  const spec = fitnessFigure(solution1d());

  it('sets every font to the export family', () => {
    const figure = paperFigure(spec, { width: 336, height: 256, titles: true });
    const families = JSON.stringify(figure).match(/"family":"[^"]*"/g) ?? [];
    expect(families.length).toBeGreaterThan(0);
    for (const family of families) expect(family).toBe(`"family":"${EXPORT_FONT_FAMILY}"`);
    expect(figure.layout.width).toBe(336);
    expect(figure.layout.height).toBe(256);
  });

  it('drops the title unless asked', () => {
    expect(paperFigure(spec, { width: 336, height: 256, titles: false }).layout.title).toEqual({ text: '' });
    const titled = paperFigure(spec, { width: 336, height: 256, titles: true }).layout.title as { text: string };
    expect(titled.text).toBe(spec.layout.title.text);
  });

  it('leaves the spec unchanged', () => {
    const before = JSON.stringify(spec);
    paperFigure(spec, { width: 336, height: 256, titles: false });
    expect(JSON.stringify(spec)).toBe(before);
  });

  it('sizes figures for a paper column', () => {
    expect(defaultWidth(spec)).toBe(PAPER_WIDTH);
    expect(defaultHeight(spec, PAPER_WIDTH)).toBe(PAPER_HEIGHT);
    // Two stacked panels get 0.6 of the width each, rounded up to 8 px.
    expect(defaultHeight(invariantsFigure(solution1d()), PAPER_WIDTH)).toBe(408);
    // Panels side by side get the full text width.
    const panels = densityFigure(solution2d());
    expect(defaultWidth(panels)).toBe(PAPER_WIDE_WIDTH);
    expect(defaultHeight(panels, PAPER_WIDE_WIDTH) % 8).toBe(0);
  });
});

describe('pbt-mf figures', () => {
  let folder = '';
  let reportSpecs: { data: unknown; layout: unknown }[] = [];

  beforeAll(async () => {
    const config = join(workspace, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'figures-test',
        form: 'SM',
        domain: { kind: 'box', lower: [0], upper: [1], labels: ['weight decay'] },
        grid: { cells: 48 },
        fitness: { kind: 'expression', expression: 'exp(-(lambda - 0.3)^2 / 0.02)' },
        mutation: { kind: 'gaussian', std: 0.05, boundary: 'reflect' },
        gamma: 1,
        initial: { kind: 'uniform' },
        times: { end: 2, count: 4 },
        solver: [{ name: 'finite-volume' }, { name: 'spectral' }],
      }),
    );
    folder = join(workspace, 'run');
    await runCommand({ config, out: folder, overwrite: false, report: true, progress: false, logger: silentLogger });
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    const blocks = [...html.matchAll(/<script type="application\/json" data-plot="[^"]*">(.*?)<\/script>/gs)];
    reportSpecs = blocks.map((block) => JSON.parse(block[1]) as { data: unknown; layout: unknown });
  }, 120_000);

  it('rebuilds the figures of the report', async () => {
    const specs = await loadRunFigures(folder);
    expect(specs.map((s) => s.id)).toContain('comparison');
    expect(specs.map((s) => ({ data: s.data, layout: s.layout }))).toEqual(reportSpecs);
  });

  it('rebuilds the solvers in run order', async () => {
    const solutions = await loadRunSolutions(folder);
    expect(solutions.map((s) => s.solver)).toEqual(['finite-volume', 'spectral']);
    expect(solutions[0].trace.time.length).toBeGreaterThan(1);
    expect(solutions[0].snapshots.map((s) => s.time)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('exports the chosen figures', async () => {
    const out = join(workspace, 'chosen');
    const result = await figuresCommand({ folder, out, formats: ['svg'], figures: ['fitness', 'comparison'] });
    expect(result.files.map((f) => `${f.figureId}.${f.format}`)).toEqual(['fitness.svg', 'comparison.svg']);
    expect(readdirSync(out).sort()).toEqual(['comparison.svg', 'fitness.svg']);
  }, 120_000);

  it('rejects a missing run folder', async () => {
    const missing = join(workspace, 'no-such-run');
    await expect(figuresCommand({ folder: missing })).rejects.toThrow(`${missing}: run folder not found`);
  });

  it('lists the figure ids on an unknown id', async () => {
    const ids = (await loadRunFigures(folder)).map((s) => s.id).join(', ');
    await expect(figuresCommand({ folder, figures: ['heatmap'] })).rejects.toThrow(`unknown figure id "heatmap"; this run has ${ids}`);
  });

  it('rejects an unknown format', async () => {
    await expect(figuresCommand({ folder, formats: ['eps'] })).rejects.toThrow('unknown format "eps"; use one or more of svg, png, pdf');
  });

  it('rejects a folder without snapshots', async () => {
    const empty = join(workspace, 'empty-run');
    rmSync(empty, { recursive: true, force: true });
    await runCommand({ config: join(workspace, 'config.json'), out: empty, overwrite: false, report: false, progress: false, logger: silentLogger });
    rmSync(join(empty, 'snapshots-spectral.json'));
    // Without figures.json the specs are rebuilt from the snapshot files.
    rmSync(join(empty, FIGURES_FILE));
    await expect(loadRunFigures(empty)).rejects.toThrow(/snapshots-spectral\.json: file not found/);
  });

  it('prefers the specs in figures.json', async () => {
    const stored = join(workspace, 'stored-figures');
    cpSync(folder, stored, { recursive: true });
    const specs = await loadRunFigures(folder);
    const renamed = specs.map((spec) => ({ ...spec, id: `stored-${spec.id}` }));
    writeFileSync(join(stored, FIGURES_FILE), JSON.stringify(renamed));
    expect((await loadRunFigures(stored)).map((s) => s.id)).toEqual(renamed.map((s) => s.id));
  });

  it('rejects an invalid figures.json', async () => {
    const broken = join(workspace, 'broken-figures');
    cpSync(folder, broken, { recursive: true });
    writeFileSync(join(broken, FIGURES_FILE), JSON.stringify([{ id: 'mean' }]));
    await expect(loadRunFigures(broken)).rejects.toThrow(/figures\.json: \[0\]: expected a figure spec/);
  });

  it('needs figures.json for a kinetic run', async () => {
    const kinetic = join(workspace, 'kinetic-run');
    mkdirSync(kinetic);
    writeFileSync(join(kinetic, 'config.json'), JSON.stringify({ name: 'kinetic-test', form: 'kinetic' }));
    await expect(loadRunFigures(kinetic)).rejects.toThrow(/is a kinetic run.*has no figures\.json/);
  });

  it('parses comma-separated and repeated options', () => {
    const parsed = parseFiguresArgs(['runs/a', '--format', 'svg,pdf', '--format', 'png', '--figure', 'mean', '--width', '672']);
    expect(parsed.help).toBe(false);
    expect(parsed.options).toMatchObject({ folder: 'runs/a', formats: ['svg', 'pdf', 'png'], figures: ['mean'], width: 672 });
  });

  it('rejects invalid option values', () => {
    expect(() => parseFiguresArgs(['runs/a', '--height', '2.5in'])).toThrow(/--height: "2.5in" is invalid/);
    expect(() => parseFiguresArgs(['runs/a', '--scale', '0'])).toThrow(/--scale: "0" is invalid/);
    expect(() => parseFiguresArgs([])).toThrow(/expected exactly one run folder, got none/);
  });
});
