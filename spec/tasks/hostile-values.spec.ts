import { expect } from 'chai';
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import log from 'loglevel';
import { Observable } from 'rxjs';
import { isObjectLiteral } from '../../lib/util/validate';
import {
  BackgroundTaskManager,
  OVERFLOW_POLICIES,
  toServerSentEvents,
  type OverflowPolicy,
  type TaskCounts,
  type TaskHandle,
  type TaskInfo,
  type CancelReason,
} from '../../lib';
import { asContext, hostileArb, make, type Hostile } from '../support/hostile-values';

/*
 * Property-based test of the manager under hostile values: errors, contexts, names and reasons drawn from a pool
 * of exotic shapes (throwing getters, toJSON / Symbol.toPrimitive / toString that throw, Proxies whose traps
 * throw, revoked Proxies, cycles, BigInts, Symbols, frozen and null-prototype objects, 1 MB strings, control
 * characters, deep nesting, and whatever fast-check's `anything()` makes), driven through every path: failing
 * (rejecting, throwing, an Observable erroring), timing out, cancelling (by handle, by a caller's signal, by
 * cancelAll), dropping (overflow, after shutdown), detached work failing late, shutdown, getTaskInfo (raw and
 * redacted), the streams, the logger at every level, and the server-sent-events stream.
 *
 * Invariants: every `done` resolves; the counts balance; waitForAll() and shutdown() settle; the logger only ever
 * receives text, one line per message; every SSE frame is JSON; nothing escapes (the suite-wide hook fails the
 * test on an unhandled rejection, an uncaught exception or a warning); the manager keeps working.
 *
 * HOSTILE_RUNS sets the number of runs (default 200); a failure prints fast-check's seed and path, and
 * HOSTILE_SEED=<seed> replays it.
 */

const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 200);
const SEED = process.env['HOSTILE_SEED'] === undefined ? undefined : Number(process.env['HOSTILE_SEED']);

/** A task name (`LONG` stands for 5,000 characters, made by {@link nameOf}). */
const nameArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '__proto__', 'constructor', 'line\nforged', '\u001b[2Jclear', '\u202eevil', 'LONG'),
);

function nameOf(name: string): string {
  return name === 'LONG' ? 'x'.repeat(5_000) : name;
}

type Path =
  | 'complete'
  | 'reject'
  | 'throw'
  | 'observableError'
  | 'timeout'
  | 'cancel'
  | 'callerAbort'
  | 'alreadyAborted'
  | 'detachedFailure'
  | 'cancelAll';

const PATHS: readonly Path[] = [
  'complete',
  'reject',
  'throw',
  'observableError',
  'timeout',
  'cancel',
  'callerAbort',
  'alreadyAborted',
  'detachedFailure',
  'cancelAll',
];

interface TaskPlan {
  readonly path: Path;
  readonly name: string;
  readonly value: Hostile;
  readonly context: Hostile;
  readonly reason: Hostile;
}

interface RunPlan {
  readonly tasks: readonly TaskPlan[];
  readonly maxPendingTasks: number;
  readonly overflow: OverflowPolicy;
  readonly level: log.LogLevelNames | 'silent';
  readonly subscribe: boolean;
  readonly sse: boolean;
  readonly afterShutdown: TaskPlan;
}

const taskArb: fc.Arbitrary<TaskPlan> = fc.record({
  path: fc.constantFrom(...PATHS),
  name: nameArb,
  value: hostileArb,
  context: hostileArb,
  reason: hostileArb,
});

const runArb: fc.Arbitrary<RunPlan> = fc.record({
  tasks: fc.array(taskArb, { minLength: 1, maxLength: 8 }),
  maxPendingTasks: fc.constantFrom(0, 2, 5, 100),
  overflow: fc.constantFrom(...OVERFLOW_POLICIES),
  level: fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'silent'),
  subscribe: fc.boolean(),
  sse: fc.boolean(),
  afterShutdown: taskArb,
});

/** A loglevel logger recording every call; it checks that it is only ever handed text. */
function recordingLogger(level: log.LogLevelNames | 'silent'): { logger: log.Logger; calls: unknown[][] } {
  const logger = log.getLogger(`hostile-${Math.random().toString(36).slice(2)}`);
  const calls: unknown[][] = [];
  logger.methodFactory = () => (...args: unknown[]) => void calls.push(args);
  logger.setLevel(level, false);
  return { logger, calls };
}

/** An in-memory response for the SSE handler, recording what it writes. */
function fakeSse(): { req: IncomingMessage; res: ServerResponse; chunks: string[]; close(): void } {
  const chunks: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writeHead(): unknown {
      return res;
    },
    write(chunk: string): boolean {
      chunks.push(chunk);
      return true;
    },
    end(): void {
      res.destroyed = true;
    },
  });
  const req = { method: 'GET', headers: {}, httpVersionMajor: 1 } as unknown as IncomingMessage;
  return {
    req,
    res: res as unknown as ServerResponse,
    chunks,
    close: () => {
      res.destroyed = true;
      res.emit('close');
    },
  };
}

