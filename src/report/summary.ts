import type { Solution } from '../model/solver.js';
import { formatNumber, formatPoint } from './format.js';
import { fitnessOnGrid, lastSnapshot, timeTag } from './quantities.js';

/**
 * Rows of the summary table for one solution: problem, form, grid, solver,
 * scheme, time step, steps, mass drift, min ρ, wall time, the grid argmax of
 * F (Φ for RM), and the final time and mean. Values are formatted text.
 */
export function summarizeSolution(solution: Solution): Record<string, string> {
  const problem = solution.problem;
  const stats = solution.stats;
  const { symbol, argmax } = fitnessOnGrid(problem);
  const last = lastSnapshot(solution);
  const dt =
    stats.dtMin === stats.dtMax ? formatNumber(stats.dtMin) : `${formatNumber(stats.dtMin)} to ${formatNumber(stats.dtMax)}`;

  return {
    problem: problem.name,
    form: problem.form,
    grid: problem.grid.describe(),
    solver: solution.solver,
    scheme: solution.scheme,
    dt,
    steps: formatNumber(stats.steps),
    'mass drift': formatNumber(stats.massDrift),
    'min ρ': formatNumber(stats.minValue),
    'wall time': `${formatNumber(stats.wallSeconds)} s`,
    [`argmax ${symbol}`]: formatPoint(argmax),
    'final time': timeTag(problem, last.time),
    'final mean': formatPoint(last.density.mean()),
  };
}
