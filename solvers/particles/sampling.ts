/**
 * Samplers of hyperparameter vectors λ: from a density of cell averages
 * and from a stored population.
 */

import { Density } from '../../src/model/density.js';
import type { Domain } from '../../src/model/domain.js';
import { CellGrid } from '../../src/model/grid.js';
import { ConfigError } from '../../src/model/errors.js';
import { AliasTable } from '../../src/random/index.js';
import { asRandomSource, type ParticleDraws } from './blocks.js';

/** Relative size of the negative round-off accepted in a density (as the invariant checks accept). */
const NEGATIVE_TOLERANCE = 1e-12;

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
  readonly density: Density;
  private readonly table: AliasTable;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly spacing: Float64Array;
  private readonly columns: number;

  /**
   * Throws ConfigError when a cell average is non-finite or below
   * −1e-12·max, or when none is positive. Values between −1e-12·max and 0,
   * the round-off that FFT-based solvers leave, are sampled as 0.
   */
  constructor(density: Density, field = 'initial') {
    const values = density.values;
    let max = 0;
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (!Number.isFinite(v)) {
        throw new ConfigError(field, `the density is ${v} in cell ${c}; a density to sample from must be finite`);
      }
      if (v > max) max = v;
    }
    if (max === 0) throw new ConfigError(field, 'the density has no positive cell; there is nothing to sample from');
    const weights = new Float64Array(values.length);
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (v < -NEGATIVE_TOLERANCE * max) {
        throw new ConfigError(field, `the density is ${v} in cell ${c}; a density to sample from must be ≥ 0`);
      }
      weights[c] = Math.max(v, 0);
    }

    const grid = density.grid;
    this.density = density;
    this.dim = grid.dim;
    // Every cell has the same volume, so cell masses are proportional to the averages.
    this.table = new AliasTable(weights);
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
  /** The stored rows, `dim` values each. */
  readonly rows: Float64Array;
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

/** The data from which a worker thread rebuilds a sampler. */
export type SamplerSpec =
  | { kind: 'density'; shape: number[]; values: Float64Array }
  | { kind: 'empirical'; rows: Float64Array; dim: number };

/** Returns the spec of a DensitySampler or EmpiricalSampler; throws a RangeError for other samplers. */
export function samplerSpec(sampler: LambdaSampler): SamplerSpec {
  if (sampler instanceof DensitySampler) {
    return { kind: 'density', shape: [...sampler.density.grid.shape], values: sampler.density.values };
  }
  if (sampler instanceof EmpiricalSampler) return { kind: 'empirical', rows: sampler.rows, dim: sampler.dim };
  throw new RangeError('samplerSpec: only DensitySampler and EmpiricalSampler can be rebuilt in a worker thread');
}

/** Rebuilds a sampler from `samplerSpec` on `domain`, the domain of the original density. */
export function samplerFromSpec(spec: SamplerSpec, domain: Domain): LambdaSampler {
  if (spec.kind === 'empirical') return new EmpiricalSampler(spec.rows, spec.dim);
  return new DensitySampler(new Density(new CellGrid(domain, spec.shape), spec.values));
}
