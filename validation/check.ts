/**
 * The `--check` criteria of the N-study. A particle system whose law
 * converges to the mean field shows W1 ∝ N^(−1/2) over the whole ladder.
 * One that converges to something else (a mutation width 20% off, a wrong
 * selection rule) shows W1 levelling off at the bias between the two
 * limits, first at the largest N.
 *
 * The W1 tested is the distance to the exact law of the particle scheme:
 * for SM the stepped mean field at the particle Δt, for G and T the PDE map
 * itself. So the first-order time-step bias of the SM scheme, which the
 * report quantifies, does not count as a mismatch. At every output time t
 * the check requires:
 *
 * 1. slope: the least-squares slope s of log(mean W1) against log N
 *    satisfies |s + ½| ≤ 0.1;
 * 2. plateau: the local slope over the top decade of the ladder is at most
 *    −½ + max(0.2, 3·SE), with SE its delta-method standard error. For a
 *    ladder of a decade or more, W1 at the largest N may then exceed
 *    (N_max/N_prev)^(−½) times W1 one decade below by a factor
 *    e^(0.2·ln 10) ≈ 1.6 at most. The allowance grows when the replicas
 *    are too few to tell;
 * 3. resolution: the mean W1 at the largest N is at least 3 times the
 *    estimated reference error, which the study cannot separate from it.
 *    Otherwise a passing slope would not show convergence at that N.
 *
 * A ladder of one rung fails criteria 1 and 2, since no slope exists.
 */

import { REFERENCE_SLOPE, type NStudyResult } from './n-study.js';

export const SLOPE_TOLERANCE = 0.1;
export const PLATEAU_TOLERANCE = 0.2;
export const PLATEAU_STANDARD_ERRORS = 3;
export const RESOLUTION_FACTOR = 3;

export interface CheckCriterion {
  name: 'slope' | 'plateau' | 'resolution';
  time: number;
  /** The density W1 was measured to: the stepped mean field (SM) or the PDE (G, T). */
  reference: 'stepped' | 'pde';
  value: number;
  /** The bound the value was held to, as text. */
  limit: string;
  /** Standard error of a slope, from the replica spread. */
  standardError?: number;
  passed: boolean;
}

export interface CheckResult {
  passed: boolean;
  criteria: CheckCriterion[];
}

export function checkNStudy(result: NStudyResult): CheckResult {
  const criteria: CheckCriterion[] = [];
  const top = result.ladder[result.ladder.length - 1];
  result.fits.forEach((fit, t) => {
    const time = fit.time;
    const checked = fit.checked;
    const slope = checked.fit.slope;
    criteria.push({
      name: 'slope',
      time,
      reference: checked.reference,
      value: slope,
      standardError: checked.fit.standardError,
      limit: `|s − (${REFERENCE_SLOPE})| ≤ ${SLOPE_TOLERANCE}`,
      passed: Math.abs(slope - REFERENCE_SLOPE) <= SLOPE_TOLERANCE,
    });

    const topSlope = checked.top;
    const allowance = Math.max(PLATEAU_TOLERANCE, PLATEAU_STANDARD_ERRORS * topSlope.standardError);
    criteria.push({
      name: 'plateau',
      time,
      reference: checked.reference,
      value: topSlope.slope,
      standardError: topSlope.standardError,
      limit: `slope from N = ${topSlope.fromParticles} to ${topSlope.toParticles} ≤ ${(REFERENCE_SLOPE + allowance).toFixed(3)}`,
      passed: topSlope.slope <= REFERENCE_SLOPE + allowance,
    });

    const row = result.rows.find((r) => r.particles === top && r.time === time);
    const level = (checked.reference === 'stepped' ? row?.w1Stepped?.mean : row?.w1.mean) ?? NaN;
    const referenceError = result.reference.errorEstimate[t];
    criteria.push({
      name: 'resolution',
      time,
      reference: checked.reference,
      value: level / referenceError,
      limit: `mean W1 at N = ${top} ≥ ${RESOLUTION_FACTOR} × reference error = ${(RESOLUTION_FACTOR * referenceError).toExponential(2)}`,
      passed: level >= RESOLUTION_FACTOR * referenceError,
    });
  });
  return { passed: criteria.every((c) => c.passed), criteria };
}

/** Formats one line per criterion, for logs and error messages. */
export function describeCriterion(c: CheckCriterion): string {
  let value = c.name === 'resolution' ? `ratio ${c.value.toFixed(1)}` : `slope ${c.value.toFixed(3)}`;
  if (c.standardError !== undefined) value += ` ± ${c.standardError.toFixed(3)} (standard error; more replicas shrink it)`;
  const against = c.reference === 'stepped' ? 'W1 to the stepped mean field' : 'W1 to the PDE';
  return `${c.passed ? 'pass' : 'FAIL'} ${c.name} at t = ${c.time} (${against}): ${value}; required ${c.limit}`;
}