/** Starts one task on the path its plan names; returns its handle, or undefined when the manager refused it. */
function start(manager: BackgroundTaskManager, plan: TaskPlan, callers: AbortController[]): TaskHandle<unknown> | undefined {
  const options = { name: nameOf(plan.name), context: asContext(make(plan.context)) };
  const value = (): unknown => make(plan.value);
  const reason = (): unknown => make(plan.reason);
  const create = (work: Parameters<BackgroundTaskManager['createTask']>[0], extra: object = {}): TaskHandle<unknown> | undefined => {
    try {
      return manager.createTask(work, { ...options, ...extra });
    } catch (error) {
      // Only the 'reject' overflow policy may throw here, with a TaskRejectedError.
      expect((error as { code?: unknown }).code).to.equal('TASK_REJECTED');
      return undefined;
    }
  };
  switch (plan.path) {
    case 'complete':
      return create(async () => value());
    case 'reject':
      return create(() => Promise.reject(value()));
    case 'throw':
      return create(() => {
        throw value();
      });
    case 'observableError':
      return create(new Observable((subscriber) => subscriber.error(value())));
    case 'timeout':
      return create((signal: AbortSignal) => untilAborted(signal), { timeoutMs: 1 });
    case 'cancel': {
      const handle = create((signal: AbortSignal) => untilAborted(signal));
      handle?.cancel(reason());
      return handle;
    }
    case 'callerAbort': {
      const caller = new AbortController();
      callers.push(caller);
      const handle = create((signal: AbortSignal) => untilAborted(signal), { signal: caller.signal });
      caller.abort(reason());
      return handle;
    }
    case 'alreadyAborted':
      return create(async () => value(), { signal: AbortSignal.abort(reason()) });
    case 'detachedFailure':
      // ignores its signal, times out, then fails with the hostile value as detached work
      return create(
        (_signal: AbortSignal) => new Promise((_, reject) => setTimeout(() => reject(value()), 3)),
        { timeoutMs: 1 },
      );
    case 'cancelAll':
      return create((signal: AbortSignal) => untilAborted(signal));
  }
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** Fails the property if `promise` does not settle within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a log line must not carry raw: C0, DEL, C1, line/paragraph separators, bidirectional controls. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function balanced(counts: TaskCounts): boolean {
  return counts.created === counts.active + counts.completed + counts.failed + counts.cancelled + counts.timedOut;
}

async function runPlan(plan: RunPlan): Promise<void> {
  const { logger, calls } = recordingLogger(plan.level);
  const manager = new BackgroundTaskManager({ logger, maxPendingTasks: plan.maxPendingTasks, overflow: plan.overflow });
  const subscriptions = [];
  let lastCounts: TaskCounts | undefined;
  let lastList: readonly TaskInfo[] = [];
  if (plan.subscribe) {
    subscriptions.push(
      manager.events$.subscribe(() => undefined),
      manager.counts$.subscribe((counts) => (lastCounts = counts)),
      manager.tasks$.subscribe((list) => (lastList = list)),
      manager.state$.subscribe(() => undefined),
    );
  }
  const sse = plan.sse ? fakeSse() : undefined;
  const events = plan.sse ? toServerSentEvents(manager, { heartbeatMs: 0, lingerMs: 0 }) : undefined;
  if (sse !== undefined && events !== undefined) events(sse.req, sse.res);

  const callers: AbortController[] = [];
  const handles = plan.tasks.map((task) => start(manager, task, callers)).filter((h): h is TaskHandle<unknown> => h !== undefined);
  manager.getTaskInfo();
  manager.getTaskInfo({ redacted: true });
  const cancelAll = plan.tasks.find((task) => task.path === 'cancelAll');
  if (cancelAll !== undefined) {
    // Any value is a reason: positionally, unless it is a plain object, which cancelAll() reads as options (then `{ reason }`).
    const reason = make(cancelAll.reason);
    if (isObjectLiteral(reason)) await manager.cancelAll({ reason });
    else await manager.cancelAll(reason as CancelReason); // any value at run time; the type leaves plain objects out
  }

  const outcomes = await within(Promise.all(handles.map((handle) => handle.done)), 2_000, 'every done');
  expect(outcomes.every((outcome) => typeof outcome.status === 'string')).to.equal(true);
  const waited = await within(manager.waitForAll({ timeoutMs: 1_000, returnExceptions: true }), 2_000, 'waitForAll');
  expect(waited.status).to.equal('idle');

  // The manager keeps working.
  const check = manager.createTask(async () => 'ok', { name: 'check' });
  if (check.status !== 'dropped') expect(await within(check.result(), 2_000, 'a plain task')).to.equal('ok');

  const stats = await within(manager.shutdown({ timeoutMs: 1_000 }), 3_000, 'shutdown');
  expect(stats.status).to.equal('completed');
  const dropped = start(manager, plan.afterShutdown, callers);
  if (dropped !== undefined) expect((await within(dropped.done, 1_000, 'a dropped task')).status).to.equal('dropped');

  let counts: TaskCounts | undefined;
  manager.counts$.subscribe((value) => (counts = value)).unsubscribe();
  expect(counts !== undefined && balanced(counts), `balanced counts ${JSON.stringify(counts)}`).to.equal(true);
  expect(counts?.active).to.equal(0);
  if (plan.subscribe) {
    expect(lastCounts).to.deep.equal(counts);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lastList).to.deep.equal([]);
  }
  for (const subscription of subscriptions) subscription.unsubscribe();

  for (const args of calls) {
    for (const arg of args) expect(typeof arg, 'the logger is only handed text').to.equal('string');
    const message = String(args[0]);
    expect(CONTROL.test(message), `one line per message, no control character: ${JSON.stringify(message)}`).to.equal(false);
  }
  if (sse !== undefined && events !== undefined) {
    const frames = sse.chunks.join('').split('\n').filter((line) => line.startsWith('data: '));
    expect(frames.length).to.be.greaterThan(0);
    for (const frame of frames) JSON.parse(frame.slice('data: '.length));
    sse.close();
    events.close();
  }
}

describe('BackgroundTaskManager under hostile values (property-based)', function () {
  this.timeout(120_000);

  it('settles every task, balances its counts, logs text on one line, streams JSON, and keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, (plan) => runPlan(plan)),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
    );
  });
});

