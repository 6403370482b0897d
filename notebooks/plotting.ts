/**
 * Display helpers shared by the notebooks: plotly figures and Markdown
 * tables through tslab's rich display.
 *
 * plotly.js is inlined into the notebook once, by `loadPlotly`. Every later
 * figure output is a small <div> and a script that draws the figure's JSON
 * when `window.Plotly` exists, so a figure costs its data, not the 10 MB
 * bundle. Jupyter front ends run the scripts of HTML outputs only when the
 * output is trusted, which output from running the cells yourself is. The
 * HTML from `jupyter nbconvert --to html` draws the figures in a browser
 * without network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import * as tslab from 'tslab';

/** A plotly figure as plain JSON: traces and layout in the plotly.js schema. */
export interface PlotlyFigure {
  data: readonly object[];
  layout: object;
}

/** Font of every figure: installed with Debian's fonts-dejavu-core and common elsewhere. */
const FONT = { family: 'DejaVu Sans, Arial, Helvetica, sans-serif', size: 13, color: '#222' };

let figureTag = 'figure';
let figureCount = 0;

/**
 * Inlines the plotly.js bundle (the `plotly.js-dist` package of the
 * notebooks folder) into the notebook. `tag` names the notebook in the ids
 * of its figure elements, because JupyterLab shows every open notebook in
 * one page and the ids must not collide.
 */
export function loadPlotly(tag: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(tag)) throw new RangeError(`loadPlotly: tag "${tag}" must contain only letters, digits and "-"`);
  figureTag = tag;
  figureCount = 0;
  const require = createRequire(join(process.cwd(), 'package.json'));
  const path = require.resolve('plotly.js-dist/plotly.js');
  const bundle = readFileSync(path, 'utf8');
  // Either sequence would end the inline script early or keep it from ending.
  if (/<\/script|<!--/i.test(bundle)) throw new Error(`loadPlotly: ${path} cannot be inlined in a <script> element`);
  tslab.display.html(`<script>${bundle}</script>\n<p>plotly.js loaded from ${escapeHtml(path)}</p>`);
}

/** Draws a figure. Layout fields given here override the defaults: 960 × 420 pixels and DejaVu Sans. */
export function plot(figure: PlotlyFigure): void {
  figureCount += 1;
  const id = `pbt-mf-${figureTag}-${figureCount}`;
  const layout = { width: 960, height: 420, font: FONT, margin: { l: 70, r: 30, t: 50, b: 60 }, ...figure.layout };
  const json = scriptJson({ data: figure.data, layout });
  // The script retries for 10 s because the front end may run it before the bundle's script.
  const script =
    `(function () {\n` +
    `  var spec = ${json};\n` +
    `  var tries = 0;\n` +
    `  function draw() {\n` +
    `    var element = document.getElementById('${id}');\n` +
    `    if (!element) return;\n` +
    `    if (window.Plotly) { window.Plotly.newPlot(element, spec.data, spec.layout, { displaylogo: false }); return; }\n` +
    `    if (++tries < 100) { setTimeout(draw, 100); return; }\n` +
    `    element.textContent = 'plotly.js is not loaded: run the cell that calls loadPlotly first.';\n` +
    `  }\n` +
    `  draw();\n` +
    `})();`;
  tslab.display.html(`<div id="${id}"></div>\n<script>\n${script}\n</script>`);
}

/** Shows a Markdown table. Numbers are printed with `digits` significant digits. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], digits = 4): void {
  const cell = (value: string | number) => (typeof value === 'number' ? formatNumber(value, digits) : value.replace(/\|/g, '\\|'));
  const lines = [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  tslab.display.markdown(lines.join('\n'));
}

/** Formats a number with `digits` significant digits, in exponent form when it is very small or large. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** Rounds values to 6 significant digits for plotting, which keeps figure outputs small. */
export function rounded(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v));
}

/** Returns `count` points spaced evenly in log from `first` to `last`, both included. */
export function logSpace(first: number, last: number, count: number): number[] {
  const a = Math.log(first);
  const b = Math.log(last);
  return Array.from({ length: count }, (_, k) => Math.exp(a + ((b - a) * k) / (count - 1)));
}

/**
 * Fits log y = c + p log x by least squares and returns the slope p, the
 * observed order of a power law y ∝ x^p.
 */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
  const my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < lx.length; k++) {
    sxy += (lx[k] - mx) * (ly[k] - my);
    sxx += (lx[k] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Serialises JSON for an inline script: `<`, `>`, `&`, U+2028 and U+2029 become \u escapes. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
