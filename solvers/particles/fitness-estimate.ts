/**
 * Fitness estimates that selection ranks agents on, from noisy evaluations.
 *
 * Each step every agent is evaluated once. In the full system the
 * evaluation is its Boltzmann weight exp(−αV(θ_i, λ_i)), an unbiased but
 * noisy estimate of F(λ_i) when θ_i is near its Gibbs measure. In the
 * reduced system it is F(λ_i), optionally with multiplicative noise. The
 * estimate that selection uses is one of:
 *
 * - `raw`: the current evaluation;
 * - `moving-average`: the mean of the agent's last `window` evaluations
 *   since it was last replaced by a child (a child starts a new history);
 * - `kernel-regression`: the Nadaraya–Watson estimate of F at λ_i from all
 *   agents' current evaluations, with a Gaussian kernel of bandwidth h per
 *   axis (Silverman's rule of thumb when none is given).
 *
 * Everything is kept in log space, because Boltzmann weights of different
 * steps span many orders of magnitude.
 */

import type { Domain } from '../../src/model/domain.js';
import { ConfigError } from '../../src/model/errors.js';
import { CircularConvolver, nextPowerOfTwo } from '../../src/model/fft.js';

export type FitnessEstimate =
  | { kind: 'raw' }
  | { kind: 'moving-average'; window: number }
  | {
      kind: 'kernel-regression';
      /** Bandwidth per axis in the units of λ (one number for every axis); Silverman's rule when absent. */
      bandwidth?: number | readonly number[];
    };

/** Kernel regression is computed pair by pair up to this many agents, and on bins above. */
export const DIRECT_REGRESSION_LIMIT = 512;

/** Kernel truncation radius in bandwidths: exp(−25/2) ≈ 3.7e-6 of the peak is dropped. */
const KERNEL_RADIUS = 5;

/** Bins per bandwidth: at spacing h/16 binning changed the estimate by less than 1e-4 relative in the tests. */
const BINS_PER_BANDWIDTH = 16;

/** Largest number of bin points: per axis in 2D, in total in 1D. Above it the bins are coarser than h/16. */
const MAX_BINS_1D = 1 << 18;
const MAX_BINS_2D = 1 << 10;

/** Checks an estimate option and returns a copy; throws ConfigError naming the field. */
export function checkFitnessEstimate(estimate: FitnessEstimate, dim: number): FitnessEstimate {
  switch (estimate.kind) {
    case 'raw':
      return { kind: 'raw' };
    case 'moving-average': {
      const window = estimate.window;
      if (!Number.isInteger(window) || window < 1) {
        throw new ConfigError('fitnessEstimate.window', `${window} is invalid; expected an integer ≥ 1`);
      }
      return { kind: 'moving-average', window };
    }
    case 'kernel-regression': {
      const bandwidth = estimate.bandwidth;
      if (bandwidth === undefined) return { kind: 'kernel-regression' };
      const values = typeof bandwidth === 'number' ? new Array<number>(dim).fill(bandwidth) : [...bandwidth];
      if (values.length !== dim) {
        throw new ConfigError('fitnessEstimate.bandwidth', `${values.length} bandwidths given for ${dim} axes; give one number or one per axis`);
      }
      values.forEach((h, k) => {
        if (typeof h !== 'number' || !Number.isFinite(h) || h <= 0) {
          throw new ConfigError('fitnessEstimate.bandwidth', `bandwidth[${k}] = ${h} is invalid; expected a finite number > 0`);
        }
      });
      return { kind: 'kernel-regression', bandwidth: values };
    }
    default:
      throw new ConfigError(
        'fitnessEstimate.kind',
        `'${String((estimate as { kind: unknown }).kind)}' is unknown; use 'raw', 'moving-average' or 'kernel-regression'`,
      );
  }
}

/** Per-agent evaluation histories and the estimate built from them. */
export class FitnessEstimator {
  readonly options: FitnessEstimate;
  private readonly agents: number;
  private readonly dim: number;
  private readonly domain: Domain;
  private readonly window: number;
  /** Moving average: ring buffer of `window` log evaluations per agent, slot (step mod window). */
  private readonly history: Float64Array;
  private readonly counts: Int32Array;
  private slot = -1;
  private readonly scratch: Float64Array;

  constructor(options: FitnessEstimate, agents: number, domain: Domain) {
    this.options = checkFitnessEstimate(options, domain.dim);
    this.agents = agents;
    this.dim = domain.dim;
    this.domain = domain;
    this.window = this.options.kind === 'moving-average' ? this.options.window : 0;
    this.history = new Float64Array(agents * this.window);
    this.counts = new Int32Array(this.window > 0 ? agents : 0);
    this.scratch = new Float64Array(this.options.kind === 'kernel-regression' ? agents : 0);
  }

