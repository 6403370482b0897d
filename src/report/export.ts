/**
 * Static export of figure specs to SVG, PNG and PDF for papers.
 *
 * plotly.js cannot run in Node, so each export starts a headless Chromium
 * through playwright-core, loads the plotly bundle into a blank local page
 * (no network), and calls `Plotly.toImage` on each figure. SVG and PNG come
 * straight from `Plotly.toImage`. A PDF is Chromium's print of a page that
 * contains only the rendered SVG, so it keeps vector lines and embeds the
 * font subset.
 *
 * Reproducibility: plotly draws random ids for clip paths and traces from
 * `Math.random`, which the page replaces by a fixed-seed generator reset
 * before every image. With the same Chromium build and fonts, a re-run then
 * writes byte-identical SVG and PNG files. Chromium writes the print time
 * into every PDF as /CreationDate and /ModDate. Both entries are
 * overwritten with spaces of the same length, which keeps the cross-reference
 * offsets valid, so PDFs are byte-identical too.
 */

import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';

import { writeFileAtomic } from '../io/output.js';
import { loadPlotlyBundle } from './html.js';
import type { FigureSpec } from './spec.js';

export type ExportFormat = 'svg' | 'png' | 'pdf';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['svg', 'png', 'pdf'];

/** CSS pixels per inch. Plotly sizes are CSS pixels, and Chromium prints them at this density. */
export const CSS_PIXELS_PER_INCH = 96;

/** Default width of a figure with one column of panels: one column of a two-column paper, 3.5 in = 252 pt. */
export const PAPER_WIDTH = 336;

/** Default width of a figure with panels side by side: the full text width, 7 in = 504 pt. */
export const PAPER_WIDE_WIDTH = 672;

/**
 * Smallest default height: 2⅔ in = 192 pt, about 3/4 of the width. It is a
 * multiple of 8 px because Chromium 156 rounds a PDF page size up to a
 * multiple of 1/300 in (0.32 px), so a multiple of 8 px prints exactly.
 */
export const PAPER_HEIGHT = 256;

/** Default PNG pixel ratio: 3.125 device pixels per CSS pixel is 300 dpi at the figure's size. */
export const PNG_SCALE = 3.125;

/** Font of every text in an exported figure. Debian installs it with fonts-dejavu-core. */
export const EXPORT_FONT_FAMILY = 'DejaVu Sans';

/** Base font size in CSS pixels: 10 px = 7.5 pt, a usual size for labels in a paper figure. */
export const EXPORT_FONT_SIZE = 10;

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Environment variable that overrides DEFAULT_CHROMIUM_PATH. */
export const CHROMIUM_PATH_VARIABLE = 'PBT_MF_CHROMIUM';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Seed of the generator that replaces Math.random in the page. Any fixed value gives reproducible ids. */
const RANDOM_SEED = 20260101;

/** Milliseconds allowed for Chromium to start and for each page action. */
const BROWSER_TIMEOUT = 120_000;

export interface ExportOptions {
  specs: readonly FigureSpec[];
  /** Folder of the output files `<figure id>.<format>`; created when missing. */
  outDir: string;
  formats: readonly ExportFormat[];
  /**
   * Figure width in CSS pixels. By default PAPER_WIDTH (3.5 in), or
   * PAPER_WIDE_WIDTH (7 in) for figures with panels side by side.
   */
  width?: number;
  /** Figure height in CSS pixels. @default defaultHeight(spec, width) */
  height?: number;
  /** PNG pixel ratio: the PNG is width·scale × height·scale pixels. @default PNG_SCALE (300 dpi) */
  scale?: number;
  /** Keep the figure titles. Paper figures usually carry them in the caption instead. @default false */
  titles?: boolean;
  /** Chromium executable. @default the PBT_MF_CHROMIUM variable, else DEFAULT_CHROMIUM_PATH */
  chromiumPath?: string;
}

/** One written file. */
export interface ExportedFile {
  figureId: string;
  format: ExportFormat;
  /** Absolute path. */
  path: string;
  bytes: number;
  /** Size in CSS pixels (SVG, PDF) or device pixels (PNG). */
  width: number;
  height: number;
}

/** A figure ready for `Plotly.toImage`: plain JSON with plotly attributes beyond the report's spec subset. */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Thrown when the Chromium executable is missing or fails to start. */
export class ChromiumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumError';
  }
}

/**
 * Renders each spec in each format to `<outDir>/<figure id>.<format>` and
 * returns the files in the order written. Every file is written atomically.
 * The browser is closed and its temporary profile removed even when a
 * figure fails.
 */
