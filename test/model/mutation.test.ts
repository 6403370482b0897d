import { erf } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { Box, Torus, type Domain } from '../../src/model/domain.js';
import { sum } from '../../src/model/density.js';
import { ConfigError } from '../../src/model/errors.js';
import { CellGrid, gaussLegendre } from '../../src/model/grid.js';
import type { GaussianKernel, KernelBoundary } from '../../src/model/kernel.js';
import { gaussianCellStencil, makeMutationOperator, mutationMatrix } from '../../src/model/mutation.js';

// Tolerances, all relative to the largest value compared unless stated.
// The measured maxima over the cases below are given for each.
// FFT operator against the dense matrix: 1.7e-15.
const MATRIX_TOLERANCE = 1e-14;
// Column sums and mass, relative to the input mass: 6.7e-16.
const MASS_TOLERANCE = 1e-14;
// Laws computed independently by quadrature: 6.1e-15.
const LAW_TOLERANCE = 1e-13;
// Negative round-off of the FFT in cells where the exact output is tiny: 2.7e-16.
const NEGATIVITY_TOLERANCE = 1e-15;

const SQRT_2PI = Math.sqrt(2 * Math.PI);

function gaussianKernel(std: number[], boundary: KernelBoundary): GaussianKernel {
  return { kind: 'gaussian', std, boundary };
}

function domainFor(boundary: KernelBoundary, lower: number[], upper: number[]): Domain {
  return boundary === 'wrap' ? new Torus(lower, upper) : new Box(lower, upper);
}

/** Deterministic pseudo-random values in [0, 1) (a 32-bit LCG), so failures reproduce. */
function randomVector(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32;
  }
  return out;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function total(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function multiply(matrix: Float64Array, x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += matrix[i * n + j] * x[j];
    out[i] = s;
  }
  return out;
}

function standardNormalCdf(t: number): number {
  return 0.5 * (1 + erf(t / Math.SQRT2));
}

/** Gauss–Legendre integral of f over [lower, upper] split into `pieces` equal parts. */
function integrate(f: (x: number) => number, lower: number, upper: number, pieces: number, points = 16): number {
  const rule = gaussLegendre(points);
  const width = (upper - lower) / pieces;
  let s = 0;
  for (let p = 0; p < pieces; p++) {
    const centre = lower + (p + 0.5) * width;
    for (let q = 0; q < points; q++) s += 0.5 * width * rule.weights[q] * f(centre + 0.5 * width * rule.nodes[q]);
  }
  return s;
}

/** The particle rule's reflection: folds x into [a, b] by reflecting at both faces. */
function reflectIntoBox(x: number, a: number, b: number): number {
  const length = b - a;
  let r = (x - a) % (2 * length);
  if (r < 0) r += 2 * length;
  return r <= length ? a + r : a + 2 * length - r;
}

/**
 * Law of R(y + δξ) for y uniform in cell `source`, as cell masses. The line
 * is cut at every point that R maps onto a face, so each piece maps onto one
 * whole cell, found by applying R to the piece's midpoint. The Gaussian
 * probability of each piece and the average over y are both Gauss–Legendre
 * integrals, on parts no wider than δ/2.
 */
function reflectedLawByQuadrature(grid: CellGrid, std: number, source: number): Float64Array {
  const n = grid.shape[0];
  const h = grid.spacing[0];
  const a = grid.domain.lower[0];
  const b = grid.domain.upper[0];
  const law = new Float64Array(n);
  const parts = Math.max(1, Math.ceil((2 * h) / std));

  const sourceLower = a + source * h;
  const firstPiece = Math.floor((sourceLower - 12 * std) / h - a / h) - 1;
  const lastPiece = Math.ceil((sourceLower + h + 12 * std) / h - a / h) + 1;
  for (let p = firstPiece; p <= lastPiece; p++) {
    const lower = a + p * h;
    const upper = lower + h;
    const target = Math.min(n - 1, Math.floor((reflectIntoBox(lower + 0.5 * h, a, b) - a) / h));
    const mass = integrate(
      (y) => integrate((z) => Math.exp(-0.5 * ((z - y) / std) ** 2) / (std * SQRT_2PI), lower, upper, parts, 12),
      sourceLower,
      sourceLower + h,
      parts,
      12,
    );
    law[target] += mass / h;
  }
  return law;
}

