import { describe, expect, it } from 'vitest';

import { Box, Torus } from '../../src/model/domain.js';
import {
  buildFigures,
  comparisonFigure,
  densityFigure,
  fitnessFigure,
  invariantsFigure,
  meanFigure,
  snapshotsFigure,
} from '../../src/report/figures.js';
import type { FigureSpec, HeatmapTrace, PlotTrace, ScatterTrace } from '../../src/report/spec.js';
import { sampleIndices } from '../../src/report/spec.js';
import { labelledBox, solution1d, solution2d } from './synthetic.js';

function heatmaps(figure: FigureSpec): HeatmapTrace[] {
  return figure.data.filter((t: PlotTrace): t is HeatmapTrace => t.type === 'heatmap');
}

function scatters(figure: FigureSpec): ScatterTrace[] {
  return figure.data.filter((t: PlotTrace): t is ScatterTrace => t.type === 'scatter');
}

function rounded(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(8)));
}

describe('buildFigures', () => {
  it('returns the five figures of one solution', () => {
    expect(buildFigures([solution1d()]).map((f) => f.id)).toEqual(['density', 'snapshots', 'mean', 'fitness', 'invariants']);
  });

  it('adds a comparison for several solutions', () => {
    const figures = buildFigures([solution1d(), solution1d({ solver: 'other', offset: 1e-4 })]);
    expect(figures.map((f) => f.id)).toEqual([
      'density-1',
      'snapshots-1',
      'mean-1',
      'density-2',
      'snapshots-2',
      'mean-2',
      'fitness',
      'invariants-1',
      'invariants-2',
      'comparison',
    ]);
    // Per-solution figures name their solver.
    expect(figures[3].title).toMatch(/— other \(/);
    expect(figures[7].title).not.toBe(figures[8].title);
  });

  it('returns plain JSON, the same on every call', () => {
    for (const solution of [solution1d(), solution2d()]) {
      const first = JSON.stringify(buildFigures([solution]));
      expect(JSON.stringify(buildFigures([solution]))).toBe(first);
      expect(JSON.parse(first)).toEqual(buildFigures([solution]));
    }
  });
});

describe('1D figures', () => {
  const solution = solution1d();
  const grid = solution.problem.grid;

  it('draws the density as a time × λ heatmap', () => {
    const figure = densityFigure(solution);
    const [heatmap] = heatmaps(figure);
    expect(figure.data).toHaveLength(1);
    expect(heatmap.x).toEqual(rounded(grid.centres(0)));
    expect(heatmap.y).toEqual(solution.snapshots.map((s) => s.time));
    expect(heatmap.z).toHaveLength(solution.snapshots.length);
    expect(heatmap.z[2]).toEqual(rounded(solution.snapshots[2].density.values));
    expect(heatmap.zmin).toBe(0);
    expect(figure.layout.xaxis?.title?.text).toBe('λ');
    expect(figure.layout.yaxis?.title?.text).toBe('time t');
    expect(figure.title).not.toMatch(/sampled/);
  });

  it('overlays the snapshots as steps labelled by time', () => {
    const figure = snapshotsFigure(solution);
    const lines = scatters(figure);
    expect(lines.map((l) => l.name)).toEqual(['t = 0', 't = 0.75', 't = 1.5', 't = 2.25', 't = 3']);
    expect(lines[1].line?.shape).toBe('hv');
    expect(lines[1].x).toEqual(rounded(grid.faces(0)));
    expect(lines[1].y.slice(0, -1)).toEqual(rounded(solution.snapshots[1].density.values));
    expect(lines[1].y.at(-1)).toBe(lines[1].y.at(-2));
    expect(new Set(lines.map((l) => l.line?.color)).size).toBe(lines.length);
    expect(figure.layout.xaxis?.title?.text).toBe('λ');
    expect(figure.layout.yaxis?.title?.text).toBe('ρ');
  });

  it('plots the trace mean against argmax F', () => {
    const figure = meanFigure(solution);
    const [mean, argmax] = scatters(figure);
    expect(mean.x).toEqual(solution.trace.time.map((t) => Number(t.toPrecision(8))));
    expect(mean.y).toEqual(rounded(solution.trace.mean.map((m) => m[0])));
    // The fitness peaks at 1.31, nearest to the centre 1.325 of cell 26 of 40 on [0, 2].
    expect(argmax.y).toEqual([1.325, 1.325]);
    expect(argmax.x).toEqual([0, 3]);
    expect(argmax.name).toMatch(/^argmax F = 1\.325/);
    expect(figure.layout.xaxis?.title?.text).toBe('time t');
    expect(figure.layout.yaxis?.title?.text).toBe('λ');
  });

  it('draws F on the grid with its argmax', () => {
    const figure = fitnessFigure(solution);
    const [line, marker] = scatters(figure);
    expect(line.x).toEqual(rounded(grid.centres(0)));
    expect(line.y).toEqual(rounded(Array.from(grid.centres(0), (x) => Math.exp(-((x - 1.31) ** 2)))));
    expect(marker.x).toEqual([1.325]);
    expect(figure.title).toBe('Effective fitness F(λ), exp(-(λ - 1.31)^2)');
    expect(figure.layout.yaxis?.title?.text).toBe('F(λ)');
  });

  it('names the RM potential Φ', () => {
    const rm = solution1d({ form: 'RM' });
    expect(fitnessFigure(rm).layout.yaxis?.title?.text).toBe('Φ(λ)');
    expect(fitnessFigure(rm).title).toMatch(/^Potential Φ\(λ\)/);
    expect(meanFigure(rm).title).toMatch(/argmax Φ/);
  });

  it('plots zero drift at the floor', () => {
    const figure = invariantsFigure(solution);
    const [drift, min] = scatters(figure);
    expect(figure.layout.yaxis?.type).toBe('log');
    expect(figure.layout.yaxis?.title?.text).toMatch(/\|mass\(t\) − mass\(0\)\|\/mass\(0\)/);
    expect(figure.layout.yaxis?.title?.text).toMatch(/exact zeros plotted at 1e-17/);
    expect(new Set(drift.y)).toEqual(new Set([1e-17]));
    expect(min.yaxis).toBe('y2');
    expect(min.y).toEqual(rounded(solution.trace.minValue));
    expect(figure.layout.yaxis2?.title?.text).toBe('min ρ');
    expect(figure.layout.xaxis2?.title?.text).toBe('time t');
  });

  it('plots zeros at the floor and positive drift as is', () => {
    const figure = invariantsFigure(solution1d({ drift: (row) => (row % 2 === 0 ? 0 : 1e-12 * row) }));
    const [drift] = scatters(figure);
    expect(drift.y[0]).toBe(1e-17);
    expect(drift.y[1]).toBeCloseTo(1e-12, 15);
    expect(drift.y[3]).toBeCloseTo(3e-12, 15);
    expect(figure.layout.yaxis?.title?.text).toMatch(/zeros plotted at 1e-17/);
  });

  it('leaves the floor out of the title without zeros', () => {
    const figure = invariantsFigure(solution1d({ drift: (row) => 1e-15 * (row + 1) }));
    expect(figure.layout.yaxis?.title?.text).not.toMatch(/zeros/);
  });

  it('escapes domain labels in axis titles', () => {
    const solution = solution1d({ domain: labelledBox([0], [2], ['weight decay λ <1/s>']) });
    expect(densityFigure(solution).layout.xaxis?.title?.text).toBe('weight decay λ &lt;1/s&gt;');
    expect(meanFigure(solution).layout.yaxis?.title?.text).toBe('weight decay λ &lt;1/s&gt;');
  });

  it('counts generations for the maps', () => {
    const solution = solution1d({ form: 'G' });
    expect(densityFigure(solution).layout.yaxis?.title?.text).toBe('generation n');
    expect(scatters(snapshotsFigure(solution)).map((l) => l.name)).toEqual(['n = 0', 'n = 1', 'n = 2', 'n = 3', 'n = 4']);
  });

  it('falls back to the snapshots when the trace is empty', () => {
    const solution = solution1d();
    solution.trace = { time: [], mean: [], mass: [], minValue: [] };
    const figure = meanFigure(solution);
    expect(figure.title).toMatch(/from the snapshots/);
    expect(scatters(figure)[0].x).toEqual(solution.snapshots.map((s) => s.time));
  });

  it('reads a trace stored as one mean series per axis', () => {
    const solution = solution1d();
    const perRow = scatters(meanFigure(solution))[0].y;
    solution.trace.mean = [solution.trace.mean.map((m) => m[0])];
    expect(scatters(meanFigure(solution))[0].y).toEqual(perRow);
  });

  it('notes the cut on a torus', () => {
    expect(meanFigure(solution1d({ domain: new Torus([0], [2]) })).title).toMatch(/plain mean/);
  });

  it('thins a large density heatmap and says so', () => {
    const large = solution1d({ cells: 1000, snapshots: 500 });
    const figure = densityFigure(large);
    const [heatmap] = heatmaps(figure);
    expect(heatmap.z).toHaveLength(400);
    expect(heatmap.z.every((row) => row.length === 512)).toBe(true);
    expect(heatmap.y[0]).toBe(0);
    expect(heatmap.y.at(-1)).toBe(3);
    expect(heatmap.x[0]).toBe(0.001);
    expect(heatmap.x.at(-1)).toBe(1.999);
    expect(figure.title).toBe('Density ρ over time (sampled: 400 of 500 output times, 512 of 1000 cells)');
    expect(snapshotsFigure(large).title).toMatch(/sampled: 12 of 500 output times\)$/);
  });

  it('rejects a solution without snapshots', () => {
    const solution = solution1d();
    solution.snapshots = [];
    expect(() => densityFigure(solution)).toThrow(/no snapshots/);
  });
});

