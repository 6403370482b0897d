/**
 * Distances between a particle population and a density of cell averages,
 * and between two such densities.
 *
 * Every Wasserstein-1 distance here is computed in closed form. A density
 * of cell averages has a piecewise-linear CDF, and its projection onto a
 * direction in 2D has a piecewise-quadratic CDF. The empirical CDF is a
 * step function. So on each interval between consecutive breakpoints
 * (faces, projected corners, samples) the CDF difference is a polynomial
 * of degree at most 2, whose absolute value is integrated exactly by
 * splitting at its roots. No sampling or quadrature is involved, except in
 * the sliced distance, which averages over a fixed set of directions.
 *
 * On a torus the distances are those of the interval [a, b) cut at its
 * lower bound, which bound the distance on the circle from above.
 */

import { Density } from '../src/model/density.js';
import type { Fitness } from '../src/model/fitness.js';
import type { CellGrid } from '../src/model/grid.js';

/**
 * A CDF that is quadratic between knots. On [knots[k], knots[k+1]]
 *
 *   G(x) = values[k] + densities[k]·(x − knots[k]) + ½·slopes[k]·(x − knots[k])²,
 *
 * G is 0 left of the first knot and 1 right of the last one. `densities[k]`
 * is the right limit of the density at knots[k]; `slopes[k]` its derivative.
 */
export interface PiecewiseQuadraticCdf {
  knots: Float64Array;
  /** G at each knot; length knots.length, first 0 and last 1. */
  values: Float64Array;
  /** One entry per interval (knots.length − 1). */
  densities: Float64Array;
  /** One entry per interval (knots.length − 1). */
  slopes: Float64Array;
}

/** The N agents of a population: N·dim coordinates, row-major. */
export interface ParticleSample {
  dim: number;
  values: Float64Array;
}

// ---------------------------------------------------------------------------
// Integrals of |polynomial|

/**
 * ∫₀ʷ |e₀ + e₁t| dt: the trapezoid when the line keeps its sign on [0, w],
 * else the two triangles that meet at its zero.
 */
function absoluteLinearIntegral(width: number, start: number, end: number): number {
  if (start * end >= 0) return (width * Math.abs(start + end)) / 2;
  return (width * (start * start + end * end)) / (2 * (Math.abs(start) + Math.abs(end)));
}

/**
 * ∫₀ʷ |c₀ + c₁t + ½c₂t²| dt, exact up to round-off: the interval is split at
 * the real roots inside it, and on each piece the integrand keeps its sign,
 * so |∫ e| = ∫ |e| there. Roots use the cancellation-free form of the
 * quadratic formula.
 */
export function absoluteQuadraticIntegral(width: number, c0: number, c1: number, c2: number): number {
  if (!(width > 0)) return 0;
  const end = c0 + c1 * width + 0.5 * c2 * width * width;
  if (c2 === 0) return absoluteLinearIntegral(width, c0, end);

  const a = 0.5 * c2;
  const discriminant = c1 * c1 - 4 * a * c0;
  const cuts: number[] = [0];
  if (discriminant > 0) {
    const q = -0.5 * (c1 + Math.sign(c1 || 1) * Math.sqrt(discriminant));
    const roots = [q / a, q !== 0 ? c0 / q : q / a].sort((x, y) => x - y);
    for (const root of roots) if (root > 0 && root < width && root !== cuts[cuts.length - 1]) cuts.push(root);
  }
  cuts.push(width);

  const antiderivative = (t: number) => t * (c0 + t * (0.5 * c1 + (c2 * t) / 6));
  let total = 0;
  for (let k = 0; k + 1 < cuts.length; k++) total += Math.abs(antiderivative(cuts[k + 1]) - antiderivative(cuts[k]));
  return total;
}

// ---------------------------------------------------------------------------
// CDFs

