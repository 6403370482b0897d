/**
 * The discrete Gaussian mutation operator K_δ ⋆ ρ on cell averages.
 *
 * For piecewise-constant data the exact cell-to-cell transfer along one axis
 * is a symmetric stencil c_k (see `gaussianCellStencil`). The boundary rule
 * decides where the mass that leaves the interval goes: `reflect` folds it
 * back by the method of images, `wrap` folds it around the torus, `clip`
 * puts it into the boundary cell. In 2D the Gaussian has one std per axis
 * and the operator is the tensor product of the two 1D operators.
 *
 * Every operator is a column-stochastic matrix, so mass is conserved to
 * round-off, and it is applied by FFT through fft.ts.
 */
import { erf } from 'mathjs';
import { sum } from './density.js';
import { ConfigError } from './errors.js';
import { CircularConvolver, nextPowerOfTwo } from './fft.js';
import { CellGrid, gaussLegendre } from './grid.js';
import type { GaussianKernel } from './kernel.js';

export interface MutationOperator {
  readonly grid: CellGrid;
  readonly kernel: GaussianKernel;
  /** output = K ⋆ input (cell averages in and out); input and output must be different arrays. */
  apply(input: Float64Array, output: Float64Array): void;
}

/**
 * Truncation radius of the stencil in standard deviations. The dropped
 * entries are at most about φ(9)/φ(0) ≈ 2.6e-18 of the largest.
 */
const TRUNCATION_STDS = 9;

/**
 * Largest one-sided stencil length accepted. Setup time and memory grow
 * like std/h, and at this limit (std ≈ 2.3e5 cell widths) the stencil takes
 * 17 MB and about 1e8 exponentials to build.
 */
const MAX_STENCIL_LENGTH = 2 ** 21;

/** Gauss–Legendre nodes used per stencil entry when std ≥ h. */
const QUADRATURE_POINTS = 24;

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Builds the one-sided stencil c_0, c_1, …, c_K of the Gaussian N(0, std²)
 * on cells of width `spacing` = h, with c_{−k} = c_k.
 *
 * c_k is the exact cell-to-cell transfer for piecewise-constant data,
 *
 *     c_k = (1/h) ∫_{cell i} ∫_{cell j} φ_δ(x − y) dy dx,   i − j = k,
 *         = [Ψ((k+1)h) − 2Ψ(kh) + Ψ((k−1)h)] / h,
 *
 * with φ_δ the N(0, δ²) density and Ψ(x) = x Φ(x/δ) + δ² φ_δ(x) its second
 * antiderivative (Ψ'' = φ_δ, Φ the standard normal CDF). For std < h the
 * second difference of Ψ is evaluated as written. For std ≥ h it cancels
 * badly, and the same integral is computed by Gauss–Legendre instead.
 *
 * The stencil is truncated at K = ⌈9δ/h⌉ + 1, so every dropped entry has
 * its whole support beyond 9δ. The kept entries are then divided by their
 * sum, so that c_0 + 2 Σ_{k≥1} c_k = 1 to round-off. This makes every
 * operator built from the stencil a column-stochastic matrix, and mass is
 * conserved to round-off.
 */
export function gaussianCellStencil(spacing: number, std: number): Float64Array {
  if (!Number.isFinite(spacing) || spacing <= 0) {
    throw new RangeError(`gaussianCellStencil: spacing ${spacing} is invalid; the cell width must be finite and > 0`);
  }
  if (!Number.isFinite(std) || std <= 0) {
    throw new RangeError(`gaussianCellStencil: std ${std} is invalid; the standard deviation must be finite and > 0`);
  }
  const reach = Math.ceil((TRUNCATION_STDS * std) / spacing) + 1;
  if (reach + 1 > MAX_STENCIL_LENGTH) {
    const maxStd = ((MAX_STENCIL_LENGTH - 2) * spacing) / TRUNCATION_STDS;
    throw new RangeError(
      `gaussianCellStencil: std ${std} is ${(std / spacing).toPrecision(3)} cell widths, so the stencil would ` +
        `need ${reach + 1} entries, more than the limit ${MAX_STENCIL_LENGTH}; use std ≤ ${maxStd.toPrecision(3)} ` +
        `or coarser cells`,
    );
  }

  const stencil =
    std < spacing ? stencilFromAntiderivative(spacing, std, reach) : stencilByQuadrature(spacing, std, reach);

  const total = stencil[0] + 2 * sum(stencil.subarray(1));
  for (let k = 0; k <= reach; k++) stencil[k] /= total;
  return stencil;
}

