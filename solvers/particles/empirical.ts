/**
 * The empirical measure (1/N) Σ δ_{x_i} of agent coordinates stored row by
 * row (N rows of `stride` values): histograms on a CellGrid, moments,
 * sorted samples, and the 1D Wasserstein-1 distance to a density of cell
 * averages.
 */

import { Density } from '../../src/model/density.js';
import type { CellGrid } from '../../src/model/grid.js';

export interface Histogram {
  /** Cell averages count/(N·cell volume): the mass is the fraction of agents inside the grid. */
  density: Density;
  /** Number of agents outside the grid's box. */
  outside: number;
}

/**
 * Bins coordinates `axes` of every row on `grid` (one axis per grid
 * dimension). Cells are half-open [face_i, face_{i+1}) except the last,
 * which includes the upper face. On a torus the coordinates are wrapped
 * into the period first, so no agent is outside.
 */
export function histogram(values: Float64Array, stride: number, axes: readonly number[], grid: CellGrid): Histogram {
  if (axes.length !== grid.dim) {
    throw new RangeError(`histogram: ${axes.length} axes given for a ${grid.dim}D grid; give one axis per grid dimension`);
  }
  axes.forEach((axis) => {
    if (!Number.isInteger(axis) || axis < 0 || axis >= stride) {
      throw new RangeError(`histogram: axis ${axis} is invalid for rows of ${stride} values`);
    }
  });
  const rows = values.length / stride;
  const counts = new Float64Array(grid.size);
  const domain = grid.domain;
  const periodic = domain.kind === 'torus';
  const first = axes[0];
  let outside = 0;

  if (grid.dim === 1) {
    const a = domain.lower[0];
    const b = domain.upper[0];
    const n = grid.shape[0];
    const inverseSpacing = 1 / grid.spacing[0];
    for (let i = 0; i < rows; i++) {
      const index = cellIndex(values[i * stride + first], a, b, n, inverseSpacing, periodic);
      if (index < 0) outside++;
      else counts[index] += 1;
    }
  } else {
    const second = axes[1];
    const [a0, a1] = domain.lower;
    const [b0, b1] = domain.upper;
    const [n0, n1] = grid.shape;
    const inverse0 = 1 / grid.spacing[0];
    const inverse1 = 1 / grid.spacing[1];
    for (let i = 0; i < rows; i++) {
      const row = cellIndex(values[i * stride + first], a0, b0, n0, inverse0, periodic);
      const column = cellIndex(values[i * stride + second], a1, b1, n1, inverse1, periodic);
      if (row < 0 || column < 0) outside++;
      else counts[row * n1 + column] += 1;
    }
  }

  const scale = 1 / (rows * grid.cellVolume);
  for (let c = 0; c < counts.length; c++) counts[c] *= scale;
  return { density: new Density(grid, counts), outside };
}

/**
 * Returns the cell of x among n cells of [a, b], or −1 outside. On a torus x
 * is wrapped into [a, b) first.
 */
function cellIndex(x: number, a: number, b: number, n: number, inverseSpacing: number, periodic: boolean): number {
  if (periodic) {
    const period = b - a;
    x = a + ((((x - a) % period) + period) % period);
  }
  const index = Math.floor((x - a) * inverseSpacing);
  if (index >= 0 && index < n) return index;
  // The upper face belongs to the last cell, and rounding can give index n just below it.
  if (index >= n && x <= b) return n - 1;
  return -1;
}

/** Returns the mean of every column. */
export function columnMeans(values: Float64Array, stride: number): Float64Array {
  const rows = values.length / stride;
  const means = new Float64Array(stride);
  for (let i = 0; i < rows; i++) for (let k = 0; k < stride; k++) means[k] += values[i * stride + k];
  for (let k = 0; k < stride; k++) means[k] /= rows;
  return means;
}

/** Returns the covariance matrix of the columns, normalised by N (the empirical measure's own covariance). */
export function columnCovariance(values: Float64Array, stride: number): number[][] {
  const rows = values.length / stride;
  const means = columnMeans(values, stride);
  const covariance = Array.from({ length: stride }, () => new Array<number>(stride).fill(0));
  const centred = new Float64Array(stride);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < stride; k++) centred[k] = values[i * stride + k] - means[k];
    for (let a = 0; a < stride; a++) {
      for (let b = a; b < stride; b++) covariance[a][b] += centred[a] * centred[b];
    }
  }
  for (let a = 0; a < stride; a++) {
    for (let b = a; b < stride; b++) {
      covariance[a][b] /= rows;
      covariance[b][a] = covariance[a][b];
    }
  }
  return covariance;
}