/** Builds the piecewise-linear CDF of a 1D density of cell averages, normalised by its mass. */
export function densityCdf(density: Density): PiecewiseQuadraticCdf {
  if (density.grid.dim !== 1) throw new RangeError('densityCdf: the density must be 1D; take a marginal or a projection first');
  const faces = density.grid.faces(0);
  const cdf = density.cdf();
  const cells = faces.length - 1;
  const mass = cdf[cells];
  if (!(mass > 0) || !Number.isFinite(mass)) {
    throw new RangeError(`densityCdf: the density has mass ${mass}; expected a finite positive mass`);
  }
  const values = new Float64Array(cells + 1);
  const densities = new Float64Array(cells);
  for (let i = 0; i <= cells; i++) values[i] = cdf[i] / mass;
  for (let i = 0; i < cells; i++) densities[i] = density.values[i] / mass;
  values[cells] = 1;
  return { knots: faces, values, densities, slopes: new Float64Array(cells) };
}

/** One of the fixed directions of the sliced distance: the unit vector at `angle` radians from axis 0. */
export interface Direction {
  angle: number;
  x: number;
  y: number;
}

/**
 * Returns the K directions at angles πk/K, k = 0 … K − 1, on the half circle. They
 * include both axes when K is even. The sliced distance averages over them,
 * i.e. it applies the rectangle rule to the integral over the half circle.
 */