export async function exportFigures(options: ExportOptions): Promise<ExportedFile[]> {
  const formats = checkFormats(options.formats);
  checkFigureIds(options.specs);
  if (options.width !== undefined) checkSize('width', options.width);
  if (options.height !== undefined) checkSize('height', options.height);
  const scale = checkScale(options.scale ?? PNG_SCALE);

  const executable = options.chromiumPath ?? chromiumPath();
  const source = options.chromiumPath === undefined && executable !== DEFAULT_CHROMIUM_PATH ? ` (from ${CHROMIUM_PATH_VARIABLE})` : '';
  const renderer = await FigureRenderer.start(executable, source);
  const files: ExportedFile[] = [];
  try {
    const outDir = resolve(options.outDir);
    await mkdir(outDir, { recursive: true });
    for (const spec of options.specs) {
      const width = options.width ?? defaultWidth(spec);
      const height = options.height ?? defaultHeight(spec, width);
      const figure = paperFigure(spec, { width, height, titles: options.titles ?? false });
      // PDF prints the SVG, so one SVG serves both formats.
      let svg: string | undefined;
      for (const format of formats) {
        let bytes: Uint8Array;
        if (format === 'png') {
          bytes = await renderer.png(figure, width, height, scale);
        } else {
          svg ??= await renderer.svg(figure, width, height);
          bytes = format === 'svg' ? Buffer.from(svgFile(svg), 'utf8') : await renderer.pdf(svg, width, height);
        }
        const path = join(outDir, `${spec.id}.${format}`);
        await writeFileAtomic(path, bytes);
        const size = format === 'png' ? pngSize(bytes) : { width, height };
        files.push({ figureId: spec.id, format, path, bytes: bytes.length, ...size });
      }
    }
  } finally {
    await renderer.close();
  }
  return files;
}

/** Returns the Chromium executable: the PBT_MF_CHROMIUM variable when set, else DEFAULT_CHROMIUM_PATH. */
export function chromiumPath(): string {
  const fromEnvironment = process.env[CHROMIUM_PATH_VARIABLE];
  return fromEnvironment !== undefined && fromEnvironment.trim() !== '' ? fromEnvironment : DEFAULT_CHROMIUM_PATH;
}

/** Explains how to provide Chromium, for error messages. */
function chromiumHint(): string {
  return (
    'install the Debian package with "apt-get install chromium fonts-dejavu-core", ' +
    `or set ${CHROMIUM_PATH_VARIABLE} to the path of a Chromium or Chrome executable`
  );
}

/** Default width of a figure: PAPER_WIDE_WIDTH when it has panels side by side, else PAPER_WIDTH. */
export function defaultWidth(spec: FigureSpec): number {
  return panelCount(spec, 'x') > 1 ? PAPER_WIDE_WIDTH : PAPER_WIDTH;
}

/**
 * Default height of a figure at `width`, rounded up to a multiple of 8 px so
 * the PDF page is exact. Panels side by side keep the spec's aspect ratio.
 * Otherwise the height is the largest of 3/4 of the width, the spec's aspect
 * ratio, and 0.6 of the width per row of stacked panels.
 */
export function defaultHeight(spec: FigureSpec, width: number): number {
  const aspect = spec.layout.width > 0 && spec.layout.height > 0 ? spec.layout.height / spec.layout.width : 0.75;
  const ratio = panelCount(spec, 'x') > 1 ? aspect : Math.max(0.75, aspect, 0.6 * panelCount(spec, 'y'));
  return Math.ceil((width * ratio) / 8) * 8;
}

/**
 * Counts the distinct domains of the x axes (panel columns) or the y axes
 * (panel rows). An axis without a domain spans the whole figure.
 */
function panelCount(spec: FigureSpec, letter: 'x' | 'y'): number {
  const pattern = letter === 'x' ? /^xaxis\d*$/ : /^yaxis\d*$/;
  const domains = new Set<string>();
  for (const [key, axis] of Object.entries(spec.layout)) {
    if (pattern.test(key) && isRecord(axis) && Array.isArray(axis.domain)) domains.add(String(axis.domain));
  }
  return Math.max(1, domains.size);
}

export interface PaperSize {
  width: number;
  height: number;
  titles: boolean;
}

/**
 * Adapts a report spec to a paper figure of the given size. Every font
 * becomes EXPORT_FONT_FAMILY, with sizes scaled so the base font is
 * EXPORT_FONT_SIZE. Margins are narrow and plotly grows them to fit tick
 * labels and axis titles (automargin). Colour bars are thinner, the legend
 * sits below the plot, and the title is dropped unless `titles` is set.
 * The spec itself is not changed.
 */
