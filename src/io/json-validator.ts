import { ConfigError } from '../model/errors.js';

/**
 * Path-aware checks for parsed JSON. Every failure is a ConfigError whose
 * field is the JSON path (`mutation.std`, `times[2]`) and whose message gives
 * the value found, what is allowed and the config source.
 */

export type JsonObject = Record<string, unknown>;

export interface NumberRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  integer?: boolean;
}

/** Joins a parent path and a key or index: `mutation` + `std` → `mutation.std`, `times` + 2 → `times[2]`. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Formats a value for an error message, cut to about 80 characters. */
export function formatValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else if (typeof value === 'number') text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Describes a number rule in words, e.g. "an integer ≥ 2" or "a finite number > 0". */
export function describeNumberRule(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a finite number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  return parts.join(' ');
}

/**
 * Case-insensitive optimal string alignment distance (Levenshtein plus
 * transposition of adjacent letters), used to suggest the allowed key
 * nearest to a misspelt one.
 */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = 0; i <= x.length; i++) d[i][0] = i;
  for (let j = 0; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** Finds the allowed key closest to `key`, or undefined when none is close enough to be a likely typo. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** Validation helpers bound to one config source (a file path or a label), named in every message. */
export class JsonValidator {
  constructor(readonly source: string) {}

  /** Creates the error for `path`. The `detail` text states what is wrong and how to fix it. */
  error(path: string, detail: string): ConfigError {
    return new ConfigError(path === '' ? '(config)' : path, `${detail} (in ${this.source})`);
  }

  /** Creates the error for an invalid value at `path`; an undefined value is reported as a missing key. */
  invalid(path: string, value: unknown, expected: string): ConfigError {
    if (value === undefined) return this.missing(path, expected);
    return this.error(path, `invalid value ${formatValue(value)}; expected ${expected}`);
  }

  missing(path: string, expected: string): ConfigError {
    return this.error(path, `missing required key; expected ${expected}`);
  }

  /** Checks that `value` is a plain object (not an array or null). */
  object(path: string, value: unknown): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.invalid(path, value, 'a JSON object');
    }
    return value as JsonObject;
  }

  /**
   * Rejects keys of `object` that are not in `allowed`. A key listed in
   * `misplaced` gets that explanation instead of the generic "unknown key".
   */
  keys(path: string, object: JsonObject, allowed: readonly string[], misplaced: Record<string, string> = {}): void {
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue;
      const keyPath = joinPath(path, key);
      const reason = misplaced[key];
      if (reason !== undefined) throw this.error(keyPath, `${reason}; remove the key`);
      const suggestion = suggestKey(key, allowed);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      const where = path === '' ? 'at the top level' : `in ${path}`;
      throw this.error(keyPath, `unknown key${hint}; allowed keys ${where}: ${allowed.join(', ')}`);
    }
  }

  number(path: string, value: unknown, rule: NumberRule = {}): number {
    const expected = describeNumberRule(rule);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(path, value, expected);
    if (rule.integer && !Number.isSafeInteger(value)) throw this.invalid(path, value, expected);
    if (rule.above !== undefined && !(value > rule.above)) throw this.invalid(path, value, expected);
    if (rule.min !== undefined && !(value >= rule.min)) throw this.invalid(path, value, expected);
    if (rule.max !== undefined && !(value <= rule.max)) throw this.invalid(path, value, expected);
    return value;
  }

  string(path: string, value: unknown, options: { nonEmpty?: boolean } = {}): string {
    const expected = options.nonEmpty ? 'a non-empty string' : 'a string';
    if (typeof value !== 'string') throw this.invalid(path, value, expected);
    if (options.nonEmpty && value.trim() === '') throw this.invalid(path, value, expected);
    return value;
  }

  boolean(path: string, value: unknown): boolean {
    if (typeof value !== 'boolean') throw this.invalid(path, value, 'true or false');
    return value;
  }

  /** Checks that `value` is one of `choices` (compared with ===). */
  choice<T extends string | number>(path: string, value: unknown, choices: readonly T[]): T {
    if (!choices.includes(value as T)) {
      throw this.invalid(path, value, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return value as T;
  }

  /** Checks that `value` is an array, optionally of a fixed length. */
  array(path: string, value: unknown, length?: number, description = 'an array'): unknown[] {
    if (!Array.isArray(value)) {
      throw this.invalid(path, value, length === undefined ? description : `${description} of length ${length}`);
    }
    if (length !== undefined && value.length !== length) {
      throw this.invalid(path, value, `${description} of length ${length}, got length ${value.length}`);
    }
    return value;
  }

  /** Checks an array of numbers, each against `rule`. */
  numbers(path: string, value: unknown, rule: NumberRule = {}, length?: number): number[] {
    const items = this.array(path, value, length, `an array of ${describeNumberRule(rule).replace(/^an? /, '')}s`);
    return items.map((item, i) => this.number(joinPath(path, i), item, rule));
  }

  /**
   * Accepts a single number (repeated `length` times) or an array of exactly
   * `length` numbers, each checked against `rule`.
   */
  numberOrNumbers(path: string, value: unknown, length: number, rule: NumberRule = {}): number[] {
    if (typeof value === 'number') return new Array<number>(length).fill(this.number(path, value, rule));
    if (!Array.isArray(value)) {
      throw this.invalid(path, value, `${describeNumberRule(rule)} or an array of ${length} such numbers`);
    }
    return this.numbers(path, value, rule, length);
  }

  /** Checks a map from names to finite numbers, such as expression parameters. */
  numberRecord(path: string, value: unknown): Record<string, number> {
    const object = this.object(path, value);
    const out: Record<string, number> = {};
    for (const [key, item] of Object.entries(object)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
        throw this.error(joinPath(path, key), 'invalid parameter name; use a letter followed by letters, digits or _');
      }
      out[key] = this.number(joinPath(path, key), item);
    }
    return out;
  }
}
