/**
 * Self-contained HTML report of one run: the plotly bundle inlined once,
 * figure specs as JSON blocks drawn by one small inline script, and summary
 * tables. The page makes no network requests, and the same input gives the
 * same bytes.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import type { Solution } from '../model/solver.js';
import { solutionNames } from './comparison.js';
import { buildFigures } from './figures.js';
import { formatNumber } from './format.js';
import type { FigureSpec } from './spec.js';
import { summarizeSolution } from './summary.js';

export interface ReportInput {
  /** Page title and top heading. */
  title: string;
  /** Rows of the run table, such as the config file and the seed, in insertion order. */
  summary: Record<string, string | number>;
  /** Solutions of one problem, one column each in the solutions table. */
  solutions: readonly Solution[];
  /** Figures to show, by default `buildFigures(solutions)`. */
  figures?: readonly FigureSpec[];
  /** Free-text remarks listed under the tables. */
  notes?: readonly string[];
}

let plotlyBundle: string | undefined;

/**
 * Reads the browser bundle of plotly.js-dist once per process. The bundle is
 * only ever inlined into pages. Importing it in Node would fail because it
 * needs a DOM.
 */
export function loadPlotlyBundle(): string {
  if (plotlyBundle !== undefined) return plotlyBundle;

  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('plotly.js-dist/plotly.js');
  } catch (error) {
    throw new Error(`report: plotly.js-dist/plotly.js was not found (${String(error)}); run npm install`);
  }
  const text = readFileSync(path, 'utf8');
  // Either sequence inside an inline script can end it early or keep it from ending.
  const unsafe = /<\/script|<!--/i.exec(text);
  if (unsafe) {
    throw new Error(`report: ${path} contains "${unsafe[0]}" at offset ${unsafe.index}, so it cannot be inlined in a <script>`);
  }
  plotlyBundle = text;
  return text;
}

/** Renders the report page. ReportInput describes what each part shows. */
export function renderReport(input: ReportInput): string {
  const figures = input.figures ?? buildFigures(input.solutions);
  const bundle = loadPlotlyBundle();

  const body = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    runTable(input.summary),
    solutionsTable(input.solutions),
    notesList(input.notes ?? []),
    figureBlocks(figures),
  ].filter((part) => part !== '');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${bundle}</script>`,
    `<script>${RENDER_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Serialises a value as JSON that is safe inside a <script> element: `<`,
 * `>` and `&` become \u escapes (so no `</script>` or `<!--` can appear),
 * as do U+2028 and U+2029. JSON.parse returns the original value.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function runTable(summary: Record<string, string | number>): string {
  const entries = Object.entries(summary);
  if (entries.length === 0) return '';
  const rows = entries.map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(formatCell(value))}</td></tr>`);
  return ['<section>', '<h2>Run</h2>', '<table class="run">', ...rows, '</table>', '</section>'].join('\n');
}

function formatCell(value: string | number): string {
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** Renders one column per solution, with the union of the summary keys as rows in order of first appearance. */
function solutionsTable(solutions: readonly Solution[]): string {
  if (solutions.length === 0) return '';
  const summaries = solutions.map(summarizeSolution);
  const keys: string[] = [];
  for (const summary of summaries) {
    for (const key of Object.keys(summary)) if (!keys.includes(key)) keys.push(key);
  }

  const header = ['<tr><th scope="col"></th>', ...solutionNames(solutions).map((n) => `<th scope="col">${escapeHtml(n)}</th>`), '</tr>'].join('');
  const rows = keys.map((key) => {
    const cells = summaries.map((s) => `<td>${escapeHtml(s[key] ?? '')}</td>`).join('');
    return `<tr><th scope="row">${escapeHtml(key)}</th>${cells}</tr>`;
  });
  return ['<section>', '<h2>Solutions</h2>', '<table class="solutions">', header, ...rows, '</table>', '</section>'].join('\n');
}

function notesList(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  const items = notes.map((note) => `<li>${escapeHtml(note)}</li>`);
  return ['<section>', '<h2>Notes</h2>', '<ul>', ...items, '</ul>', '</section>'].join('\n');
}

function figureBlocks(figures: readonly FigureSpec[]): string {
  if (figures.length === 0) return '';
  const blocks = figures.map((figure, k) => {
    const elementId = `plot-${k + 1}-${figure.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    return [
      `<figure aria-label="${escapeHtml(figure.title)}">`,
      `<div class="plot" id="${escapeHtml(elementId)}"></div>`,
      `<script type="application/json" data-plot="${escapeHtml(elementId)}">${embedJson({ data: figure.data, layout: figure.layout })}</script>`,
      '</figure>',
    ].join('\n');
  });
  return [
    '<section>',
    '<h2>Figures</h2>',
    '<noscript><p>The figures are drawn by JavaScript, which is disabled in this browser.</p></noscript>',
    ...blocks,
    '</section>',
  ].join('\n');
}

const PAGE_STYLE = `
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 14px; color: #222; margin: 24px; }
h1 { font-size: 22px; }
h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th[scope="row"] { font-weight: normal; color: #555; }
figure { margin: 16px 0; overflow-x: auto; }
.plot.failed { color: #a00; padding: 8px; border: 1px solid #a00; }
`;

// Draws every figure block. A figure that fails shows its error in place, so the others still render.
const RENDER_SCRIPT = `
(function () {
  'use strict';
  var config = { displaylogo: false, responsive: false };
  var blocks = document.querySelectorAll('script[type="application/json"][data-plot]');
  Array.prototype.forEach.call(blocks, function (block) {
    var target = document.getElementById(block.getAttribute('data-plot'));
    function fail(error) {
      target.className += ' failed';
      target.textContent = 'This figure failed to render: ' + error;
    }
    try {
      var spec = JSON.parse(block.textContent);
      Promise.resolve(Plotly.newPlot(target, spec.data, spec.layout, config)).catch(fail);
    } catch (error) {
      fail(error);
    }
  });
})();
`;
