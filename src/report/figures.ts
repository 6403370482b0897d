/**
 * Figure specs of one run: pure functions from a Solution to plain-JSON
 * plotly figures. Nothing here touches the DOM or plotly itself, because
 * html.ts embeds the specs in a report and plotly draws them in the browser.
 */

import type { Solution } from '../model/solver.js';
import { comparisonFigure, solutionNames } from './comparison.js';
import { formatNumber, formatPoint } from './format.js';
import {
  axisLabels,
  diagnosticSeries,
  fitnessOnGrid,
  requireSnapshots,
  timeAxisLabel,
  timeTag,
} from './quantities.js';
import {
  baseLayout,
  escapePlotlyText,
  panelAxes,
  panelDomains,
  panelTitle,
  sampleIndices,
  sequentialColor,
  toPlotValue,
  toPlotValues,
  type AnnotationSpec,
  type FigureSpec,
  type HeatmapTrace,
  type PlotLayout,
  type PlotTrace,
  type ScatterTrace,
} from './spec.js';
import {
  MAX_HEATMAP_COLUMNS,
  MAX_HEATMAP_ROWS,
  MAX_LINE_CELLS,
  MAX_PANEL_CELLS,
  MAX_SNAPSHOTS_SHOWN,
  planeRows,
  rowsRange,
  samplePlane,
  samplingNote,
  stepLine,
  type SampledCount,
} from './traces.js';

export { comparisonFigure };

const ARGMAX_COLOR = '#d62728';
const PANEL_COLUMNS = 4;

/**
 * Builds the figures of a report: the density over time, the snapshots, the
 * mean against argmax F, F itself and the invariants of the first solution,
 * then a comparison of the last snapshots when several solutions are given.
 */
export function buildFigures(solutions: readonly Solution[]): FigureSpec[] {
  if (solutions.length === 0) return [];
  if (solutions.length === 1) {
    const only = solutions[0];
    return [densityFigure(only), snapshotsFigure(only), meanFigure(only), fitnessFigure(only), invariantsFigure(only)];
  }
  // Several solvers: every per-solution figure once per solver, named by it.
  const names = solutionNames(solutions);
  const figures: FigureSpec[] = [];
  solutions.forEach((solution, k) => {
    for (const figure of [densityFigure(solution), snapshotsFigure(solution), meanFigure(solution)]) {
      figures.push(forSolver(figure, names[k], k));
    }
  });
  figures.push(fitnessFigure(solutions[0]));
  solutions.forEach((solution, k) => figures.push(forSolver(invariantsFigure(solution), names[k], k)));
  figures.push(comparisonFigure(solutions));
  return figures;
}

/** Names the solver in a figure's title and makes its id unique among the solvers. */
function forSolver(figure: FigureSpec, name: string, index: number): FigureSpec {
  const title = `${figure.title} — ${name}`;
  const layout = { ...figure.layout, title: baseLayout(title, 0).title };
  return { ...figure, id: `${figure.id}-${index + 1}`, title, layout };
}

/**
 * Draws ρ over time: in 1D one heatmap with λ across and the output times
 * up, in 2D one heatmap per output time on a shared colour scale.
 */
export function densityFigure(solution: Solution): FigureSpec {
  return solution.problem.grid.dim === 1 ? densityHeatmap(solution) : densityPanels(solution);
}

function densityHeatmap(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const grid = problem.grid;
  const snapshots = requireSnapshots(solution);
  const [label] = axisLabels(problem);

  const rows = sampleIndices(snapshots.length, MAX_HEATMAP_ROWS);
  const columns = sampleIndices(grid.shape[0], MAX_HEATMAP_COLUMNS);
  const z = rows.map((r) => toPlotValues(snapshots[r].density.values, columns));
  const [lo, hi] = rowsRange(z);

  const title =
    'Density ρ over time' +
    samplingNote([
      { shown: rows.length, total: snapshots.length, unit: 'output times' },
      { shown: columns.length, total: grid.shape[0], unit: 'cells' },
    ]);
  const heatmap: HeatmapTrace = {
    type: 'heatmap',
    name: 'ρ',
    x: toPlotValues(grid.centres(0), columns),
    y: rows.map((r) => toPlotValue(snapshots[r].time)),
    z,
    colorscale: 'Viridis',
    zmin: Math.min(0, lo),
    zmax: hi,
    colorbar: { title: { text: 'ρ' } },
  };
  const layout = baseLayout(title, 480);
  layout.xaxis = { title: { text: escapePlotlyText(label) } };
  layout.yaxis = { title: { text: escapePlotlyText(timeAxisLabel(problem)) } };
  return { id: 'density', title, data: [heatmap], layout };
}