/** Ψ(x) = x Φ(x/δ) + δ² φ_δ(x), called with x ≤ 0 only. */
function gaussianSecondAntiderivative(x: number, std: number): number {
  const t = x / std;
  const cdf = 0.5 * (1 + erf(t / Math.SQRT2));
  return std * (t * cdf + Math.exp(-0.5 * t * t) / SQRT_2PI);
}

/**
 * Evaluates c_k as the second difference of Ψ, for std < h. By symmetry
 * c_k = c_{−k}, whose arguments −(k±1)h are ≤ 0. There Ψ decays to 0 instead
 * of growing like x, so the second difference does not cancel the linear
  * part. Φ comes from mathjs 15 `erf`, which computes erf = 1 − erfc for
 * |x| > 0.47 and so has an absolute (not relative) error of about 1e-16
 * near Φ = 0. Tail entries are therefore accurate to about 1e-16 absolute,
 * and the few that round to below 0 are set to 0.
 */
function stencilFromAntiderivative(h: number, std: number, reach: number): Float64Array {
  const psi = new Float64Array(reach + 2);
  for (let m = 0; m <= reach + 1; m++) psi[m] = gaussianSecondAntiderivative(-m * h, std);

  const stencil = new Float64Array(reach + 1);
  // Ψ(h) = h + Ψ(−h), because Ψ(x) − Ψ(−x) = x.
  stencil[0] = 1 - (2 * (psi[0] - psi[1])) / h;
  for (let k = 1; k <= reach; k++) {
    stencil[k] = Math.max(0, (psi[k - 1] - 2 * psi[k] + psi[k + 1]) / h);
  }
  return stencil;
}

/**
 * Evaluates c_k for std ≥ h as the equivalent integral
 *
 *     c_k = (1/h) ∫_{−h}^{h} (h − |s|) φ_δ(kh + s) ds
 *         = h ∫_0^1 (1 − u) [φ_δ(h(k + u)) + φ_δ(h(k − u))] du
 *
 * by Gauss–Legendre. The second difference of Ψ loses about (δ/h)² in
 * relative precision when δ ≫ h, because Ψ ~ δ while c_k ~ h/δ. Against
 * 50-digit mpmath values it was off by up to 2e-13 of c_0 at δ = 30h and
 * 3e-11 of c_0 at δ = 300h. Here the integrand is positive and smooth on the
 * scale of h (its exponent changes by at most (h/δ)²(k + 1) ≤ 11 across
 * [0, 1]). With 24 nodes every entry, down to 1e-21, was within 5e-15
 * relative in the same comparison, which is the conditioning of
 * exp(−x²/2) near x = 9.
 */
function stencilByQuadrature(h: number, std: number, reach: number): Float64Array {
  const rule = gaussLegendre(QUADRATURE_POINTS);
  const offsets = new Float64Array(QUADRATURE_POINTS);
  const weights = new Float64Array(QUADRATURE_POINTS);
  for (let q = 0; q < QUADRATURE_POINTS; q++) {
    const u = 0.5 * (1 + rule.nodes[q]);
    offsets[q] = u;
    weights[q] = 0.5 * rule.weights[q] * (1 - u);
  }

  const scale = h / std;
  const stencil = new Float64Array(reach + 1);
  for (let k = 0; k <= reach; k++) {
    let s = 0;
    for (let q = 0; q < QUADRATURE_POINTS; q++) {
      const right = scale * (k + offsets[q]);
      const left = scale * (k - offsets[q]);
      s += weights[q] * (Math.exp(-0.5 * right * right) + Math.exp(-0.5 * left * left));
    }
    stencil[k] = (scale * s) / SQRT_2PI;
  }
  return stencil;
}

/**
 * Folds the symmetric stencil modulo `period`: entry m is Σ c_k over all
 * k ≡ m (mod period), |k| ≤ K. Each entry is a compensated sum, because wide
 * kernels add many terms into every entry.
 */
function foldStencil(stencil: Float64Array, period: number): Float64Array {
  const folded = new Float64Array(period);
  const compensation = new Float64Array(period);
  const reach = stencil.length - 1;
  for (let k = -reach; k <= reach; k++) {
    const index = ((k % period) + period) % period;
    const value = stencil[Math.abs(k)];
    const s = folded[index];
    const t = s + value;
    compensation[index] += Math.abs(s) >= Math.abs(value) ? s - t + value : value - t + s;
    folded[index] = t;
  }
  for (let m = 0; m < period; m++) folded[m] += compensation[m];
  return folded;
}

