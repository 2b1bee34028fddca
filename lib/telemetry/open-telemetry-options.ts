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
  const recordContext = readKeys(options.recordContext);
  checkNonNegativeInteger('maxTaskNames', options.maxTaskNames);
  if (options.maxTaskNames !== undefined && options.maxTaskNames > MAX_TASK_NAMES) {
    throw new InvalidArgumentError('maxTaskNames', `an integer from 0 to ${MAX_TASK_NAMES} (each name is a time series)`, options.maxTaskNames);
  }
  return {
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
    recordContext,
    maxTaskNames: options.maxTaskNames ?? DEFAULT_OPEN_TELEMETRY_OPTIONS.maxTaskNames,
  };
}

/** The most distinct task names metrics may carry: past some thousands, a metrics backend suffers. */
const MAX_TASK_NAMES = 10_000;

/** The most context keys recorded on a span. */
const MAX_RECORDED_KEYS = 64;

/** `recordContext` read once, item by item: a list of at most 64 non-empty strings, with no hole. */
function readKeys(given: unknown): readonly string[] {
  if (given === undefined) return DEFAULT_OPEN_TELEMETRY_OPTIONS.recordContext;
  const refuse = (): never => {
    throw new InvalidArgumentError('recordContext', `an array of at most ${MAX_RECORDED_KEYS} non-empty strings (context keys)`, given);
  };
  const keys: string[] = [];
  try {
    if (!Array.isArray(given) || given.length > MAX_RECORDED_KEYS) return refuse();
    for (let index = 0; index < given.length; index++) {
      const key: unknown = given[index];
      if (typeof key !== 'string' || key === '' || !Object.hasOwn(given, index)) return refuse();
      keys.push(key);
    }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    return refuse();
  }
  return Object.freeze(keys);
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
