import type { Observable } from 'rxjs';
import { checkPlainObject, readOptions } from '../util/validate';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { CreateTaskOptions } from './create-task-options';
import { ambientFrames, makeFrame } from './internal/ambient-scope';
import { ScopeCore } from './internal/scope-core';
import type { SettlingHandle } from './internal/task-observable';
import type { TaskCounts } from './task-counts';
import type { TaskEvent } from './task-event';
import type { TaskHandle } from './task-handle';
import type { TaskInfo } from './task-info';
import type { TaskScopeCloseOptions, TaskScopeCloseResult, TaskScopeOptions, TaskScopeRunOptions } from './task-scope-options';
import type { TaskWork } from './task-work';
import type { WaitOptions, WaitResult } from './wait-result';

/**
 * What a scope asks of its manager (the manager implements it).
 *
 * @internal
 */
export interface TaskScopeHost {
  createTask<T>(scope: ScopeCore, work: TaskWork<T>, options: CreateTaskOptions | undefined): SettlingHandle<T>;
  task$<T>(scope: ScopeCore, work: TaskWork<T>, options: CreateTaskOptions | undefined): Observable<T>;
  count(scope: ScopeCore): number;
  info(scope: ScopeCore, redacted: boolean): TaskInfo[];
  cancel(scope: ScopeCore, reason: unknown): number;
  wait(scope: ScopeCore, options: WaitOptions): Promise<WaitResult>;
  child(scope: ScopeCore, options: TaskScopeOptions): TaskScope;
  close(scope: ScopeCore, options: TaskScopeCloseOptions): Promise<TaskScopeCloseResult>;
}

/** Reads a scope's private core (set by the class's static block). */
let readCore: (scope: TaskScope) => ScopeCore;

/**
 * A group of tasks that belong together (a request, a graph run, a job), with its own counts, events,
 * cancellation and waiting, in the manager that made it (`manager.scope()`).
 *
 * A task of a scope is a task of its manager like any other: it counts in the manager's totals, streams and
 * `maxPendingTasks`, and `manager.shutdown()` cancels it. The scope sees only its own tasks, and those of its
 * child scopes (`scope.scope()`): `getTaskCount()`, `getTaskInfo()`, `cancelAll()` and `waitForAll()` cost in
 * proportion to them, not to the manager's. A task joins a scope when it is created with `scope.createTask()`, or
 * with `manager.createTask()` in code running inside `scope.run()` (every graph run is a scope, and a node runs
 * inside it).
 *
 * **Closing**, in order: the scope refuses new tasks (dropped, reason `'scope_closed'`), and so do its child
 * scopes; with `drainMs`, its tasks may finish on their own for up to that long; every task still in flight is
 * cancelled; then close waits up to `timeoutMs` for their work, detached work included, to stop. `await using`
 * closes with the defaults. Aborting the scope's `signal` cancels its tasks without closing it.
 *
 * @example
 * ```ts
 * await using scope = manager.scope({ name: 'request', signal: request.signal });
 * scope.createTask((signal) => audit.write(entry, { signal }), { name: 'audit' });
 * await scope.waitForAll({ timeoutMs: 5_000 });
 * ```
 */
export class TaskScope implements AsyncDisposable {
  static {
    readCore = (scope) => scope.#core;
  }

  readonly #host: TaskScopeHost;
  readonly #core: ScopeCore;
  /** The scope's task events (its child scopes' included), as `manager.events$` emits them. It does not complete. */
  readonly events$: Observable<TaskEvent>;
  /** The scope's running totals (its child scopes' included): the current value on subscribe, then each change. */
  readonly counts$: Observable<TaskCounts>;