/** The 1D operator on one line of n cells. Input and output have length n. */
interface LineOperator {
  apply(input: Float64Array, output: Float64Array): void;
}

/** Torus: circular convolution of length n with the stencil folded mod n. */
class WrapLine implements LineOperator {
  private readonly convolver: CircularConvolver;

  constructor(cells: number, stencil: Float64Array) {
    this.convolver = new CircularConvolver(foldStencil(stencil, cells));
  }

  apply(input: Float64Array, output: Float64Array): void {
    this.convolver.apply(input, output);
  }
}

/**
 * Box with reflection, by the method of images. The law of R(y + δξ) is the
 * Gaussian summed over the images y + 2mL and 2a − y + 2mL of the source
 * (L = b − a, m ∈ Z). Reflection maps cells onto cells, so on cell averages
 * this is the circular convolution of the even extension
 * (ρ_0, …, ρ_{n−1}, ρ_{n−1}, …, ρ_0), of period 2n, with the stencil folded
 * mod 2n. The first n entries of the result are the reflected operator.
 */
class ReflectLine implements LineOperator {
  private readonly cells: number;
  private readonly convolver: CircularConvolver;
  private readonly extended: Float64Array;
  private readonly extendedOutput: Float64Array;

  constructor(cells: number, stencil: Float64Array) {
    this.cells = cells;
    this.convolver = new CircularConvolver(foldStencil(stencil, 2 * cells));
    this.extended = new Float64Array(2 * cells);
    this.extendedOutput = new Float64Array(2 * cells);
  }

  apply(input: Float64Array, output: Float64Array): void {
    const n = this.cells;
    const extended = this.extended;
    for (let j = 0; j < n; j++) {
      extended[j] = input[j];
      extended[2 * n - 1 - j] = input[j];
    }
    this.convolver.apply(extended, this.extendedOutput);
    for (let i = 0; i < n; i++) output[i] = this.extendedOutput[i];
  }
}

/**
 * Box with clipping: out_i = Σ_j c_{i−j} ρ_j over the cells, plus all mass
 * that lands left of cell 0 added to cell 0 and all mass right of cell n−1
 * added to cell n−1. The sum over cells is a linear convolution, done as a
 * circular one of power-of-two length P ≥ n + K′ (K′ = min(K, n−1)) on the
 * zero-padded input, so no wrapped term reaches the first n outputs. From a
 * source in cell j the mass left of cell 0 is Σ_{k≥j+1} c_k and the mass
 * right of cell n−1 is Σ_{k≥n−j} c_k, read from the tail sums of the stencil.
 */
class ClipLine implements LineOperator {
  private readonly cells: number;
  private readonly convolver: CircularConvolver;
  private readonly padded: Float64Array;
  private readonly paddedOutput: Float64Array;
  /** upperTail[m] = Σ_{k≥m} c_k for m = 0 … K, and 0 at m = K + 1. */
  private readonly upperTail: Float64Array;

  constructor(cells: number, stencil: Float64Array) {
    const reach = stencil.length - 1;
    // Offsets beyond n − 1 never connect two cells, so they enter through the tails only.
    const interiorReach = Math.min(reach, cells - 1);
    const paddedSize = nextPowerOfTwo(cells + interiorReach);
    const placed = new Float64Array(paddedSize);
    for (let k = -interiorReach; k <= interiorReach; k++) placed[(k + paddedSize) % paddedSize] = stencil[Math.abs(k)];

    this.cells = cells;
    this.convolver = new CircularConvolver(placed);
    // `apply` writes only the first n entries, so the padding stays zero.
    this.padded = new Float64Array(paddedSize);
    this.paddedOutput = new Float64Array(paddedSize);
    this.upperTail = new Float64Array(reach + 2);
    for (let m = reach; m >= 0; m--) this.upperTail[m] = this.upperTail[m + 1] + stencil[m];
  }

