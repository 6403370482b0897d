import type { Domain } from './domain.js';

/**
 * A uniform cell-centred grid on a Domain. Cells are indexed in row-major
 * order: in 2D the flat index of cell (i, j) is i·n₁ + j, with i along
 * axis 0 and j along axis 1.
 */
export class CellGrid {
  readonly domain: Domain;
  /** Number of cells along each axis. */
  readonly shape: readonly number[];
  /** Cell width along each axis. */
  readonly spacing: readonly number[];
  /** Total number of cells. */
  readonly size: number;
  /** Cell volume (length in 1D, area in 2D). */
  readonly cellVolume: number;
  private readonly centreCache: Float64Array[];

  constructor(domain: Domain, cells: number | readonly number[]) {
    const shape = typeof cells === 'number' ? new Array<number>(domain.dim).fill(cells) : [...cells];
    if (shape.length !== domain.dim) {
      throw new RangeError(`grid: cells has ${shape.length} entries but the domain has dimension ${domain.dim}`);
    }
    for (let k = 0; k < shape.length; k++) {
      const n = shape[k];
      if (!Number.isInteger(n) || n < 2) {
        throw new RangeError(`grid: cells[${k}] = ${n}; the number of cells must be an integer ≥ 2`);
      }
    }
    this.domain = domain;
    this.shape = Object.freeze(shape);
    this.spacing = Object.freeze(shape.map((n, k) => domain.length(k) / n));
    this.size = shape.reduce((p, n) => p * n, 1);
    this.cellVolume = this.spacing.reduce((p, h) => p * h, 1);
    this.centreCache = shape.map((n, k) => {
      const c = new Float64Array(n);
      const a = domain.lower[k];
      const h = this.spacing[k];
      for (let i = 0; i < n; i++) c[i] = a + (i + 0.5) * h;
      return c;
    });
  }

  get dim(): number {
    return this.domain.dim;
  }

  /** Cell centres along one axis (length shape[axis]); shared, do not modify. */
  centres(axis: number): Float64Array {
    return this.centreCache[axis];
  }

  /** Face positions along one axis (length shape[axis] + 1). */
  faces(axis: number): Float64Array {
    const n = this.shape[axis];
    const f = new Float64Array(n + 1);
    const a = this.domain.lower[axis];
    const h = this.spacing[axis];
    for (let i = 0; i <= n; i++) f[i] = a + i * h;
    f[n] = this.domain.upper[axis];
    return f;
  }

  /**
   * Cell-centre coordinates of every cell, one flat array per axis, each of
   * length `size`, in the grid's row-major order.
   */
  centreCoordinates(): Float64Array[] {
    if (this.dim === 1) return [Float64Array.from(this.centreCache[0])];
    const [n0, n1] = this.shape;
    const x = new Float64Array(this.size);
    const y = new Float64Array(this.size);
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        x[i * n1 + j] = this.centreCache[0][i];
        y[i * n1 + j] = this.centreCache[1][j];
      }
    }
    return [x, y];
  }

  /** Evaluates f at every cell centre, in row-major order. */
  sampleAtCentres(f: (point: readonly number[]) => number): Float64Array {
    const out = new Float64Array(this.size);
    const [x, y] = this.centreCoordinates();
    const point = new Array<number>(this.dim).fill(0);
    for (let c = 0; c < this.size; c++) {
      point[0] = x[c];
      if (y) point[1] = y[c];
      out[c] = f(point);
    }
    return out;
  }

  /**
   * Cell averages of f by tensor Gauss–Legendre quadrature with `points`
   * nodes per axis (exact for polynomials of degree 2·points − 1 per cell).
   */
  cellAverages(f: (point: readonly number[]) => number, points = 4): Float64Array {
    const rule = gaussLegendre(points);
    const out = new Float64Array(this.size);
    const point = new Array<number>(this.dim).fill(0);
    if (this.dim === 1) {
      const h = this.spacing[0];
      const c0 = this.centreCache[0];
      for (let i = 0; i < this.shape[0]; i++) {
        let s = 0;
        for (let q = 0; q < points; q++) {
          point[0] = c0[i] + 0.5 * h * rule.nodes[q];
          s += rule.weights[q] * f(point);
        }
        out[i] = 0.5 * s;
      }
      return out;
    }
    const [n0, n1] = this.shape;
    const [h0, h1] = this.spacing;
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        let s = 0;
        for (let p = 0; p < points; p++) {
          point[0] = this.centreCache[0][i] + 0.5 * h0 * rule.nodes[p];
          for (let q = 0; q < points; q++) {
            point[1] = this.centreCache[1][j] + 0.5 * h1 * rule.nodes[q];
            s += rule.weights[p] * rule.weights[q] * f(point);
          }
        }
        out[i * n1 + j] = 0.25 * s;
      }
    }
    return out;
  }

  describe(): string {
    return `${this.shape.join('×')} cells on ${this.domain.describe()}`;
  }
}

export interface QuadratureRule {
  /** Nodes on [−1, 1]. */
  nodes: Float64Array;
  /** Weights summing to 2. */
  weights: Float64Array;
}

const ruleCache = new Map<number, QuadratureRule>();

/**
 * Gauss–Legendre rule on [−1, 1], nodes by Newton iteration on the
 * three-term recurrence of the Legendre polynomials (Golub and Welsch give
 * the same nodes as eigenvalues of the Jacobi matrix).
 */
export function gaussLegendre(points: number): QuadratureRule {
  if (!Number.isInteger(points) || points < 1 || points > 512) {
    throw new RangeError(`gaussLegendre: points = ${points}; use an integer from 1 to 512`);
  }
  const cached = ruleCache.get(points);
  if (cached) return cached;
  const nodes = new Float64Array(points);
  const weights = new Float64Array(points);
  if (points === 1) {
    weights[0] = 2;
    const midpoint = { nodes, weights };
    ruleCache.set(points, midpoint);
    return midpoint;
  }
  for (let i = 0; i < Math.ceil(points / 2); i++) {
    // Tricomi's initial guess for the i-th root, then Newton steps.
    let x = Math.cos((Math.PI * (i + 0.75)) / (points + 0.5));
    let derivative = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= points; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      derivative = (points * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[i] = -x;
    nodes[points - 1 - i] = x;
    const w = 2 / ((1 - x * x) * derivative * derivative);
    weights[i] = w;
    weights[points - 1 - i] = w;
  }
  const rule = { nodes, weights };
  ruleCache.set(points, rule);
  return rule;
}
