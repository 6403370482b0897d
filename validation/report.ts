/**
 * The validation report: plotly figure specs of the N-study and the mesh
 * study, and the notes that explain what limits the agreement between the
 * particles and the PDE. The page itself is `renderReport` of src/report.
 */

import { formatNumber } from '../src/report/format.js';
import { renderReport } from '../src/report/html.js';
import {
  baseLayout,
  escapePlotlyText,
  sequentialColor,
  toPlotValue,
  toPlotValues,
  type FigureSpec,
  type PlotTrace,
  type ScatterTrace,
} from '../src/report/spec.js';
import { describeCriterion, type CheckResult } from './check.js';
import { describeMeasurement, type MeshStudyResult, type OrderMeasurement } from './mesh-study.js';
import { REFERENCE_SLOPE, type NStudyResult, type NStudyRow } from './n-study.js';

/** A scatter trace with vertical error bars; plotly's `error_y` is not in the shared ScatterTrace type. */
type ErrorBarTrace = ScatterTrace & { error_y: { type: 'data'; array: (number | null)[]; visible: true; thickness: number } };

function colorFor(index: number, count: number): string {
  return sequentialColor(count <= 1 ? 0 : (0.85 * index) / (count - 1));
}

function logLogLayout(title: string, xTitle: string, yTitle: string) {
  const layout = baseLayout(title, 520);
  layout.showlegend = true;
  layout.legend = { orientation: 'v', x: 1.02, y: 1, xanchor: 'left' };
  layout.margin = { l: 80, r: 260, t: 70, b: 60 };
  layout.xaxis = { title: { text: escapePlotlyText(xTitle) }, type: 'log', exponentformat: 'power' };
  layout.yaxis = { title: { text: escapePlotlyText(yTitle) }, type: 'log', exponentformat: 'power' };
  return layout;
}

function rowsAt(result: NStudyResult, time: number): NStudyRow[] {
  return result.rows.filter((row) => row.time === time);
}

/**
 * W1 against N on log–log axes: per output time the mean over replicas with
 * one standard error as error bars, the i.i.d. baseline dotted, and the
 * N^(−1/2) reference line through the first point of the earliest time.
 */
export function w1Figure(result: NStudyResult): FigureSpec {
  const data: PlotTrace[] = [];
  result.fits.forEach((fit, t) => {
    const rows = rowsAt(result, fit.time);
    const color = colorFor(t, result.fits.length);
    const trace: ErrorBarTrace = {
      type: 'scatter',
      mode: 'lines+markers',
      name: escapePlotlyText(`t = ${formatNumber(fit.time)}: slope ${fit.pde.slope.toFixed(3)}`),
      x: rows.map((r) => r.particles),
      y: toPlotValues(rows.map((r) => r.w1.mean)),
      line: { color, width: 2 },
      marker: { color, size: 7 },
      error_y: { type: 'data', array: toPlotValues(rows.map((r) => r.w1.standardError)), visible: true, thickness: 1.5 },
    };
    data.push(trace);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: escapePlotlyText(`t = ${formatNumber(fit.time)}: i.i.d. draws`),
      x: rows.map((r) => r.particles),
      y: toPlotValues(rows.map((r) => r.w1Iid.mean)),
      line: { color, width: 1, dash: 'dot' },
    });
  });
  const first = rowsAt(result, result.times[0]);
  if (first.length > 0) {
    const n0 = first[0].particles;
    const w0 = first[0].w1.mean;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'N^(−1/2) reference',
      x: result.ladder,
      y: result.ladder.map((n) => toPlotValue(w0 * (n / n0) ** REFERENCE_SLOPE)),
      line: { color: '#d62728', width: 1.5, dash: 'dash' },
    });
  }
  return { id: 'n-study-w1', title: 'W1 to the PDE against N', data, layout: logLogLayout('W1 to the PDE against N (mean ± 1 SE over replicas)', 'particles N', 'W1') };
}

