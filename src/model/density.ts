import { Box, Torus } from './domain.js';
import { CellGrid } from './grid.js';

/**
 * A density on a CellGrid, stored as cell averages. Moments and the CDF are
 * those of the piecewise-constant reconstruction, so a cell of width h
 * contributes its h²/12 to the variance, and the CDF is piecewise linear.
 */
export class Density {
  readonly grid: CellGrid;
  readonly values: Float64Array;

  constructor(grid: CellGrid, values?: Float64Array) {
    if (values && values.length !== grid.size) {
      throw new RangeError(`density: ${values.length} values given for a grid of ${grid.size} cells`);
    }
    this.grid = grid;
    this.values = values ?? new Float64Array(grid.size);
  }

  /** Cell averages of f (Gauss–Legendre, `points` nodes per axis). */
  static fromFunction(grid: CellGrid, f: (point: readonly number[]) => number, points = 4): Density {
    return new Density(grid, grid.cellAverages(f, points));
  }

  clone(): Density {
    return new Density(this.grid, Float64Array.from(this.values));
  }

  /** ∫ρ. */
  mass(): number {
    return sum(this.values) * this.grid.cellVolume;
  }

  min(): number {
    let m = Infinity;
    for (let i = 0; i < this.values.length; i++) if (this.values[i] < m) m = this.values[i];
    return m;
  }

  max(): number {
    let m = -Infinity;
    for (let i = 0; i < this.values.length; i++) if (this.values[i] > m) m = this.values[i];
    return m;
  }

  /** Mean E_ρ[λ] of the normalised density, one entry per axis. */
  mean(): number[] {
    const [x, y] = this.grid.centreCoordinates();
    const m = sum(this.values);
    const out = [dot(this.values, x) / m];
    if (y) out.push(dot(this.values, y) / m);
    return out;
  }

  /** Covariance matrix of the normalised density (dim × dim). */
  covariance(): number[][] {
    const coords = this.grid.centreCoordinates();
    const m = sum(this.values);
    const mu = coords.map((c) => dot(this.values, c) / m);
    const dim = coords.length;
    const cov: number[][] = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        let s = 0;
        const ca = coords[a];
        const cb = coords[b];
        for (let i = 0; i < this.values.length; i++) s += this.values[i] * (ca[i] - mu[a]) * (cb[i] - mu[b]);
        cov[a][b] = s / m;
        cov[b][a] = cov[a][b];
      }
      // Within-cell variance of the uniform reconstruction.
      cov[a][a] += (this.grid.spacing[a] * this.grid.spacing[a]) / 12;
    }
    return cov;
  }

  /**
   * Circular mean on a torus axis: the angle of E[exp(iφ)] mapped back to
   * [a, b). Unlike `mean`, it does not depend on where the circle is cut.
   */
  circularMean(axis = 0): number {
    const domain = this.grid.domain;
    const coords = this.grid.centreCoordinates()[axis];
    const period = domain.length(axis);
    const a = domain.lower[axis];
    let c = 0;
    let s = 0;
    for (let i = 0; i < this.values.length; i++) {
      const phi = (2 * Math.PI * (coords[i] - a)) / period;
      c += this.values[i] * Math.cos(phi);
      s += this.values[i] * Math.sin(phi);
    }
    let angle = Math.atan2(s, c);
    if (angle < 0) angle += 2 * Math.PI;
    return a + (angle * period) / (2 * Math.PI);
  }

  /** ⟨g⟩_ρ = ∫ g ρ for g given at cell centres. */
  expectation(g: Float64Array): number {
    return dot(this.values, g) * this.grid.cellVolume;
  }

  /**
   * CDF of a 1D density at the faces: entry i is ∫ from a to face i, so the
   * first entry is 0 and the last is the mass.
   */
  cdf(): Float64Array {
    if (this.grid.dim !== 1) throw new RangeError('density: cdf is defined for 1D densities only; take a marginal first');
    const n = this.grid.shape[0];
    const h = this.grid.spacing[0];
    const out = new Float64Array(n + 1);
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += this.values[i] * h;
      out[i + 1] = s;
    }
    return out;
  }

  /** Marginal density along one axis, on the 1D grid of that axis. */
  marginal(axis: number): Density {
    const grid = this.grid;
    if (axis < 0 || axis >= grid.dim) {
      throw new RangeError(`density: marginal axis ${axis} is invalid for a ${grid.dim}D density`);
    }
    if (grid.dim === 1) return this.clone();
    const domain = grid.domain;
    const lower = [domain.lower[axis]];
    const upper = [domain.upper[axis]];
    const label = domain.labels ? [domain.labels[axis]] : undefined;
    const lineDomain = domain.kind === 'torus' ? new Torus(lower, upper, label) : new Box(lower, upper, label);
    const lineGrid = new CellGrid(lineDomain, [grid.shape[axis]]);
    const [n0, n1] = grid.shape;
    const out = new Float64Array(grid.shape[axis]);
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        const v = this.values[i * n1 + j];
        out[axis === 0 ? i : j] += v;
      }
    }
    const otherWidth = grid.spacing[1 - axis];
    for (let k = 0; k < out.length; k++) out[k] *= otherWidth;
    return new Density(lineGrid, out);
  }
}

export function sum(a: Float64Array): number {
  // Neumaier's compensated sum: mass checks at the 1e-12 level must not be
  // limited by the accumulation error of a plain loop.
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  return s + c;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] * b[i];
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  return s + c;
}