describe('2D figures', () => {
  const labels = ['log₁₀ learning rate', 'weight decay λ'];
  const solution = solution2d({ domain: labelledBox([0, 0], [1, 2], labels) });
  const grid = solution.problem.grid;
  const [n0, n1] = grid.shape;

  it('draws one heatmap per snapshot', () => {
    const figure = densityFigure(solution);
    const panels = heatmaps(figure);
    expect(panels).toHaveLength(5);
    expect(panels.map((p) => p.xaxis)).toEqual(['x', 'x2', 'x3', 'x4', 'x5']);
    expect(panels.every((p) => p.coloraxis === 'coloraxis')).toBe(true);
    expect(panels[0].x).toEqual(rounded(grid.centres(0)));
    expect(panels[0].y).toEqual(rounded(grid.centres(1)));
    const values = solution.snapshots[3].density.values;
    // z[row][column] with rows along λ₂ and columns along λ₁.
    expect(panels[3].z).toHaveLength(n1);
    expect(panels[3].z[5][2]).toBe(Number(values[2 * n1 + 5].toPrecision(8)));
    expect(figure.layout.coloraxis?.cmin).toBe(0);
    expect(figure.layout.annotations?.map((a) => a.text)).toEqual(['t = 0', 't = 0.75', 't = 1.5', 't = 2.25', 't = 3']);
    expect(figure.layout.yaxis?.title?.text).toBe('weight decay λ');
    expect(figure.layout.xaxis5?.title?.text).toBe('log₁₀ learning rate');
  });

  it('overlays both marginals at every output time', () => {
    const figure = snapshotsFigure(solution);
    const lines = scatters(figure);
    expect(lines).toHaveLength(10);
    const marginal = solution.snapshots[4].density.marginal(1);
    const last = lines.filter((l) => l.yaxis === 'y2').at(-1);
    expect(last?.y.slice(0, -1)).toEqual(rounded(marginal.values));
    expect(lines.filter((l) => l.showlegend).length).toBe(5);
    expect(figure.layout.xaxis?.title?.text).toBe('log₁₀ learning rate');
    expect(figure.layout.xaxis2?.title?.text).toBe('weight decay λ');
  });

  it('stars argmax F beside the mean path', () => {
    const figure = meanFigure(solution);
    const [path, start, end, argmax] = scatters(figure);
    expect(path.x).toEqual(rounded(solution.trace.mean.map((m) => m[0])));
    expect(path.y).toEqual(rounded(solution.trace.mean.map((m) => m[1])));
    expect(start.x).toEqual([path.x[0]]);
    expect(end.y).toEqual([path.y.at(-1)]);
    // The fitness peaks at (0.72, 1.3), nearest to the centre (0.75, 1.3125) of cell (7, 10) of 10 × 16.
    expect(argmax.x).toEqual([0.75]);
    expect(argmax.y).toEqual([1.3125]);
    expect(argmax.marker?.symbol).toBe('star');
    expect(figure.layout.xaxis?.title?.text).toBe('log₁₀ learning rate');
    expect(figure.layout.yaxis?.title?.text).toBe('weight decay λ');
  });

  it('draws F as a heatmap with its argmax', () => {
    const figure = fitnessFigure(solution);
    const [heatmap] = heatmaps(figure);
    expect(heatmap.z).toHaveLength(n1);
    expect(heatmap.z[0]).toHaveLength(n0);
    expect(heatmap.colorbar?.title.text).toBe('F(λ)');
    expect(scatters(figure)[0].x).toEqual([0.75]);
  });

  it('falls back to λ₁ and λ₂ without labels', () => {
    const figure = densityFigure(solution2d({ domain: new Box([0, 0], [1, 2]) }));
    // With five panels on a 4-column grid, only panel 5 is in the bottom row of the first column.
    expect(figure.layout.xaxis5?.title?.text).toBe('λ₁');
    expect(figure.layout.xaxis?.title).toBeUndefined();
    expect(figure.layout.yaxis?.title?.text).toBe('λ₂');
  });

  it('thins large panels and a large fitness heatmap', () => {
    const large = solution2d({ cells: [600, 450], snapshots: 14 });
    const density = densityFigure(large);
    expect(heatmaps(density)).toHaveLength(12);
    expect(heatmaps(density)[0].z).toHaveLength(256);
    expect(heatmaps(density)[0].z[0]).toHaveLength(256);
    expect(density.title).toBe(
      'Density ρ at the output times (sampled: 12 of 14 output times, 256 of 600 cells along λ₁, 256 of 450 cells along λ₂)',
    );
    const fitness = fitnessFigure(large);
    expect(heatmaps(fitness)[0].z).toHaveLength(400);
    expect(heatmaps(fitness)[0].z[0]).toHaveLength(512);
    expect(fitness.title).toMatch(/\(sampled: 512 of 600 cells along λ₁, 400 of 450 cells along λ₂\)$/);
  });
});