/** W1·√N against N: flat for the Monte Carlo rate, rising where W1 levels off at a bias. */
export function scaledW1Figure(result: NStudyResult): FigureSpec {
  const data: PlotTrace[] = [];
  result.fits.forEach((fit, t) => {
    const rows = rowsAt(result, fit.time);
    const color = colorFor(t, result.fits.length);
    const trace: ErrorBarTrace = {
      type: 'scatter',
      mode: 'lines+markers',
      name: escapePlotlyText(`t = ${formatNumber(fit.time)}: particles`),
      x: rows.map((r) => r.particles),
      y: toPlotValues(rows.map((r) => r.w1Scaled.mean)),
      line: { color, width: 2 },
      marker: { color, size: 7 },
      error_y: { type: 'data', array: toPlotValues(rows.map((r) => r.w1Scaled.standardError)), visible: true, thickness: 1.5 },
    };
    data.push(trace);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: escapePlotlyText(`t = ${formatNumber(fit.time)}: i.i.d. draws`),
      x: rows.map((r) => r.particles),
      y: toPlotValues(rows.map((r) => r.w1IidScaled.mean)),
      line: { color, width: 1, dash: 'dot' },
    });
  });
  const layout = logLogLayout('W1·√N against N: flat when W1 falls like N^(−1/2)', 'particles N', 'W1·√N');
  layout.yaxis = { ...layout.yaxis, type: 'linear' };
  return { id: 'n-study-scaled', title: 'W1·√N against N', data, layout };
}

/** Error against cell width (space) or time step (time), one trace per solver, form and scheme. */
export function orderFigure(measurements: readonly OrderMeasurement[], kind: 'space' | 'time'): FigureSpec {
  const selected = measurements.filter((m) => m.kind === kind);
  const data: PlotTrace[] = selected.map((m, k) => {
    const color = colorFor(k, selected.length);
    const observed = Number.isNaN(m.observedOrder) ? 'n/a' : m.observedOrder.toFixed(2);
    const expected = m.expectedOrder === Infinity ? 'spectral' : String(m.expectedOrder);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: escapePlotlyText(`${m.solver} ${m.form} ${m.scheme}: ${observed} (expected ${expected})`),
      x: toPlotValues(m.steps),
      y: toPlotValues(m.errors),
      line: { color, width: 1.5, dash: m.family === 'spectral' ? 'dash' : 'solid' },
      marker: { color, size: 6 },
    };
  });
  const title = kind === 'space' ? 'L1 error against cell width h' : 'L1 error against time step Δt';
  const layout = logLogLayout(title, kind === 'space' ? 'h' : 'Δt', 'L1 error');
  layout.height = 620;
  return { id: `mesh-${kind}`, title, data, layout };
}

