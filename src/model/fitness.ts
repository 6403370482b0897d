import type { CellGrid } from './grid.js';

export type FitnessKind = 'expression' | 'values' | 'ridge' | 'quadrature';

/**
 * Effective fitness F(λ) > 0 on the hyperparameter domain. Implementations
 * live beside this file; every one can be evaluated pointwise and on the
 * cell centres of a grid.
 */
export interface Fitness {
  readonly kind: FitnessKind;
  /** Dimension m of λ. */
  readonly dim: number;
  /** F at one point λ (length `dim`). */
  evaluate(point: readonly number[]): number;
  /** F at the cell centres of `grid`, in the grid's row-major order. */
  onGrid(grid: CellGrid): Float64Array;
  /** One line for reports and logs. */
  describe(): string;
}
