import type { Observable } from 'rxjs';
import type { ContainerInstance } from 'typedi';
import { runScopeStorage } from '../di/run-scope';
import { GraphClosedError } from '../errors/graph-closed-error';
import { defaultLog } from '../logging/guarded-logger';
import type { BasePublisher } from '../publisher/base-publisher';
import { BackgroundTaskManager } from '../tasks/background-task-manager';
import { DEFAULT_MANAGER_OPTIONS, type BackgroundTaskManagerOptions } from '../tasks/manager-options';
import { callerSignalLinks, type CallerCancellable } from '../util/caller-signal-links';
import { GuardedObservable } from '../util/guarded-observable';
import { noop } from '../util/noop';
import { ONCE } from '../util/once-listener';
import { checkAbortSignal, checkDelay, checkPlainObject, checkPositiveInteger, checkString, readOptions } from '../util/validate';
import type { TaskScope } from '../tasks/task-scope';
import { checkWaitForTasks, waitForRunTasks, type RunTasksWait } from './wait-for-run-tasks';
import type { GraphCloseOptions, GraphCloseResult } from './graph-close-result';
import type { GraphEvent } from './graph-event';
import type { GraphStepWrapper } from './graph-step-wrapper';
import { GraphContainer } from './internal/graph-container';
import { executeGraphRun } from './internal/graph-run';
import type { GraphSpec } from './internal/graph-spec';
import { runWrapped, stepWrapperAccess } from './internal/step-wrappers';
import { leasePublisher, releasePublisher } from './internal/publisher-leases';
import type { ResolvedRunConfig, RunConfig } from './run-config';
import type { RunContext } from './run-context';

/** What `StateGraph.compile()` hands to the compiled graph. */
export interface CompiledGraphInit<S> {
  readonly spec: GraphSpec<S>;
  readonly initialState: Partial<S>;
  readonly publisher: BasePublisher | undefined;
  readonly container: ContainerInstance | undefined;
  readonly recursionLimit: number;
  readonly managerOptions: BackgroundTaskManagerOptions;
}

/** A run in progress, as `close()` sees it. */
interface ActiveRun {
  readonly runId: string;
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

/**
 * A graph ready to run, as `StateGraph.compile()` returns it: it owns a `BackgroundTaskManager`, a TypeDI
 * container with its bindings, and its publisher, until {@link CompiledGraph.close} releases them.
 *
 * Every run executes inside the graph's run context, so `inject()` resolves from the graph's container in a
 * node and in everything it calls. Every run publishes its graph start/end and node start/end/error events
 * through `publishEvent()`, in the background: a slow, failing or hanging publisher never slows or breaks a run.
 *
 * **Closing**, in order: new runs are refused with a {@link GraphClosedError}; runs in progress are aborted
 * with one (their signal aborts; `invoke()` rejects at once); the manager shuts down (tasks get `drainMs` to
 * finish, are then cancelled, and shutdown waits up to `shutdownTimeoutMs` for their work to stop); then the
 * publisher is closed, unless another open compiled graph still uses the same instance (the last one to close
 * closes it); then the TypeDI container is released.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * await using app = new StateGraph<State>().addNode('answer', answer).setEntryPoint('answer').compile();
 * const result = await app.invoke({ question: 'Why?' }, { threadId: 'thread-1' });
 * ```
 */
export class CompiledGraph<S extends object = Record<string, unknown>> implements AsyncDisposable {
  readonly #spec: GraphSpec<S>;
  readonly #initialState: Partial<S>;
  readonly #recursionLimit: number;
  readonly #manager: BackgroundTaskManager;
  readonly #graphContainer: GraphContainer;
  /** The publisher bound when the graph was compiled: the one `close()` closes. */
  readonly #publisher: BasePublisher | undefined;
  readonly #runs = new Set<ActiveRun>();
  /** What instrumentations wrap each run and node execution in (see `wrapGraphSteps()`); `undefined` when none. */
  #stepWrappers: readonly GraphStepWrapper[] | undefined;
  /** How long `close()` waits for the publisher's own `close()`: the `shutdownTimeoutMs` given to `compile()`. */
  readonly #publisherCloseTimeoutMs: number;
  #closing: Promise<GraphCloseResult> | undefined;
  #closed = false;

