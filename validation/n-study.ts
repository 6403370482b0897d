/**
 * The N-study: the particle system against its mean-field limit over a
 * geometric ladder of population sizes N, with R seeded replicas each.
 *
 * For every replica and output time the population is compared with three
 * densities:
 * - the PDE reference (finite volume, refined until its estimated W1 error
 *   is a small fraction of the predicted statistical error at the largest N);
 * - for SM, the stepped mean field of the particle scheme at its Δt, so
 *   the W1 distance between the two references is the time-step bias;
 * - the PDE reference again, but for N i.i.d. draws from it, which gives
 *   the W1 of a population without the correlation that copying creates.
 *
 * Per N and time the study reports the mean and standard error of each
 * metric over replicas, and per time the least-squares slope of
 * log(mean W1) against log N with a bootstrap confidence interval.
 */

import type { ResolvedConfig } from '../src/io/config.js';
import { buildProblem } from '../src/io/config.js';
import type { Density } from '../src/model/density.js';
import type { Logger } from '../src/model/logger.js';
import { silentLogger } from '../src/model/logger.js';
import { getSolver } from '../src/model/solver.js';
import { Xoshiro128StarStar } from '../src/random/index.js';
import {
  densityCdfs,
  densityDistances,
  iidW1Constant,
  populationMetrics,
  restrictDensity,
  sampleDistances,
  summarizeReference,
  type DensityCdfs,
  type PopulationMetrics,
  type ReferenceSummary,
} from './metrics.js';
import { runReducedParticles, type ParticleRunner } from './particle-runner.js';
import { asParticleProblem, computeReference, drawFromDensity, steppedMeanField, type ParticleProblem, type Reference } from './reference.js';
import { particleLadder, type ValidationSettings } from './settings.js';
import { deriveSeed, fitLogLogSlope, meanAndStandardError, type SlopeFit } from './statistics.js';
import { loadReplica, saveReplica, type StudyFolder } from './study-folder.js';

/** Stream tags of `deriveSeed`: particles, i.i.d. draws and the bootstrap use unrelated seeds. */
const PARTICLE_STREAM = 0;
const IID_STREAM = 1;
const BOOTSTRAP_STREAM = 2;

/** The slope of W1 against N for independent samples: the Monte Carlo rate. */
export const REFERENCE_SLOPE = -0.5;

/** Metrics of one replica at one output time. */
export interface ReplicaTimeMetrics extends PopulationMetrics {
  time: number;
  /** W1 to the stepped mean field (SM only). */
  w1Stepped: number | null;
  /** W1 of N i.i.d. draws from the PDE reference to the reference itself. */
  w1Iid: number;
}

export interface ReplicaResult {
  particles: number;
  replica: number;
  seed: number;
  iidSeed: number;
  wallSeconds: number;
  times: ReplicaTimeMetrics[];
}

/** Everything fixed before the replicas run. */
export interface NStudyPlan {
  config: ResolvedConfig;
  settings: ValidationSettings;
  problem: ParticleProblem;
  /** The problem the particles run: the same, except for `particleMutationScale`. */
  particleProblem: ParticleProblem;
  ladder: number[];
  /** Particle time step (SM), or 1 generation for G and T. */
  particleDt: number;
  reference: Reference;
  /** Target of the reference's estimated W1 error at each output time. */
  referenceTarget: number[];
  /** Reference densities at each output time, on the reference grid and restricted to the problem grid. */
  referenceDensities: Density[];
  referenceOnProblemGrid: Density[];
  /** CDFs and moments of the reference densities, built once for every replica. */
  referenceSummaries: ReferenceSummary[];
  /** The stepped mean field at each output time (SM only). */
  stepped: Density[] | null;
  steppedCdfs: DensityCdfs[] | null;
  /** W1 between the PDE reference and the stepped mean field at each output time (SM only). */
  timeStepBias: number[] | null;
  /** C(t) = √(2/π)∫√(G(1 − G)): the large-N mean of W1·√N for i.i.d. draws (mean over axes in 2D). */
  iidConstant: number[];
  /** What a replica's result depends on, for the folder hash. */
  identity: Record<string, unknown>;
}

/**
 * Builds the problem, the PDE reference (refined to its target), the
 * stepped mean field and the time-step bias. The reference target at time t
 * is `referenceErrorFraction`·C(t)/√N_max, with C(t) from a first
 * finite-volume solve on the config's grid.
 */