export function paperFigure(spec: FigureSpec, size: PaperSize): PlotlyFigure {
  const data = JSON.parse(JSON.stringify(spec.data)) as Record<string, unknown>[];
  const layout = JSON.parse(JSON.stringify(spec.layout)) as Record<string, unknown>;

  const baseSize = spec.layout.font.size > 0 ? spec.layout.font.size : EXPORT_FONT_SIZE;
  const fontRatio = EXPORT_FONT_SIZE / baseSize;
  for (const part of [...data, layout]) setFonts(part, fontRatio);

  layout.width = size.width;
  layout.height = size.height;
  layout.font = { ...(layout.font as object), family: EXPORT_FONT_FAMILY, size: EXPORT_FONT_SIZE };
  if (!size.titles) layout.title = { text: '' };
  // Automargin grows the margins for axis labels, colour bars and legends, but not for panel titles.
  const titleSpace = size.titles ? Math.ceil(2.5 * EXPORT_FONT_SIZE) : 0;
  layout.margin = { l: 8, r: 8, b: 8, t: 8 + titleSpace + topAnnotationHeight(layout) };
  if (layout.showlegend === true) {
    layout.legend = {
      orientation: 'h',
      xref: 'container',
      yref: 'container',
      x: 0,
      y: 0,
      xanchor: 'left',
      yanchor: 'bottom',
      itemwidth: 30,
      font: { family: EXPORT_FONT_FAMILY, size: EXPORT_FONT_SIZE - 1 },
    };
  }

  for (const [key, value] of Object.entries(layout)) {
    if (/^[xy]axis\d*$/.test(key) && isRecord(value)) value.automargin = true;
    if (/^coloraxis\d*$/.test(key) && isRecord(value)) thinColorBar(value);
  }
  for (const trace of data) {
    if (trace.type === 'heatmap' && trace.coloraxis === undefined) thinColorBar(trace);
  }
  return { data, layout };
}

/** Height in CSS pixels of the panel titles that sit above the top of the plot area. */
function topAnnotationHeight(layout: Record<string, unknown>): number {
  const annotations = Array.isArray(layout.annotations) ? (layout.annotations as unknown[]) : [];
  let height = 0;
  for (const annotation of annotations) {
    if (!isRecord(annotation) || annotation.yref !== 'paper' || annotation.yanchor !== 'bottom') continue;
    if (typeof annotation.y !== 'number' || annotation.y < 0.999) continue;
    const lines = String(annotation.text ?? '').split('<br>').length;
    const fontSize = isRecord(annotation.font) && typeof annotation.font.size === 'number' ? annotation.font.size : EXPORT_FONT_SIZE;
    height = Math.max(height, Math.ceil(lines * 1.3 * fontSize));
  }
  return height;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets the family of every `font` object under `node` and scales its size by `ratio`, to half pixels. */
function setFonts(node: Record<string, unknown>, ratio: number): void {
  for (const [key, value] of Object.entries(node)) {
    if (!isRecord(value)) continue;
    if (key === 'font') {
      value.family = EXPORT_FONT_FAMILY;
      if (typeof value.size === 'number') value.size = Math.round(value.size * ratio * 2) / 2;
    } else {
      setFonts(value, ratio);
    }
  }
}

/** Narrows a colour bar (plotly's default is 30 px) on a trace or colour axis. */
function thinColorBar(owner: Record<string, unknown>): void {
  owner.colorbar = { ...(isRecord(owner.colorbar) ? owner.colorbar : {}), thickness: 10, outlinewidth: 0 };
}

function checkFormats(formats: readonly string[]): ExportFormat[] {
  if (formats.length === 0) throw new RangeError(`export: no format given; use one or more of ${EXPORT_FORMATS.join(', ')}`);
  const out: ExportFormat[] = [];
  for (const format of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new RangeError(`export: unknown format "${format}"; use one or more of ${EXPORT_FORMATS.join(', ')}`);
    }
    if (!out.includes(format as ExportFormat)) out.push(format as ExportFormat);
  }
  return out;
}

/** Rejects ids that are duplicated or unsafe as file names, because each id names the output files. */
function checkFigureIds(specs: readonly FigureSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec.id)) {
      throw new RangeError(`export: figure id "${spec.id}" is not a safe file name; use letters, digits, ".", "_" and "-"`);
    }
    if (seen.has(spec.id)) throw new RangeError(`export: figure id "${spec.id}" occurs twice; the output files would collide`);
    seen.add(spec.id);
  }
}

