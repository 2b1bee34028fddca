/**
 * What the library logs to: loglevel (the default), `console`, pino, winston, or any object with `debug`, `info`,
 * `warn` and `error` methods.
 *
 * The library writes one line per call, and passes structured fields where the logger takes them:
 *
 * - **pino-shaped** (it has `bindings()`): `logger.error(fields, message)`;
 * - **winston-shaped** (it has `isLevelEnabled()` and `log()`, no `bindings()`): `logger.error(message, fields)`;
 * - **anything else** (loglevel, `console`): text only, `logger.error(message)`, with a failure's stack as a
 *   second argument (`%` in the message doubled, since such loggers read the first argument as a format).
 *
 * The fields follow OpenTelemetry's naming: `agentflow.task.id`, `agentflow.task.name`, `agentflow.task.status`,
 * `agentflow.task.duration_ms`, `agentflow.task.context` (redacted), and for a failure `exception.type`,
 * `exception.message`, `exception.stacktrace`.
 *
 * Which levels are on: loglevel's `getLevel()`, pino's and winston's `isLevelEnabled()`; a logger with neither
 * (such as `console`) gets every line. A method that throws, or returns a promise that rejects, is counted and
 * ignored: it never changes an outcome.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const manager = new BackgroundTaskManager({ logger: pino() });
 * // {"level":50,"agentflow.task.name":"send_email","agentflow.task.status":"failed",...,"msg":"Background task 'send_email' failed ..."}
 * ```
 */
export interface AgentflowLogger {
  /** Writes a debug line (completions, cancellations, detached work). */
  debug(...args: never[]): unknown;
  /** Writes an info line (a shutdown that completed). */
  info(...args: never[]): unknown;
  /** Writes a warning (timeouts, refusals, a shutdown that timed out). */
  warn(...args: never[]): unknown;
  /** Writes an error (failures, throwing subscribers). */
  error(...args: never[]): unknown;
}
