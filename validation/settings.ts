/**
 * Validation configs: a run config with an optional `validation` section
 * that sets up the N-study and the mesh study.
 *
 *   "validation": {
 *     "minParticles": 100, "maxParticles": 100000, "rungsPerDecade": 2,
 *     "replicas": 16, "seed": 1, "particleDt": 0.01,
 *     "referenceErrorFraction": 0.1, "referenceMaxCells": 8192,
 *     "slices": 8, "particleMutationScale": 1, "times": [1, 2, 4]
 *   }
 *
 * Every key is optional. `times` replaces the config's output times for the
 * study. Without it, a config with more than four output times is studied
 * at three of them: the first, the middle one and the last. `particleMutationScale` multiplies the mutation
 * std of the particles only, not of the PDE. It exists to test that
 * `--check` detects a particle system that does not match its PDE.
 */

import { readFile } from 'node:fs/promises';

import { parseConfig, type ResolvedConfig } from '../src/io/config.js';
import { JsonValidator, type JsonObject } from '../src/io/json-validator.js';
import { ConfigError } from '../src/model/errors.js';

export interface ValidationSettings {
  minParticles: number;
  maxParticles: number;
  rungsPerDecade: number;
  replicas: number;
  /** Base seed of every replica's streams; the config's seed by default. */
  seed: number;
  /** Particle time step of the SM rate form; the particles solver's default (0.01/γ) when null. */
  particleDt: number | null;
  /**
   * The reference error target, as a fraction of the predicted i.i.d. W1
   * level C(t)/√N at the largest N (the particle W1 is larger, by the
   * copying correlation).
   */
  referenceErrorFraction: number;
  /**
   * Largest reference grid in cells per axis. The defaults are 8192 in 1D
   * and 256 in 2D, because one finite-volume solve of the 2D example on
   * 256×256 cells took about a minute on two cores.
   */
  referenceMaxCells: number;
  /** Directions of the sliced W1 in 2D. */
  slices: number;
  /** Factor on the particles' mutation std; 1 except to test `--check`. */
  particleMutationScale: number;
  /** Cells per axis of the mesh study's grids: the full ladder or the short one of `--quick`. */
  meshLevels: number;
}

export interface ValidationConfig {
  config: ResolvedConfig;
  settings: ValidationSettings;
}

/** Settings overridden from the command line. */
export interface SettingsOverrides {
  quick?: boolean;
  replicas?: number;
  maxParticles?: number;
}

const VALIDATION_KEYS = [
  'minParticles',
  'maxParticles',
  'rungsPerDecade',
  'replicas',
  'seed',
  'particleDt',
  'referenceErrorFraction',
  'referenceMaxCells',
  'slices',
  'particleMutationScale',
  'times',
] as const;

/** Largest number of config output times studied when the section gives no `times`. */
export const MAX_DEFAULT_TIMES = 4;

/** Defaults of the full study: N from 1e2 to 1e5 at two rungs per decade, 16 replicas each. */
export const FULL_DEFAULTS = { minParticles: 100, maxParticles: 100_000, rungsPerDecade: 2, replicas: 16, meshLevels: 4 };

/**
 * Defaults of `--quick`, sized for CI: N from 1e2 to 1e4 with 12 replicas,
 * and three grids per mesh-study ladder instead of four.
 */
export const QUICK_DEFAULTS = { minParticles: 100, maxParticles: 10_000, rungsPerDecade: 2, replicas: 12, meshLevels: 3 };

/** Reads a validation config file; see `parseValidationConfig`. */
export async function loadValidationConfig(path: string, overrides: SettingsOverrides = {}): Promise<ValidationConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(path, 'config file not found; check the path');
    if (code === 'EISDIR') throw new ConfigError(path, 'is a directory; pass the path of a JSON config file');
    throw error;
  }
  let object: unknown;
  try {
    object = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new ConfigError(path, `invalid JSON: ${(error as Error).message}`);
  }
  return parseValidationConfig(object, path, overrides);
}

/**
 * Splits the `validation` section off a parsed config, validates the rest
 * as a run config (parseConfig) and the section itself, and applies the
 * `--quick`, `--replicas` and `--max-particles` overrides. Errors are
 * ConfigErrors with the JSON path of the bad value.
 */