/** Smallest and largest width or height accepted, in CSS pixels (1/6 in to about 42 in). */
export const MIN_FIGURE_SIZE = 16;
export const MAX_FIGURE_SIZE = 4096;

/** Largest PNG pixel ratio accepted. */
export const MAX_PNG_SCALE = 16;

function checkSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < MIN_FIGURE_SIZE || value > MAX_FIGURE_SIZE) {
    throw new RangeError(
      `export: ${name} ${value} is invalid; use a whole number of CSS pixels from ${MIN_FIGURE_SIZE} to ${MAX_FIGURE_SIZE} (96 per inch)`,
    );
  }
  return value;
}

function checkScale(value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_PNG_SCALE) {
    throw new RangeError(`export: scale ${value} is invalid; use a number above 0 and at most ${MAX_PNG_SCALE} (PNG pixels per CSS pixel)`);
  }
  return value;
}

/** Prefixes the XML declaration, so the SVG is a standalone XML file. */
function svgFile(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svg}\n`;
}

// ---------------------------------------------------------------------------
// The browser

/**
 * Page script that replaces Math.random by a seeded generator (mulberry32)
 * before plotly loads. `__resetRandom()` restarts the sequence, so each
 * image gets the same ids whatever was drawn before it.
 */
const SEEDED_RANDOM_SCRIPT = `
(function () {
  'use strict';
  var state = 0;
  window.__resetRandom = function () { state = ${RANDOM_SEED} >>> 0; };
  Math.random = function () {
    state = (state + 0x6d2b79f5) >>> 0;
    var t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  window.__resetRandom();
})();
`;

/**
 * Page function that returns whether a font family is installed. A missing
 * family falls back to the generic family after it. Text measured with two
 * different generic fallbacks therefore has the same width only when the
 * font exists, or when both fallbacks resolve to one font, which the last
 * comparison excludes.
 */
function fontInstalled(family: string): boolean {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return false;
  const sample = 'mmmmmmmmmmlli λρθ 0123456789';
  const measure = (font: string) => {
    context.font = `72px ${font}`;
    return context.measureText(sample).width;
  };
  const withMonospace = measure(`"${family}", monospace`);
  const withSerif = measure(`"${family}", serif`);
  return withMonospace === withSerif && (withMonospace !== measure('monospace') || withSerif !== measure('serif'));
}

/** A headless Chromium with plotly loaded, and a temporary profile that `close` removes. */
class FigureRenderer {
  private constructor(
    private readonly context: BrowserContext,
    private readonly plotPage: Page,
    private readonly printPage: Page,
    private readonly temporaryDir: string,
  ) {}

  /** Starts Chromium from `executable`. `source` follows the path in error messages, such as " (from PBT_MF_CHROMIUM)". */
  static async start(executable: string, source = ''): Promise<FigureRenderer> {
    if (!isExecutableFile(executable)) {
      throw new ChromiumError(`Chromium was not found at ${executable}${source}, which static figure export needs; ${chromiumHint()}`);
    }

    const temporaryDir = await mkdtemp(join(tmpdir(), 'pbt-mf-chromium-'));
    let context: BrowserContext | undefined;
    try {
      const configDir = join(temporaryDir, 'config');
      const cacheDir = join(temporaryDir, 'cache');
      await mkdir(configDir);
      await mkdir(cacheDir);
      // Loaded here because importing playwright-core takes most of a second, which every other command would pay.
      const { chromium } = await import('playwright-core');
      try {
        context = await chromium.launchPersistentContext(join(temporaryDir, 'profile'), {
          executablePath: executable,
          headless: true,
          args: CHROMIUM_ARGS,
          env: { ...process.env, XDG_CONFIG_HOME: configDir, XDG_CACHE_HOME: cacheDir },
          timeout: BROWSER_TIMEOUT,
        });
      } catch (error) {
        throw new ChromiumError(`Chromium at ${executable}${source} failed to start: ${(error as Error).message}; ${chromiumHint()}`);
      }
      context.setDefaultTimeout(BROWSER_TIMEOUT);
      // Nothing should leave the machine: any request other than data: or blob: URLs is aborted.
      await context.route(/^(?!data:|blob:|about:)/, (route) => route.abort('blockedbyclient'));

      const plotPage = context.pages()[0] ?? (await context.newPage());
      await plotPage.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
      await plotPage.addScriptTag({ content: SEEDED_RANDOM_SCRIPT });
      await plotPage.addScriptTag({ content: loadPlotlyBundle() });
      if (!(await plotPage.evaluate(fontInstalled, EXPORT_FONT_FAMILY))) {
        throw new ChromiumError(
          `the font "${EXPORT_FONT_FAMILY}" is not available to Chromium, so exported text would fall back to another font; ` +
            'install it with "apt-get install fonts-dejavu-core"',
        );
      }
      const printPage = await context.newPage();
      return new FigureRenderer(context, plotPage, printPage, temporaryDir);
    } catch (error) {
      await context?.close().catch(() => undefined);
      await rm(temporaryDir, { recursive: true, force: true });
      throw error;
    }
  }

  async svg(figure: PlotlyFigure, width: number, height: number): Promise<string> {
    return this.toImage(figure, 'svg', width, height, 1);
  }

  async png(figure: PlotlyFigure, width: number, height: number, scale: number): Promise<Uint8Array> {
    const base64 = await this.toImage(figure, 'png', width, height, scale);
    const png = Buffer.from(base64, 'base64');
    const size = pngSize(png);
    // The canvas takes whole pixels, so a fractional width·scale is truncated.
    const expected = { width: Math.floor(width * scale), height: Math.floor(height * scale) };
    if (size.width !== expected.width || size.height !== expected.height) {
      throw new Error(`export: plotly returned a ${size.width}×${size.height} PNG; expected ${expected.width}×${expected.height}`);
    }
    return withResolution(png, scale * CSS_PIXELS_PER_INCH);
  }

  /** Prints a page that contains only `svg` to a one-page PDF of the figure's size. */
  async pdf(svg: string, width: number, height: number): Promise<Uint8Array> {
    const style =
      `@page { size: ${width}px ${height}px; margin: 0 } ` +
      'html, body { margin: 0; padding: 0; background: white } svg { display: block }';
    await this.printPage.setContent(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${style}</style></head><body>${svg}</body></html>`,
    );
    const pdf = await this.printPage.pdf({
      width: `${width}px`,
      height: `${height}px`,
      margin: { top: '0', right: '0', bottom: '0', left: '0' },
      printBackground: true,
      pageRanges: '1',
    });
    return blankPdfDates(pdf);
  }

  private async toImage(figure: PlotlyFigure, format: 'svg' | 'png', width: number, height: number, scale: number): Promise<string> {
    return this.plotPage.evaluate(
      async ({ figure, format, width, height, scale }) => {
        const page = window as unknown as {
          __resetRandom(): void;
          Plotly: { toImage(figure: unknown, options: Record<string, unknown>): Promise<string> };
        };
        page.__resetRandom();
        return page.Plotly.toImage(
          { data: figure.data, layout: figure.layout, config: {} },
          { format, width, height, scale, imageDataOnly: true },
        );
      },
      { figure, format, width, height, scale },
    );
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      await rm(this.temporaryDir, { recursive: true, force: true });
    }
  }
}

function isExecutableFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// File formats

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads width and height from the IHDR chunk of a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const signatureOk = png.length >= 24 && PNG_SIGNATURE.every((byte, i) => png[i] === byte);
  if (!signatureOk || String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') {
    throw new Error('export: the PNG data has no PNG signature or no IHDR chunk');
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Inserts a pHYs chunk after IHDR that records `dpi`, so that LaTeX and
 * image viewers show the PNG at the figure's size in inches.
 */
function withResolution(png: Uint8Array, dpi: number): Uint8Array {
  const ihdrEnd = 8 + 8 + 13 + 4;
  const pixelsPerMetre = Math.round(dpi / 0.0254);
  const chunk = new Uint8Array(8 + 9 + 4);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, 9);
  chunk.set([0x70, 0x48, 0x59, 0x73], 4); // "pHYs"
  view.setUint32(8, pixelsPerMetre);
  view.setUint32(12, pixelsPerMetre);
  chunk[16] = 1; // unit: metre
  view.setUint32(17, crc32(chunk.subarray(4, 17)));
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, polynomial 0xEDB88320), as the PNG chunk checksum. */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Overwrites the /CreationDate and /ModDate entries of the document
 * information dictionary with spaces. The file keeps its length and its
 * cross-reference offsets, and the dictionary stays valid PDF.
 */
export function blankPdfDates(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const blanked = text.replace(/\/(?:CreationDate|ModDate)\s*\([^)]*\)/g, (entry) => ' '.repeat(entry.length));
  return Buffer.from(blanked, 'latin1');
}

