import { checkNonNegativeInteger, checkPlainObject, readOptions } from '../util/validate';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

/**
 * Where spans go: an OpenTelemetry `TracerProvider` (`@opentelemetry/api`'s interface; the SDK's
 * `BasicTracerProvider` or `NodeTracerProvider` is one). Described here so that the library's types need no
 * OpenTelemetry package.
 *
 * @example
 * ```ts
 * const tracerProvider: OpenTelemetryTracerProvider = new BasicTracerProvider();
 * ```
 */
export interface OpenTelemetryTracerProvider {
  /** The tracer of an instrumentation scope. */
  getTracer(name: string, version?: string): unknown;
}

/**
 * Where metrics go: an OpenTelemetry `MeterProvider` (the SDK's `MeterProvider` is one).
 *
 * @example
 * ```ts
 * const meterProvider: OpenTelemetryMeterProvider = new MeterProvider({ readers: [reader] });
 * ```
 */
export interface OpenTelemetryMeterProvider {
  /** The meter of an instrumentation scope. */
  getMeter(name: string, version?: string): unknown;
}

/**
 * Options of `instrumentOpenTelemetry()`.
 *
 * @example
 * ```ts
 * instrumentOpenTelemetry(manager, { recordContext: ['tenantId', 'threadId'], maxTaskNames: 50 });
 * ```
 */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global one (`trace.getTracerProvider()`), a no-op until an SDK registers one. */
  readonly tracerProvider?: OpenTelemetryTracerProvider;
  /** Where metrics go. Default: the global one (`metrics.getMeterProvider()`). */
  readonly meterProvider?: OpenTelemetryMeterProvider;
  /**
   * The context keys recorded on each task's span, as attributes `agentflow.task.context.<key>`, redacted by the
   * manager's rules (a secret key's value is `[REDACTED]`; a string goes through the value rules; a value that is
   * not a string, a number or a boolean is described on one line). Default: none.
   */
  readonly recordContext?: readonly string[];
  /**
   * The most distinct task names the metrics carry in `agentflow.task.name`; tasks of later names are counted under
   * `'other'`, so that names made from data cannot grow the number of time series without bound. Default `100`.
   */
  readonly maxTaskNames?: number;
}

/**
 * The defaults of {@link OpenTelemetryOptions}.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_OPEN_TELEMETRY_OPTIONS.maxTaskNames); // 100
 * ```
 */
export const DEFAULT_OPEN_TELEMETRY_OPTIONS: Readonly<Required<Pick<OpenTelemetryOptions, 'recordContext' | 'maxTaskNames'>>> = Object.freeze({
  recordContext: Object.freeze([] as string[]),
  maxTaskNames: 100,
});

/** {@link OpenTelemetryOptions} checked, with the defaults filled in (the providers stay optional: the globals). */
export interface ResolvedOpenTelemetryOptions {
  readonly tracerProvider: OpenTelemetryTracerProvider | undefined;
  readonly meterProvider: OpenTelemetryMeterProvider | undefined;
  readonly recordContext: readonly string[];
  readonly maxTaskNames: number;
}

/**
 * Checks the options of `instrumentOpenTelemetry()` once.
 *
 * @throws {@link InvalidArgumentError} naming the option and the value.
 */
export function resolveOpenTelemetryOptions(given: OpenTelemetryOptions): ResolvedOpenTelemetryOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, ['tracerProvider', 'meterProvider', 'recordContext', 'maxTaskNames']);
  checkProvider('tracerProvider', options.tracerProvider, 'getTracer');
  checkProvider('meterProvider', options.meterProvider, 'getMeter');
  const recordContext = options.recordContext;
  if (recordContext !== undefined && (!Array.isArray(recordContext) || !recordContext.every((key) => typeof key === 'string' && key !== ''))) {
    throw new InvalidArgumentError('recordContext', 'an array of non-empty strings (context keys)', recordContext);
  }
  checkNonNegativeInteger('maxTaskNames', options.maxTaskNames);
  return {
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
    recordContext: recordContext === undefined ? DEFAULT_OPEN_TELEMETRY_OPTIONS.recordContext : [...recordContext],
    maxTaskNames: options.maxTaskNames ?? DEFAULT_OPEN_TELEMETRY_OPTIONS.maxTaskNames,
  };
}

function checkProvider(argument: string, value: unknown, method: string): void {
  if (value === undefined) return;
  let fits = false;
  try {
    fits = typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function';
  } catch {
    fits = false;
  }
  if (!fits) throw new InvalidArgumentError(argument, `an OpenTelemetry provider (an object with ${method}())`, value);
}