export function parseValidationConfig(object: unknown, source: string, overrides: SettingsOverrides = {}): ValidationConfig {
  const v = new JsonValidator(source);
  const root = v.object('', object);
  const { validation, ...rest } = root;
  const config = parseConfig(rest, source);
  const section: JsonObject = validation === undefined ? {} : v.object('validation', validation);
  v.keys('validation', section, VALIDATION_KEYS);

  const defaults = overrides.quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  const integer = (key: string, fallback: number, min: number) =>
    section[key] === undefined ? fallback : v.number(`validation.${key}`, section[key], { integer: true, min });
  const positive = (key: string, fallback: number) =>
    section[key] === undefined ? fallback : v.number(`validation.${key}`, section[key], { above: 0 });

  const settings: ValidationSettings = {
    minParticles: integer('minParticles', defaults.minParticles, 2),
    maxParticles: integer('maxParticles', defaults.maxParticles, 2),
    rungsPerDecade: integer('rungsPerDecade', defaults.rungsPerDecade, 1),
    replicas: integer('replicas', defaults.replicas, 2),
    seed: integer('seed', config.seed, 0),
    particleDt: section.particleDt === undefined ? null : v.number('validation.particleDt', section.particleDt, { above: 0 }),
    referenceErrorFraction: positive('referenceErrorFraction', 0.1),
    referenceMaxCells: integer('referenceMaxCells', config.domain.lower.length === 1 ? 8192 : 256, 2),
    slices: integer('slices', 8, 1),
    particleMutationScale: positive('particleMutationScale', 1),
    meshLevels: defaults.meshLevels,
  };

  config.times = studyTimes(v, section.times, config);

  // With --quick the config's own ladder and replica count give way to the quick ones.
  if (overrides.quick) {
    settings.minParticles = Math.min(settings.minParticles, QUICK_DEFAULTS.minParticles);
    settings.maxParticles = Math.min(settings.maxParticles, QUICK_DEFAULTS.maxParticles);
    settings.replicas = Math.min(settings.replicas, QUICK_DEFAULTS.replicas);
  }
  if (overrides.replicas !== undefined) settings.replicas = checkOverride('--replicas', overrides.replicas, 2);
  if (overrides.maxParticles !== undefined) settings.maxParticles = checkOverride('--max-particles', overrides.maxParticles, 2);
  if (settings.maxParticles < settings.minParticles) {
    throw new ConfigError(
      'validation.maxParticles',
      `${settings.maxParticles} is below minParticles = ${settings.minParticles}; the ladder needs maxParticles ≥ minParticles (in ${source})`,
    );
  }
  if (config.form === 'RM') {
    throw new ConfigError('form', `"RM" has no particle system; the N-study needs form SM, G or T (in ${source})`);
  }
  return { config, settings };
}

/** Chooses the output times of the study: `validation.times` when given, else the config's (thinned to three when there are more than four). */
function studyTimes(v: JsonValidator, value: unknown, config: ResolvedConfig): number[] {
  if (value === undefined) {
    const times = config.times;
    if (times.length <= MAX_DEFAULT_TIMES) return times;
    return [times[0], times[Math.floor((times.length - 1) / 2)], times[times.length - 1]];
  }
  const isMap = config.form === 'G' || config.form === 'T';
  const times = v.numbers('validation.times', value, isMap ? { integer: true, min: 1 } : { above: 0 });
  if (times.length === 0) throw v.invalid('validation.times', value, 'at least one output time');
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1])) {
      throw v.invalid(`validation.times[${i}]`, times[i], `a value > validation.times[${i - 1}] = ${times[i - 1]}; output times must increase`);
    }
  }
  return times;
}

function checkOverride(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(option, `invalid value ${value}; expected an integer ≥ ${min}`);
  }
  return value;
}

/**
 * Builds the geometric ladder of population sizes: rungsPerDecade values per
 * factor of 10 from min up to max, rounded to integers, always ending at max.
 */
export function particleLadder(settings: Pick<ValidationSettings, 'minParticles' | 'maxParticles' | 'rungsPerDecade'>): number[] {
  const { minParticles: min, maxParticles: max, rungsPerDecade: perDecade } = settings;
  const rungs = Math.max(1, Math.round(Math.log10(max / min) * perDecade));
  const ladder: number[] = [];
  for (let k = 0; k <= rungs; k++) {
    const value = Math.round(min * (max / min) ** (k / rungs));
    if (ladder.length === 0 || value > ladder[ladder.length - 1]) ladder.push(value);
  }
  return ladder;
}
