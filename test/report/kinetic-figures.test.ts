import { describe, expect, it } from 'vitest';
import {
  buildKineticLimitProblem,
  buildKineticProblem,
  kineticMarginalSolution,
  parseKineticConfig,
} from '../../src/io/kinetic-config.js';
import {
  buildKineticFigures,
  epsilonStudyFigure,
  jointDensityFigure,
  marginalsFigure,
  referenceFigure,
  type EpsilonStudyRows,
} from '../../src/report/kinetic-figures.js';
import type { HeatmapTrace, PlotTrace, ScatterTrace } from '../../src/report/spec.js';
import type { FigureSpec } from '../../src/report/spec.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import { kineticSolver } from '../../solvers/kinetic/index.js';

/** Solves a small kinetic problem (20 θ cells × 12 λ cells, output at t = 0.25, 0.5, 0.75, 1) and its limit. */
function smallRun() {
  const config = parseKineticConfig(
    {
      name: 'small',
      form: 'kinetic',
      thetaDomain: { lower: [-2], upper: [2], labels: ['θ'] },
      thetaGrid: { cells: 20 },
      domain: { kind: 'box', lower: [0], upper: [1], labels: ['λ'] },
      grid: { cells: 12 },
      loss: '0.5 * (theta - 0.8)^2 + 0.5 * lambda * theta^2',
      validation: '0.5 * (theta - 0.3)^2',
      sigma: '0.2 + 0.1 * lambda',
      alpha: 3,
      gamma: 1,
      epsilon: 0.1,
      mutation: { std: 0.1 },
      initial: { kind: 'gaussian', mean: [0.7], std: [0.15] },
      thetaInitial: { kind: 'gaussian', mean: -0.5, std: 0.3 },
      times: { end: 1, count: 4 },
    },
    'small.json',
  );
  const problem = buildKineticProblem(config);
  const solution = kineticSolver.solve(problem, { dt: 0.01 });
  const limit = buildKineticLimitProblem(problem);
  const reference = finiteVolumeSolver.solve(limit, { dt: 0.01 });
  return { problem, solution, limit, reference, marginal: kineticMarginalSolution(solution, limit) };
}

function heatmaps(figure: FigureSpec): HeatmapTrace[] {
  return figure.data.filter((t: PlotTrace): t is HeatmapTrace => t.type === 'heatmap');
}

function scatters(figure: FigureSpec): ScatterTrace[] {
  return figure.data.filter((t: PlotTrace): t is ScatterTrace => t.type === 'scatter');
}

/** Returns a study whose gaps are exactly C·ε^rate at two times, for checking the fitted lines. */
function syntheticStudy(): EpsilonStudyRows {
  const epsilons = [0.04, 0.02, 0.01];
  return {
    times: [0.5, 1],
    rows: epsilons.map((epsilon) => ({ epsilon, dt: epsilon / 10, steps: 10, wallSeconds: 0.1, errors: [0.3 * epsilon ** 0.9, 0.5 * epsilon] })),
    rates: [0.9, 1],
  };
}

