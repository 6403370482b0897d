import { dot, sum } from '../../src/model/density.js';
import type { GenerationalProblem } from '../../src/model/problem.js';
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
