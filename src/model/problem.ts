import type { Density } from './density.js';
import type { Fitness } from './fitness.js';
import type { CellGrid } from './grid.js';
import type { GaussianKernel } from './kernel.js';

/**
 * Equation forms for the hyperparameter density ρ(t, λ):
 * - `SM`: ∂ₜρ = γ (K_δ ⋆ (Fρ)/⟨F⟩_ρ − ρ), the selection–mutation equation;
 * - `RM`: ∂ₜρ = β (Φ − ⟨Φ⟩_ρ) ρ + ν Δρ, the replicator–mutator equation,
 *   no-flux on a box and periodic on a torus;
 * - `G`: ρₙ₊₁ = K_δ ⋆ (Fρₙ)/⟨F⟩, generational PBT;
 * - `T`: truncation selection, the bottom fraction q copies from the top q.
 */
export type EquationForm = 'SM' | 'RM' | 'G' | 'T';

export const EQUATION_FORMS: readonly EquationForm[] = ['SM', 'RM', 'G', 'T'];

interface ProblemCommon {
  /** Short label for reports. */
  name: string;
  grid: CellGrid;
  /** Initial density ρ₀ with mass 1. */
  initial: Density;
  /**
   * Output times, increasing, all > 0. For the maps G and T these are
   * generation counts (positive integers).
   */
  times: number[];
}

export interface SelectionMutationProblem extends ProblemCommon {
  form: 'SM';
  fitness: Fitness;
  kernel: GaussianKernel;
  /** Selection rate γ > 0 (events per agent per unit time). */
  gamma: number;
}

export interface ReplicatorMutatorProblem extends ProblemCommon {
  form: 'RM';
  /** The fitness potential Φ(λ). */
  potential: Fitness;
  /** Selection strength β > 0. */
  beta: number;
  /** Diffusion coefficient ν ≥ 0. */
  nu: number;
}

export interface GenerationalProblem extends ProblemCommon {
  form: 'G';
  fitness: Fitness;
  kernel: GaussianKernel;
}

export interface TruncationProblem extends ProblemCommon {
  form: 'T';
  fitness: Fitness;
  kernel: GaussianKernel;
  /** Truncation fraction 0 < q ≤ ½. */
  q: number;
}

export type Problem = SelectionMutationProblem | ReplicatorMutatorProblem | GenerationalProblem | TruncationProblem;

/** True for the discrete-time maps, whose times count generations. */
export function isMap(problem: Problem): problem is GenerationalProblem | TruncationProblem {
  return problem.form === 'G' || problem.form === 'T';
}