function densityPanels(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const grid = problem.grid;
  const snapshots = requireSnapshots(solution);
  const labels = axisLabels(problem);

  const picked = sampleIndices(snapshots.length, MAX_SNAPSHOTS_SHOWN);
  const plane = samplePlane(grid, labels, MAX_PANEL_CELLS, MAX_PANEL_CELLS);
  const columns = Math.min(PANEL_COLUMNS, picked.length);
  const rows = Math.ceil(picked.length / columns);
  const domains = panelDomains(rows, columns);

  const title =
    'Density ρ at the output times' +
    samplingNote([{ shown: picked.length, total: snapshots.length, unit: 'output times' }, ...plane.counts]);
  const layout = baseLayout(title, 110 + rows * 250);
  const annotations: AnnotationSpec[] = [];
  const data: HeatmapTrace[] = [];
  let lo = Infinity;
  let hi = -Infinity;

  picked.forEach((s, k) => {
    const axes = panelAxes(k);
    const z = planeRows(snapshots[s].density.values, grid, plane);
    const [zLo, zHi] = rowsRange(z);
    lo = Math.min(lo, zLo);
    hi = Math.max(hi, zHi);
    data.push({ type: 'heatmap', name: timeTag(problem, snapshots[s].time), x: plane.x, y: plane.y, z, xaxis: axes.x, yaxis: axes.y, coloraxis: 'coloraxis' });

    // Axis titles only on the lowest panel of each column and on the first column.
    const isLowestInColumn = k + columns >= picked.length;
    const isFirstColumn = k % columns === 0;
    layout[axes.xKey] = {
      domain: domains[k].x,
      anchor: axes.y,
      ...(isLowestInColumn ? { title: { text: escapePlotlyText(labels[0]) } } : {}),
    };
    layout[axes.yKey] = {
      domain: domains[k].y,
      anchor: axes.x,
      ...(isFirstColumn ? { title: { text: escapePlotlyText(labels[1]) } } : {}),
    };
    annotations.push(panelTitle(timeTag(problem, snapshots[s].time), domains[k]));
  });
  layout.annotations = annotations;

  layout.coloraxis = { colorscale: 'Viridis', cmin: Math.min(0, lo), cmax: hi, colorbar: { title: { text: 'ρ' } } };
  return { id: 'density', title, data, layout };
}

/**
 * Overlays the density at the output times (1D, cell averages as steps) or
 * the two marginal densities at the output times (2D), coloured by time.
 */
export function snapshotsFigure(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const snapshots = requireSnapshots(solution);
  const labels = axisLabels(problem);
  const picked = sampleIndices(snapshots.length, MAX_SNAPSHOTS_SHOWN);
  const counts: SampledCount[] = [{ shown: picked.length, total: snapshots.length, unit: 'output times' }];
  const color = (k: number) => sequentialColor(picked.length > 1 ? k / (picked.length - 1) : 0);

  if (problem.grid.dim === 1) {
    const data: ScatterTrace[] = [];
    picked.forEach((s, k) => {
      const snapshot = snapshots[s];
      const line = stepLine(problem.grid, snapshot.density.values, timeTag(problem, snapshot.time), color(k));
      data.push(line.trace);
      if (k === 0) counts.push(line.sampled);
    });
    const title = 'Density ρ at the output times' + samplingNote(counts);
    const layout = baseLayout(title, 460);
    layout.showlegend = true;
    layout.xaxis = { title: { text: escapePlotlyText(labels[0]) } };
    layout.yaxis = { title: { text: 'ρ' } };
    return { id: 'snapshots', title, data, layout };
  }

  const domains = panelDomains(1, 2, 0.1);
  const data: ScatterTrace[] = [];
  for (const axis of [0, 1]) {
    picked.forEach((s, k) => {
      const snapshot = snapshots[s];
      const marginal = snapshot.density.marginal(axis);
      const line = stepLine(marginal.grid, marginal.values, timeTag(problem, snapshot.time), color(k));
      const axes = panelAxes(axis);
      data.push({ ...line.trace, xaxis: axes.x, yaxis: axes.y, legendgroup: String(k), showlegend: axis === 0 });
      if (k === 0) counts.push({ ...line.sampled, unit: `cells along ${labels[axis]}` });
    });
  }
  const title = 'Marginal densities at the output times' + samplingNote(counts);
  const layout = baseLayout(title, 460);
  layout.showlegend = true;
  const annotations: AnnotationSpec[] = [];
  for (const axis of [0, 1]) {
    const axes = panelAxes(axis);
    const other = labels[1 - axis];
    layout[axes.xKey] = { domain: domains[axis].x, anchor: axes.y, title: { text: escapePlotlyText(labels[axis]) } };
    layout[axes.yKey] = { domain: domains[axis].y, anchor: axes.x, title: { text: 'marginal density' } };
    annotations.push(panelTitle(`marginal along ${labels[axis]}, integrated over ${other}`, domains[axis]));
  }
  layout.annotations = annotations;
  return { id: 'snapshots', title, data, layout };
}