/** Output of the operator, as cell masses, for unit mass in cell `source`. */
function cellMassesFromSource(grid: CellGrid, kernel: GaussianKernel, source: number): Float64Array {
  const n = grid.shape[0];
  const h = grid.spacing[0];
  const input = new Float64Array(n);
  input[source] = 1 / h;
  const output = new Float64Array(n);
  makeMutationOperator(grid, kernel).apply(input, output);
  return output.map((v) => v * h);
}

interface LineCase {
  label: string;
  cells: number;
  /** std in units of the domain length L = 3 (box [−1, 2]). */
  stdOverLength: number;
}

// Narrow: δ < h. Wide: δ > L. Odd and even cell counts of each.
const LINE_CASES: LineCase[] = [
  { label: 'narrow, odd n', cells: 7, stdOverLength: 0.3 / 7 },
  { label: 'narrow, even n', cells: 16, stdOverLength: 0.05 / 16 },
  { label: 'medium, odd n', cells: 33, stdOverLength: 0.08 },
  { label: 'medium, even n', cells: 64, stdOverLength: 0.02 },
  { label: 'wide, odd n', cells: 33, stdOverLength: 1.5 },
  { label: 'wide, even n', cells: 40, stdOverLength: 4 },
];

const BOUNDARIES: KernelBoundary[] = ['reflect', 'wrap', 'clip'];

