import log, { type Logger } from 'loglevel';

/** The name of the loglevel logger the library logs to unless given another. */
export const DEFAULT_LOGGER_NAME = 'agentflow.utils';

/**
 * The library's default loglevel logger, `log.getLogger('agentflow.utils')`.
 *
 * Its level follows loglevel's rules (default `warn`); set it to see completions and cancellations.
 *
 * @returns the named logger.
 * @example
 * ```ts
 * getDefaultLogger().setLevel('debug'); // log every completion and cancellation too
 * ```
 */
export function getDefaultLogger(): Logger {
  return log.getLogger(DEFAULT_LOGGER_NAME);
}