  /** Starts a new step: records every agent's log evaluation. */
  record(logEvaluations: Float64Array): void {
    if (this.window === 0) return;
    this.slot = (this.slot + 1) % this.window;
    const window = this.window;
    for (let i = 0; i < this.agents; i++) {
      this.history[i * window + this.slot] = logEvaluations[i];
      if (this.counts[i] < window) this.counts[i]++;
    }
  }

  /** Clears agent i's history; called when a child replaces it. */
  reset(agent: number): void {
    if (this.window > 0) this.counts[agent] = 0;
  }

  /** Clears the history of every agent i with parentIndex[i] ≥ 0, the agents replaced in the last step. */
  resetReplaced(parentIndex: Int32Array): void {
    if (this.window === 0) return;
    for (let i = 0; i < this.agents; i++) if (parentIndex[i] >= 0) this.counts[i] = 0;
  }

  /**
   * Writes the log fitness estimate of every agent into `out`, from the
   * evaluations of this step (`record` must have been called for them).
   */
  estimate(lambda: Float64Array, logEvaluations: Float64Array, out: Float64Array): void {
    const options = this.options;
    if (options.kind === 'raw') {
      out.set(logEvaluations);
      return;
    }
    if (options.kind === 'moving-average') {
      this.movingAverage(out);
      return;
    }
    const bandwidth =
      options.bandwidth === undefined
        ? silvermanBandwidth(lambda, this.dim, this.scratch)
        : Float64Array.from(options.bandwidth as readonly number[]);
    kernelRegression(lambda, logEvaluations, this.dim, bandwidth, this.domain, out);
  }

  private movingAverage(out: Float64Array): void {
    const window = this.window;
    for (let i = 0; i < this.agents; i++) {
      const count = this.counts[i];
      const base = i * window;
      let max = -Infinity;
      for (let back = 0; back < count; back++) {
        const value = this.history[base + ((this.slot - back + window) % window)];
        if (value > max) max = value;
      }
      if (max === -Infinity) {
        out[i] = -Infinity;
        continue;
      }
      let total = 0;
      for (let back = 0; back < count; back++) {
        total += Math.exp(this.history[base + ((this.slot - back + window) % window)] - max);
      }
      out[i] = max + Math.log(total / count);
    }
  }
}

/**
 * Silverman's rule-of-thumb bandwidths for N points with `dim` coordinates
 * each (row-major in `points`), s being the sample standard deviation. In
 * 1D, h = 0.9·min(s, IQR/1.34)·N^(−1/5), with s alone when the IQR is 0. In
 * 2D, the normal-reference rule h_k = s_k·(4/((d + 2)N))^(1/(d + 4)), which
 * is s_k·N^(−1/6) for d = 2. An axis on which all points coincide gets
 * bandwidth 0. `scratch` needs N entries.
 */
export function silvermanBandwidth(
  points: Float64Array,
  dim: number,
  scratch: Float64Array = new Float64Array(points.length / dim),
): Float64Array {
  const count = points.length / dim;
  const bandwidth = new Float64Array(dim);
  for (let k = 0; k < dim; k++) {
    let mean = 0;
    for (let i = 0; i < count; i++) mean += points[i * dim + k];
    mean /= count;
    let squares = 0;
    for (let i = 0; i < count; i++) {
      const deviation = points[i * dim + k] - mean;
      squares += deviation * deviation;
    }
    const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
    if (dim === 1) {
      for (let i = 0; i < count; i++) scratch[i] = points[i];
      const spread = interquartileRange(scratch.subarray(0, count));
      const scale = spread > 0 ? Math.min(std, spread / 1.34) : std;
      bandwidth[k] = 0.9 * scale * Math.pow(count, -1 / 5);
    } else {
      bandwidth[k] = std * Math.pow(count, -1 / 6);
    }
  }
  return bandwidth;
}

/** Interquartile range of `values` by selection (reorders `values`). */
function interquartileRange(values: Float64Array): number {
  const n = values.length;
  if (n < 2) return 0;
  // Quartiles with linear interpolation between order statistics (type 7).
  const quantile = (p: number): number => {
    const position = p * (n - 1);
    const low = Math.floor(position);
    const lowValue = selectKth(values, low);
    if (low === n - 1) return lowValue;
    // After selection the entries above `low` are ≥ it, so the next order statistic is their minimum.
    let next = Infinity;
    for (let i = low + 1; i < n; i++) if (values[i] < next) next = values[i];
    return lowValue + (position - low) * (next - lowValue);
  };
  const upper = quantile(0.75);
  const lower = quantile(0.25);
  return upper - lower;
}

/**
 * Reorders `values` so that values[k] is the k-th smallest, smaller entries
 * before it and larger after (Hoare's selection with median-of-three
 * pivots), and returns values[k]. O(N) on average.
 */
