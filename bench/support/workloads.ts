/**
 * The workloads and their floors, shared by several measurements.
 *
 * Every timed driver runs one round and returns its per-task {@link Timing}. Each waits for its tasks the same
 * way: it awaits the completion of the LAST task created (tasks settle in creation order: they all start in the
 * same turn and take the same number of steps), then checks that its books are empty. The manager's side awaits the last
 * handle's `done` (one promise, created on demand), which costs less than `waitForAll()` (a watcher called on
 * every settlement); if anything were still in flight it falls back to `waitForAll()`, inside the timing.
 */
import type { BackgroundTaskManager, CreateTaskOptions, TaskHandle, TaskStatus } from '../../lib';
import { freshManager, fullGc, heapUsed, nextTurn, readCounts, verify } from './env';
import { startTiming, type Timing } from './timing';

/** Work as issue 2 specifies it for create + settle: a function that receives the signal and awaits once. */
export type SignalWork = (signal: AbortSignal) => Promise<void>;

/** The trivial work of measurements 1, 2 and 6. */
export const trivialWork: SignalWork = async (_signal: AbortSignal): Promise<void> => {
  await null;
};

/** The common case of measurement 7: a function that declares no parameter, so it cannot receive the signal. */
export const commonWork = async (): Promise<void> => {
  await null;
};

/** Work blocked until `gate` resolves (measurements 3 and 5). */
export function gatedWork(gate: Promise<void>): SignalWork {
  return async (_signal: AbortSignal): Promise<void> => {
    await gate;
  };
}

/** Work that honours its signal and nothing else: it rejects with the signal's reason when it aborts (measurement 4). */
export const honouringWork = (signal: AbortSignal): Promise<never> =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

/** A gate: a promise and the function that opens it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A handle's status, read afresh (without TypeScript narrowing it from an earlier read). */
const statusOf = (handle: TaskHandle<unknown>): TaskStatus => handle.status;

// ---------------------------------------------------------------------------------------------------------------
// The manager

/** Creates `count` tasks of `work` on `manager` and returns the last handle. */
function createMany(
  manager: BackgroundTaskManager,
  count: number,
  work: SignalWork | (() => Promise<void>),
  options?: CreateTaskOptions,
): TaskHandle<void> {
  let last: TaskHandle<void> | undefined;
  for (let i = 0; i < count; i++) last = manager.createTask(work, options);
  verify(last !== undefined, 'no task created');
  return last;
}

/** Waits, as described at the top of this file, until the manager has nothing in flight. */
async function settleAll(manager: BackgroundTaskManager, last: TaskHandle<void>): Promise<void> {
  await last.done;
  if (manager.getTaskCount() !== 0) await manager.waitForAll();
}

export interface ManagerCreateSettleOptions {
  readonly timeoutMs?: number;
  /** The work; default {@link trivialWork} (which declares the signal parameter). */
  readonly work?: SignalWork | (() => Promise<void>);
  /** One trivial subscriber on `events$` and one on `counts$`, subscribed before the timing starts. */
  readonly subscribers?: boolean;
}

/** Measurements 1, 2 and 6: create `tasks` trivial tasks on a fresh manager and wait until all have settled. */
export async function managerCreateSettle(tasks: number, options: ManagerCreateSettleOptions = {}): Promise<Timing> {
  const manager = freshManager();
  let events = 0;
  let countsSeen = 0;
  const subscriptions = options.subscribers
    ? [manager.events$.subscribe(() => void events++), manager.counts$.subscribe(() => void countsSeen++)]
    : [];
  const taskOptions: CreateTaskOptions | undefined = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : undefined;

  const stopTiming = startTiming();
  const last = createMany(manager, tasks, options.work ?? trivialWork, taskOptions);
  await settleAll(manager, last);
  const timing = stopTiming(tasks);

  for (const subscription of subscriptions) subscription.unsubscribe();
  const counts = readCounts(manager);
  verify(last.status === 'completed', `last task is ${last.status}, expected completed`);
  verify(counts.created === tasks && counts.completed === tasks && counts.active === 0, `counts ${JSON.stringify(counts)} after ${tasks} tasks`);
  if (options.subscribers) {
    verify(events === 3 * tasks, `events$ delivered ${events} events for ${tasks} tasks, expected ${3 * tasks}`);
    verify(countsSeen >= 2 * tasks, `counts$ delivered ${countsSeen} values for ${tasks} tasks`);
  }
  await manager.shutdown();
  return timing;
}