describe('gaussianCellStencil', () => {
  // c_k = [Ψ((k+1)h) − 2Ψ(kh) + Ψ((k−1)h)]/h evaluated with mpmath at 50
  // digits, h = 1, keyed by δ then k. Measured errors: 3.9e-16 of c_0, and
  // 5.0e-15 relative for δ ≥ h.
  const REFERENCE: Record<string, Record<number, number>> = {
    '0.3': { 0: 0.7607018784905214, 1: 0.11961543738961367, 2: 3.362336456079198e-5, 3: 5.648511899500277e-13 },
    '1': {
      0: 0.36874638037250723,
      1: 0.24080204184288972,
      2: 0.06671621967107474,
      5: 7.038491478708608e-6,
      9: 7.547812928330414e-17,
    },
    '3': { 0: 0.13176300338583563, 3: 0.0806514630716024, 14: 2.989735672388961e-6, 27: 6.789803636075508e-19 },
    '30': { 0: 0.013296844846844427, 67: 0.0010986692104703868, 135: 5.337415543484793e-7, 270: 3.452044871986257e-20 },
    '300': {
      0: 0.0013298063700361426,
      1: 0.0013297989822571782,
      1350: 5.328008667963039e-8,
      2700: 3.426845019268335e-21,
    },
  };

  it('matches high-precision reference values', () => {
    for (const [stdText, entries] of Object.entries(REFERENCE)) {
      const std = Number(stdText);
      const stencil = gaussianCellStencil(1, std);
      const peak = entries[0];
      for (const [kText, expected] of Object.entries(entries)) {
        const k = Number(kText);
        const error = Math.abs(stencil[k] - expected);
        expect(error / peak, `δ = ${std}, k = ${k}, relative to c_0`).toBeLessThan(1e-15);
        // For δ ≥ h every entry is evaluated to full relative precision.
        if (std >= 1) expect(error / expected, `δ = ${std}, k = ${k}, relative`).toBeLessThan(1e-14);
      }
    }
  });

  it('sums to one and truncates beyond 9δ', () => {
    for (const std of [0.01, 0.3, 1, 7.5, 120]) {
      const stencil = gaussianCellStencil(1, std);
      expect(stencil.length).toBe(Math.ceil(9 * std) + 2);
      const stencilSum = stencil[0] + 2 * sum(stencil.subarray(1));
      expect(Math.abs(stencilSum - 1), `δ = ${std}`).toBeLessThan(1e-15);
      expect(Math.min(...stencil), `δ = ${std}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects invalid std and spacing', () => {
    expect(() => gaussianCellStencil(1, 0)).toThrow(/std 0 is invalid/);
    expect(() => gaussianCellStencil(1, Number.NaN)).toThrow(/std NaN is invalid/);
    expect(() => gaussianCellStencil(-1, 1)).toThrow(/spacing -1 is invalid/);
    expect(() => gaussianCellStencil(1, 1e6)).toThrow(/more than the limit/);
  });
});

describe('mutation operator in 1D', () => {
  it('equals the dense matrix column by column', () => {
    for (const boundary of BOUNDARIES) {
      for (const { label, cells, stdOverLength } of LINE_CASES) {
        const grid = new CellGrid(domainFor(boundary, [-1], [2]), cells);
        const kernel = gaussianKernel([3 * stdOverLength], boundary);
        const operator = makeMutationOperator(grid, kernel);
        const matrix = mutationMatrix(grid, kernel);
        const unit = new Float64Array(cells);
        const column = new Float64Array(cells);
        const output = new Float64Array(cells);
        for (let j = 0; j < cells; j++) {
          unit.fill(0);
          unit[j] = 1;
          operator.apply(unit, output);
          for (let i = 0; i < cells; i++) column[i] = matrix[i * cells + j];
          expect(maxDifference(output, column) / maxAbs(column), `${boundary}, ${label}, column ${j}`).toBeLessThan(
            MATRIX_TOLERANCE,
          );
        }
      }
    }
  });

  it('equals the dense matrix on random input', () => {
    for (const boundary of BOUNDARIES) {
      for (const { label, cells, stdOverLength } of LINE_CASES) {
        const grid = new CellGrid(domainFor(boundary, [-1], [2]), cells);
        const kernel = gaussianKernel([3 * stdOverLength], boundary);
        const input = randomVector(cells, cells);
        const output = new Float64Array(cells);
        makeMutationOperator(grid, kernel).apply(input, output);
        const expected = multiply(mutationMatrix(grid, kernel), input);
        expect(maxDifference(output, expected) / maxAbs(expected), `${boundary}, ${label}`).toBeLessThan(
          MATRIX_TOLERANCE,
        );
      }
    }
  });

  it('has column sums equal to one', () => {
    for (const boundary of BOUNDARIES) {
      for (const { label, cells, stdOverLength } of LINE_CASES) {
        const grid = new CellGrid(domainFor(boundary, [-1], [2]), cells);
        const matrix = mutationMatrix(grid, gaussianKernel([3 * stdOverLength], boundary));
        for (let j = 0; j < cells; j++) {
          let s = 0;
          for (let i = 0; i < cells; i++) s += matrix[i * cells + j];
          expect(Math.abs(s - 1), `${boundary}, ${label}, column ${j}`).toBeLessThan(MASS_TOLERANCE);
        }
      }
    }
  });

  it('conserves mass', () => {
    for (const boundary of BOUNDARIES) {
      for (const { label, cells, stdOverLength } of LINE_CASES) {
        const grid = new CellGrid(domainFor(boundary, [-1], [2]), cells);
        const operator = makeMutationOperator(grid, gaussianKernel([3 * stdOverLength], boundary));
        const input = randomVector(cells, 7 * cells);
        const output = new Float64Array(cells);
        operator.apply(input, output);
        const inputMass = total(input);
        expect(Math.abs(total(output) - inputMass) / inputMass, `${boundary}, ${label}`).toBeLessThan(
          MASS_TOLERANCE,
        );
      }
    }
  });

  it('reflect matches the law of R(y + δξ)', () => {
    for (const { label, cells, stdOverLength } of LINE_CASES) {
      const grid = new CellGrid(new Box([-1], [2]), cells);
      const std = 3 * stdOverLength;
      const kernel = gaussianKernel([std], 'reflect');
      for (const source of [0, 1, Math.floor(cells / 2), cells - 1]) {
        const computed = cellMassesFromSource(grid, kernel, source);
        const expected = reflectedLawByQuadrature(grid, std, source);
        expect(maxDifference(computed, expected) / maxAbs(expected), `${label}, source ${source}`).toBeLessThan(
          LAW_TOLERANCE,
        );
      }
    }
  });

  it('reflect differs from a renormalised truncated Gaussian', () => {
    // Dividing each column of the truncated Gaussian by its mass also keeps
    // mass, but near a face it spreads the lost mass over all cells, where
    // reflection returns it next to the face.
    const cells = 20;
    const grid = new CellGrid(new Box([0], [1]), cells);
    const std = 0.1;
    const computed = cellMassesFromSource(grid, gaussianKernel([std], 'reflect'), 0);
    const h = grid.spacing[0];
    const truncated = new Float64Array(cells);
    for (let i = 0; i < cells; i++) {
      truncated[i] =
        integrate(
          (y) => standardNormalCdf((i * h + h - y) / std) - standardNormalCdf((i * h - y) / std),
          0,
          h,
          4,
        ) / h;
    }
    const renormalised = truncated.map((v) => v / total(truncated));
    expect(computed[0] - renormalised[0]).toBeGreaterThan(0.01);
  });

  it('clip puts the Gaussian tails into the boundary cells', () => {
    for (const { label, cells, stdOverLength } of LINE_CASES) {
      const grid = new CellGrid(new Box([-1], [2]), cells);
      const h = grid.spacing[0];
      const [a, b] = [grid.domain.lower[0], grid.domain.upper[0]];
      const std = 3 * stdOverLength;
      const parts = Math.max(4, Math.ceil((4 * h) / std));
      for (const source of [0, 1, Math.floor(cells / 2), cells - 1]) {
        const computed = cellMassesFromSource(grid, gaussianKernel([std], 'clip'), source);
        const sourceLower = a + source * h;
        const averageOverSource = (f: (y: number) => number) => integrate(f, sourceLower, sourceLower + h, parts) / h;

        // Mass that leaves through each face, Φ((a − y)/δ) and Φ((y − b)/δ).
        const leftTail = averageOverSource((y) => standardNormalCdf((a - y) / std));
        const rightTail = averageOverSource((y) => standardNormalCdf((y - b) / std));
        // Mass that lands inside each boundary cell.
        const insideFirst = averageOverSource(
          (y) => standardNormalCdf((a + h - y) / std) - standardNormalCdf((a - y) / std),
        );
        const insideLast = averageOverSource(
          (y) => standardNormalCdf((b - y) / std) - standardNormalCdf((b - h - y) / std),
        );

        expect(Math.abs(computed[0] - (leftTail + insideFirst)), `${label}, source ${source}, first cell`).toBeLessThan(
          LAW_TOLERANCE,
        );
        expect(
          Math.abs(computed[cells - 1] - (rightTail + insideLast)),
          `${label}, source ${source}, last cell`,
        ).toBeLessThan(LAW_TOLERANCE);
      }
    }
  });

  it('stays non-negative up to round-off', () => {
    for (const boundary of BOUNDARIES) {
      for (const cells of [64, 257]) {
        for (const std of [0.002, 0.05, 0.5, 5]) {
          const grid = new CellGrid(domainFor(boundary, [0], [1]), cells);
          const operator = makeMutationOperator(grid, gaussianKernel([std], boundary));
          const output = new Float64Array(cells);
          // A spike in a corner and a spike on a smooth background, whose
          // outputs span many orders of magnitude.
          const spike = new Float64Array(cells);
          spike[0] = 1;
          const background = randomVector(cells, cells).map((v) => 1e-12 * v);
          background[cells >> 1] = 1;
          for (const input of [spike, background]) {
            operator.apply(input, output);
            const label = `${boundary}, n = ${cells}, δ = ${std}`;
            expect(Math.min(...output), label).toBeGreaterThanOrEqual(-NEGATIVITY_TOLERANCE * maxAbs(output));
          }
        }
      }
    }
  });
});

describe('mutation operator in 2D', () => {
  function kronecker(first: Float64Array, second: Float64Array, n0: number, n1: number): Float64Array {
    const size = n0 * n1;
    const out = new Float64Array(size * size);
    for (let i = 0; i < n0; i++)
      for (let j = 0; j < n1; j++)
        for (let p = 0; p < n0; p++)
          for (let q = 0; q < n1; q++) out[(i * n1 + j) * size + p * n1 + q] = first[i * n0 + p] * second[j * n1 + q];
    return out;
  }

  it('equals the Kronecker product of the 1D matrices', () => {
    const cases: { shape: [number, number]; std: [number, number] }[] = [
      { shape: [7, 10], std: [0.05, 0.6] },
      { shape: [12, 5], std: [4, 0.02] },
    ];
    for (const boundary of BOUNDARIES) {
      for (const { shape, std } of cases) {
        const [n0, n1] = shape;
        const grid = new CellGrid(domainFor(boundary, [-1, 0], [1, 3]), shape);
        const operator = makeMutationOperator(grid, gaussianKernel(std, boundary));
        const axis0 = new CellGrid(domainFor(boundary, [-1], [1]), n0);
        const axis1 = new CellGrid(domainFor(boundary, [0], [3]), n1);
        const expectedMatrix = kronecker(
          mutationMatrix(axis0, gaussianKernel([std[0]], boundary)),
          mutationMatrix(axis1, gaussianKernel([std[1]], boundary)),
          n0,
          n1,
        );
        const input = randomVector(grid.size, n0 * n1);
        const output = new Float64Array(grid.size);
        operator.apply(input, output);
        const expected = multiply(expectedMatrix, input);
        const label = `${boundary}, ${n0}×${n1}`;
        expect(maxDifference(output, expected) / maxAbs(expected), label).toBeLessThan(MATRIX_TOLERANCE);
        expect(Math.abs(total(output) - total(input)) / total(input), `${label}, mass`).toBeLessThan(MASS_TOLERANCE);
      }
    }
  });
});

describe('makeMutationOperator', () => {
  const box = new CellGrid(new Box([0], [1]), 8);
  const torus = new CellGrid(new Torus([0], [1]), 8);

  it('rejects wrap on a box', () => {
    expect(() => makeMutationOperator(box, gaussianKernel([0.1], 'wrap'))).toThrow(ConfigError);
    expect(() => makeMutationOperator(box, gaussianKernel([0.1], 'wrap'))).toThrow(
      /boundary 'wrap' is invalid on the box \[0, 1\]/,
    );
  });

  it('rejects reflect and clip on a torus', () => {
    expect(() => makeMutationOperator(torus, gaussianKernel([0.1], 'reflect'))).toThrow(
      /boundary 'reflect' is invalid on the torus \[0, 1\]/,
    );
    expect(() => makeMutationOperator(torus, gaussianKernel([0.1], 'clip'))).toThrow(
      /boundary 'clip' is invalid on the torus \[0, 1\]/,
    );
  });

  it('rejects invalid standard deviations', () => {
    for (const std of [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => makeMutationOperator(box, gaussianKernel([std], 'reflect')), `std ${std}`).toThrow(
        /std\[0\] = .* is invalid/,
      );
    }
    expect(() => makeMutationOperator(box, gaussianKernel([0.1, 0.1], 'reflect'))).toThrow(
      /2 standard deviations given for a 1D grid/,
    );
  });

  it('rejects aliased or mis-sized arrays', () => {
    const operator = makeMutationOperator(box, gaussianKernel([0.1], 'reflect'));
    const values = new Float64Array(8);
    expect(() => operator.apply(values, values)).toThrow(/overlap/);
    expect(() => operator.apply(values, new Float64Array(7))).toThrow(/must have length 8/);
  });

  it('keeps its own copy of the kernel', () => {
    const kernel = gaussianKernel([0.1], 'reflect');
    const operator = makeMutationOperator(box, kernel);
    kernel.std[0] = 0.5;
    expect(operator.kernel.std[0]).toBe(0.1);
  });

  it('rejects a 2D grid in mutationMatrix', () => {
    const grid = new CellGrid(new Box([0, 0], [1, 1]), 4);
    expect(() => mutationMatrix(grid, gaussianKernel([0.1, 0.1], 'reflect'))).toThrow(/1D grids only/);
  });
});
