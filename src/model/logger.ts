/** Logging interface of the library. The library never prints; the CLI supplies a logger. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Creates a logger that forwards messages at or above `level` to `write`, each prefixed with its level. */
export function createLogger(level: LogLevel, write: (line: string) => void, name = 'pbt-mf'): Logger {
  const threshold = LEVELS[level];
  const make = (l: Exclude<LogLevel, 'silent'>) =>
    LEVELS[l] >= threshold ? (message: string) => write(`[${name}] ${l}: ${message}`) : noop;
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
