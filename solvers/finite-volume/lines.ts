import type { CellGrid } from '../../src/model/grid.js';

/** Transforms one grid line: reads `input` (length n) and writes `output` (length n). */
export type LineTransform = (input: Float64Array, output: Float64Array) => void;

/**
 * Applies a 1D transform to every grid line along `axis`, in place, through
 * two scratch buffers allocated once. In 1D there is a single line.
 */
export function makeAxisApplier(grid: CellGrid, axis: number): (values: Float64Array, transform: LineTransform) => void {
  const n = grid.shape[axis];
  const lineIn = new Float64Array(n);
  const lineOut = new Float64Array(n);
  if (grid.dim === 1) {
    return (values, transform) => {
      lineIn.set(values);
      transform(lineIn, lineOut);
      values.set(lineOut);
    };
  }
  const [n0, n1] = grid.shape;
  if (axis === 1) {
    // Rows are contiguous: row i is values[i·n1 … i·n1 + n1).
    return (values, transform) => {
      for (let i = 0; i < n0; i++) {
        const row = values.subarray(i * n1, (i + 1) * n1);
        lineIn.set(row);
        transform(lineIn, lineOut);
        row.set(lineOut);
      }
    };
  }
  return (values, transform) => {
    for (let j = 0; j < n1; j++) {
      for (let i = 0; i < n0; i++) lineIn[i] = values[i * n1 + j];
      transform(lineIn, lineOut);
      for (let i = 0; i < n0; i++) values[i * n1 + j] = lineOut[i];
    }
  };
}