  /**
   * Use `manager.scope()` or `scope.scope()`.
   *
   * @internal
   */
  constructor(host: TaskScopeHost, core: ScopeCore, events$: Observable<TaskEvent>, counts$: Observable<TaskCounts>) {
    if (!(core instanceof ScopeCore)) throw new TypeError('A TaskScope is made by manager.scope() or scope.scope(), not with new');
    this.#host = host;
    this.#core = core;
    core.handle = this;
    this.events$ = events$;
    this.counts$ = counts$;
  }

  /** The scope's name. */
  get name(): string {
    return this.#core.name;
  }

  /** The run its tasks belong to, or `undefined`. */
  get runId(): string | undefined {
    return this.#core.tags.runId;
  }

  /** The thread its tasks belong to, or `undefined`. */
  get threadId(): string | undefined {
    return this.#core.tags.threadId;
  }

  /** The scope it was made in, or `undefined` for a scope of the manager itself. */
  get parent(): TaskScope | undefined {
    return this.#core.parent?.handle as TaskScope | undefined;
  }

  /** Whether it (or a scope it is in) was closed: it accepts no new tasks. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * Creates a task of this scope: `manager.createTask()` with the scope's context under the task's own, the
   * scope's `timeoutMs` when the task gives none, and the scope's run and thread (and the node's name, when called
   * from code running in this scope: `scope.run(fn, { nodeName })`).
   *
   * @param work - what to run (see {@link TaskWork}).
   * @param options - as for `manager.createTask()`.
   * @returns the task's handle; `'dropped'` (reason `'scope_closed'`) when the scope is closed.
   * @throws {@link InvalidArgumentError} as `manager.createTask()` does.
   * @example
   * ```ts
   * scope.createTask((signal) => notify(user, { signal }), { name: 'notify' });
   * ```
   */
  createTask<T>(work: TaskWork<T>, options?: CreateTaskOptions): TaskHandle<T> {
    return this.#host.createTask(this.#core, work, options);
  }

  /**
   * A cold Observable of one task of this scope per subscription (see `manager.task$()`): unsubscribing cancels it.
   *
   * @param work - what to run.
   * @param options - as for {@link createTask}.
   * @returns an Observable of the task's value.
   * @example
   * ```ts
   * query$.pipe(switchMap((q) => scope.task$((signal) => search(q, { signal }), { name: 'search' })));
   * ```
   */
  task$<T>(work: TaskWork<T>, options?: CreateTaskOptions): Observable<T> {
    return this.#host.task$(this.#core, work, options);
  }

  /**
   * How many tasks of the scope are in flight.
   *
   * @returns the count (child scopes included; detached work not).
   * @example
   * ```ts
   * if (scope.getTaskCount() > 10) console.warn('busy request');
   * ```
   */
  getTaskCount(): number {
    return this.#host.count(this.#core);
  }

  /**
   * A snapshot of the scope's tracked tasks, as `manager.getTaskInfo()` gives them.
   *
   * @param options - `redacted: true` for copies made to leave the process.
   * @returns one {@link TaskInfo} per task: in flight, then detached work.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * console.table(scope.getTaskInfo().map(({ name, status }) => ({ name, status })));
   * ```
   */
  getTaskInfo(options: { readonly redacted?: boolean } = {}): TaskInfo[] {
    checkPlainObject('options', options);
    const settings = readOptions('options', options, ['redacted']);
    if (settings.redacted !== undefined && typeof settings.redacted !== 'boolean') {
      throw new InvalidArgumentError('redacted', 'a boolean', settings.redacted);
    }
    return this.#host.info(this.#core, settings.redacted === true);
  }

  /**
   * Cancels every task of the scope in flight (child scopes included), as `manager.cancelAll()` does.
   *
   * @param reason - why, kept as the shared `TaskCancelledError`'s `cause`.
   * @returns how many tasks it cancelled.
   * @example
   * ```ts
   * await scope.cancelAll('client disconnected');
   * ```
   */
  async cancelAll(reason?: unknown): Promise<number> {
    return this.#host.cancel(this.#core, reason);
  }