export function planNStudy(config: ResolvedConfig, settings: ValidationSettings, logger: Logger = silentLogger): NStudyPlan {
  const problem = asParticleProblem(buildProblem(config));
  const ladder = particleLadder(settings);
  const maxParticles = ladder[ladder.length - 1];
  const particleDt = problem.form === 'SM' ? (settings.particleDt ?? 0.01 / problem.gamma) : 1;

  const first = getSolver('finite-volume').solve(problem);
  const firstConstants = first.snapshots.slice(1).map((s) => meanIidConstant(s.density));
  const targetError = firstConstants.map((c) => (settings.referenceErrorFraction * c) / Math.sqrt(maxParticles));
  const reference = computeReference(problem, { targetError, maxCellsPerAxis: settings.referenceMaxCells, logger });
  const referenceDensities = reference.solution.snapshots.slice(1).map((s) => s.density);
  const referenceOnProblemGrid = referenceDensities.map((d) => restrictDensity(d, problem.grid));

  let stepped: Density[] | null = null;
  let timeStepBias: number[] | null = null;
  if (reference.problem.form === 'SM') {
    stepped = steppedMeanField(reference.problem, particleDt);
    timeStepBias = stepped.map((d, k) => densityDistances(d, referenceDensities[k], settings.slices).w1);
  }

  const kernel = problem.kernel;
  const particleProblem: ParticleProblem = {
    ...problem,
    kernel: { ...kernel, std: kernel.std.map((s) => s * settings.particleMutationScale) },
  };

  return {
    config,
    settings,
    problem,
    particleProblem,
    ladder,
    particleDt,
    reference,
    referenceTarget: targetError,
    referenceDensities,
    referenceOnProblemGrid,
    referenceSummaries: referenceDensities.map((d) => summarizeReference(d, problem.fitness, settings.slices)),
    stepped,
    steppedCdfs: stepped ? stepped.map((d) => densityCdfs(d, settings.slices)) : null,
    timeStepBias,
    iidConstant: referenceDensities.map(meanIidConstant),
    identity: {
      config,
      seed: settings.seed,
      particleDt,
      particleMutationScale: settings.particleMutationScale,
      slices: settings.slices,
      reference: { cells: reference.cells, dt: reference.dt },
    },
  };
}

/** C(t) of a density: the 1D constant, or its mean over the marginals in 2D. */
function meanIidConstant(density: Density): number {
  if (density.grid.dim === 1) return iidW1Constant(density);
  return (iidW1Constant(density.marginal(0)) + iidW1Constant(density.marginal(1))) / 2;
}

/** Runs one replica and computes its metrics at every output time. */
export function runReplica(plan: NStudyPlan, particles: number, replica: number, runner: ParticleRunner): ReplicaResult {
  const started = performance.now();
  const seed = deriveSeed(plan.settings.seed, PARTICLE_STREAM, particles, replica);
  const iidSeed = deriveSeed(plan.settings.seed, IID_STREAM, particles, replica);
  const iidRng = new Xoshiro128StarStar(iidSeed);
  const fitness = plan.problem.fitness;
  const times: ReplicaTimeMetrics[] = [];

  runner(plan.particleProblem, { particles, seed, dt: plan.particleDt }, (k, sample, histogram) => {
    const summary = plan.referenceSummaries[k];
    const metrics = populationMetrics(sample, histogram, summary, plan.referenceOnProblemGrid[k], fitness);
    const w1Stepped = plan.steppedCdfs ? sampleDistances(sample, plan.steppedCdfs[k]).w1 : null;
    const iid = drawFromDensity(plan.referenceDensities[k], particles, iidRng);
    const w1Iid = sampleDistances(iid, summary.cdfs).w1;
    times[k] = { time: plan.problem.times[k], ...metrics, w1Stepped, w1Iid };
  });

  if (times.length !== plan.problem.times.length || times.some((t) => t === undefined)) {
    throw new Error(`particle runner returned ${times.filter(Boolean).length} of ${plan.problem.times.length} snapshots for N = ${particles}`);
  }
  return { particles, replica, seed, iidSeed, wallSeconds: (performance.now() - started) / 1000, times };
}

/** Mean and standard error of a metric over the replicas of one rung. */
export interface Estimate {
  mean: number;
  standardError: number;
}