export function sliceDirections(count: number): Direction[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sliceDirections: count = ${count}; expected an integer ≥ 1`);
  return Array.from({ length: count }, (_, k) => {
    const angle = (Math.PI * k) / count;
    // Round the axis directions exactly, so they take the marginal path.
    const x = Math.abs(Math.cos(angle)) < 1e-15 ? 0 : Math.cos(angle);
    const y = Math.abs(Math.sin(angle)) < 1e-15 ? 0 : Math.sin(angle);
    return { angle, x, y };
  });
}

/**
 * CDF of the projection p = x·λ₁ + y·λ₂ of a 2D density of cell averages
 * (normalised by its mass). Each cell, uniform on a rectangle, projects to
 * a trapezoid-shaped density: its slope jumps by ±w/(AB) at the four
 * projected corners, with A = |x|h₁, B = |y|h₂ and w the cell's mass. The
 * jumps of all cells are sorted and summed, which gives the density's slope
 * between consecutive corners, then the density and the CDF. Along an axis
 * (x or y zero) the projection is the marginal.
 */
export function projectedCdf(density: Density, direction: { x: number; y: number }): PiecewiseQuadraticCdf {
  const grid = density.grid;
  if (grid.dim !== 2) throw new RangeError('projectedCdf: the density must be 2D');
  const { x: cx, y: cy } = direction;
  if (cy === 0) return reflectCdfIfNeeded(densityCdf(density.marginal(0)), cx);
  if (cx === 0) return reflectCdfIfNeeded(densityCdf(density.marginal(1)), cy);

  const [n0, n1] = grid.shape;
  const [h0, h1] = grid.spacing;
  const width0 = Math.abs(cx) * h0;
  const width1 = Math.abs(cy) * h1;
  const faces0 = grid.faces(0);
  const faces1 = grid.faces(1);
  let mass = 0;
  for (let c = 0; c < density.values.length; c++) mass += density.values[c];
  mass *= grid.cellVolume;
  if (!(mass > 0) || !Number.isFinite(mass)) {
    throw new RangeError(`projectedCdf: the density has mass ${mass}; expected a finite positive mass`);
  }

  // Four slope jumps per cell with positive mass: positions and sizes.
  const positions = new Float64Array(4 * grid.size);
  const jumps = new Float64Array(4 * grid.size);
  let events = 0;
  for (let i = 0; i < n0; i++) {
    const low0 = cx > 0 ? cx * faces0[i] : cx * faces0[i + 1];
    for (let j = 0; j < n1; j++) {
      const value = density.values[i * n1 + j];
      if (value === 0) continue;
      const low1 = cy > 0 ? cy * faces1[j] : cy * faces1[j + 1];
      const start = low0 + low1;
      const jump = (value * grid.cellVolume) / mass / (width0 * width1);
      positions[events] = start;
      jumps[events++] = jump;
      positions[events] = start + width0;
      jumps[events++] = -jump;
      positions[events] = start + width1;
      jumps[events++] = -jump;
      positions[events] = start + width0 + width1;
      jumps[events++] = jump;
    }
  }
  const order = Int32Array.from({ length: events }, (_, k) => k).sort((a, b) => positions[a] - positions[b]);

  const knots: number[] = [];
  const slopeAfter: number[] = [];
  let slope = 0;
  for (let k = 0; k < events; k++) {
    const position = positions[order[k]];
    slope += jumps[order[k]];
    if (knots.length > 0 && knots[knots.length - 1] === position) {
      slopeAfter[slopeAfter.length - 1] = slope;
    } else {
      knots.push(position);
      slopeAfter.push(slope);
    }
  }

  const intervals = knots.length - 1;
  const values = new Float64Array(knots.length);
  const densities = new Float64Array(intervals);
  const slopes = new Float64Array(intervals);
  let value = 0;
  let current = 0;
  for (let k = 0; k < intervals; k++) {
    const width = knots[k + 1] - knots[k];
    densities[k] = current;
    slopes[k] = slopeAfter[k];
    values[k] = value;
    value += current * width + 0.5 * slopeAfter[k] * width * width;
    current = Math.max(0, current + slopeAfter[k] * width);
  }
  // The accumulated value ends at 1 up to round-off; the last knot is where G reaches 1.
  values[intervals] = 1;
  return { knots: Float64Array.from(knots), values, densities, slopes };
}

/** For a negative axis direction the projection is the marginal reflected through 0. */
function reflectCdfIfNeeded(cdf: PiecewiseQuadraticCdf, sign: number): PiecewiseQuadraticCdf {
  if (sign > 0) return cdf;
  const count = cdf.knots.length;
  const intervals = count - 1;
  const knots = new Float64Array(count);
  const values = new Float64Array(count);
  const densities = new Float64Array(intervals);
  for (let k = 0; k < count; k++) {
    knots[k] = -cdf.knots[count - 1 - k];
    values[k] = 1 - cdf.values[count - 1 - k];
  }
  for (let k = 0; k < intervals; k++) densities[k] = cdf.densities[intervals - 1 - k];
  return { knots, values, densities, slopes: new Float64Array(intervals) };
}

/** Index k of the interval [knots[k], knots[k+1]) that contains x, or −1 left of it and knots.length − 1 right of it. */
function locate(cdf: PiecewiseQuadraticCdf, x: number, hint: number): number {
  const knots = cdf.knots;
  let k = Math.max(-1, hint);
  while (k + 1 < knots.length && knots[k + 1] <= x) k++;
  return k;
}

/** G(x), its density and its slope at x, for x in interval k (from `locate`). */
function evaluateCdf(cdf: PiecewiseQuadraticCdf, k: number, x: number): [number, number, number] {
  if (k < 0) return [0, 0, 0];
  if (k >= cdf.knots.length - 1) return [1, 0, 0];
  const offset = x - cdf.knots[k];
  const slope = cdf.slopes[k];
  const density = cdf.densities[k];
  return [cdf.values[k] + density * offset + 0.5 * slope * offset * offset, density + slope * offset, slope];
}

// ---------------------------------------------------------------------------
// Wasserstein-1 in 1D

function checkSorted(sorted: Float64Array, caller: string): void {
  if (sorted.length === 0) throw new RangeError(`${caller}: no samples given`);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) throw new RangeError(`${caller}: sample ${i} is ${sorted[i]}; samples must be finite`);
    if (i > 0 && !(sorted[i] >= sorted[i - 1])) {
      throw new RangeError(`${caller}: samples ${i - 1} and ${i} are not in increasing order; sort them first`);
    }
  }
}

/**
 * W1 = ∫ |F_N − G| between the empirical measure of `sorted` (increasing)
 * and a piecewise-quadratic CDF G. The breakpoints of both are merged; on
 * each piece F_N is constant and G quadratic. O(N + knots).
 */
export function w1SamplesToCdf(sorted: Float64Array, cdf: PiecewiseQuadraticCdf): number {
  checkSorted(sorted, 'w1SamplesToCdf');
  const count = sorted.length;
  const knots = cdf.knots;
  let sample = 0;
  let knot = 0;
  let position = Math.min(sorted[0], knots[0]);
  let interval = -1;
  let total = 0;
  for (;;) {
    while (sample < count && sorted[sample] <= position) sample++;
    while (knot < knots.length && knots[knot] <= position) knot++;
    const next = Math.min(sample < count ? sorted[sample] : Infinity, knot < knots.length ? knots[knot] : Infinity);
    if (next === Infinity) break;
    interval = locate(cdf, position, interval);
    const [value, density, slope] = evaluateCdf(cdf, interval, position);
    total += absoluteQuadraticIntegral(next - position, value - sample / count, density, slope);
    position = next;
  }
  return total;
}

/** W1 = ∫ |G_a − G_b| between two piecewise-quadratic CDFs (any knots). */
export function w1BetweenCdfs(a: PiecewiseQuadraticCdf, b: PiecewiseQuadraticCdf): number {
  let i = 0;
  let j = 0;
  let position = Math.min(a.knots[0], b.knots[0]);
  let intervalA = -1;
  let intervalB = -1;
  let total = 0;
  for (;;) {
    while (i < a.knots.length && a.knots[i] <= position) i++;
    while (j < b.knots.length && b.knots[j] <= position) j++;
    const next = Math.min(i < a.knots.length ? a.knots[i] : Infinity, j < b.knots.length ? b.knots[j] : Infinity);
    if (next === Infinity) break;
    intervalA = locate(a, position, intervalA);
    intervalB = locate(b, position, intervalB);
    const [va, fa, sa] = evaluateCdf(a, intervalA, position);
    const [vb, fb, sb] = evaluateCdf(b, intervalB, position);
    total += absoluteQuadraticIntegral(next - position, va - vb, fa - fb, sa - sb);
    position = next;
  }
  return total;
}

/** W1 between the empirical measure of `sorted` and a 1D density of cell averages (normalised by its mass). */
export function w1SamplesToDensity(sorted: Float64Array, density: Density): number {
  return w1SamplesToCdf(sorted, densityCdf(density));
}

/** W1 between two 1D densities of cell averages, each normalised by its mass; the grids may differ. */
export function w1BetweenDensities(a: Density, b: Density): number {
  return w1BetweenCdfs(densityCdf(a), densityCdf(b));
}

// ---------------------------------------------------------------------------
// Kolmogorov–Smirnov

/**
 * sup |F_N − G| between the empirical measure of `sorted` and a continuous
 * CDF G. G is monotone and F_N jumps only at samples, so the supremum is
 * attained at a sample, from the left or the right.
 */
export function ksSamplesToCdf(sorted: Float64Array, cdf: PiecewiseQuadraticCdf): number {
  checkSorted(sorted, 'ksSamplesToCdf');
  const count = sorted.length;
  let interval = -1;
  let sup = 0;
  let i = 0;
  while (i < count) {
    const x = sorted[i];
    let last = i;
    while (last + 1 < count && sorted[last + 1] === x) last++;
    interval = locate(cdf, x, interval);
    const g = evaluateCdf(cdf, interval, x)[0];
    sup = Math.max(sup, Math.abs(g - i / count), Math.abs((last + 1) / count - g));
    i = last + 1;
  }
  return sup;
}

/**
 * sup |G_a − G_b| between two piecewise-quadratic CDFs: the maximum of the
 * difference at the merged knots and at the interior extremum of each
 * quadratic piece.
 */
export function ksBetweenCdfs(a: PiecewiseQuadraticCdf, b: PiecewiseQuadraticCdf): number {
  let i = 0;
  let j = 0;
  let position = Math.min(a.knots[0], b.knots[0]);
  let intervalA = -1;
  let intervalB = -1;
  let sup = 0;
  for (;;) {
    while (i < a.knots.length && a.knots[i] <= position) i++;
    while (j < b.knots.length && b.knots[j] <= position) j++;
    intervalA = locate(a, position, intervalA);
    intervalB = locate(b, position, intervalB);
    const [va, fa, sa] = evaluateCdf(a, intervalA, position);
    const [vb, fb, sb] = evaluateCdf(b, intervalB, position);
    const e0 = va - vb;
    sup = Math.max(sup, Math.abs(e0));
    const next = Math.min(i < a.knots.length ? a.knots[i] : Infinity, j < b.knots.length ? b.knots[j] : Infinity);
    if (next === Infinity) break;
    const e1 = fa - fb;
    const e2 = sa - sb;
    if (e2 !== 0) {
      const t = -e1 / e2;
      if (t > 0 && t < next - position) sup = Math.max(sup, Math.abs(e0 + e1 * t + 0.5 * e2 * t * t));
    }
    position = next;
  }
  return sup;
}

// ---------------------------------------------------------------------------
// Populations against densities, in 1D and 2D

/** Coordinate `axis` of every agent, sorted. */
export function sortedCoordinate(sample: ParticleSample, axis = 0): Float64Array {
  const count = sample.values.length / sample.dim;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = sample.values[i * sample.dim + axis];
  return out.sort();
}

/** Projections x·λ₁ + y·λ₂ of every agent, sorted. */
export function sortedProjection(sample: ParticleSample, direction: { x: number; y: number }): Float64Array {
  if (sample.dim !== 2) throw new RangeError(`sortedProjection: the sample has dimension ${sample.dim}; expected 2`);
  const count = sample.values.length / 2;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = direction.x * sample.values[2 * i] + direction.y * sample.values[2 * i + 1];
  return out.sort();
}

/** Distances in each marginal and averaged over the slice directions. */
export interface SampleDistances {
  /** W1 in 1D; in 2D the sliced W1 (mean over the directions). */
  w1: number;
  /** KS in 1D; in 2D the largest marginal KS. */
  ks: number;
  /** W1 of each marginal (one entry in 1D). */
  marginalW1: number[];
  /** KS of each marginal. */
  marginalKs: number[];
  /** W1 along each slice direction (2D only; empty in 1D). */
  slicedW1: number[];
}

/** Default number of slice directions in 2D: angles 0, π/8, …, 7π/8. */
export const DEFAULT_SLICES = 8;

/** The CDFs that distances to one density need: its marginals and, in 2D, its projections on the slice directions. */
export interface DensityCdfs {
  dim: number;
  marginals: PiecewiseQuadraticCdf[];
  /** Empty in 1D. */
  slices: { direction: Direction; cdf: PiecewiseQuadraticCdf }[];
}

/** Builds the CDFs of a density once, for distances to many populations. */
export function densityCdfs(density: Density, slices = DEFAULT_SLICES): DensityCdfs {
  const dim = density.grid.dim;
  const marginals = dim === 1 ? [densityCdf(density)] : [0, 1].map((axis) => densityCdf(density.marginal(axis)));
  const projections = dim === 1 ? [] : sliceDirections(slices).map((direction) => ({ direction, cdf: projectedCdf(density, direction) }));
  return { dim, marginals, slices: projections };
}

/**
 * W1 and KS between a population and a density of cell averages (or its
 * CDFs from `densityCdfs`). In 1D both are exact. In 2D the marginals are
 * exact, and so is each projected W1; `w1` is their mean over the slice
 * directions (the rectangle rule for the sliced Wasserstein distance on the
 * half circle).
 */
export function sampleDistances(sample: ParticleSample, target: Density | DensityCdfs, slices = DEFAULT_SLICES): SampleDistances {
  const cdfs = target instanceof Density ? densityCdfs(target, slices) : target;
  const dim = cdfs.dim;
  if (sample.dim !== dim) throw new RangeError(`sampleDistances: the sample has dimension ${sample.dim} but the density ${dim}`);
  const marginalW1: number[] = [];
  const marginalKs: number[] = [];
  for (let axis = 0; axis < dim; axis++) {
    const sorted = sortedCoordinate(sample, axis);
    marginalW1.push(w1SamplesToCdf(sorted, cdfs.marginals[axis]));
    marginalKs.push(ksSamplesToCdf(sorted, cdfs.marginals[axis]));
  }
  if (dim === 1) return { w1: marginalW1[0], ks: marginalKs[0], marginalW1, marginalKs, slicedW1: [] };

  const slicedW1 = cdfs.slices.map(({ direction, cdf }) => w1SamplesToCdf(sortedProjection(sample, direction), cdf));
  return { w1: mean(slicedW1), ks: Math.max(...marginalKs), marginalW1, marginalKs, slicedW1 };
}

/** The same distances between two densities of cell averages (grids may differ but must cover the same domain). */
export function densityDistances(a: Density, b: Density, slices = DEFAULT_SLICES): SampleDistances {
  const dim = a.grid.dim;
  if (b.grid.dim !== dim) throw new RangeError(`densityDistances: the densities have dimensions ${dim} and ${b.grid.dim}`);
  const marginalW1: number[] = [];
  const marginalKs: number[] = [];
  for (let axis = 0; axis < dim; axis++) {
    const cdfA = densityCdf(dim === 1 ? a : a.marginal(axis));
    const cdfB = densityCdf(dim === 1 ? b : b.marginal(axis));
    marginalW1.push(w1BetweenCdfs(cdfA, cdfB));
    marginalKs.push(ksBetweenCdfs(cdfA, cdfB));
  }
  if (dim === 1) return { w1: marginalW1[0], ks: marginalKs[0], marginalW1, marginalKs, slicedW1: [] };

  const slicedW1 = sliceDirections(slices).map((direction) => w1BetweenCdfs(projectedCdf(a, direction), projectedCdf(b, direction)));
  return { w1: mean(slicedW1), ks: Math.max(...marginalKs), marginalW1, marginalKs, slicedW1 };
}

// ---------------------------------------------------------------------------
// L1 and moments

/** ∫ |a − b| for two densities of cell averages on the same grid. */
export function l1Distance(a: Density, b: Density): number {
  if (a.grid.size !== b.grid.size || a.grid.shape.some((n, k) => n !== b.grid.shape[k])) {
    throw new RangeError(`l1Distance: grids ${a.grid.shape.join('×')} and ${b.grid.shape.join('×')} differ; restrict to one grid first`);
  }
  let total = 0;
  for (let i = 0; i < a.values.length; i++) total += Math.abs(a.values[i] - b.values[i]);
  return total * a.grid.cellVolume;
}

/**
 * Sums blocks of cells of a density on a grid refined by an integer factor
 * per axis, giving the cell averages on `coarse`, which must cover the same
 * domain. Mass is kept exactly.
 */
export function restrictDensity(fine: Density, coarse: CellGrid): Density {
  const grid = fine.grid;
  if (grid.dim !== coarse.dim) throw new RangeError(`restrictDensity: the grids have dimensions ${grid.dim} and ${coarse.dim}`);
  const factors = grid.shape.map((n, k) => n / coarse.shape[k]);
  if (factors.some((f) => !Number.isInteger(f) || f < 1)) {
    throw new RangeError(`restrictDensity: ${grid.shape.join('×')} cells are not an integer refinement of ${coarse.shape.join('×')}`);
  }
  const out = new Float64Array(coarse.size);
  const columns = grid.dim === 2 ? grid.shape[1] : 1;
  const coarseColumns = coarse.dim === 2 ? coarse.shape[1] : 1;
  for (let c = 0; c < grid.size; c++) {
    const i = Math.floor(c / columns);
    const j = c % columns;
    const target = grid.dim === 2 ? Math.floor(i / factors[0]) * coarseColumns + Math.floor(j / factors[1]) : Math.floor(i / factors[0]);
    out[target] += fine.values[c];
  }
  const cellsPerCoarse = factors.reduce((p, f) => p * f, 1);
  for (let c = 0; c < out.length; c++) out[c] /= cellsPerCoarse;
  return new Density(coarse, out);
}

/** Mean and covariance (normalised by N) of a population. */
export function sampleMoments(sample: ParticleSample): { mean: number[]; covariance: number[][] } {
  const dim = sample.dim;
  const count = sample.values.length / dim;
  const centre = new Array<number>(dim).fill(0);
  for (let i = 0; i < count; i++) for (let k = 0; k < dim; k++) centre[k] += sample.values[i * dim + k];
  for (let k = 0; k < dim; k++) centre[k] /= count;
  const covariance = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        covariance[a][b] += (sample.values[i * dim + a] - centre[a]) * (sample.values[i * dim + b] - centre[b]);
      }
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) covariance[a][b] /= count;
  return { mean: centre, covariance };
}

/** Euclidean norm of a − b. */
export function vectorError(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

/** Frobenius norm of a − b. */
export function matrixError(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a[i].length; j++) s += (a[i][j] - b[i][j]) ** 2;
  return Math.sqrt(s);
}

/** (1/N) Σ F(λ_i) over a population. */
export function sampleMeanFitness(sample: ParticleSample, fitness: Fitness): number {
  const dim = sample.dim;
  const count = sample.values.length / dim;
  const point = new Array<number>(dim).fill(0);
  let total = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < dim; k++) point[k] = sample.values[i * dim + k];
    total += fitness.evaluate(point);
  }
  return total / count;
}

/**
 * ⟨F⟩ = ∫ Fρ of the piecewise-constant reconstruction of a density,
 * normalised by its mass, with the cell averages of F by 4-point
 * Gauss–Legendre quadrature per axis.
 */
export function densityMeanFitness(density: Density, fitness: Fitness): number {
  const grid = density.grid;
  const averages = grid.cellAverages((point) => fitness.evaluate(point), 4);
  let weighted = 0;
  let mass = 0;
  for (let c = 0; c < averages.length; c++) {
    weighted += averages[c] * density.values[c];
    mass += density.values[c];
  }
  return weighted / mass;
}

/** All metrics of one population against one reference density. */
export interface PopulationMetrics extends SampleDistances {
  /** ∫|histogram − reference| on the histogram's grid. */
  l1: number;
  /** |E_N[λ] − E_ρ[λ]| (Euclidean norm). */
  meanError: number;
  /** Frobenius norm of Cov_N − Cov_ρ. */
  covarianceError: number;
  /** |⟨F⟩_N − ⟨F⟩_ρ|. */
  meanFitnessError: number;
}

/** The parts of a reference density that the metrics use, computed once per output time. */
export interface ReferenceSummary {
  cdfs: DensityCdfs;
  mean: number[];
  covariance: number[][];
  meanFitness: number;
}

/** Summarises a reference density for `populationMetrics`. */
export function summarizeReference(density: Density, fitness: Fitness, slices = DEFAULT_SLICES): ReferenceSummary {
  return {
    cdfs: densityCdfs(density, slices),
    mean: density.mean(),
    covariance: density.covariance(),
    meanFitness: densityMeanFitness(density, fitness),
  };
}

/**
 * Compares a population with a reference density, given by its summary.
 * `histogram` is the population's histogram and `referenceOnHistogramGrid`
 * the reference restricted to the same grid, for the L1 distance.
 */
export function populationMetrics(
  sample: ParticleSample,
  histogram: Density,
  reference: ReferenceSummary,
  referenceOnHistogramGrid: Density,
  fitness: Fitness,
): PopulationMetrics {
  const distances = sampleDistances(sample, reference.cdfs);
  const moments = sampleMoments(sample);
  return {
    ...distances,
    l1: l1Distance(histogram, referenceOnHistogramGrid),
    meanError: vectorError(moments.mean, reference.mean),
    covarianceError: matrixError(moments.covariance, reference.covariance),
    meanFitnessError: Math.abs(sampleMeanFitness(sample, fitness) - reference.meanFitness),
  };
}

/**
 * Below this CDF increase per cell the closed form of `iidW1Constant` loses
 * more than about 1e-7 to cancellation (asin is ill-conditioned near ±1),
 * and Simpson's rule is accurate to a few percent of a negligible term.
 */
const SMALL_CDF_STEP = 1e-6;

/**
 * Computes the large-N mean W1 of N i.i.d. draws from a 1D density, times √N:
 * √(2/π)·∫ √(G(1 − G)) dx. At each x, √N(F_N − G) tends to a normal with
 * variance G(1 − G), whose mean absolute value is √(2/π) times its standard
 * deviation. For the piecewise-linear G the integral is closed-form, because
 * ∫ √(u(1 − u)) du = ((2u − 1)/4)·√(u(1 − u)) + asin(2u − 1)/8.
 */
export function iidW1Constant(density: Density): number {
  const cdf = densityCdf(density);
  const primitive = (u: number) => {
    const clamped = Math.min(1, Math.max(0, u));
    return ((2 * clamped - 1) / 4) * Math.sqrt(clamped * (1 - clamped)) + Math.asin(2 * clamped - 1) / 8;
  };
  const integrand = (u: number) => Math.sqrt(Math.max(0, u * (1 - u)));
  let total = 0;
  for (let k = 0; k + 1 < cdf.knots.length; k++) {
    const width = cdf.knots[k + 1] - cdf.knots[k];
    const g0 = cdf.values[k];
    const g1 = cdf.values[k + 1];
    if (g1 - g0 > SMALL_CDF_STEP) {
      total += (width * (primitive(g1) - primitive(g0))) / (g1 - g0);
    } else {
      // The difference of primitives cancels badly here, so use Simpson's rule.
      total += (width * (integrand(g0) + 4 * integrand(0.5 * (g0 + g1)) + integrand(g1))) / 6;
    }
  }
  return Math.sqrt(2 / Math.PI) * total;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
