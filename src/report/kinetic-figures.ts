/**
 * Figure specs of a kinetic run: the joint density f(θ, λ) at the output
 * times, its θ- and λ-marginals, the λ-marginal against the selection–
 * mutation reference with F_h, and the ε-study. Like figures.ts these are
 * pure functions to plain-JSON plotly figures.
 */

import type { CellGrid } from '../model/grid.js';
import type { Solution } from '../model/solver.js';
import type { KineticSolution } from '../../solvers/kinetic/index.js';
import { fitnessFigure, invariantsFigure, meanFigure } from './figures.js';
import { formatNumber } from './format.js';
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
  type PlotValue,
  type ScatterTrace,
} from './spec.js';
import { MAX_PANEL_CELLS, MAX_SNAPSHOTS_SHOWN, rowsRange, samplingNote, stepLine, type SampledCount } from './traces.js';

/** The ε-study as the report draws it: the L1 gap per ε at each compared time, and the fitted rates. */
export interface EpsilonStudyRows {
  /** Output times compared. */
  times: number[];
  rows: {
    epsilon: number;
    /** Kinetic time step of this ε. */
    dt: number;
    steps: number;
    wallSeconds: number;
    /** ‖ρ_kinetic − ρ_SM‖₁ at each of `times`. */
    errors: number[];
  }[];
  /** Least-squares slope of log(gap) against log(ε), one per time. */
  rates: number[];
}

export interface KineticFigureInput {
  solution: KineticSolution;
  /** The λ-marginal as a Solution of the limit problem, for the mean, F_h and invariant figures of the other forms. */
  marginal?: Solution;
  /** The selection–mutation solution with F_h on the same λ grid and output times. */
  reference?: Solution;
  epsilonStudy?: EpsilonStudyRows;
}

const PANEL_COLUMNS = 4;
/** Largest number of output times overlaid in the reference comparison; more would hide each other. */
const MAX_COMPARED_TIMES = 5;
/** Largest number of compared times drawn in the ε-study plot. */
const MAX_STUDY_TIMES = 4;
const REFERENCE_COLOR = '#7f7f7f';

/**
 * Builds the figures of a kinetic run: f(θ, λ) at the output times, the
 * marginals over time, then, where their inputs are given, the comparison
 * with the reference, the mean, F_h and invariants of the λ-marginal, and
 * the ε-study.
 */
export function buildKineticFigures(input: KineticFigureInput): FigureSpec[] {
  const figures = [jointDensityFigure(input.solution), marginalsFigure(input.solution)];
  if (input.reference) figures.push(referenceFigure(input.solution, input.reference));
  if (input.marginal) figures.push(meanFigure(input.marginal), fitnessFigure(input.marginal), invariantsFigure(input.marginal));
  if (input.epsilonStudy) figures.push(epsilonStudyFigure(input.epsilonStudy));
  return figures;
}

function axisLabel(grid: CellGrid, fallback: string): string {
  const label = grid.domain.labels?.[0];
  return typeof label === 'string' && label.trim() !== '' ? label : fallback;
}

function timeTag(time: number): string {
  return `t = ${formatNumber(time)}`;
}

/**
 * Draws f(θ, λ) at the output times as small multiples on one colour
 * scale, λ across and θ up, at most MAX_SNAPSHOTS_SHOWN panels.
 */