/** Returns column `axis` of every row, sorted increasingly. */
export function sortedColumn(values: Float64Array, stride: number, axis = 0): Float64Array {
  if (!Number.isInteger(axis) || axis < 0 || axis >= stride) {
    throw new RangeError(`sortedColumn: axis ${axis} is invalid for rows of ${stride} values`);
  }
  const rows = values.length / stride;
  const column = new Float64Array(rows);
  for (let i = 0; i < rows; i++) column[i] = values[i * stride + axis];
  return column.sort();
}

/**
 * ∫ |e(x)| dx over an interval of length `width` on which e is linear from
 * e0 to e1: the trapezoid when e keeps its sign, else two triangles meeting
 * at the zero.
 */
function absoluteLinearIntegral(width: number, e0: number, e1: number): number {
  if (e0 * e1 >= 0) return (width * Math.abs(e0 + e1)) / 2;
  return (width * (e0 * e0 + e1 * e1)) / (2 * (Math.abs(e0) + Math.abs(e1)));
}

/**
 * Computes the Wasserstein-1 distance ∫ |F_N(x) − G(x)| dx between the empirical
 * measure of `sorted` (increasing samples) and a 1D density of cell
 * averages, whose CDF G is piecewise linear between the faces and is
 * normalised by the density's mass. Exact up to round-off: both CDFs are
 * linear between the merged breakpoints (faces and samples), so every
 * piece is integrated in closed form. O(N + cells).
 */
export function wassersteinToDensity(sorted: Float64Array, density: Density): number {
  const grid = density.grid;
  if (grid.dim !== 1) throw new RangeError('wassersteinToDensity: the density must be 1D; take a marginal first');
  const count = sorted.length;
  if (count === 0) throw new RangeError('wassersteinToDensity: no samples given');
  for (let i = 1; i < count; i++) {
    if (!(sorted[i] >= sorted[i - 1])) {
      throw new RangeError(`wassersteinToDensity: samples ${i - 1} and ${i} are not in increasing order; sort them first`);
    }
  }
  const faces = grid.faces(0);
  const cdf = density.cdf();
  const cells = faces.length - 1;
  const mass = cdf[cells];
  if (!(mass > 0)) throw new RangeError(`wassersteinToDensity: the density has mass ${mass}; expected a positive mass`);

  /** G at x, where x lies in the closure of face interval `face` − 1 … `face` (0: left of the grid, cells + 1: right). */
  const cdfAt = (x: number, face: number): number => {
    if (face === 0) return 0;
    if (face > cells) return 1;
    const left = faces[face - 1];
    const fraction = (x - left) / (faces[face] - left);
    return (cdf[face - 1] + fraction * (cdf[face] - cdf[face - 1])) / mass;
  };

  let sample = 0;
  let face = 0;
  let position = Math.min(sorted[0], faces[0]);
  let total = 0;
  for (;;) {
    while (sample < count && sorted[sample] <= position) sample++;
    while (face <= cells && faces[face] <= position) face++;
    const nextSample = sample < count ? sorted[sample] : Infinity;
    const nextFace = face <= cells ? faces[face] : Infinity;
    const next = Math.min(nextSample, nextFace);
    if (next === Infinity) break;
    const level = sample / count;
    total += absoluteLinearIntegral(next - position, cdfAt(position, face) - level, cdfAt(next, face) - level);
    position = next;
  }
  return total;
}

/** Computes the Wasserstein-1 distance ∫ |G_a − G_b| between two 1D densities on the same grid, each normalised by its mass. */
export function wassersteinBetweenDensities(a: Density, b: Density): number {
  if (a.grid.dim !== 1 || a.grid.size !== b.grid.size || a.grid.spacing[0] !== b.grid.spacing[0]) {
    throw new RangeError('wassersteinBetweenDensities: expected two 1D densities on the same grid');
  }
  const cdfA = a.cdf();
  const cdfB = b.cdf();
  const cells = cdfA.length - 1;
  const massA = cdfA[cells];
  const massB = cdfB[cells];
  const width = a.grid.spacing[0];
  let total = 0;
  for (let i = 0; i < cells; i++) {
    const e0 = cdfA[i] / massA - cdfB[i] / massB;
    const e1 = cdfA[i + 1] / massA - cdfB[i + 1] / massB;
    total += absoluteLinearIntegral(width, e0, e1);
  }
  return total;
}