export function selectKth(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    // Median of three as pivot, moved to values[middle].
    if (values[middle] < values[left]) swap(values, middle, left);
    if (values[right] < values[left]) swap(values, right, left);
    if (values[right] < values[middle]) swap(values, right, middle);
    const pivot = values[middle];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k];
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i];
  values[i] = values[j];
  values[j] = t;
}

/**
 * Nadaraya–Watson estimate at every point: out_i = log(Σ_j K_ij w_j / Σ_j K_ij)
 * with w_j = exp(logValues_j), K_ij = Π_k exp(−(x_ik − x_jk)²/(2h_k²)) over
 * the axes with h_k > 0 (an axis with h_k = 0 is ignored). On a torus the
 * distance is periodic. Up to DIRECT_REGRESSION_LIMIT points the sums run
 * over all pairs; above it they are computed on bins (`binnedKernelRegression`).
 */
export function kernelRegression(
  points: Float64Array,
  logValues: Float64Array,
  dim: number,
  bandwidth: Float64Array,
  domain: Domain,
  out: Float64Array,
): void {
  const count = logValues.length;
  if (count <= DIRECT_REGRESSION_LIMIT) directKernelRegression(points, logValues, dim, bandwidth, domain, out);
  else binnedKernelRegression(points, logValues, dim, bandwidth, domain, out);
}

/** Shifts log values by their maximum and exponentiates; returns the shift (−∞ when all are −∞). */
function shiftedWeights(logValues: Float64Array, weights: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < logValues.length; i++) if (logValues[i] > max) max = logValues[i];
  if (max === -Infinity) {
    weights.fill(0);
    return max;
  }
  for (let i = 0; i < logValues.length; i++) weights[i] = Math.exp(logValues[i] - max);
  return max;
}

/**
 * Computes the Nadaraya–Watson estimate by summing over all pairs, with the
 * kernel truncated at 5 bandwidths and the nearest periodic image on a
 * torus. O(N²).
 */
export function directKernelRegression(
  points: Float64Array,
  logValues: Float64Array,
  dim: number,
  bandwidth: Float64Array,
  domain: Domain,
  out: Float64Array,
): void {
  const count = logValues.length;
  const weights = new Float64Array(count);
  const shift = shiftedWeights(logValues, weights);
  if (shift === -Infinity) {
    out.fill(-Infinity);
    return;
  }
  const periodic = domain.kind === 'torus';
  const inverse = Array.from(bandwidth, (h) => (h > 0 ? 1 / h : 0));
  for (let i = 0; i < count; i++) {
    let numerator = 0;
    let denominator = 0;
    for (let j = 0; j < count; j++) {
      let exponent = 0;
      for (let k = 0; k < dim; k++) {
        if (inverse[k] === 0) continue;
        let distance = Math.abs(points[i * dim + k] - points[j * dim + k]);
        if (periodic) distance = Math.min(distance, domain.length(k) - distance);
        const z = distance * inverse[k];
        exponent += z * z;
      }
      if (exponent > KERNEL_RADIUS * KERNEL_RADIUS) continue;
      const kernel = Math.exp(-0.5 * exponent);
      numerator += kernel * weights[j];
      denominator += kernel;
    }
    out[i] = Math.log(numerator / denominator) + shift;
  }
}

/** The bins of one axis: points a + gΔ, their number, and the convolution along the axis. */
interface AxisBins {
  lower: number;
  spacing: number;
  /** Number of bin points on the axis. */
  points: number;
  periodic: boolean;
  /** Convolution length: the points plus zero padding of at least the kernel radius on a box. */
  size: number;
  convolver: CircularConvolver | null;
}

function axisBins(domain: Domain, axis: number, bandwidth: number, maxPoints: number): AxisBins {
  const lower = domain.lower[axis];
  const length = domain.length(axis);
  const periodic = domain.kind === 'torus';
  if (bandwidth === 0) return { lower, spacing: length, points: 1, periodic: false, size: 1, convolver: null };
  // A power-of-two number of intervals keeps the FFT sizes powers of two on a torus.
  const intervals = Math.min(nextPowerOfTwo(Math.ceil((BINS_PER_BANDWIDTH * length) / bandwidth)), maxPoints);
  const spacing = length / intervals;
  const points = periodic ? intervals : intervals + 1;
  const radius = Math.ceil((KERNEL_RADIUS * bandwidth) / spacing);
  const size = periodic ? points : nextPowerOfTwo(points + radius);
  const kernel = new Float64Array(size);
  for (let offset = -radius; offset <= radius; offset++) {
    const z = (offset * spacing) / bandwidth;
    kernel[((offset % size) + size) % size] += Math.exp(-0.5 * z * z);
  }
  return { lower, spacing, points, periodic, size, convolver: new CircularConvolver(kernel) };
}