export function jointDensityFigure(solution: KineticSolution): FigureSpec {
  const { thetaGrid, lambdaGrid } = solution.problem;
  const thetaLabel = axisLabel(thetaGrid, 'θ');
  const lambdaLabel = axisLabel(lambdaGrid, 'λ');
  const snapshots = solution.snapshots;
  if (snapshots.length === 0) throw new RangeError('jointDensityFigure: the kinetic solution has no snapshots');

  const picked = sampleIndices(snapshots.length, MAX_SNAPSHOTS_SHOWN);
  const lambdaCells = lambdaGrid.shape[0];
  const columns = sampleIndices(lambdaCells, MAX_PANEL_CELLS);
  const rows = sampleIndices(thetaGrid.shape[0], MAX_PANEL_CELLS);
  const x = toPlotValues(lambdaGrid.centres(0), columns);
  const y = toPlotValues(thetaGrid.centres(0), rows);
  const counts: SampledCount[] = [
    { shown: picked.length, total: snapshots.length, unit: 'output times' },
    { shown: columns.length, total: lambdaCells, unit: `cells along ${lambdaLabel}` },
    { shown: rows.length, total: thetaGrid.shape[0], unit: `cells along ${thetaLabel}` },
  ];

  const panelColumns = Math.min(PANEL_COLUMNS, picked.length);
  const panelRows = Math.ceil(picked.length / panelColumns);
  const domains = panelDomains(panelRows, panelColumns);
  const title = `Joint density f(${thetaLabel}, ${lambdaLabel}) at the output times, ε = ${formatNumber(solution.problem.epsilon)}` + samplingNote(counts);
  const layout = baseLayout(title, 110 + panelRows * 250);
  const annotations: AnnotationSpec[] = [];
  const data: HeatmapTrace[] = [];
  let hi = -Infinity;
  let lo = Infinity;

  picked.forEach((s, k) => {
    const values = snapshots[s].joint.values;
    const z = rows.map((j) => columns.map((i) => toPlotValue(values[j * lambdaCells + i])));
    const [zLo, zHi] = rowsRange(z);
    lo = Math.min(lo, zLo);
    hi = Math.max(hi, zHi);
    const axes = panelAxes(k);
    const tag = timeTag(snapshots[s].time);
    data.push({ type: 'heatmap', name: tag, x, y, z, xaxis: axes.x, yaxis: axes.y, coloraxis: 'coloraxis' });

    // Axis titles only on the lowest panel of each column and on the first column.
    const isLowestInColumn = k + panelColumns >= picked.length;
    const isFirstColumn = k % panelColumns === 0;
    layout[axes.xKey] = {
      domain: domains[k].x,
      anchor: axes.y,
      ...(isLowestInColumn ? { title: { text: escapePlotlyText(lambdaLabel) } } : {}),
    };
    layout[axes.yKey] = {
      domain: domains[k].y,
      anchor: axes.x,
      ...(isFirstColumn ? { title: { text: escapePlotlyText(thetaLabel) } } : {}),
    };
    annotations.push(panelTitle(tag, domains[k]));
  });
  layout.annotations = annotations;
  layout.coloraxis = { colorscale: 'Viridis', cmin: Math.min(0, lo), cmax: hi, colorbar: { title: { text: 'f' } } };
  return { id: 'kinetic-joint', title, data, layout };
}

/** Overlays the λ-marginal (left) and the θ-marginal (right) at the output times, coloured by time. */
export function marginalsFigure(solution: KineticSolution): FigureSpec {
  const { thetaGrid, lambdaGrid } = solution.problem;
  const thetaLabel = axisLabel(thetaGrid, 'θ');
  const lambdaLabel = axisLabel(lambdaGrid, 'λ');
  const snapshots = solution.snapshots;
  const picked = sampleIndices(snapshots.length, MAX_SNAPSHOTS_SHOWN);
  const color = (k: number) => sequentialColor(picked.length > 1 ? k / (picked.length - 1) : 0);
  const counts: SampledCount[] = [{ shown: picked.length, total: snapshots.length, unit: 'output times' }];

  const data: ScatterTrace[] = [];
  const panels = [
    { label: lambdaLabel, other: thetaLabel, marginal: (s: number) => snapshots[s].marginal },
    { label: thetaLabel, other: lambdaLabel, marginal: (s: number) => snapshots[s].joint.marginal(0) },
  ];
  panels.forEach((panel, p) => {
    const axes = panelAxes(p);
    picked.forEach((s, k) => {
      const density = panel.marginal(s);
      const line = stepLine(density.grid, density.values, timeTag(snapshots[s].time), color(k));
      data.push({ ...line.trace, xaxis: axes.x, yaxis: axes.y, legendgroup: String(k), showlegend: p === 0 });
      if (k === 0) counts.push({ ...line.sampled, unit: `cells along ${panel.label}` });
    });
  });

  const title = 'Marginal densities at the output times' + samplingNote(counts);
  const layout = baseLayout(title, 460);
  layout.showlegend = true;
  const domains = panelDomains(1, 2, 0.1);
  const annotations: AnnotationSpec[] = [];
  panels.forEach((panel, p) => {
    const axes = panelAxes(p);
    layout[axes.xKey] = { domain: domains[p].x, anchor: axes.y, title: { text: escapePlotlyText(panel.label) } };
    layout[axes.yKey] = { domain: domains[p].y, anchor: axes.x, title: { text: 'marginal density' } };
    annotations.push(panelTitle(`marginal in ${panel.label}, integrated over ${panel.other}`, domains[p]));
  });
  layout.annotations = annotations;
  return { id: 'kinetic-marginals', title, data, layout };
}

