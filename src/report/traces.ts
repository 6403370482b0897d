/** Trace builders shared by the figures: cell averages as steps, sampled 2D heatmaps. */

import type { CellGrid } from '../model/grid.js';
import { escapePlotlyText, sampleIndices, toPlotValue, toPlotValues, type PlotValue, type ScatterTrace } from './spec.js';

/** Largest heatmap drawn in full: rows along the vertical axis, columns along the horizontal one. */
export const MAX_HEATMAP_ROWS = 400;
export const MAX_HEATMAP_COLUMNS = 512;
/** Largest number of cells per axis in one panel of a small-multiples grid. */
export const MAX_PANEL_CELLS = 256;
/** Largest number of cells drawn as steps in a line plot. Finer lines are sampled at the cell centres. */
export const MAX_LINE_CELLS = 2048;
/** Largest number of snapshots shown as panels or as overlaid lines. */
export const MAX_SNAPSHOTS_SHOWN = 12;

export interface SampledCount {
  shown: number;
  total: number;
  /** Plural noun, such as "output times" or "cells along λ₁". */
  unit: string;
}

/**
 * Builds a title suffix such as " (sampled: 400 of 1001 output times)"
 * that lists every count sampling reduced, or "" when nothing was sampled.
 */
export function samplingNote(counts: readonly SampledCount[]): string {
  const reduced = counts.filter((c) => c.shown < c.total);
  if (reduced.length === 0) return '';
  return ` (sampled: ${reduced.map((c) => `${c.shown} of ${c.total} ${c.unit}`).join(', ')})`;
}

export interface StepLine {
  trace: ScatterTrace;
  sampled: SampledCount;
}

/**
 * Cell averages of a 1D grid as a step line from face to face, or, above
 * MAX_LINE_CELLS cells, as a line through sampled cell centres.
 */
export function stepLine(grid: CellGrid, values: ArrayLike<number>, name: string, color?: string): StepLine {
  const n = grid.shape[0];
  const sampled: SampledCount = { shown: n, total: n, unit: 'cells' };
  const base = { type: 'scatter' as const, mode: 'lines' as const, name: escapePlotlyText(name) };

  if (n > MAX_LINE_CELLS) {
    const picked = sampleIndices(n, MAX_LINE_CELLS);
    sampled.shown = picked.length;
    const trace: ScatterTrace = {
      ...base,
      x: toPlotValues(grid.centres(0), picked),
      y: toPlotValues(values, picked),
      line: { width: 1.5, shape: 'linear', ...(color ? { color } : {}) },
    };
    return { trace, sampled };
  }

  // With shape 'hv' plotly draws y[i] from x[i] to x[i + 1], so the faces
  // carry the cell values and the last value is repeated at the right face.
  const y = toPlotValues(values);
  y.push(y[n - 1]);
  const trace: ScatterTrace = {
    ...base,
    x: toPlotValues(grid.faces(0)),
    y,
    line: { width: 1.5, shape: 'hv', ...(color ? { color } : {}) },
  };
  return { trace, sampled };
}

export interface SampledPlane {
  /** Cell indices kept along axis 0 (the horizontal axis of the heatmap). */
  columns: number[];
  /** Cell indices kept along axis 1 (the vertical axis). */
  rows: number[];
  x: PlotValue[];
  y: PlotValue[];
  counts: SampledCount[];
}

/** Chooses the cells of a 2D grid drawn in a heatmap, with λ₁ horizontal and λ₂ vertical. */
export function samplePlane(grid: CellGrid, labels: readonly string[], maxColumns: number, maxRows: number): SampledPlane {
  const [n0, n1] = grid.shape;
  const columns = sampleIndices(n0, maxColumns);
  const rows = sampleIndices(n1, maxRows);
  return {
    columns,
    rows,
    x: toPlotValues(grid.centres(0), columns),
    y: toPlotValues(grid.centres(1), rows),
    counts: [
      { shown: columns.length, total: n0, unit: `cells along ${labels[0]}` },
      { shown: rows.length, total: n1, unit: `cells along ${labels[1]}` },
    ],
  };
}

/**
 * Arranges row-major 2D cell values (flat index i·n₁ + j, i along axis 0)
 * as heatmap rows z[row][column], so that axis 0 runs horizontally.
 */
export function planeRows(values: ArrayLike<number>, grid: CellGrid, plane: SampledPlane): PlotValue[][] {
  const n1 = grid.shape[1];
  return plane.rows.map((j) => plane.columns.map((i) => toPlotValue(values[i * n1 + j])));
}

/** Returns the smallest and largest finite entries of heatmap rows, or [0, 1] when there are none. */
export function rowsRange(rows: readonly PlotValue[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of rows) {
    for (const v of row) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}