/**
 * Measurement 3: `batches` batches of `inFlight` tasks each on one fresh manager; every batch is blocked on a
 * gate opened once all of its tasks are created, so `inFlight` tasks are in flight at once. Timed: creating
 * them all, and every batch settling.
 */
export async function managerBlockedBatches(inFlight: number, batches: number): Promise<Timing> {
  const manager = freshManager();
  const stopTiming = startTiming();
  for (let batch = 0; batch < batches; batch++) {
    const { promise, open } = gate();
    const last = createMany(manager, inFlight, gatedWork(promise));
    verify(manager.getTaskCount() === inFlight, `${manager.getTaskCount()} tasks in flight, expected ${inFlight}`);
    open();
    await settleAll(manager, last);
    verify(last.status === 'completed', `last task is ${last.status}, expected completed`);
  }
  const timing = stopTiming(inFlight * batches);
  const counts = readCounts(manager);
  verify(counts.completed === inFlight * batches && counts.active === 0, `counts ${JSON.stringify(counts)}`);
  await manager.shutdown();
  return timing;
}

/**
 * Measurement 4: `tasks` in-flight tasks that honour their signal, all running; timed: `shutdown()` until it
 * resolves.
 */
export async function managerShutdown(tasks: number): Promise<Timing> {
  const manager = freshManager();
  createMany(manager, tasks, honouringWork);
  await nextTurn(); // every task has started
  verify(manager.getTaskCount() === tasks, `${manager.getTaskCount()} tasks in flight, expected ${tasks}`);
  globalThis.gc?.();

  const stopTiming = startTiming();
  const stats = await manager.shutdown({ timeoutMs: 600_000 });
  const timing = stopTiming(tasks);

  verify(stats.status === 'completed', `shutdown status ${stats.status}`);
  verify(stats.cancelled === tasks && stats.remainingTasks === 0, `shutdown stats ${JSON.stringify({ ...stats, remaining: stats.remaining.length })}`);
  verify(manager.getTaskCount() === 0 && manager.detachedCount === 0, 'tasks left after shutdown');
  return timing;
}

// ---------------------------------------------------------------------------------------------------------------
// The floors

/** Floor: a bare promise per task, tracked in a Set until it settles. */
export async function floorSetTracked(tasks: number): Promise<Timing> {
  const tracked = new Set<Promise<void>>();
  const stopTiming = startTiming();
  let last: Promise<void> | undefined;
  for (let i = 0; i < tasks; i++) last = trackInSet(tracked, trivialWork);
  await last;
  const timing = stopTiming(tasks);
  verify(tracked.size === 0, `${tracked.size} promises still tracked`);
  return timing;
}

function trackInSet(tracked: Set<Promise<void>>, work: SignalWork): Promise<void> {
  const promise: Promise<void> = work(undefined as unknown as AbortSignal).then(
    () => void tracked.delete(promise),
    () => void tracked.delete(promise),
  );
  tracked.add(promise);
  return promise;
}

/**
 * Floor: what a task minimally is here. A new AbortController whose signal the work receives, a Map entry by id,
 * the work started a microtask later, its promise awaited (a failure swallowed, as the manager logs it), the Map
 * entry deleted, and a completion promise resolved (the async function's own). With `timeoutMs`, a setTimeout
 * that would abort the controller, cleared when the work settles.
 */