  apply(input: Float64Array, output: Float64Array): void {
    const n = this.cells;
    const reach = this.upperTail.length - 2;
    for (let j = 0; j < n; j++) this.padded[j] = input[j];
    this.convolver.apply(this.padded, this.paddedOutput);
    for (let i = 0; i < n; i++) output[i] = this.paddedOutput[i];

    let leftExit = 0;
    for (let j = 0; j < Math.min(n, reach); j++) leftExit += input[j] * this.upperTail[j + 1];
    let rightExit = 0;
    for (let j = Math.max(0, n - reach); j < n; j++) rightExit += input[j] * this.upperTail[n - j];
    output[0] += leftExit;
    output[n - 1] += rightExit;
  }
}

/**
 * Checks that the kernel fits the grid: a positive finite std per axis, and
 * a boundary rule that exists on the domain (`wrap` on a torus, `reflect` or
 * `clip` on a box). Throws a ConfigError naming the field otherwise.
 */
function validateKernel(grid: CellGrid, kernel: GaussianKernel): void {
  if (kernel.kind !== 'gaussian') {
    throw new ConfigError('kernel.kind', `kind '${String(kernel.kind)}' is invalid here; expected 'gaussian'`);
  }
  if (!Array.isArray(kernel.std) || kernel.std.length !== grid.dim) {
    const count = Array.isArray(kernel.std) ? kernel.std.length : 'no';
    throw new ConfigError(
      'kernel.std',
      `${count} standard deviations given for a ${grid.dim}D grid; give one per axis`,
    );
  }
  kernel.std.forEach((std, axis) => {
    if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) {
      throw new ConfigError('kernel.std', `std[${axis}] = ${std} is invalid; a standard deviation must be finite and > 0`);
    }
  });

  const domain = grid.domain;
  const boundary = kernel.boundary;
  if (boundary === 'wrap' && domain.kind !== 'torus') {
    throw new ConfigError(
      'kernel.boundary',
      `boundary 'wrap' is invalid on the ${domain.describe()}, because wrapping needs a torus; ` +
        `use 'reflect' or 'clip', or make the domain a torus`,
    );
  }
  if ((boundary === 'reflect' || boundary === 'clip') && domain.kind !== 'box') {
    throw new ConfigError(
      'kernel.boundary',
      `boundary '${boundary}' is invalid on the ${domain.describe()}, because a torus has no faces; ` +
        `use 'wrap', or make the domain a box`,
    );
  }
  if (boundary !== 'wrap' && boundary !== 'reflect' && boundary !== 'clip') {
    throw new ConfigError('kernel.boundary', `boundary '${String(boundary)}' is unknown; use 'reflect', 'clip' or 'wrap'`);
  }
}

function makeLineOperator(cells: number, spacing: number, std: number, boundary: GaussianKernel['boundary']): LineOperator {
  const stencil = gaussianCellStencil(spacing, std);
  if (boundary === 'wrap') return new WrapLine(cells, stencil);
  if (boundary === 'reflect') return new ReflectLine(cells, stencil);
  return new ClipLine(cells, stencil);
}

function checkApplyArguments(grid: CellGrid, input: Float64Array, output: Float64Array): void {
  if (input.length !== grid.size || output.length !== grid.size) {
    throw new RangeError(
      `mutation: input and output must have length ${grid.size} (the number of cells), got ${input.length} and ${output.length}`,
    );
  }
  const overlaps =
    input.buffer === output.buffer &&
    input.byteOffset < output.byteOffset + output.byteLength &&
    output.byteOffset < input.byteOffset + input.byteLength;
  if (overlaps) {
    throw new RangeError('mutation: input and output overlap; pass a separate output array');
  }
}

/**
 * Builds the mutation operator K ⋆ ρ for a Gaussian kernel on a 1D or 2D
 * grid. FFT plans, stencils and work buffers are allocated here, so `apply`
 * allocates nothing.
 *
 * The FFT result is non-negative only up to round-off. In cells where the
 * exact value is tiny next to the maximum (far tails, or cells the kernel
 * barely reaches), an output can be negative by about 1e-16 × max(output),
 * even for non-negative input.
 */
export function makeMutationOperator(grid: CellGrid, kernel: GaussianKernel): MutationOperator {
  validateKernel(grid, kernel);
  const kernelCopy: GaussianKernel = { kind: 'gaussian', std: [...kernel.std], boundary: kernel.boundary };
  const lines = grid.shape.map((cells, axis) =>
    makeLineOperator(cells, grid.spacing[axis], kernelCopy.std[axis], kernelCopy.boundary),
  );

  if (grid.dim === 1) {
    const line = lines[0];
    return {
      grid,
      kernel: kernelCopy,
      apply(input: Float64Array, output: Float64Array): void {
        checkApplyArguments(grid, input, output);
        line.apply(input, output);
      },
    };
  }
  return new SeparableMutation(grid, kernelCopy, lines[0], lines[1]);
}

