import { dot } from '../../src/model/density.js';
import { makeMutationOperator } from '../../src/model/mutation.js';
import type { GenerationalProblem, TruncationProblem } from '../../src/model/problem.js';
import type { Stepper } from '../time/driver.js';
import { fitnessOnGrid } from './fitness-values.js';

/**
 * Generational PBT: ρₙ₊₁ = K_δ ⋆ (Fρₙ)/⟨F⟩_ρₙ, one call per generation.
 * Mass is kept because the discrete kernel has unit column sums.
 */
export function makeGenerationalStepper(problem: GenerationalProblem): Stepper {
  const grid = problem.grid;
  const fitness = fitnessOnGrid(problem.fitness, grid);
  const mutation = makeMutationOperator(grid, problem.kernel);
  const selected = new Float64Array(grid.size);
  const cellVolume = grid.cellVolume;
  return (values) => {
    const meanFitness = dot(fitness, values) * cellVolume;
    const mass = values.reduce((s, v) => s + v, 0) * cellVolume;
    // Dividing by ⟨F⟩/mass keeps Σρ exactly, also when the mass is not 1.
    const scale = mass / meanFitness;
    for (let i = 0; i < values.length; i++) selected[i] = fitness[i] * values[i] * scale;
    mutation.apply(selected, values);
  };
}

/**
 * Truncation selection as in Ray Tune's PBT: the bottom fraction q of the
 * population by fitness is replaced by mutated copies of the top fraction q,
 *
 *   ρₙ₊₁ = ρₙ·1{F > F_q} + K_δ ⋆ (ρₙ·1{F ≥ F₁₋q}),
 *
 * with F_q the q-quantile of F under ρₙ. Cells are ranked by F once. Where
 * the quantile falls inside a cell, or inside a group of cells with equal F,
 * the cells at the quantile level are split fractionally (the same fraction
 * of each cell of a tied group), so that exactly mass q is removed and
 * mass q is copied.
 */
export function makeTruncationStepper(problem: TruncationProblem): Stepper {
  const grid = problem.grid;
  const fitness = fitnessOnGrid(problem.fitness, grid);
  const mutation = makeMutationOperator(grid, problem.kernel);
  const select = makeTruncationSelection(fitness, problem.q);
  const parents = new Float64Array(grid.size);
  const children = new Float64Array(grid.size);

  return (values) => {
    select(values, parents);
    mutation.apply(parents, children);
    for (let i = 0; i < values.length; i++) values[i] += children[i];
  };
}

/**
 * Builds the selection half of the truncation map, for any discretisation
 * whose mass is Σ values. The returned function writes the top mass q·Σρ
 * into `parents` and removes the bottom mass q·Σρ from `values` in place. The caller mutates the parents
 * and adds them back. Cells are ranked by `fitness` once, here.
 */
export function makeTruncationSelection(
  fitness: Float64Array,
  q: number,
): (values: Float64Array, parents: Float64Array) => void {
  const order = rankByFitness(fitness);
  const groups = tieGroups(fitness, order);
  return (values, parents) => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    const target = q * total;

    // Parents: the top mass q, walking tie groups from the highest F down.
    parents.fill(0);
    takeFraction(values, order, groups, target, false, (cell, fraction) => {
      parents[cell] = fraction * values[cell];
    });
    // Removed: the bottom mass q, walking tie groups from the lowest F up.
    takeFraction(values, order, groups, target, true, (cell, fraction) => {
      values[cell] -= fraction * values[cell];
    });
  };
}

/** Cell indices sorted by increasing F. */
function rankByFitness(fitness: Float64Array): Int32Array {
  const order = Int32Array.from({ length: fitness.length }, (_, i) => i);
  order.sort((a, b) => fitness[a] - fitness[b]);
  return order;
}

/** Start offsets (in `order`) of runs of equal F, with a final sentinel. */
function tieGroups(fitness: Float64Array, order: Int32Array): Int32Array {
  const starts: number[] = [0];
  for (let k = 1; k < order.length; k++) {
    if (fitness[order[k]] !== fitness[order[k - 1]]) starts.push(k);
  }
  starts.push(order.length);
  return Int32Array.from(starts);
}

/**
 * Visits the cells that make up mass `target` from one end of the ranking,
 * calling `take(cell, fraction)` with the fraction of that cell's mass that
 * belongs to the selected set (1 inside, between 0 and 1 for the group at
 * the quantile level). All reads of `values` happen before `take` changes
 * any of them within a group.
 */
function takeFraction(
  values: Float64Array,
  order: Int32Array,
  groups: Int32Array,
  target: number,
  fromBottom: boolean,
  take: (cell: number, fraction: number) => void,
): void {
  let taken = 0;
  const groupCount = groups.length - 1;
  for (let g = 0; g < groupCount && taken < target; g++) {
    const group = fromBottom ? g : groupCount - 1 - g;
    const start = groups[group];
    const end = groups[group + 1];
    let groupMass = 0;
    for (let k = start; k < end; k++) groupMass += values[order[k]];
    if (groupMass <= 0) continue;
    const fraction = Math.min(1, (target - taken) / groupMass);
    for (let k = start; k < end; k++) take(order[k], fraction);
    taken += fraction * groupMass;
  }
}