/**
 * Plots the mean E_ρ[λ] from the trace against the grid argmax of F (or of
 * Φ for RM): over time in 1D, as a path in the plane in 2D.
 */
export function meanFigure(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const labels = axisLabels(problem);
  const series = diagnosticSeries(solution);
  const { symbol, argmax } = fitnessOnGrid(problem);
  const argmaxName = `argmax ${symbol} = ${formatPoint(argmax)} (grid cell centre)`;
  // The trace stores the plain mean, which on a torus depends on where the circle is cut.
  const torusNote = problem.grid.domain.kind === 'torus' ? ' (plain mean, which depends on where the circle is cut)' : '';
  const sourceNote = series.source === 'snapshots' ? ' (from the snapshots: the trace is empty)' : '';
  const title = `Mean E_ρ[λ] against argmax ${symbol}${torusNote}${sourceNote}`;
  const time = toPlotValues(series.time);

  if (problem.grid.dim === 1) {
    const first = time[0];
    const last = time[time.length - 1];
    const data: ScatterTrace[] = [
      { type: 'scatter', mode: 'lines', name: 'E_ρ[λ]', x: time, y: toPlotValues(series.mean[0]), line: { width: 2 } },
      {
        type: 'scatter',
        mode: 'lines',
        name: escapePlotlyText(argmaxName),
        x: [first, last],
        y: [toPlotValue(argmax[0]), toPlotValue(argmax[0])],
        line: { color: ARGMAX_COLOR, dash: 'dash', width: 1.5 },
      },
    ];
    const layout = baseLayout(title, 440);
    layout.showlegend = true;
    layout.xaxis = { title: { text: escapePlotlyText(timeAxisLabel(problem)) } };
    layout.yaxis = { title: { text: escapePlotlyText(labels[0]) } };
    return { id: 'mean', title, data, layout };
  }

  const x = toPlotValues(series.mean[0]);
  const y = toPlotValues(series.mean[1]);
  const end = x.length - 1;
  const data: ScatterTrace[] = [
    { type: 'scatter', mode: 'lines', name: 'E_ρ[λ] over time', x, y, line: { width: 2, color: '#1f77b4' } },
    {
      type: 'scatter',
      mode: 'markers',
      name: escapePlotlyText(`start, ${timeTag(problem, series.time[0])}`),
      x: [x[0]],
      y: [y[0]],
      marker: { symbol: 'circle-open', size: 11, color: '#1f77b4' },
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: escapePlotlyText(`end, ${timeTag(problem, series.time[end])}`),
      x: [x[end]],
      y: [y[end]],
      marker: { symbol: 'circle', size: 9, color: '#1f77b4' },
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: escapePlotlyText(argmaxName),
      x: [toPlotValue(argmax[0])],
      y: [toPlotValue(argmax[1])],
      marker: { symbol: 'star', size: 15, color: ARGMAX_COLOR },
    },
  ];
  const layout = baseLayout(title, 560);
  layout.showlegend = true;
  layout.xaxis = { title: { text: escapePlotlyText(labels[0]) } };
  layout.yaxis = { title: { text: escapePlotlyText(labels[1]) } };
  return { id: 'mean', title, data, layout };
}

