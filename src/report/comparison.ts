/** Comparison figure: the last snapshots of several solutions of one problem and their differences. */

import type { CellGrid } from '../model/grid.js';
import type { Solution } from '../model/solver.js';
import { formatNumber } from './format.js';
import { axisLabels, lastSnapshot, timeTag } from './quantities.js';
import {
  baseLayout,
  escapePlotlyText,
  panelAxes,
  panelDomains,
  panelTitle,
  type AnnotationSpec,
  type FigureSpec,
  type HeatmapTrace,
  type PlotLayout,
  type ScatterTrace,
} from './spec.js';
import { MAX_PANEL_CELLS, planeRows, rowsRange, samplePlane, samplingNote, stepLine, type SampledCount } from './traces.js';

const DIFFERENCE_COLORS = 'RdBu';

/**
 * Draws the last snapshot of every solution side by side and the difference
 * of each from the first solution (the reference). The solutions must share
 * the grid. When their final times differ, the title lists them.
 */
export function comparisonFigure(solutions: readonly Solution[]): FigureSpec {
  if (solutions.length < 2) {
    throw new RangeError(`comparisonFigure: got ${solutions.length} solution(s); a comparison needs at least two`);
  }
  const reference = solutions[0];
  const grid = reference.problem.grid;
  solutions.forEach((s, k) => requireSameGrid(grid, s.problem.grid, k));

  const names = solutionNames(solutions);
  const finals = solutions.map(lastSnapshot);
  const differences = finals.map((f) => {
    const d = new Float64Array(grid.size);
    for (let c = 0; c < d.length; c++) d[c] = f.density.values[c] - finals[0].density.values[c];
    return d;
  });
  const l1 = differences.map((d) => {
    let s = 0;
    for (const v of d) s += Math.abs(v);
    return s * grid.cellVolume;
  });
  const differenceName = (k: number) => [`${names[k]} − ${names[0]}`, `‖Δρ‖₁ = ${formatNumber(l1[k])}`];

  // Solvers that sum many steps reach the output time up to round-off, which is not a difference.
  const times = finals.map((f) => f.time);
  const sameTime = times.every((t) => Math.abs(t - times[0]) <= 1e-9 * Math.max(1, Math.abs(times[0])));
  const timeNote = sameTime
    ? ` at ${timeTag(reference.problem, times[0])}`
    : ` (final times differ: ${times.map((t, k) => `${names[k]} ${timeTag(reference.problem, t)}`).join(', ')})`;
  const heading = `Last snapshots of ${solutions.length} solutions and their differences from ${names[0]}${timeNote}`;

  const labels = axisLabels(reference.problem);
  if (grid.dim === 1) {
    return lineComparison(grid, labels, heading, names, finals.map((f) => f.density.values), differences, differenceName);
  }
  return panelComparison(grid, labels, heading, names, finals.map((f) => f.density.values), differences, differenceName);
}

function lineComparison(
  grid: CellGrid,
  labels: readonly string[],
  heading: string,
  names: readonly string[],
  finals: readonly Float64Array[],
  differences: readonly Float64Array[],
  differenceName: (k: number) => string[],
): FigureSpec {
  const domains = panelDomains(1, 2, 0.1);
  const data: ScatterTrace[] = [];
  let sampled: SampledCount | undefined;
  finals.forEach((values, k) => {
    const line = stepLine(grid, values, names[k]);
    sampled = line.sampled;
    data.push(line.trace);
  });
  for (let k = 1; k < differences.length; k++) {
    const line = stepLine(grid, differences[k], differenceName(k).join(', '));
    data.push({ ...line.trace, xaxis: 'x2', yaxis: 'y2', line: { ...line.trace.line, dash: 'dot' } });
  }

  const title = heading + samplingNote(sampled ? [sampled] : []);
  const layout = baseLayout(title, 500);
  layout.showlegend = true;
  layout.legend = { orientation: 'h', x: 0, y: -0.2 };
  layout.margin = { ...layout.margin, b: 120 };
  layout.xaxis = { domain: domains[0].x, anchor: 'y', title: { text: escapePlotlyText(labels[0]) } };
  layout.yaxis = { domain: domains[0].y, anchor: 'x', title: { text: 'ρ' } };
  layout.xaxis2 = { domain: domains[1].x, anchor: 'y2', matches: 'x', title: { text: escapePlotlyText(labels[0]) } };
  layout.yaxis2 = { domain: domains[1].y, anchor: 'x2', exponentformat: 'e', title: { text: 'Δρ' } };
  layout.annotations = [panelTitle('last snapshots', domains[0]), panelTitle(`difference from ${names[0]}`, domains[1])];
  return { id: 'comparison', title, data, layout };
}

