/**
 * Samplers of hyperparameter vectors λ: from a density of cell averages
 * and from a stored population.
 */

import type { Density } from '../../src/model/density.js';
import { ConfigError } from '../../src/model/errors.js';
import { AliasTable } from '../../src/random/index.js';
import { asRandomSource, type ParticleDraws } from './blocks.js';

/** A law of λ ∈ R^m that agents can be drawn from. */
export interface LambdaSampler {
  readonly dim: number;
  /** Writes one draw into out[offset … offset + dim − 1]. */
  sample(draws: ParticleDraws, out: Float64Array, offset: number): void;
}

/**
 * Draws from the piecewise-constant reconstruction of a density: a cell
 * with probability proportional to its mass (alias table, one uniform),
 * then a point uniform in that cell (one uniform per axis).
 */
export class DensitySampler implements LambdaSampler {
  readonly dim: number;
  private readonly table: AliasTable;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly spacing: Float64Array;
  private readonly columns: number;

  /** Throws ConfigError when a cell average is negative or non-finite, or all are zero. */
  constructor(density: Density, field = 'initial') {
    const values = density.values;
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (!(v >= 0) || v === Infinity) {
        throw new ConfigError(field, `the density is ${v} in cell ${c}; a density to sample from must be finite and ≥ 0`);
      }
    }
    let positive = false;
    for (let c = 0; c < values.length && !positive; c++) positive = values[c] > 0;
    if (!positive) throw new ConfigError(field, 'the density is zero in every cell; there is nothing to sample from');

    const grid = density.grid;
    this.dim = grid.dim;
    // Every cell has the same volume, so cell masses are proportional to the averages.
    this.table = new AliasTable(values);
    this.lower = Float64Array.from(grid.domain.lower);
    this.upper = Float64Array.from(grid.domain.upper);
    this.spacing = Float64Array.from(grid.spacing);
    this.columns = grid.dim === 2 ? grid.shape[1] : 1;
  }

  sample(draws: ParticleDraws, out: Float64Array, offset: number): void {
    const cell = this.table.sample(asRandomSource(draws));
    if (this.dim === 1) {
      out[offset] = this.placeInCell(0, cell, draws.uniform());
      return;
    }
    const row = Math.floor(cell / this.columns);
    const column = cell - row * this.columns;
    out[offset] = this.placeInCell(0, row, draws.uniform());
    out[offset + 1] = this.placeInCell(1, column, draws.uniform());
  }

  private placeInCell(axis: number, index: number, u: number): number {
    // Rounding can carry a + (i + u)h past the upper face in the last cell.
    return Math.min(this.upper[axis], this.lower[axis] + (index + u) * this.spacing[axis]);
  }
}

/** Draws a uniformly chosen row of a stored population (its empirical law). */
export class EmpiricalSampler implements LambdaSampler {
  readonly dim: number;
  private readonly rows: Float64Array;
  private readonly count: number;

  constructor(rows: Float64Array, dim: number) {
    if (rows.length === 0 || rows.length % dim !== 0) {
      throw new RangeError(`EmpiricalSampler: ${rows.length} values do not form rows of length ${dim}`);
    }
    this.dim = dim;
    this.rows = Float64Array.from(rows);
    this.count = rows.length / dim;
  }

  sample(draws: ParticleDraws, out: Float64Array, offset: number): void {
    const row = Math.min(this.count - 1, Math.floor(draws.uniform() * this.count));
    for (let k = 0; k < this.dim; k++) out[offset + k] = this.rows[row * this.dim + k];
  }
}
