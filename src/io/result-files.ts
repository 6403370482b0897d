/**
 * Serialisers for the per-solver result files of a run folder: snapshots as
 * JSON and long-format CSV, the per-step trace as CSV. Large files are
 * produced as a sequence of text chunks, so a run never builds a whole CSV
 * as one string.
 */
import type { CellGrid } from '../model/grid.js';
import type { Solution } from '../model/solver.js';

/** Rows are buffered into chunks of about this many characters before they are yielded. */
const CHUNK_CHARACTERS = 1 << 16;

/** Makes a file-name-safe label per solution: the solver name, extended by scheme and index only where needed to be unique. */
export function solutionLabels(solutions: readonly Pick<Solution, 'solver' | 'scheme'>[]): string[] {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-');
  const byName = solutions.map((s) => clean(s.solver));
  const withScheme = solutions.map((s) => clean(`${s.solver}-${s.scheme}`));
  const count = (labels: string[], label: string) => labels.filter((l) => l === label).length;

  return solutions.map((_, i) => {
    if (count(byName, byName[i]) === 1) return byName[i];
    if (count(withScheme, withScheme[i]) === 1) return withScheme[i];
    return `${withScheme[i]}-${i + 1}`;
  });
}

/** Grid description stored with the snapshots: enough to rebuild the cell centres. */
export function describeGrid(grid: CellGrid, labels: readonly string[]) {
  const axes = Array.from({ length: grid.dim }, (_, k) => k);
  return {
    domain: grid.domain.kind,
    lower: [...grid.domain.lower],
    upper: [...grid.domain.upper],
    cells: [...grid.shape],
    spacing: [...grid.spacing],
    labels: [...labels],
    /** Cell centres per axis. */
    centres: axes.map((k) => Array.from(grid.centres(k))),
    order: grid.dim === 1 ? 'cell i' : 'row-major: flat index i*cells[1] + j, i along axis 0',
  };
}

/** Fitness (SM, G, T) or potential (RM) at the cell centres, for plotting beside the density. */
function fieldAtCentres(solution: Solution): { name: 'fitness' | 'potential'; values: number[] } {
  const problem = solution.problem;
  if (problem.form === 'RM') return { name: 'potential', values: Array.from(problem.potential.onGrid(problem.grid)) };
  return { name: 'fitness', values: Array.from(problem.fitness.onGrid(problem.grid)) };
}

/**
 * Chunks of `snapshots-<label>.json`: solver, scheme, form, grid, fitness or
 * potential at the centres, then `times`, `steps` and `values` (one
 * row-major array of cell averages per snapshot), all indexed alike.
 */
export function* snapshotsJson(solution: Solution, labels: readonly string[]): Generator<string> {
  const grid = solution.problem.grid;
  const field = fieldAtCentres(solution);
  const head = {
    solver: solution.solver,
    scheme: solution.scheme,
    form: solution.problem.form,
    name: solution.problem.name,
    grid: describeGrid(grid, labels),
    [field.name]: field.values,
    times: solution.snapshots.map((s) => s.time),
    steps: solution.snapshots.map((s) => s.step),
  };
  // One key per line with a compact value, then the values one snapshot per line.
  const entries = Object.entries(head).map(([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  yield `{\n${entries.join(',\n')},\n "values": [\n`;
  for (let i = 0; i < solution.snapshots.length; i++) {
    const separator = i + 1 < solution.snapshots.length ? ',' : '';
    yield `  ${JSON.stringify(Array.from(solution.snapshots[i].density.values))}${separator}\n`;
  }
  yield ' ]\n}\n';
}

/** Buffers short lines into chunks of about CHUNK_CHARACTERS. */
function* chunked(lines: Iterable<string>): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= CHUNK_CHARACTERS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}

/** CSV column names of the cell coordinates: `lambda` in 1D, `lambda1`, `lambda2` in 2D. */
function coordinateColumns(dim: number): string[] {
  return dim === 1 ? ['lambda'] : ['lambda1', 'lambda2'];
}

function* snapshotRows(solution: Solution): Generator<string> {
  const grid = solution.problem.grid;
  yield `time,${coordinateColumns(grid.dim).join(',')},rho\n`;
  const coordinates = grid.centreCoordinates();
  for (const snapshot of solution.snapshots) {
    const values = snapshot.density.values;
    for (let c = 0; c < values.length; c++) {
      const position = grid.dim === 1 ? `${coordinates[0][c]}` : `${coordinates[0][c]},${coordinates[1][c]}`;
      yield `${snapshot.time},${position},${values[c]}\n`;
    }
  }
}

/**
 * Chunks of `snapshots-<label>.csv` in long format, one row per snapshot and
 * cell: `time,lambda,rho` in 1D, `time,lambda1,lambda2,rho` in 2D, with the
 * cell centre as coordinates and the cell average as rho.
 */
export function snapshotsCsv(solution: Solution): Generator<string> {
  return chunked(snapshotRows(solution));
}

function* traceRows(solution: Solution): Generator<string> {
  const dim = solution.problem.grid.dim;
  const trace = solution.trace;
  const means = coordinateColumns(dim).map((c) => `mean_${c}`);
  yield `time,${means.join(',')},mass,min_rho\n`;
  for (let i = 0; i < trace.time.length; i++) {
    const mean = trace.mean[i];
    if (mean === undefined || mean.length !== dim) {
      throw new RangeError(
        `trace of ${solution.solver}: row ${i} has mean ${JSON.stringify(mean)}; expected one mean per axis (${dim}) for each of the ${trace.time.length} times`,
      );
    }
    yield `${trace.time[i]},${mean.join(',')},${trace.mass[i]},${trace.minValue[i]}\n`;
  }
}

/**
 * Chunks of `trace-<label>.csv`: per-step time, mean of ρ per axis
 * (`mean_lambda` or `mean_lambda1,mean_lambda2`), mass and min ρ.
 * Throws a RangeError when `trace.mean` is not one row of per-axis means
 * per time.
 */
export function traceCsv(solution: Solution): Generator<string> {
  return chunked(traceRows(solution));
}

/** Snapshot values as one C-order array of shape (snapshots, ...grid shape), for `.npy`. */
export function snapshotArray(solution: Solution): { values: Float64Array; shape: number[] } {
  const grid = solution.problem.grid;
  const values = new Float64Array(solution.snapshots.length * grid.size);
  solution.snapshots.forEach((snapshot, i) => values.set(snapshot.density.values, i * grid.size));
  return { values, shape: [solution.snapshots.length, ...grid.shape] };
}