/**
 * Computes the Nadaraya–Watson estimate on bins. Linear binning spreads the
 * counts and the weights onto a regular grid of spacing about h/16. Both
 * are convolved with the Gaussian kernel by FFT along each axis, and the
 * two sums are interpolated linearly back to every point. O(N + G log G)
 * for G bins. On a torus the bins wrap, and the kernel sums all periodic
 * images within 5 bandwidths.
 */
export function binnedKernelRegression(
  points: Float64Array,
  logValues: Float64Array,
  dim: number,
  bandwidth: Float64Array,
  domain: Domain,
  out: Float64Array,
): void {
  const count = logValues.length;
  const weights = new Float64Array(count);
  const shift = shiftedWeights(logValues, weights);
  if (shift === -Infinity) {
    out.fill(-Infinity);
    return;
  }
  const axes = Array.from({ length: dim }, (_, k) => axisBins(domain, k, bandwidth[k], dim === 1 ? MAX_BINS_1D : MAX_BINS_2D));
  const rows = axes[0].size;
  const columns = dim === 2 ? axes[1].size : 1;
  const numerator = new Float64Array(rows * columns);
  const denominator = new Float64Array(rows * columns);

  const corners = new Int32Array(4);
  const cornerWeights = new Float64Array(4);
  for (let i = 0; i < count; i++) {
    const used = binCorners(points, i, dim, axes, corners, cornerWeights);
    for (let c = 0; c < used; c++) {
      numerator[corners[c]] += cornerWeights[c] * weights[i];
      denominator[corners[c]] += cornerWeights[c];
    }
  }

  convolveAxes(numerator, axes, rows, columns);
  convolveAxes(denominator, axes, rows, columns);

  for (let i = 0; i < count; i++) {
    const used = binCorners(points, i, dim, axes, corners, cornerWeights);
    let top = 0;
    let bottom = 0;
    for (let c = 0; c < used; c++) {
      top += cornerWeights[c] * numerator[corners[c]];
      bottom += cornerWeights[c] * denominator[corners[c]];
    }
    // FFT round-off can leave a sum of non-negative terms slightly negative where it is ~0.
    out[i] = Math.log(Math.max(top, 0) / bottom) + shift;
  }
}

/** Flat indices and weights of the bin points around point i (linear interpolation); returns how many. */
function binCorners(
  points: Float64Array,
  i: number,
  dim: number,
  axes: AxisBins[],
  corners: Int32Array,
  cornerWeights: Float64Array,
): number {
  const [low0, high0, fraction0] = bracket(axes[0], points[i * dim]);
  if (dim === 1) {
    corners[0] = low0;
    corners[1] = high0;
    cornerWeights[0] = 1 - fraction0;
    cornerWeights[1] = fraction0;
    return 2;
  }
  const [low1, high1, fraction1] = bracket(axes[1], points[i * dim + 1]);
  const columns = axes[1].size;
  corners[0] = low0 * columns + low1;
  corners[1] = low0 * columns + high1;
  corners[2] = high0 * columns + low1;
  corners[3] = high0 * columns + high1;
  cornerWeights[0] = (1 - fraction0) * (1 - fraction1);
  cornerWeights[1] = (1 - fraction0) * fraction1;
  cornerWeights[2] = fraction0 * (1 - fraction1);
  cornerWeights[3] = fraction0 * fraction1;
  return 4;
}

function bracket(axis: AxisBins, x: number): [number, number, number] {
  if (axis.points === 1) return [0, 0, 0];
  const t = (x - axis.lower) / axis.spacing;
  if (axis.periodic) {
    let low = Math.floor(t) % axis.points;
    if (low < 0) low += axis.points;
    const fraction = t - Math.floor(t);
    return [low, (low + 1) % axis.points, fraction];
  }
  const low = Math.min(Math.max(Math.floor(t), 0), axis.points - 2);
  const fraction = Math.min(Math.max(t - low, 0), 1);
  return [low, low + 1, fraction];
}

/** Convolves a rows × columns array with the kernel of each axis, in place. */
function convolveAxes(values: Float64Array, axes: AxisBins[], rows: number, columns: number): void {
  const first = axes[0].convolver;
  if (first) {
    const line = new Float64Array(rows);
    const result = new Float64Array(rows);
    for (let j = 0; j < columns; j++) {
      for (let i = 0; i < rows; i++) line[i] = values[i * columns + j];
      first.apply(line, result);
      for (let i = 0; i < rows; i++) values[i * columns + j] = result[i];
    }
  }
  const second = axes.length === 2 ? axes[1].convolver : null;
  if (second) {
    const line = new Float64Array(columns);
    const result = new Float64Array(columns);
    for (let i = 0; i < rows; i++) {
      line.set(values.subarray(i * columns, (i + 1) * columns));
      second.apply(line, result);
      values.set(result, i * columns);
    }
  }
}
