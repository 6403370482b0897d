import type { DomainKind } from '../model/domain.js';
import type { KernelBoundary } from '../model/kernel.js';
import type { EquationForm } from '../model/problem.js';

/**
 * Types of a validated run config (format version 1). A ResolvedConfig has
 * every default filled in and is itself a valid config file: writing it out
 * and loading it again gives the same run.
 */

export const CONFIG_VERSION = 1;

export interface ExpressionFitnessConfig {
  kind: 'expression';
  /** F in the variables `lambda` (1D) or `lambda1`, `lambda2` (2D) and the parameters. */
  expression: string;
  parameters: Record<string, number>;
}

export interface ValuesFitnessConfig {
  kind: 'values';
  /** Samples of F, flat in row-major order. */
  values: number[];
  /** Number of samples per axis. */
  shape: number[];
}

/** The ridge teacher: closed-form F for quadratic L and V with θ ∈ R^d and λ = weight decay. */
export interface RidgeFitnessConfig {
  kind: 'ridge';
  d: number;
  /** Minimiser u of the unregularised training loss; a number stands for (u, …, u). */
  u: number | number[];
  /** Minimiser w of the validation loss; a number stands for (w, …, w). */
  w: number | number[];
  /** Noise temperature T of the fast dynamics. */
  temperature: number;
  /** Selection strength α. */
  alpha: number;
}

/** F(λ) = E_{θ∼μ_λ}[exp(−α V(θ, λ))] by quadrature over a θ box. */
export interface QuadratureFitnessConfig {
  kind: 'quadrature';
  thetaDim: 1 | 2;
  /** Training loss L(θ, λ). */
  loss: string;
  /** Validation loss V(θ, λ). */
  validation: string;
  /** Noise temperature σ(λ) > 0: an expression in λ, or a constant. */
  sigma: string | number;
  alpha: number;
  thetaLower: number[];
  thetaUpper: number[];
  /** Trapezoid nodes per θ axis, both ends included. */
  points: number;
  parameters: Record<string, number>;
}

export type FitnessConfig = ExpressionFitnessConfig | ValuesFitnessConfig | RidgeFitnessConfig | QuadratureFitnessConfig;

/** The RM potential Φ: a fitness model of its own, or `log-fitness` for Φ = log F. */
export type PotentialConfig = FitnessConfig | 'log-fitness';

export type MutationCoordinates = 'absolute' | 'normalized';

export interface MutationConfig {
  kind: 'gaussian';
  /**
   * Standard deviation per axis. With `normalized` coordinates it is measured
   * on the axis mapped to [−1, 1], so the std in λ units is std·(b − a)/2.
   */
  std: number[];
  boundary: KernelBoundary;
  coordinates: MutationCoordinates;
}

export type InitialConfig =
  | { kind: 'uniform' }
  | { kind: 'gaussian'; mean: number[]; std: number[] }
  | { kind: 'indicator'; lower: number[]; upper: number[] }
  | { kind: 'expression'; expression: string; parameters: Record<string, number> }
  | { kind: 'values'; values: number[] };

/** One solver to run. An absent scheme or dt means the solver's own default. */
export interface SolverChoice {
  name: string;
  scheme?: string;
  dt?: number;
  /** Population size N of the `particles` solver; the run's `seed` seeds it. */
  particles?: number;
}

export interface OutputConfig {
  csv: boolean;
  npy: boolean;
}

export interface DomainConfig {
  kind: DomainKind;
  lower: number[];
  upper: number[];
  /** Axis labels for reports and file headers. */
  labels: string[];
}

export interface ResolvedConfig {
  version: typeof CONFIG_VERSION;
  name: string;
  description: string;
  form: EquationForm;
  domain: DomainConfig;
  grid: { cells: number[] };
  /** F(λ). Present for SM, G and T; for RM, present when the potential is `log-fitness`. */
  fitness?: FitnessConfig;
  /** Φ(λ), RM only. */
  potential?: PotentialConfig;
  /** Mutation kernel K_δ, for SM, G and T. */
  mutation?: MutationConfig;
  /** Selection rate γ (SM). */
  gamma?: number;
  /** Selection strength β (RM). */
  beta?: number;
  /** Diffusion coefficient ν (RM). */
  nu?: number;
  /** Truncation fraction q (T). */
  q?: number;
  initial: InitialConfig;
  /** Output times, increasing and > 0; generation counts for G and T. */
  times: number[];
  solver: SolverChoice[];
  seed: number;
  output: OutputConfig;
  /**
   * ∫ρ₀ of the initial density as configured, before it was divided by this
   * factor to get mass 1. Recomputed on every load, so a value in an input
   * file is checked for type but otherwise ignored.
   */
  initialMass: number;
}