async function runFloorTask(tracked: Map<number, AbortController>, id: number, work: SignalWork, timeoutMs: number | undefined): Promise<void> {
  const controller = new AbortController();
  tracked.set(id, controller);
  const timer = timeoutMs === undefined ? undefined : setTimeout(abortOnTimeout, timeoutMs, controller);
  await undefined; // the work starts a microtask after creation, as the manager's does
  try {
    await work(controller.signal);
  } catch {
    // a failed task: the manager logs it, never rethrows it
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    tracked.delete(id);
  }
}

function abortOnTimeout(controller: AbortController): void {
  controller.abort(new Error('timed out'));
}

/** Measurements 1 and 2: the AbortController floor (with a setTimeout/clearTimeout pair when `timeoutMs` is set). */
export async function floorAbortController(tasks: number, timeoutMs?: number): Promise<Timing> {
  const tracked = new Map<number, AbortController>();
  let nextId = 1;
  const stopTiming = startTiming();
  let last: Promise<void> | undefined;
  for (let i = 0; i < tasks; i++) last = runFloorTask(tracked, nextId++, trivialWork, timeoutMs);
  await last;
  const timing = stopTiming(tasks);
  verify(tracked.size === 0, `${tracked.size} tasks still tracked`);
  return timing;
}

/** Measurement 3's floor (for information): the AbortController floor in blocked batches, as {@link managerBlockedBatches}. */
export async function floorBlockedBatches(inFlight: number, batches: number): Promise<Timing> {
  const tracked = new Map<number, AbortController>();
  let nextId = 1;
  const stopTiming = startTiming();
  for (let batch = 0; batch < batches; batch++) {
    const { promise, open } = gate();
    const work = gatedWork(promise);
    let last: Promise<void> | undefined;
    for (let i = 0; i < inFlight; i++) last = runFloorTask(tracked, nextId++, work, undefined);
    verify(tracked.size === inFlight, `${tracked.size} tasks in flight, expected ${inFlight}`);
    open();
    await last;
    verify(tracked.size === 0, `${tracked.size} tasks still tracked`);
  }
  return stopTiming(inFlight * batches);
}

/**
 * Measurement 4's floor: `tasks` AbortControllers, each with one promise that rejects when it aborts (the same
 * work as the manager's tasks); timed: aborting them all, with one shared reason, until every promise has
 * settled (a counter reaching zero resolves one promise).
 */