  /**
   * Waits until no task of the scope is in flight, as `manager.waitForAll()` does for the whole manager.
   *
   * @param options - `timeoutMs` and `returnExceptions`.
   * @returns the {@link WaitResult}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const { status } = await scope.waitForAll({ timeoutMs: 5_000, returnExceptions: true });
   * ```
   */
  waitForAll(options: WaitOptions = {}): Promise<WaitResult> {
    return this.#host.wait(this.#core, options);
  }

  /**
   * A child scope: its tasks are this scope's too; closing or cancelling this scope reaches them.
   *
   * @param options - see {@link TaskScopeOptions}; run, thread, context and timeout default to this scope's.
   * @returns the child scope.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const upload = requestScope.scope({ name: 'upload', timeoutMs: 60_000 });
   * ```
   */
  scope(options: TaskScopeOptions): TaskScope {
    return this.#host.child(this.#core, options);
  }

  /**
   * Runs `fn` inside this scope: a task created with `manager.createTask()` in it, or in anything it calls
   * (across awaits, timers and the tasks it starts), joins this scope and gets its run, thread and `nodeName`.
   *
   * @typeParam R - what `fn` returns.
   * @param fn - the code to run.
   * @param options - `nodeName`, recorded on the tasks created inside.
   * @returns what `fn` returns.
   * @throws {@link InvalidArgumentError} when `fn` is not a function or an option is not acceptable; what `fn` throws.
   * @example
   * ```ts
   * await scope.run(() => handleRequest(request)); // tasks it creates through the manager belong to the scope
   * ```
   */
  run<R>(fn: () => R, options: TaskScopeRunOptions = {}): R {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function', fn);
    checkPlainObject('options', options);
    const { nodeName } = readOptions('options', options, ['nodeName']);
    if (nodeName !== undefined && typeof nodeName !== 'string' && typeof nodeName !== 'function') {
      throw new InvalidArgumentError('nodeName', 'a string or a function', nodeName);
    }
    return ambientFrames.run(makeFrame(this.#core, ambientFrames.getStore(), nodeName), fn);
  }

  /**
   * Closes the scope (see the class description for the steps). Concurrent and later calls share the first one.
   *
   * @param options - `drainMs` (default 0) and `timeoutMs` (default the manager's `defaultShutdownTimeoutMs`).
   * @returns the {@link TaskScopeCloseResult}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const { cancelled } = await scope.close({ drainMs: 1_000 });
   * ```
   */
  close(options: TaskScopeCloseOptions = {}): Promise<TaskScopeCloseResult> {
    return this.#host.close(this.#core, options);
  }

  /**
   * Runs {@link close} with its defaults, so that `await using scope = manager.scope(...)` closes it at the end
   * of the block.
   *
   * @example
   * ```ts
   * {
   *   await using scope = manager.scope({ name: 'job' });
   *   scope.createTask(() => step(1), { name: 'step' });
   * } // the job's tasks are drained (none), cancelled and waited for here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * The manager's side of `value`, when it is a scope.
 *
 * @internal
 */
export function scopeCoreOf(value: unknown): ScopeCore | undefined {
  try {
    if (!(value instanceof TaskScope)) return undefined; // (instanceof itself throws for a revoked Proxy)
    const core = readCore(value);
    return core instanceof ScopeCore ? core : undefined;
  } catch {
    return undefined; // an object that only claims TaskScope's prototype
  }
}

/**
 * The scope the calling code runs in (inside `scope.run()`: a graph node, a LangGraph.js node of a wrapped graph),
 * or `undefined` outside any.
 *
 * @returns the innermost scope entered, of any manager.
 * @example
 * ```ts
 * const scope = getCurrentTaskScope();
 * scope?.createTask(() => audit(entry), { name: 'audit' });
 * ```
 */
export function getCurrentTaskScope(): TaskScope | undefined {
  return ambientFrames.getStore()?.scope.handle as TaskScope | undefined;
}