  /**
   * Use {@link StateGraph.compile} instead.
   *
   * @internal
   */
  constructor(init: CompiledGraphInit<S>) {
    this.#spec = init.spec;
    this.#initialState = init.initialState;
    this.#recursionLimit = init.recursionLimit;
    this.#manager = new BackgroundTaskManager(init.managerOptions);
    this.#publisherCloseTimeoutMs =
      init.managerOptions.defaultShutdownTimeoutMs ?? DEFAULT_MANAGER_OPTIONS.defaultShutdownTimeoutMs;
    this.#graphContainer = new GraphContainer(init.container, { manager: this.#manager, publisher: init.publisher });
    this.#publisher = this.#graphContainer.publisher();
    if (this.#publisher !== undefined) leasePublisher(this.#publisher);
  }

  /** The graph's background task manager: its counts, tasks and events, for monitoring. */
  get taskManager(): BackgroundTaskManager {
    return this.#manager;
  }

  /** The graph's TypeDI container (released by `close()`). */
  get container(): ContainerInstance {
    return this.#graphContainer.container;
  }

  /** Whether `close()` was called: the graph accepts no new runs. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Runs the graph from its entry point to `END` and resolves to the final state.
   *
   * The run starts from the initial state with `input` shallow-merged over it; each node's update is merged in
   * turn.
   *
   * @param input - the run's input, merged over the initial state.
   * @param config - the run's configuration (see {@link RunConfig}).
   * @returns the final state.
   * @throws (as rejections) a node's own error when a node fails; {@link GraphRecursionError} past the recursion
   * limit; {@link GraphError} when a node returns something that is not a state or a condition maps nowhere;
   * the signal's reason when `config.signal` aborts; {@link GraphClosedError} when the graph is closed (or
   * closes during the run); {@link InvalidArgumentError} for a bad `config`.
   * @example
   * ```ts
   * const state = await app.invoke({ input: 'hello' }, { threadId: 'thread-1', userId: 'alice' });
   * ```
   */
  async invoke(input: Partial<S> = {}, config: RunConfig = {}): Promise<S> {
    return this.#run(input, config, noop);
  }

  /**
   * Runs the graph when subscribed to, emitting each step as a {@link GraphEvent}: `graph_start`, `node_start`
   * and `node_end` for each node, then `graph_end` and completion. A failing run emits `node_error` (when a node
   * failed) and errors with what `invoke()` would reject with.
   *
   * Each subscription is one run. Unsubscribing cancels it (its signal aborts), as `config.signal` does.
   * A subscriber's callback that throws is logged at ERROR and does not break the run; so is a run's error
   * when the subscriber has no error callback.
   *
   * @param input - the run's input, merged over the initial state.
   * @param config - the run's configuration (see {@link RunConfig}).
   * @returns a cold Observable of the run's events.
   * @throws {@link InvalidArgumentError} synchronously, for a bad `input` or `config`.
   * @example
   * ```ts
   * const subscription = app.stream({ question }, { threadId }).subscribe((event) => {
   *   if (event.type === 'node_end') console.log(event.node, event.update);
   * });
   * // later: subscription.unsubscribe() cancels the run
   * ```
   */
  stream(input: Partial<S> = {}, config: RunConfig = {}): Observable<GraphEvent<S>> {
    checkRunArguments(input, config);
    return new GuardedObservable<GraphEvent<S>>(
      (subscriber) => {
        const controller = new AbortController();
        let finished = false;
        this.#run(input, config, (event) => subscriber.next(event), controller).then(
          () => {
            finished = true;
            subscriber.complete();
          },
          (error: unknown) => {
            finished = true;
            subscriber.error(error);
          },
        );
        return () => {
          if (!finished) controller.abort(new DOMException('The graph run was cancelled: its stream was unsubscribed', 'AbortError'));
        };
      },
      (error) =>
        defaultLog().error(
          `A graph stream subscriber threw, or had no error callback for: ${defaultLog().describe(error)}`,
          error,
        ),
    );
  }