/** Returns ‖a − b‖₁ = Σ|a − b|·h for cell averages on one 1D grid. */
function l1Distance(a: ArrayLike<number>, b: ArrayLike<number>, spacing: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s * spacing;
}

/**
 * Compares the λ-marginal with the selection–mutation reference: both at
 * up to MAX_COMPARED_TIMES output times (left, reference dashed) and their
 * L1 distance at every output time after t = 0 (right, log axis). The two
 * must share the λ grid and the output times.
 */
export function referenceFigure(solution: KineticSolution, reference: Solution): FigureSpec {
  const lambdaGrid = solution.problem.lambdaGrid;
  const lambdaLabel = axisLabel(lambdaGrid, 'λ');
  const grid = reference.problem.grid;
  if (grid.dim !== 1 || grid.shape[0] !== lambdaGrid.shape[0] || grid.spacing[0] !== lambdaGrid.spacing[0]) {
    throw new RangeError(`referenceFigure: the reference grid ${grid.describe()} differs from the kinetic λ grid ${lambdaGrid.describe()}`);
  }
  const marginals = solution.marginals;
  const references = reference.snapshots;
  const sameTimes =
    marginals.length === references.length &&
    marginals.every((m, k) => Math.abs(m.time - references[k].time) <= 1e-9 * Math.max(1, Math.abs(m.time)));
  if (!sameTimes) {
    throw new RangeError(
      `referenceFigure: the reference has output times ${references.map((s) => s.time).join(', ')}, ` +
        `the kinetic solution ${marginals.map((s) => s.time).join(', ')}; solve both at the same times`,
    );
  }

  const picked = sampleIndices(marginals.length, MAX_COMPARED_TIMES);
  const color = (k: number) => sequentialColor(picked.length > 1 ? k / (picked.length - 1) : 0);
  const data: ScatterTrace[] = [];
  picked.forEach((s, k) => {
    const kinetic = stepLine(lambdaGrid, marginals[s].density.values, `kinetic, ${timeTag(marginals[s].time)}`, color(k));
    const limit = stepLine(lambdaGrid, references[s].density.values, `${reference.solver} (F_h), ${timeTag(references[s].time)}`, color(k));
    data.push({ ...kinetic.trace, legendgroup: String(k) });
    data.push({ ...limit.trace, line: { ...limit.trace.line, dash: 'dash' }, legendgroup: String(k) });
  });

  const distances: PlotValue[] = [];
  const times: PlotValue[] = [];
  for (let k = 1; k < marginals.length; k++) {
    const distance = l1Distance(marginals[k].density.values, references[k].density.values, lambdaGrid.spacing[0]);
    times.push(toPlotValue(marginals[k].time));
    distances.push(distance > 0 ? toPlotValue(distance) : null);
  }
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: '‖ρ_kinetic − ρ_SM‖₁',
    x: times,
    y: distances,
    xaxis: 'x2',
    yaxis: 'y2',
    line: { width: 1.5, color: '#1f77b4' },
    marker: { size: 5, color: '#1f77b4' },
  });

  const epsilon = formatNumber(solution.problem.epsilon);
  const title = `λ-marginal at ε = ${epsilon} against the ε → 0 limit (SM with F_h, ${reference.solver} ${reference.scheme})`;
  // The legend has two entries per compared time, so it goes below the panels, clear of the axis titles.
  const layout = baseLayout(title, 590);
  layout.margin = { ...layout.margin, b: 170 };
  layout.showlegend = true;
  layout.legend = { orientation: 'h', x: 0, y: -0.3 };
  const domains = panelDomains(1, 2, 0.1);
  layout.xaxis = { domain: domains[0].x, anchor: 'y', title: { text: escapePlotlyText(lambdaLabel) } };
  layout.yaxis = { domain: domains[0].y, anchor: 'x', title: { text: 'ρ' } };
  layout.xaxis2 = { domain: domains[1].x, anchor: 'y2', title: { text: 'time t' } };
  layout.yaxis2 = { domain: domains[1].y, anchor: 'x2', type: 'log', exponentformat: 'power', title: { text: 'L1 distance' } };
  layout.annotations = [
    panelTitle('kinetic (solid) and limit (dashed)', domains[0]),
    panelTitle('‖ρ_kinetic − ρ_SM‖₁ over time', domains[1]),
  ];
  return { id: 'kinetic-reference', title, data, layout };
}

