import { spectralSolver } from '../solvers/spectral/index.js';
import { benchProblems, type BenchRow } from './finite-volume.js';

/**
 * Times spectral steps of every supported form (default scheme) on the
 * problems of the finite-volume benchmark, so the two tables compare
 * directly. The caller prints. 1D: n = 256, 1024 and 4096 (quick: 256 and
 * 1024). 2D: 64×64, and 256×256 unless quick.
 */
export function benchSpectral(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const sizes: Array<[number, 1 | 2]> = quick
    ? [
        [256, 1],
        [1024, 1],
        [64, 2],
      ]
    : [
        [256, 1],
        [1024, 1],
        [4096, 1],
        [64, 2],
        [256, 2],
      ];
  for (const [cells, dim] of sizes) {
    let steps = 200;
    if (quick || (dim === 2 && cells >= 256)) steps = 20;
    const problems = benchProblems(cells, dim, steps).filter((problem) => spectralSolver.forms.includes(problem.form));
    for (const problem of problems) {
      const dt = problem.form === 'G' || problem.form === 'T' ? 1 : 0.01;
      // One warm-up run lets the JIT compile the hot loops before timing.
      spectralSolver.solve({ ...problem, times: [problem.times[0] / 10 || 1] }, { dt });
      const solution = spectralSolver.solve(problem, { dt });
      const taken = solution.stats.steps;
      rows.push({
        name: `spectral ${problem.form} ${solution.scheme}`,
        size: dim === 1 ? `n = ${cells}` : `${cells}×${cells}`,
        microsecondsPerStep: (solution.stats.wallSeconds * 1e6) / taken,
        steps: taken,
      });
    }
  }
  return rows;
}
