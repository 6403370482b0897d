import { dot, sum } from '../../src/model/density.js';
import type { GenerationalProblem, TruncationProblem } from '../../src/model/problem.js';
import { makeTruncationSelection } from '../finite-volume/maps.js';
import { fitnessOnGrid } from '../finite-volume/fitness-values.js';
import type { Stepper } from '../time/driver.js';
import { multiplyCoefficients, type SpectralBasis } from './basis.js';
import { mutationSymbol } from './mutation.js';

/**
 * Generational PBT on centre values: ρₙ₊₁ = K_δ ⋆ (Fρₙ)/⟨F⟩, with Fρₙ
 * pointwise and K_δ ⋆ by its spectral symbol. ⟨F⟩ is taken as ΣFρ/Σρ, so
 * Σρ is kept exactly up to round-off (the symbol is 1 on the mean mode).
 * One forward and one inverse transform per generation.
 */
export function makeSpectralGenerationalStepper(problem: GenerationalProblem, basis: SpectralBasis): Stepper {
  const fitness = fitnessOnGrid(problem.fitness, problem.grid);
  const symbol = mutationSymbol(basis, problem.kernel);
  const selected = new Float64Array(basis.size);
  const coefficients = basis.createCoefficients();
  return (values) => {
    const scale = sum(values) / dot(fitness, values);
    for (let i = 0; i < values.length; i++) selected[i] = fitness[i] * values[i];
    basis.forward(selected, coefficients);
    multiplyCoefficients(coefficients, symbol);
    basis.inverse(coefficients, values);
    for (let i = 0; i < values.length; i++) values[i] *= scale;
  };
}

/**
 * Truncation selection on centre values: the bottom mass q is removed and
 * the top mass q is mutated by the kernel's symbol and added back, with the
 * same ranking and fractional splitting at the quantiles as the
 * finite-volume map. Mass is kept because the symbol is 1 on the mean mode.
 */
export function makeSpectralTruncationStepper(problem: TruncationProblem, basis: SpectralBasis): Stepper {
  const fitness = fitnessOnGrid(problem.fitness, problem.grid);
  const symbol = mutationSymbol(basis, problem.kernel);
  const select = makeTruncationSelection(fitness, problem.q);
  const parents = new Float64Array(basis.size);
  const children = new Float64Array(basis.size);
  const coefficients = basis.createCoefficients();
  return (values) => {
    select(values, parents);
    basis.forward(parents, coefficients);
    multiplyCoefficients(coefficients, symbol);
    basis.inverse(coefficients, children);
    for (let i = 0; i < values.length; i++) values[i] += children[i];
  };
}
