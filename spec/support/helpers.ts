import log from 'loglevel';
import sinon from 'sinon';

/** One call a {@link CapturingLogger} received. */
export interface LogCall {
  readonly level: log.LogLevelNames;
  readonly message: string;
  readonly args: readonly unknown[];
}

/** A fresh loglevel logger whose enabled methods record their calls instead of printing. */
export interface CapturingLogger {
  readonly logger: log.Logger;
  readonly calls: LogCall[];
  /** The first argument of every call at `level`, in order. */
  messages(level: log.LogLevelNames): string[];
}

/**
 * A uniquely named loglevel logger (`log.getLogger('test-' + random)`) whose `methodFactory` captures calls.
 * loglevel only builds methods for enabled levels, so a call below `level` is not recorded.
 */
export function capturingLogger(level: log.LogLevelDesc = 'trace'): CapturingLogger {
  const logger = log.getLogger(`test-${Math.random().toString(36).slice(2)}`);
  const calls: LogCall[] = [];
  logger.methodFactory = (methodName) => (...args: unknown[]) => {
    calls.push({ level: methodName, message: String(args[0]), args });
  };
  logger.setLevel(level, false);
  return {
    logger,
    calls,
    messages: (wanted) => calls.filter((call) => call.level === wanted).map((call) => call.message),
  };
}

/** A promise with its resolve and reject functions exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Cooperative work: never settles on its own, rejects with `signal.reason` as soon as the signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Uncooperative work: ignores its signal and never settles. */
export function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** Resolves on the next turn of the event loop (real `setImmediate`), after every pending microtask. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The error `promise` rejects with; fails if it resolves. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved');
}

/** The error `fn` throws synchronously; fails if it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the function to throw, but it returned');
}

/**
 * Fake timers for `setTimeout`/`setInterval`, `Date` and `performance`. `queueMicrotask`, `nextTick` and
 * `setImmediate` stay real: the manager starts work on a microtask, and `nextTurn()` needs a real immediate.
 */
export function useFakeClock(): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

/** Whether `promise` has settled by now (checked after pending microtasks). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await nextTurn();
  return settled;
}

/**
 * What a text logger receives after the message for `error`: its stack's frames, on a line of their own, without
 * the stack's header line (`Error: message`, which the message already says).
 */
export function stackFramesArgument(error: Error): string {
  const stack = error.stack ?? '';
  const header = error.message === '' ? error.name : `${error.name}: ${error.message}`;
  return `\n${stack.startsWith(header) ? stack.slice(header.length).replace(/^\n/, '') : stack}`;
}

/**
 * Registers, in the calling `describe`, an `afterEach` that runs what each test deferred, last first, whatever
 * happened in the test: a resource a failed test left open (a publisher reconnecting, a server listening) would
 * outlive it, and its timers would land in the tests after it. Every cleanup runs; the first one that throws fails
 * the hook.
 *
 * @returns the function a test defers a cleanup with.
 */
export function useCleanups(): (cleanup: () => unknown) => void {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