/** One row of the N-study table: one N at one output time. */
export interface NStudyRow {
  particles: number;
  time: number;
  replicas: number;
  w1: Estimate;
  /** W1·√N: flat in N when W1 falls like N^(−1/2). */
  w1Scaled: Estimate;
  ks: Estimate;
  l1: Estimate;
  meanError: Estimate;
  covarianceError: Estimate;
  meanFitnessError: Estimate;
  /** W1 of each marginal (one entry in 1D). */
  marginalW1: Estimate[];
  w1Stepped: Estimate | null;
  w1Iid: Estimate;
  w1IidScaled: Estimate;
  /** Mean particle W1 over mean i.i.d. W1: the excess due to copying and drift. */
  copyingFactor: number;
}

/** The local slope between two rungs, from their means, with its delta-method standard error. */
export interface LocalSlope {
  fromParticles: number;
  toParticles: number;
  slope: number;
  standardError: number;
}

export interface TimeFits {
  time: number;
  /** Slope of mean W1 to the PDE reference against N. */
  pde: SlopeFit;
  /** Slope of mean W1 to the stepped mean field (SM only). */
  stepped: SlopeFit | null;
  /** Slope of mean i.i.d. W1: the Monte Carlo rate on this problem. */
  iid: SlopeFit;
  /**
   * The W1 that `--check` tests: to the stepped mean field for SM, which
   * leaves out the time-step bias, and to the PDE for the maps G and T.
   */
  checked: {
    reference: 'stepped' | 'pde';
    fit: SlopeFit;
    /** Local slope over the top decade of the ladder (or the top two rungs when it spans less). */
    top: LocalSlope;
  };
}

export interface NStudyResult {
  name: string;
  form: string;
  ladder: number[];
  replicas: number;
  times: number[];
  particleDt: number;
  particleMutationScale: number;
  seed: number;
  reference: {
    cells: number[];
    dt: number | null;
    /** The target as a fraction of the predicted i.i.d. level C(t)/√N at the largest N. */
    errorFraction: number;
    errorEstimate: number[];
    targetError: number[];
    reachedTarget: boolean;
    levels: Reference['levels'];
  };
  timeStepBias: number[] | null;
  iidConstant: number[];
  rows: NStudyRow[];
  fits: TimeFits[];
  computedReplicas: number;
  resumedReplicas: number;
  wallSeconds: number;
}

export interface NStudyRunOptions {
  runner?: ParticleRunner;
  /** Called after each replica with the number finished (computed or loaded) and the total. */
  onProgress?: (done: number, total: number, particles: number) => void;
  logger?: Logger;
}

/**
 * Runs every (N, replica) of the ladder that the folder does not hold yet,
 * saving each as it finishes, then aggregates the table and the fits.
 */