/** Least-squares intercept of log(y) = rate·log(x) + c. */
function logIntercept(x: readonly number[], y: readonly number[], rate: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.log(y[i]) - rate * Math.log(x[i]);
  return s / x.length;
}

/**
 * Draws the ε-study on log–log axes: the L1 gap between the λ-marginal and
 * the limit against ε at up to MAX_STUDY_TIMES compared times, always
 * including the last. Each time gets its fitted line C·ε^rate, and a
 * slope-1 reference runs through the geometric mean of the last time's points.
 */
export function epsilonStudyFigure(study: EpsilonStudyRows): FigureSpec {
  if (study.rows.length < 2 || study.times.length === 0) {
    throw new RangeError(`epsilonStudyFigure: ${study.rows.length} ε values and ${study.times.length} times; a rate needs two ε values and one time`);
  }
  const epsilons = study.rows.map((row) => row.epsilon);
  const low = Math.min(...epsilons);
  const high = Math.max(...epsilons);
  const picked = sampleIndices(study.times.length, MAX_STUDY_TIMES);
  const color = (k: number) => sequentialColor(picked.length > 1 ? k / (picked.length - 1) : 0);
  const data: ScatterTrace[] = [];

  picked.forEach((t, k) => {
    const gaps = study.rows.map((row) => row.errors[t]);
    const tag = `${timeTag(study.times[t])}, rate ${formatNumber(Number(study.rates[t].toFixed(3)))}`;
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: escapePlotlyText(`gap at ${tag}`),
      x: toPlotValues(epsilons),
      y: gaps.map((g) => (g > 0 ? toPlotValue(g) : null)),
      marker: { size: 8, color: color(k) },
      legendgroup: String(k),
    });
    const positive = gaps.every((g) => g > 0 && Number.isFinite(g));
    if (!positive || !Number.isFinite(study.rates[t])) return;
    const intercept = logIntercept(epsilons, gaps, study.rates[t]);
    const fitted = (e: number) => toPlotValue(Math.exp(intercept) * e ** study.rates[t]);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: escapePlotlyText(`fit C·ε^rate, ${timeTag(study.times[t])}`),
      x: [toPlotValue(low), toPlotValue(high)],
      y: [fitted(low), fitted(high)],
      line: { width: 1.5, dash: 'dash', color: color(k) },
      legendgroup: String(k),
    });
  });

  const last = study.times.length - 1;
  const lastGaps = study.rows.map((row) => row.errors[last]);
  if (lastGaps.every((g) => g > 0 && Number.isFinite(g))) {
    const centre = Math.exp(logIntercept(epsilons, lastGaps, 1));
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'slope 1 (gap ∝ ε)',
      x: [toPlotValue(low), toPlotValue(high)],
      y: [toPlotValue(centre * low), toPlotValue(centre * high)],
      line: { width: 1.5, dash: 'dot', color: REFERENCE_COLOR },
    });
  }

  const rate = formatNumber(Number(study.rates[last].toFixed(3)));
  const title = `ε-study: ‖ρ_kinetic − ρ_SM(F_h)‖₁ against ε, fitted rate ${rate} at ${timeTag(study.times[last])} (expected 1)`;
  const layout = baseLayout(title, 480);
  layout.showlegend = true;
  layout.xaxis = { type: 'log', exponentformat: 'power', title: { text: 'time-scale ratio ε' } };
  layout.yaxis = { type: 'log', exponentformat: 'power', title: { text: 'L1 gap to the limit' } };
  return { id: 'kinetic-epsilon-study', title, data, layout };
}
