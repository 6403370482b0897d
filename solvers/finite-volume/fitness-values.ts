import { ConfigError } from '../../src/model/errors.js';
import type { Fitness } from '../../src/model/fitness.js';
import type { CellGrid } from '../../src/model/grid.js';

/**
 * F at the cell centres, checked once: every value finite and ≥ 0 and at
 * least one positive, since ⟨F⟩ = 0 would leave the selection term undefined.
 */
export function fitnessOnGrid(fitness: Fitness, grid: CellGrid, field = 'fitness'): Float64Array {
  const values = fitness.onGrid(grid);
  let positive = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new ConfigError(field, `F = ${v} at cell ${i}; the fitness must be finite and ≥ 0 on the whole grid`);
    }
    if (v > 0) positive = true;
  }
  if (!positive) throw new ConfigError(field, 'F is zero on every cell; at least one cell needs F > 0');
  return values;
}

/** Φ at the cell centres, checked to be finite (Φ may take any sign). */
export function potentialOnGrid(potential: Fitness, grid: CellGrid, field = 'potential'): Float64Array {
  const values = potential.onGrid(grid);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ConfigError(field, `Φ = ${values[i]} at cell ${i}; the potential must be finite on the whole grid`);
    }
  }
  return values;
}