describe('comparisonFigure', () => {
  it('draws 1D last snapshots and their differences', () => {
    const a = solution1d({ solver: 'fv', scheme: 'ssp-rk3' });
    const b = solution1d({ solver: 'spectral', scheme: 'etdrk4', offset: 1e-3 });
    const figure = comparisonFigure([a, b]);
    const lines = scatters(figure);
    expect(lines.map((l) => l.name)).toEqual([
      'fv (ssp-rk3)',
      'spectral (etdrk4)',
      'spectral (etdrk4) − fv (ssp-rk3), ‖Δρ‖₁ = 0.002',
    ]);
    expect(lines[2].yaxis).toBe('y2');
    expect(lines[2].y.every((v) => v !== null && Math.abs(v - 1e-3) < 1e-12)).toBe(true);
    expect(figure.title).toBe('Last snapshots of 2 solutions and their differences from fv (ssp-rk3) at t = 3');
    expect(figure.layout.yaxis2?.title?.text).toBe('Δρ');
  });

  it('colours 2D differences on their own scale', () => {
    const a = solution2d();
    const b = solution2d({ offset: -2e-3 });
    const c = solution2d({ offset: 5e-3 });
    const figure = comparisonFigure([a, b, c]);
    const panels = heatmaps(figure);
    expect(panels.map((p) => p.coloraxis)).toEqual(['coloraxis', 'coloraxis', 'coloraxis', 'coloraxis2', 'coloraxis2']);
    expect(panels[4].z[3][4]).toBeCloseTo(5e-3, 12);
    expect(figure.layout.coloraxis2?.cmax).toBeCloseTo(5e-3, 12);
    expect(figure.layout.coloraxis2?.cmin).toBeCloseTo(-5e-3, 12);
    expect(panels[0].name).toBe('synthetic (exact) #1');
  });

  it('notes different final times', () => {
    const short = solution1d({ solver: 'short' });
    short.snapshots[short.snapshots.length - 1].time = 2.5;
    const figure = comparisonFigure([solution1d(), short]);
    expect(figure.title).toMatch(/\(final times differ: synthetic \(exact\) t = 3, short \(exact\) t = 2\.5\)$/);
  });

  it('rejects one solution and mismatched grids', () => {
    expect(() => comparisonFigure([solution1d()])).toThrow(/at least two/);
    expect(() => comparisonFigure([solution1d(), solution1d({ cells: 20 })])).toThrow(/one grid/);
  });
});

describe('sampleIndices', () => {
  it('keeps the ends and stays within the limit', () => {
    expect(sampleIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const picked = sampleIndices(1001, 400);
    expect(picked).toHaveLength(400);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(1000);
    expect(new Set(picked).size).toBe(400);
  });
});