function panelComparison(
  grid: CellGrid,
  labels: readonly string[],
  heading: string,
  names: readonly string[],
  finals: readonly Float64Array[],
  differences: readonly Float64Array[],
  differenceName: (k: number) => string[],
): FigureSpec {
  const columns = finals.length;
  const plane = samplePlane(grid, labels, MAX_PANEL_CELLS, MAX_PANEL_CELLS);
  const domains = panelDomains(2, columns, 0.05, 0.14);
  const title = heading + samplingNote(plane.counts);
  const layout: PlotLayout = baseLayout(title, 120 + 2 * 280);
  const annotations: AnnotationSpec[] = [];
  const data: HeatmapTrace[] = [];
  let axisIndex = 0;

  // Top row: the snapshots on one colour scale. Bottom row: each difference
  // under its solution, on a colour scale symmetric about zero.
  const addPanel = (values: Float64Array, domainIndex: number, name: string[], colorAxis: string) => {
    const axes = panelAxes(axisIndex++);
    const z = planeRows(values, grid, plane);
    data.push({ type: 'heatmap', name: escapePlotlyText(name.join(', ')), x: plane.x, y: plane.y, z, xaxis: axes.x, yaxis: axes.y, coloraxis: colorAxis });
    const domain = domains[domainIndex];
    const isBottomRow = domainIndex >= columns;
    const isFirstColumn = domainIndex % columns === 0;
    layout[axes.xKey] = {
      domain: domain.x,
      anchor: axes.y,
      ...(isBottomRow || domainIndex === 0 ? { title: { text: escapePlotlyText(labels[0]) } } : {}),
    };
    layout[axes.yKey] = {
      domain: domain.y,
      anchor: axes.x,
      ...(isFirstColumn || domainIndex === columns + 1 ? { title: { text: escapePlotlyText(labels[1]) } } : {}),
    };
    annotations.push(panelTitle(name, domain));
    return rowsRange(z);
  };

  let lo = Infinity;
  let hi = -Infinity;
  finals.forEach((values, k) => {
    const [zLo, zHi] = addPanel(values, k, [names[k]], 'coloraxis');
    lo = Math.min(lo, zLo);
    hi = Math.max(hi, zHi);
  });
  let largest = 0;
  for (let k = 1; k < differences.length; k++) {
    const [dLo, dHi] = addPanel(differences[k], columns + k, differenceName(k), 'coloraxis2');
    largest = Math.max(largest, Math.abs(dLo), Math.abs(dHi));
  }
  const bound = largest > 0 ? largest : 1;
  layout.annotations = annotations;

  layout.coloraxis = { colorscale: 'Viridis', cmin: Math.min(0, lo), cmax: hi, colorbar: { title: { text: 'ρ' }, len: 0.45, y: 0.78 } };
  layout.coloraxis2 = {
    colorscale: DIFFERENCE_COLORS,
    cmin: -bound,
    cmax: bound,
    colorbar: { title: { text: 'Δρ' }, len: 0.45, y: 0.22, exponentformat: 'e' },
  };
  return { id: 'comparison', title, data, layout };
}

/** Names `solver (scheme)`, with `#k` appended where two solutions would share a name. */
export function solutionNames(solutions: readonly Solution[]): string[] {
  const base = solutions.map((s) => `${s.solver} (${s.scheme})`);
  return base.map((name, k) => (base.filter((b) => b === name).length > 1 ? `${name} #${k + 1}` : name));
}

function requireSameGrid(expected: CellGrid, actual: CellGrid, index: number): void {
  const same =
    expected.domain.kind === actual.domain.kind &&
    expected.shape.length === actual.shape.length &&
    expected.shape.every((n, k) => n === actual.shape[k]) &&
    expected.domain.lower.every((a, k) => a === actual.domain.lower[k]) &&
    expected.domain.upper.every((b, k) => b === actual.domain.upper[k]);
  if (!same) {
    throw new RangeError(
      `comparisonFigure: solution ${index} is on ${actual.describe()} but solution 0 is on ${expected.describe()}; ` +
        'compare solutions of one problem on one grid',
    );
  }
}