  /**
   * Closes the graph: refuses new runs, aborts runs in progress, shuts its manager down with the
   * `shutdownTimeoutMs` given to `compile()`, then closes its publisher and releases its TypeDI container
   * (see the class description).
   *
   * Concurrent calls share one close; a call after it finished resolves with `backgroundTasks.status`
   * `'already_shutdown'`. It never rejects because of a task or a publisher (their failures are logged).
   *
   * @param options - `drainMs`: let background tasks finish on their own for that long first. Default `0`.
   * @returns the manager's {@link ShutdownStats} as `backgroundTasks`.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const { backgroundTasks } = await app.close();
   * console.log(backgroundTasks); // { status: 'completed', initialTasks: 5, completedTasks: 5, remainingTasks: 0, ... }
   * ```
   */
  async close(options: GraphCloseOptions = {}): Promise<GraphCloseResult> {
    checkPlainObject('options', options);
    const settings = readOptions('options', options, ['drainMs']);
    checkDelay('drainMs', settings.drainMs);
    if (this.#closed) return { backgroundTasks: await this.#manager.shutdown() };
    if (this.#closing === undefined) {
      // The promise is in place before the close's first step runs: a run's abort listener that calls close()
      // again from inside it shares this one.
      let start!: (result: Promise<GraphCloseResult>) => void;
      this.#closing = new Promise<GraphCloseResult>((resolve) => (start = resolve));
      start(this.#close(settings.drainMs ?? 0));
    }
    return this.#closing;
  }

  /**
   * Calls {@link CompiledGraph.close}, so that `await using app = graph.compile()` closes the graph when the
   * block exits.
   *
   * @example
   * ```ts
   * {
   *   await using app = graph.compile();
   *   await app.invoke(input);
   * } // closed here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(drainMs: number): Promise<GraphCloseResult> {
    const runs = [...this.#runs];
    for (const run of runs) run.controller.abort(new GraphClosedError(run.runId));
    await Promise.allSettled(runs.map((run) => run.done));

    const backgroundTasks = await this.#manager.shutdown({ drainMs });
    const publisher = this.#publisher;
    if (publisher !== undefined && releasePublisher(publisher)) await this.#closePublisher(publisher);
    try {
      this.#graphContainer.release();
    } catch (error) {
      defaultLog().error(`Failed to release the graph's TypeDI container: ${defaultLog().describe(error)}`, error);
    }
    this.#closed = true;
    return { backgroundTasks };
  }

  /**
   * Closes the publisher, waiting at most `shutdownTimeoutMs` for it: a publisher whose `close()` hangs is
   * logged and left behind rather than holding the graph's `close()` forever. Its failure is logged, not thrown.
   */
  async #closePublisher(publisher: BasePublisher): Promise<void> {
    const timeoutMs = this.#publisherCloseTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, 'timeout');
    });
    try {
      const closing = Promise.resolve(publisher.close()).then(() => 'closed' as const);
      if ((await Promise.race([closing, gaveUp])) === 'timeout') {
        defaultLog().warn(`The graph's publisher did not close within ${timeoutMs} ms (shutdownTimeoutMs); going on without it`);
      }
    } catch (error) {
      defaultLog().error(`Failed to close the graph's publisher: ${defaultLog().describe(error)}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts one run in the graph's run context; `controller` is the stream's, to cancel on unsubscribe. */
  static {
    stepWrapperAccess.add = (target, wrapper) => {
      const graph = target as CompiledGraph<object>;
      // an entry of its own, so that removing one of two additions of the same function removes that one only
      const entry: GraphStepWrapper = (step, proceed) => wrapper(step, proceed);
      graph.#stepWrappers = [...(graph.#stepWrappers ?? []), entry];
      return () => {
        const left = (graph.#stepWrappers ?? []).filter((each) => each !== entry);
        graph.#stepWrappers = left.length === 0 ? undefined : left;
      };
    };
  }

  #run(
    input: Partial<S>,
    given: RunConfig,
    emit: (event: GraphEvent<S>) => void,
    controller = new AbortController(),
  ): Promise<S> {
    if (this.closed) return Promise.reject(new GraphClosedError());
    let config: RunConfig;
    try {
      config = checkRunArguments(input, given);
    } catch (error) {
      return Promise.reject(error);
    }
    const unlink = linkSignal(config.signal, controller);
    // Every field its own (none read through a prototype, which may have been polluted).
    const resolved: ResolvedRunConfig = {
      threadId: config.threadId,
      userId: config.userId,
      runId: config.runId ?? this.#graphContainer.idGenerator().generate(),
      recursionLimit: config.recursionLimit ?? this.#recursionLimit,
      signal: controller.signal,
    };
    const state = { ...this.#initialState, ...input } as S;
    // Every run is a task scope of the graph's manager: its tasks are tagged with the run, and aborting the run
    // (its signal, an unsubscribed stream, close()) cancels those in flight then. Not the scope's own `signal`: the
    // run still publishes its interruption, in the scope, after the abort.
    const scope = this.#manager.scope({
      name: 'graph_run',
      runId: resolved.runId,
      ...(resolved.threadId === undefined ? {} : { threadId: resolved.threadId }),
    });
    const cancelTasks = (): void => void scope.cancelAll(controller.signal.reason);
    controller.signal.addEventListener('abort', cancelTasks, ONCE);
    const context: RunContext = { container: this.#graphContainer.container, config: resolved, tasks: scope };
    const wrappers = this.#stepWrappers;
    const wrapperFailed = (error: unknown): void => defaultLog().error(`A graph step wrapper threw: ${defaultLog().describe(error)}`, error);
    const runStep = { kind: 'run' as const, runId: resolved.runId, threadId: resolved.threadId, signal: resolved.signal };
    const done = runScopeStorage.run(context, () =>
      scope.run(() =>
        runWrapped(
          wrappers,
          runStep,
          () => executeGraphRun({ spec: this.#spec, state, config: resolved, scope, emit, wrappers, wrapperFailed }),
          wrapperFailed,
        ),
      ),
    );
    const run: ActiveRun = { runId: resolved.runId, controller, done };
    this.#runs.add(run);
    const forget = (): void => {
      unlink();
      controller.signal.removeEventListener('abort', cancelTasks);
      this.#runs.delete(run);
    };
    done.then(forget, forget);
    // While it waits for its tasks, the call is still cancelled by the caller's signal, and a stream by unsubscribing.
    return config.waitForTasks === undefined || config.waitForTasks === false
      ? done
      : afterTasks(done, scope, config.waitForTasks, [config.signal, controller.signal]);
  }
}

/** Checks a run's input and configuration; returns the configuration read once (see `readOptions`). */
function checkRunArguments(input: unknown, given: RunConfig): RunConfig {
  checkPlainObject('input', input);
  checkPlainObject('config', given);
  const config = readOptions('config', given, ['threadId', 'runId', 'userId', 'signal', 'recursionLimit', 'waitForTasks']);
  checkWaitForTasks('waitForTasks', config.waitForTasks);
  checkString('threadId', config.threadId);
  checkString('runId', config.runId);
  checkString('userId', config.userId);
  checkAbortSignal('signal', config.signal);
  checkPositiveInteger('recursionLimit', config.recursionLimit);
  return config;
}

/**
 * The run's outcome once its task scope has no task in flight (`waitForTasks`): the tasks' failures are logged by
 * the manager, never thrown here; the run's own failure is kept. The caller's signal aborting while the run waits
 * cancels the run's tasks, and the call fails with its reason.
 */
async function afterTasks<S>(
  done: Promise<S>,
  scope: TaskScope,
  waitForTasks: RunTasksWait,
  signals: readonly (AbortSignal | undefined)[],
): Promise<S> {
  let outcome: { readonly ok: true; readonly state: S } | { readonly ok: false; readonly error: unknown };
  try {
    outcome = { ok: true, state: await done };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const aborted = await waitForRunTasks(scope, waitForTasks, ...signals);
  if (!outcome.ok) throw outcome.error;
  if (aborted !== undefined) throw aborted.reason;
  return outcome.state;
}

/**
 * Aborts `controller` when the caller's signal aborts; returns the function that removes the link. The link goes
 * through the library's one registry, so a request-wide signal shared by many runs gets one listener.
 */
function linkSignal(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (signal === undefined) return noop;
  if (signal.aborted) {
    controller.abort(signal.reason);
    return noop;
  }
  const link: CallerCancellable = { cancelFromCaller: (reason) => controller.abort(reason) };
  callerSignalLinks.link(signal, link);
  return () => callerSignalLinks.unlink(signal, link);
}
