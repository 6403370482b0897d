import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProblem, parseConfig } from '../../src/io/config.js';
import type { CellGrid } from '../../src/model/grid.js';
import { finiteVolumeSolver } from '../../solvers/finite-volume/index.js';
import { spectralSolver } from '../../solvers/spectral/index.js';
import { l1Distance } from '../support/problems.js';

const examplesDir = join(import.meta.dirname, '../../examples');
const examples = readdirSync(examplesDir).filter((name) => name.endsWith('.json'));

/** Averages each block of 2 (1D) or 2×2 (2D) fine cells onto the coarse grid. */
function restrict(grid: CellGrid, fine: Float64Array): Float64Array {
  const out = new Float64Array(grid.size);
  if (grid.dim === 1) {
    for (let i = 0; i < grid.size; i++) out[i] = 0.5 * (fine[2 * i] + fine[2 * i + 1]);
    return out;
  }
  const [n0, n1] = grid.shape;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      const top = 2 * i * 2 * n1 + 2 * j;
      out[i * n1 + j] = 0.25 * (fine[top] + fine[top + 1] + fine[top + 2 * n1] + fine[top + 2 * n1 + 1]);
    }
  }
  return out;
}

function problemAt(name: string, refine: number) {
  const raw = JSON.parse(readFileSync(join(examplesDir, name), 'utf8'));
  const cells = raw.grid.cells;
  raw.grid.cells = Array.isArray(cells) ? cells.map((n: number) => n * refine) : cells * refine;
  return buildProblem(parseConfig(raw, name));
}

describe('spectral and finite volume on every example', () => {
  // The finite-volume space error at n is estimated by Richardson
  // extrapolation from n and 2n: ê = (4/3)‖FV_n − R·FV_2n‖₁ (second order).
  // The spectral solution is far more accurate on these smooth problems,
  // so ‖S_n − FV_n‖₁ ≈ ê; the tolerance 1.25·ê leaves room for the
  // higher-order terms of the estimate. Time steps are small enough that
  // the finite-volume time error is below 1% of ê.
  const steps: Record<string, number | undefined> = { SM: 0.02, RM: 0.002 };

  for (const name of examples) {
    const problem = problemAt(name, 1);
    const kernel = 'kernel' in problem ? problem.kernel : undefined;
    if (kernel?.boundary === 'clip') {
      // Clipping piles mass onto the faces, which no cosine multiplier does,
      // so the spectral solver rejects it; this example is finite-volume only.
      it(`${name}: spectral rejects clip`, () => {
        expect(() => spectralSolver.solve(problem)).toThrow(/clip/);
      });
      continue;
    }
    it(`${name}: spectral is within the finite-volume error`, () => {
      const dt = steps[problem.form];
      const fv = finiteVolumeSolver.solve(problem, { dt }).snapshots.at(-1)!.density.values;
      const fvFine = finiteVolumeSolver.solve(problemAt(name, 2), { dt }).snapshots.at(-1)!.density.values;
      const estimate = (4 / 3) * l1Distance(problem.grid, fv, restrict(problem.grid, fvFine));
      const spectral = spectralSolver.solve(problem, { dt }).snapshots.at(-1)!.density.values;
      const gap = l1Distance(problem.grid, spectral, fv);
      expect(gap).toBeLessThan(1.25 * estimate);
    });
  }
});