/**
 * The 2D operator K₀ ⊗ K₁: the 1D operator along axis 1 on every row
 * (contiguous in row-major order), then along axis 0 on every column.
 */
class SeparableMutation implements MutationOperator {
  readonly grid: CellGrid;
  readonly kernel: GaussianKernel;
  private readonly columnOperator: LineOperator;
  private readonly rowOperator: LineOperator;
  private readonly intermediate: Float64Array;
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly columnIn: Float64Array;
  private readonly columnOut: Float64Array;

  constructor(grid: CellGrid, kernel: GaussianKernel, columnOperator: LineOperator, rowOperator: LineOperator) {
    this.grid = grid;
    this.kernel = kernel;
    this.columnOperator = columnOperator;
    this.rowOperator = rowOperator;
    const [rows, columns] = grid.shape;
    this.intermediate = new Float64Array(grid.size);
    this.rowIn = new Float64Array(columns);
    this.rowOut = new Float64Array(columns);
    this.columnIn = new Float64Array(rows);
    this.columnOut = new Float64Array(rows);
  }

  apply(input: Float64Array, output: Float64Array): void {
    checkApplyArguments(this.grid, input, output);
    const [rows, columns] = this.grid.shape;

    for (let i = 0; i < rows; i++) {
      const start = i * columns;
      for (let j = 0; j < columns; j++) this.rowIn[j] = input[start + j];
      this.rowOperator.apply(this.rowIn, this.rowOut);
      for (let j = 0; j < columns; j++) this.intermediate[start + j] = this.rowOut[j];
    }

    for (let j = 0; j < columns; j++) {
      for (let i = 0; i < rows; i++) this.columnIn[i] = this.intermediate[i * columns + j];
      this.columnOperator.apply(this.columnIn, this.columnOut);
      for (let i = 0; i < rows; i++) output[i * columns + j] = this.columnOut[i];
    }
  }
}

/**
 * Builds the dense n × n matrix M of the 1D operator, row-major
 * (M[i·n + j] is the transfer from cell j to cell i, so output = M · input).
 * It is assembled directly from the stencil by moving each offset j + k back
 * into [0, n): reflected for `reflect`, taken mod n for `wrap`, clamped for
 * `clip`. Every column sums to 1. This costs O(n² + nK) and is meant for
 * tests and small n.
 */
export function mutationMatrix(grid: CellGrid, kernel: GaussianKernel): Float64Array {
  validateKernel(grid, kernel);
  if (grid.dim !== 1) {
    throw new RangeError(
      `mutationMatrix: the grid is ${grid.dim}D, but the dense matrix is built for 1D grids only; ` +
        `the 2D operator is the Kronecker product of the 1D matrices of its axes`,
    );
  }
  const n = grid.shape[0];
  const stencil = gaussianCellStencil(grid.spacing[0], kernel.std[0]);
  const reach = stencil.length - 1;
  const matrix = new Float64Array(n * n);
  // Wide kernels fold many entries onto each cell, so each column is
  // accumulated with Neumaier compensation.
  const column = new Float64Array(n);
  const compensation = new Float64Array(n);

  for (let j = 0; j < n; j++) {
    column.fill(0);
    compensation.fill(0);
    for (let k = -reach; k <= reach; k++) {
      const target = foldIndex(j + k, n, kernel.boundary);
      const value = stencil[Math.abs(k)];
      const s = column[target];
      const t = s + value;
      compensation[target] += Math.abs(s) >= Math.abs(value) ? s - t + value : value - t + s;
      column[target] = t;
    }
    for (let i = 0; i < n; i++) matrix[i * n + j] = column[i] + compensation[i];
  }
  return matrix;
}

/** Maps a cell index on the infinite line into [0, n) by the boundary rule. */
function foldIndex(index: number, n: number, boundary: GaussianKernel['boundary']): number {
  if (boundary === 'wrap') return ((index % n) + n) % n;
  if (boundary === 'clip') return Math.min(n - 1, Math.max(0, index));
  // Reflection at both faces has period 2n, and the second half of each
  // period is the mirror image of the first.
  const r = ((index % (2 * n)) + 2 * n) % (2 * n);
  return r < n ? r : 2 * n - 1 - r;
}