export async function runNStudy(plan: NStudyPlan, folder: StudyFolder, options: NStudyRunOptions = {}): Promise<NStudyResult> {
  const started = performance.now();
  const runner = options.runner ?? runReducedParticles;
  const logger = options.logger ?? silentLogger;
  const { replicas } = plan.settings;
  const total = plan.ladder.length * replicas;
  const results: ReplicaResult[][] = plan.ladder.map(() => []);
  let done = 0;
  let computed = 0;
  let resumed = 0;

  for (let k = 0; k < plan.ladder.length; k++) {
    const particles = plan.ladder[k];
    for (let r = 0; r < replicas; r++) {
      let result = await loadReplica<ReplicaResult>(folder, particles, r);
      if (result === null) {
        result = runReplica(plan, particles, r, runner);
        await saveReplica(folder, particles, r, result);
        computed++;
      } else {
        resumed++;
      }
      results[k].push(result);
      options.onProgress?.(++done, total, particles);
    }
    logger.debug(`N-study: N = ${particles} done (${replicas} replicas)`);
  }

  const rows = aggregateRows(plan, results);
  const fits = plan.problem.times.map((time, t) => fitTime(plan, results, t, time));
  return {
    name: plan.problem.name,
    form: plan.problem.form,
    ladder: plan.ladder,
    replicas,
    times: [...plan.problem.times],
    particleDt: plan.particleDt,
    particleMutationScale: plan.settings.particleMutationScale,
    seed: plan.settings.seed,
    reference: {
      cells: plan.reference.cells,
      dt: plan.reference.dt,
      errorFraction: plan.settings.referenceErrorFraction,
      errorEstimate: plan.reference.errorEstimate,
      targetError: plan.referenceTarget,
      reachedTarget: plan.reference.reachedTarget,
      levels: plan.reference.levels,
    },
    timeStepBias: plan.timeStepBias,
    iidConstant: plan.iidConstant,
    rows,
    fits,
    computedReplicas: computed,
    resumedReplicas: resumed,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

function estimate(values: readonly number[], scale = 1): Estimate {
  const { mean, standardError } = meanAndStandardError(values);
  return { mean: mean * scale, standardError: standardError * scale };
}

function aggregateRows(plan: NStudyPlan, results: ReplicaResult[][]): NStudyRow[] {
  const rows: NStudyRow[] = [];
  plan.problem.times.forEach((time, t) => {
    plan.ladder.forEach((particles, k) => {
      const at = results[k].map((r) => r.times[t]);
      const pick = (f: (m: ReplicaTimeMetrics) => number) => at.map(f);
      const root = Math.sqrt(particles);
      const w1 = estimate(pick((m) => m.w1));
      const w1Iid = estimate(pick((m) => m.w1Iid));
      rows.push({
        particles,
        time,
        replicas: at.length,
        w1,
        w1Scaled: estimate(pick((m) => m.w1), root),
        ks: estimate(pick((m) => m.ks)),
        l1: estimate(pick((m) => m.l1)),
        meanError: estimate(pick((m) => m.meanError)),
        covarianceError: estimate(pick((m) => m.covarianceError)),
        meanFitnessError: estimate(pick((m) => m.meanFitnessError)),
        marginalW1: at[0].marginalW1.map((_, axis) => estimate(pick((m) => m.marginalW1[axis]))),
        w1Stepped: plan.stepped ? estimate(pick((m) => m.w1Stepped as number)) : null,
        w1Iid,
        w1IidScaled: estimate(pick((m) => m.w1Iid), root),
        copyingFactor: w1.mean / w1Iid.mean,
      });
    });
  });
  return rows;
}

function fitTime(plan: NStudyPlan, results: ReplicaResult[][], t: number, time: number): TimeFits {
  const ladder = plan.ladder;
  const values = (f: (m: ReplicaTimeMetrics) => number) => results.map((rung) => rung.map((r) => f(r.times[t])));
  const seed = deriveSeed(plan.settings.seed, BOOTSTRAP_STREAM, t);
  const fit = (data: number[][]) =>
    ladder.length >= 2 ? fitLogLogSlope(ladder, data, seed) : singleRungFit();
  const pdeValues = values((m) => m.w1);
  const pde = fit(pdeValues);
  const steppedValues = plan.stepped ? values((m) => m.w1Stepped as number) : null;
  const stepped = steppedValues ? fit(steppedValues) : null;
  return {
    time,
    pde,
    stepped,
    iid: fit(values((m) => m.w1Iid)),
    checked:
      steppedValues && stepped
        ? { reference: 'stepped', fit: stepped, top: topSlope(ladder, steppedValues) }
        : { reference: 'pde', fit: pde, top: topSlope(ladder, pdeValues) },
  };
}

/** Returns a placeholder fit for a ladder of one rung, where no slope exists. */
function singleRungFit(): SlopeFit {
  return { slope: NaN, intercept: NaN, standardError: NaN, confidenceInterval: [NaN, NaN], bootstrapSamples: 0 };
}

/**
 * Computes the local slope between the largest N and the rung closest to N/10 (the
 * previous rung when the ladder spans less than a decade). A plateau of W1
 * at large N shows here first.
 */
export function topSlope(ladder: readonly number[], values: readonly (readonly number[])[]): LocalSlope {
  const last = ladder.length - 1;
  if (last < 1) return { fromParticles: ladder[0], toParticles: ladder[0], slope: NaN, standardError: NaN };
  let from = last - 1;
  for (let k = last - 1; k >= 0; k--) {
    if (Math.abs(Math.log10(ladder[last] / ladder[k]) - 1) < Math.abs(Math.log10(ladder[last] / ladder[from]) - 1)) from = k;
  }
  const a = meanAndStandardError(values[from]);
  const b = meanAndStandardError(values[last]);
  const span = Math.log(ladder[last] / ladder[from]);
  return {
    fromParticles: ladder[from],
    toParticles: ladder[last],
    slope: Math.log(b.mean / a.mean) / span,
    standardError: Math.hypot(a.standardError / a.mean, b.standardError / b.mean) / span,
  };
}