/** Draws F (or the potential Φ for RM) at the cell centres, with its argmax marked. */
export function fitnessFigure(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const grid = problem.grid;
  const labels = axisLabels(problem);
  const { symbol, fitness, values, argmax, max } = fitnessOnGrid(problem);
  const quantity = symbol === 'Φ' ? 'Potential Φ(λ)' : 'Effective fitness F(λ)';
  const argmaxMarker: ScatterTrace = {
    type: 'scatter',
    mode: 'markers',
    name: escapePlotlyText(`argmax ${symbol} = ${formatPoint(argmax)}`),
    x: [toPlotValue(argmax[0])],
    y: [toPlotValue(grid.dim === 1 ? max : argmax[1])],
    marker: { symbol: 'star', size: 15, color: ARGMAX_COLOR },
  };

  if (grid.dim === 1) {
    // F is a point value at each centre, so the line joins centres instead of drawing steps.
    const n = grid.shape[0];
    const picked = sampleIndices(n, MAX_LINE_CELLS);
    const line: ScatterTrace = {
      type: 'scatter',
      mode: 'lines',
      name: `${symbol}(λ)`,
      x: toPlotValues(grid.centres(0), picked),
      y: toPlotValues(values, picked),
      line: { width: 2, color: '#1f77b4' },
    };
    const title = `${quantity}, ${fitness.describe()}` + samplingNote([{ shown: picked.length, total: n, unit: 'cells' }]);
    const layout = baseLayout(title, 420);
    layout.showlegend = true;
    // The whole domain, like the other figures, though F is drawn at the centres.
    layout.xaxis = { title: { text: escapePlotlyText(labels[0]) }, range: [grid.domain.lower[0], grid.domain.upper[0]] };
    layout.yaxis = { title: { text: `${symbol}(λ)` } };
    return { id: 'fitness', title, data: [line, argmaxMarker], layout };
  }

  const plane = samplePlane(grid, labels, MAX_HEATMAP_COLUMNS, MAX_HEATMAP_ROWS);
  const z = planeRows(values, grid, plane);
  const [lo, hi] = rowsRange(z);
  const title = `${quantity}, ${fitness.describe()}` + samplingNote(plane.counts);
  const heatmap: HeatmapTrace = {
    type: 'heatmap',
    name: `${symbol}(λ)`,
    x: plane.x,
    y: plane.y,
    z,
    colorscale: 'Cividis',
    zmin: lo,
    zmax: hi,
    colorbar: { title: { text: `${symbol}(λ)` } },
  };
  const layout = baseLayout(title, 560);
  layout.showlegend = true;
  layout.legend = { orientation: 'h', x: 0, y: -0.15 };
  layout.xaxis = { title: { text: escapePlotlyText(labels[0]) } };
  layout.yaxis = { title: { text: escapePlotlyText(labels[1]) } };
  return { id: 'fitness', title, data: [heatmap, argmaxMarker], layout };
}

/**
 * Height at which exact zeros of the relative drift are drawn on the log
 * axis. A positive relative difference of two doubles above the subnormal
 * range is at least 2⁻⁵³ ≈ 1.1e-16, so the floor is below every non-zero drift.
 */
const DRIFT_FLOOR = 1e-17;

/**
 * Plots the relative mass drift |mass(t) − mass(0)|/mass(0) on a log axis,
 * exact zeros at a floor named in the axis title, and min ρ over time.
 * mass(0) is the mass of the problem's initial density.
 */
export function invariantsFigure(solution: Solution): FigureSpec {
  const problem = solution.problem;
  const series = diagnosticSeries(solution);
  const initialMass = problem.initial.mass();
  if (!Number.isFinite(initialMass) || initialMass === 0) {
    throw new RangeError(`initial density has mass ${initialMass}; the relative mass drift needs a finite non-zero mass`);
  }

  const drift = series.mass.map((m) => Math.abs(m - initialMass) / Math.abs(initialMass));
  const zeros = drift.filter((d) => d === 0).length;
  // Two lines, because a vertical axis title longer than the panel is cut off.
  const driftTitle =
    escapePlotlyText('|mass(t) − mass(0)|/mass(0)') +
    (zeros > 0 ? '<br>' + escapePlotlyText(`(exact zeros plotted at ${formatNumber(DRIFT_FLOOR)})`) : '');

  const time = toPlotValues(series.time);
  const sourceNote = series.source === 'snapshots' ? ' (from the snapshots: the trace is empty)' : '';
  const title = 'Mass drift and minimum of ρ' + sourceNote;
  const data: PlotTrace[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'relative mass drift',
      x: time,
      y: toPlotValues(drift.map((d) => (d === 0 ? DRIFT_FLOOR : d))),
      line: { width: 1.5, color: '#1f77b4' },
      marker: { size: 4, color: '#1f77b4' },
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'min ρ',
      x: time,
      y: toPlotValues(series.minValue),
      xaxis: 'x2',
      yaxis: 'y2',
      line: { width: 1.5, color: '#2ca02c' },
      marker: { size: 4, color: '#2ca02c' },
    },
  ];

  const domains = panelDomains(2, 1, 0, 0.14);
  const layout: PlotLayout = baseLayout(title, 620);
  layout.xaxis = { domain: domains[0].x, anchor: 'y', matches: 'x2' };
  layout.yaxis = {
    domain: domains[0].y,
    anchor: 'x',
    type: 'log',
    exponentformat: 'power',
    automargin: true,
    title: { text: driftTitle },
  };
  layout.xaxis2 = { domain: domains[1].x, anchor: 'y2', title: { text: escapePlotlyText(timeAxisLabel(problem)) } };
  layout.yaxis2 = { domain: domains[1].y, anchor: 'x2', exponentformat: 'e', automargin: true, title: { text: 'min ρ' } };
  layout.annotations = [panelTitle('relative mass drift', domains[0]), panelTitle('minimum of ρ over the grid', domains[1])];
  return { id: 'invariants', title, data, layout };
}