describe('kinetic figures', () => {
  const run = smallRun();

  it('builds every figure of a full run', () => {
    const figures = buildKineticFigures({ solution: run.solution, marginal: run.marginal, reference: run.reference, epsilonStudy: syntheticStudy() });
    expect(figures.map((f) => f.id)).toEqual([
      'kinetic-joint',
      'kinetic-marginals',
      'kinetic-reference',
      'mean',
      'fitness',
      'invariants',
      'kinetic-epsilon-study',
    ]);
    expect(buildKineticFigures({ solution: run.solution }).map((f) => f.id)).toEqual(['kinetic-joint', 'kinetic-marginals']);
  });

  it('returns plain JSON, the same on every call', () => {
    const input = { solution: run.solution, marginal: run.marginal, reference: run.reference, epsilonStudy: syntheticStudy() };
    const first = JSON.stringify(buildKineticFigures(input));
    expect(JSON.stringify(buildKineticFigures(input))).toBe(first);
    expect(JSON.parse(first)).toEqual(buildKineticFigures(input));
  });

  it('joint heatmaps share one colour scale', () => {
    const figure = jointDensityFigure(run.solution);
    const panels = heatmaps(figure);
    expect(panels).toHaveLength(5);
    expect(panels.map((p) => p.name)).toEqual(['t = 0', 't = 0.25', 't = 0.5', 't = 0.75', 't = 1']);
    for (const panel of panels) {
      expect(panel.coloraxis).toBe('coloraxis');
      expect(panel.z).toHaveLength(20);
      expect(panel.z[0]).toHaveLength(12);
      expect(panel.x).toHaveLength(12);
      expect(panel.y).toHaveLength(20);
    }
    // Row j, column i of panel k is f at θ cell j, λ cell i of snapshot k.
    const values = run.solution.snapshots[2].joint.values;
    expect(panels[2].z[7][5]).toBe(Number(values[7 * 12 + 5].toPrecision(8)));
    const max = Math.max(...run.solution.snapshots.map((s) => Math.max(...s.joint.values)));
    expect(figure.layout.coloraxis?.cmin).toBe(0);
    expect(figure.layout.coloraxis?.cmax).toBeCloseTo(max, 6);
    expect(figure.layout.xaxis9).toBeUndefined();
    expect(figure.layout.xaxis5?.title?.text).toBe('λ');
    expect(figure.layout.yaxis5?.title?.text).toBe('θ');
  });

  it('marginals have unit mass at every time', () => {
    const figure = marginalsFigure(run.solution);
    const lines = scatters(figure);
    expect(lines).toHaveLength(10);
    const lambdaLines = lines.filter((l) => l.xaxis === 'x');
    const thetaLines = lines.filter((l) => l.xaxis === 'x2');
    expect(lambdaLines).toHaveLength(5);
    expect(thetaLines).toHaveLength(5);
    // Step lines repeat the last cell value at the right face, so drop it when summing.
    const massOf = (line: ScatterTrace, spacing: number) => (line.y.slice(0, -1) as number[]).reduce((s, v) => s + v, 0) * spacing;
    for (const line of lambdaLines) expect(massOf(line, 1 / 12)).toBeCloseTo(1, 6);
    for (const line of thetaLines) expect(massOf(line, 4 / 20)).toBeCloseTo(1, 6);
  });

  it('reference figure draws the L1 gap', () => {
    const figure = referenceFigure(run.solution, run.reference);
    const gap = scatters(figure).find((t) => t.yaxis === 'y2')!;
    expect(gap.x).toEqual([0.25, 0.5, 0.75, 1]);
    const expected = run.solution.marginals.slice(1).map((m, k) => {
      const other = run.reference.snapshots[k + 1].density.values;
      return m.density.values.reduce((s, v, i) => s + Math.abs(v - other[i]), 0) / 12;
    });
    gap.y.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 8));
    expect(Math.min(...(gap.y as number[]))).toBeGreaterThan(0);
    expect(figure.layout.yaxis2?.type).toBe('log');
  });

  it('reference figure rejects other times', () => {
    const shorter = { ...run.reference, snapshots: run.reference.snapshots.slice(0, 3) };
    expect(() => referenceFigure(run.solution, shorter)).toThrow(/same times/);
  });

  it('ε-study draws fits and a slope-1 line', () => {
    const figure = epsilonStudyFigure(syntheticStudy());
    expect(figure.layout.xaxis?.type).toBe('log');
    expect(figure.layout.yaxis?.type).toBe('log');
    expect(figure.title).toMatch(/fitted rate 1 at t = 1/);
    const lines = scatters(figure);
    const slope = (t: ScatterTrace) =>
      Math.log((t.y[1] as number) / (t.y[0] as number)) / Math.log((t.x[1] as number) / (t.x[0] as number));
    const fits = lines.filter((t) => t.name?.startsWith('fit'));
    expect(fits.map(slope).map((s) => Number(s.toFixed(6)))).toEqual([0.9, 1]);
    // The gaps are exactly C·ε^rate, so each fit passes through C.
    expect(fits[0].y[0]).toBeCloseTo(0.3 * 0.01 ** 0.9, 8);
    const reference = lines.find((t) => t.name === 'slope 1 (gap ∝ ε)')!;
    expect(slope(reference)).toBeCloseTo(1, 6);
    expect(reference.y[1]).toBeCloseTo(0.5 * 0.04, 8);
  });

  it('ε-study needs two ε values', () => {
    const study = syntheticStudy();
    expect(() => epsilonStudyFigure({ ...study, rows: study.rows.slice(0, 1) })).toThrow(/two ε values/);
  });
});