export async function floorAbortAll(tasks: number): Promise<Timing> {
  const reason = new Error('shut down');
  const controllers: AbortController[] = [];
  let remaining = tasks;
  let allSettled!: () => void;
  const settled = new Promise<void>((resolve) => (allSettled = resolve));
  const onSettled = (): void => {
    if (--remaining === 0) allSettled();
  };
  for (let i = 0; i < tasks; i++) {
    const controller = new AbortController();
    honouringWork(controller.signal).then(onSettled, onSettled);
    controllers.push(controller);
  }
  await nextTurn();
  globalThis.gc?.();

  const stopTiming = startTiming();
  for (const controller of controllers) controller.abort(reason);
  await settled;
  const timing = stopTiming(tasks);
  verify(remaining === 0, `${remaining} promises unsettled`);
  return timing;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory (measurement 5)

/** Heap figures of one memory round. */
export interface MemorySample {
  /** Heap growth per in-flight task, in bytes. */
  readonly bytesPerTask: number;
  /** Heap after everything settled, relative to the start: `0.01` is 1% above. */
  readonly residual: number;
  /** Heap at the start, in bytes. */
  readonly startBytes: number;
}

/**
 * Heap per in-flight task: full GC, heap used; `tasks` blocked tasks created and all running; full GC, heap
 * used again, the difference divided by `tasks`. Then the gate opens, every task settles, full GC, and the heap
 * is compared with the start. The manager stays referenced throughout: its own emptied books count.
 */
export async function managerMemory(tasks: number): Promise<MemorySample> {
  const manager = freshManager();
  const { promise, open } = gate();
  const work = gatedWork(promise);
  await fullGc();
  const startBytes = heapUsed();

  let last: TaskHandle<void> | undefined = createMany(manager, tasks, work);
  await nextTurn();
  verify(manager.getTaskCount() === tasks && last.status === 'running', `${manager.getTaskCount()} tasks in flight, last ${last.status}`);
  await fullGc();
  const runningBytes = heapUsed();

  open();
  await settleAll(manager, last);
  verify(statusOf(last) === 'completed' && manager.getTaskCount() === 0, `last task ${statusOf(last)}, ${manager.getTaskCount()} in flight`);
  last = undefined;
  await fullGc();
  const endBytes = heapUsed();
  verify(manager.state === 'running', 'the manager is still referenced');
  return { bytesPerTask: (runningBytes - startBytes) / tasks, residual: (endBytes - startBytes) / startBytes, startBytes };
}

/** {@link managerMemory} for the AbortController floor (for information). */
export async function floorMemory(tasks: number): Promise<MemorySample> {
  const tracked = new Map<number, AbortController>();
  const { promise, open } = gate();
  const work = gatedWork(promise);
  await fullGc();
  const startBytes = heapUsed();

  let last: Promise<void> | undefined;
  for (let id = 1; id <= tasks; id++) last = runFloorTask(tracked, id, work, undefined);
  await nextTurn();
  await fullGc();
  const runningBytes = heapUsed();

  open();
  await last;
  verify(tracked.size === 0, `${tracked.size} tasks still tracked`);
  last = undefined;
  await fullGc();
  const endBytes = heapUsed();
  verify(tracked.size === 0, 'the floor is still referenced');
  return { bytesPerTask: (runningBytes - startBytes) / tasks, residual: (endBytes - startBytes) / startBytes, startBytes };
}

// ---------------------------------------------------------------------------------------------------------------
// Starting work in the caller's async context (measurement 7, for information)

/** One piece of bookkeeping per task, as the start of a task touches it. */
class Started {
  count = 0;
  start(): void {
    this.count++;
  }
}

const RESOLVED = Promise.resolve();

/**
 * The manager's way to start work: one promise reaction per task, created where the task is created, which
 * therefore runs in that caller's async context. Timed: scheduling `tasks` starts and running them all.
 */
export async function startPerTaskReaction(tasks: number): Promise<Timing> {
  const started = new Started();
  const stopTiming = startTiming();
  for (let i = 0; i < tasks; i++) RESOLVED.then(() => started.start());
  await nextTurn();
  const timing = stopTiming(tasks);
  verify(started.count === tasks, `${started.count} of ${tasks} started`);
  return timing;
}

/**
 * The cheaper way that loses the async context: one microtask starts every task of the batch (all run in the
 * first caller's context). Timed like {@link startPerTaskReaction}.
 */
export async function startBatched(tasks: number): Promise<Timing> {
  const started = new Started();
  let queue: Started[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    for (const item of batch) item.start();
  };
  const stopTiming = startTiming();
  for (let i = 0; i < tasks; i++) {
    queue.push(started);
    if (queue.length === 1) queueMicrotask(flush);
  }
  await nextTurn();
  const timing = stopTiming(tasks);
  verify(started.count === tasks, `${started.count} of ${tasks} started`);
  return timing;
}

/**
 * A context of 10 fields, one of them nested, as an agent's task would carry (measurements 8 and 9); the last
 * field is given (`apiKey` with a secret, for the redaction measurement).
 */
export function tenFieldContext(index: number, last: readonly [string, unknown] = ['model', 'gpt-4o']): Record<string, unknown> {
  return {
    userId: `user-${index % 97}`,
    threadId: `thread-${index % 13}`,
    runId: `run-${index}`,
    tenant: 'acme',
    region: 'eu-west-1',
    attempt: 1,
    priority: 'high',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    [last[0]]: last[1],
    request: { method: 'POST', path: `/v1/items/${index}`, status: 202 },
  };
}