/** Text of the notes: the fits, what limits agreement, the check, the observed orders. */
export function validationNotes(result: NStudyResult, mesh: MeshStudyResult | null, check: CheckResult | null): string[] {
  const notes: string[] = [];
  const top = result.ladder[result.ladder.length - 1];

  for (const fit of result.fits) {
    const [low, high] = fit.pde.confidenceInterval;
    const stepped = fit.stepped ? `; against the stepped mean field ${fit.stepped.slope.toFixed(3)}` : '';
    notes.push(
      `t = ${formatNumber(fit.time)}: fitted slope of mean W1 against N is ${fit.pde.slope.toFixed(3)} ` +
        `(95% bootstrap interval [${low.toFixed(3)}, ${high.toFixed(3)}] from ${fit.pde.bootstrapSamples} resamples of the replicas; ` +
        `standard error from the replica spread ${fit.pde.standardError.toFixed(3)}). Reference slope ${REFERENCE_SLOPE}; ` +
        `i.i.d. draws give ${fit.iid.slope.toFixed(3)}${stepped}.`,
    );
  }

  const bias = result.timeStepBias;
  notes.push(
    `Reference error: the finite-volume reference is refined (cells and step halved together) until the W1 distance between the last two grids ` +
      `is at most ${formatNumber(result.reference.errorFraction)} times the predicted i.i.d. level C(t)/√N at N = ${top}, ` +
      'where C(t) comes from a first solve on the config grid, and the particle W1 exceeds that level by the copying factor of (c). ' +
      `It stopped at ${result.reference.cells.join('×')} cells` +
      `${result.reference.dt === null ? '' : `, Δt = ${formatNumber(result.reference.dt)}`}, with estimated errors ` +
      `${result.reference.errorEstimate.map((e) => e.toExponential(2)).join(', ')} at t = ${result.times.join(', ')}` +
      `${result.reference.reachedTarget ? '' : ' (the target was NOT reached within the cell limit)'}.`,
  );
  if (bias) {
    const level = result.fits.map((fit) => rowsAt(result, fit.time).at(-1)?.w1.mean ?? NaN);
    notes.push(
      `(a) Time-step bias: the particles follow ρ ← e^(−γΔt)ρ + (1 − e^(−γΔt))·K⋆(Fρ)/⟨F⟩ with Δt = ${formatNumber(result.particleDt)}, ` +
        'first order in Δt. Its W1 distance to the PDE, computed on the reference grid, is ' +
        `${bias.map((b) => b.toExponential(2)).join(', ')} at t = ${result.times.join(', ')}, against a mean particle W1 of ` +
        `${level.map((l) => l.toExponential(2)).join(', ')} at N = ${top}. Where the bias approaches the statistical error, ` +
        'W1 to the PDE levels off while W1 to the stepped mean field keeps falling.',
    );
  } else {
    notes.push(`(a) Time-step bias: none, because the ${result.form} map advances whole generations, as its mean-field map does.`);
  }
  notes.push(
    '(b) Genetic drift: copying makes agents share ancestors, so the population coalesces on a time scale of about N/γ ' +
      '(N generations for a map). While t is small compared with that, the fluctuation of the empirical measure stays ' +
      'O(N^(−1/2)) but grows with t; when t is comparable with N the population collapses onto few lineages and W1 ' +
      `no longer falls like N^(−1/2). The smallest N here is ${result.ladder[0]}, and the latest output time ${formatNumber(result.times.at(-1) ?? 0)}.`,
  );
  const factors = result.fits.map((fit) => {
    const rows = rowsAt(result, fit.time);
    const mean = rows.reduce((s, r) => s + r.copyingFactor, 0) / rows.length;
    return `${mean.toFixed(2)} at t = ${formatNumber(fit.time)}`;
  });
  notes.push(
    '(c) Copying correlation: W1·√N of the particles exceeds that of N i.i.d. draws from the PDE density ' +
      `(C(t) = √(2/π)∫√(G(1 − G)) = ${result.iidConstant.map((c) => c.toFixed(3)).join(', ')} in the limit). ` +
      `The ratio of mean W1s, averaged over N, is ${factors.join(', ')}; it includes the drift of (b).`,
  );
  if (result.particleMutationScale !== 1) {
    notes.push(`Testing setting: the particles mutate with ${result.particleMutationScale} times the PDE's mutation std.`);
  }

  if (check) {
    notes.push(`Check ${check.passed ? 'passed' : 'FAILED'}.`);
    for (const c of check.criteria) notes.push(describeCriterion(c));
  }

  if (mesh) {
    for (const m of mesh.orders) notes.push(`${describeMeasurement(m)}${m.agrees ? '' : ' (differs from the declared order)'}`);
    if (mesh.difference) {
      const d = mesh.difference;
      notes.push(
        `finite volume against spectral on this problem: W1 ${d.w1.map((v) => v.toExponential(2)).join(', ')}, ` +
          `L1 ${d.l1.map((v) => v.toExponential(2)).join(', ')} at t = ${d.times.join(', ')}.`,
      );
    }
    for (const reason of mesh.skipped) notes.push(`not measured: ${reason}`);
  }
  return notes;
}

export interface ValidationReportInput {
  title: string;
  summary: Record<string, string | number>;
  nStudy: NStudyResult;
  mesh: MeshStudyResult | null;
  check: CheckResult | null;
}

export function renderValidationReport(input: ValidationReportInput): string {
  const figures = [w1Figure(input.nStudy), scaledW1Figure(input.nStudy)];
  if (input.mesh) figures.push(orderFigure(input.mesh.orders, 'space'), orderFigure(input.mesh.orders, 'time'));
  return renderReport({
    title: input.title,
    summary: input.summary,
    solutions: [],
    figures,
    notes: validationNotes(input.nStudy, input.mesh, input.check),
  });
}
