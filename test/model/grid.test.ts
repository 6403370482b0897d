import { describe, expect, it } from 'vitest';
import { Box, Torus } from '../../src/model/domain.js';
import { CellGrid, gaussLegendre } from '../../src/model/grid.js';
import { Density } from '../../src/model/density.js';

describe('CellGrid', () => {
  it('places centres and faces uniformly', () => {
    const grid = new CellGrid(new Box([-1], [1]), 4);
    expect([...grid.centres(0)]).toEqual([-0.75, -0.25, 0.25, 0.75]);
    expect([...grid.faces(0)]).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(grid.cellVolume).toBe(0.5);
  });

  it('orders 2D cells row-major', () => {
    const grid = new CellGrid(new Box([0, 0], [2, 3]), [2, 3]);
    const [x, y] = grid.centreCoordinates();
    expect(x[1 * 3 + 2]).toBe(1.5);
    expect(y[1 * 3 + 2]).toBe(2.5);
    expect(grid.size).toBe(6);
  });

  it('rejects invalid cell counts', () => {
    expect(() => new CellGrid(new Box([0], [1]), 1)).toThrow(/cells\[0\] = 1/);
    expect(() => new CellGrid(new Box([0], [1]), [4, 4])).toThrow(/dimension 1/);
  });

  it('rejects reversed bounds', () => {
    expect(() => new Torus([1], [0])).toThrow(/lower < upper/);
  });
});

describe('gaussLegendre', () => {
  it('integrates polynomials of degree 2n−1 exactly', () => {
    for (const n of [1, 2, 3, 5, 8, 20]) {
      const rule = gaussLegendre(n);
      const degree = 2 * n - 1;
      let s = 0;
      for (let q = 0; q < n; q++) s += rule.weights[q] * rule.nodes[q] ** (degree - 1);
      const exact = (degree - 1) % 2 === 0 ? 2 / degree : 0;
      expect(Math.abs(s - exact)).toBeLessThan(1e-14);
    }
  });
});

describe('Density', () => {
  it('computes moments of the piecewise-constant reconstruction', () => {
    const grid = new CellGrid(new Box([0], [1]), 10);
    const rho = Density.fromFunction(grid, () => 1);
    expect(rho.mass()).toBeCloseTo(1, 14);
    expect(rho.mean()[0]).toBeCloseTo(0.5, 14);
    // Uniform on [0, 1] has variance 1/12 exactly.
    expect(rho.covariance()[0][0]).toBeCloseTo(1 / 12, 14);
    const cdf = rho.cdf();
    expect(cdf[0]).toBe(0);
    expect(cdf[10]).toBeCloseTo(1, 14);
  });

  it('takes marginals of a 2D density', () => {
    const grid = new CellGrid(new Box([0, 0], [1, 2]), [8, 16]);
    const rho = Density.fromFunction(grid, (p) => (p[0] * p[1]) / 1);
    const mx = rho.marginal(0);
    expect(mx.mass()).toBeCloseTo(rho.mass(), 13);
    // ∫₀² x y dy = 2x, cell averages of 2x on [0, 1].
    expect(mx.values[3]).toBeCloseTo(2 * mx.grid.centres(0)[3], 12);
  });
});
