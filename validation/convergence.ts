/**
 * Observed orders of convergence from errors at several resolutions.
 */

/**
 * Least-squares slope of log(error) against log(h) over all resolutions:
 * the observed order p in error ≈ C·hᵖ.
 */
export function observedOrder(spacings: readonly number[], errors: readonly number[]): number {
  if (spacings.length !== errors.length || spacings.length < 2) {
    throw new RangeError(`observedOrder: need at least two (h, error) pairs of equal length, got ${spacings.length} and ${errors.length}`);
  }
  for (let i = 0; i < errors.length; i++) {
    if (!(errors[i] > 0) || !(spacings[i] > 0)) {
      throw new RangeError(`observedOrder: h = ${spacings[i]}, error = ${errors[i]} at index ${i}; both must be > 0`);
    }
  }
  const x = spacings.map(Math.log);
  const y = errors.map(Math.log);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Orders between consecutive resolutions: log(eᵢ/eᵢ₊₁)/log(hᵢ/hᵢ₊₁). */
export function pairwiseOrders(spacings: readonly number[], errors: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < errors.length; i++) {
    out.push(Math.log(errors[i] / errors[i + 1]) / Math.log(spacings[i] / spacings[i + 1]));
  }
  return out;
}
