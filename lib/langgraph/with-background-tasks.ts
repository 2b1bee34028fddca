import { randomUUID } from 'node:crypto';
import { map } from 'rxjs';
import { ContainerInstance, type ServiceIdentifier } from 'typedi';
import { runScopeStorage } from '../di/run-scope';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RunContext } from '../graph/run-context';
import { checkWaitForTasks, waitForRunTasks } from '../graph/wait-for-run-tasks';
import type { ResolvedRunConfig } from '../graph/run-config';
import { BasePublisher } from '../publisher/base-publisher';
import { isPublisher } from '../publisher/is-publisher';
import { BackgroundTaskManager } from '../tasks/background-task-manager';
import { checkManager } from '../tasks/check-manager';
import type { TaskScope } from '../tasks/task-scope';
import { callerSignalLinks, type CallerCancellable } from '../util/caller-signal-links';
import { noop } from '../util/noop';
import { checkPlainObject, readOptions } from '../util/validate';
import { customChunkFormat } from './internal/custom-chunks';
import { RunStreamBuffer, forwardRun } from './internal/forward-run';
import { loadLangGraph, type LangGraphModules } from './internal/load-langgraph';
import type { WaitForTasks } from '../graph/run-config';
import type { WithBackgroundTasksOptions } from './with-background-tasks-options';

/** What a LangGraph.js compiled graph offers that the wrapper needs: `invoke()` and `stream()`. */
export interface LangGraphRunnable {
  /** Runs the graph to its end. */
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  /** Runs the graph, streaming its chunks. */
  stream(input: unknown, config?: unknown): Promise<AsyncIterable<unknown>>;
}

/** LangGraph.js's default recursion limit, reported in `getRunContext().config` when a run gives none. */
const LANGGRAPH_DEFAULT_RECURSION_LIMIT = 25;

/**
 * Makes a LangGraph.js compiled graph's runs agentflow runs: returns the same graph, with the same `invoke()` and
 * `stream()` signatures, whose every run
 *
 * - **executes inside an agentflow run context**: in its nodes (and what they call, across awaits and timers),
 *   `inject(BackgroundTaskManager)` gives `manager`, `inject(BasePublisher)` and `publishEvent()` use
 *   `options.publisher`, `getRunContext()` gives the run's `config` (`runId`, `threadId`, `signal`) and `tasks`,
 *   and {@link getTaskScope} the run's task scope;
 * - **tags its tasks** with LangGraph.js's `configurable.thread_id` as `threadId`, the run's id (the caller's
 *   `runId`, else a new UUID, passed on to LangGraph.js so that its callbacks and traces carry the same id) as
 *   `runId`, and the LangGraph.js node that created them as `nodeName`, and counts them in a task scope of the
 *   run;
 * - **streams its tasks' events**: when the caller's `streamMode` includes `'custom'`, each event of the run's
 *   tasks is a `custom` chunk `{ agentflowTask: event }` (a JSON-safe copy redacted by the manager's rules, as the
 *   SSE handler sends it: an error is `{ name, message, stack }`), while the stream is open;
 * - **cancels its tasks when it is cancelled**: the caller's `signal` aborting during the run, or a stream consumer
 *   that stops before the end, cancels the run's tasks then in flight (tasks that outlive a finished run go on);
 * - **waits for its tasks** with `waitForTasks` (`configurable.waitForTasks`, or `waitForTasks` beside it, or this
 *   function's option as the default): `invoke()` resolves, and the stream ends, once they have settled; the
 *   caller's `signal` aborting meanwhile cancels them, and the call fails with its reason.
 *
 * Other methods (`batch`, `streamEvents`, `getState`, `withConfig`...) are the graph's own, bound to it, and run
 * outside this (`withConfig` returns an unwrapped graph: wrap its result).
 *
 * @typeParam G - the compiled graph's type, kept whole: results and stream chunks are typed as before.
 * @param graph - a compiled LangGraph.js graph (`new StateGraph(...).compile()`), or anything with its `invoke()`
 * and `stream()`.
 * @param manager - the manager the runs' background tasks go to.
 * @param options - the publisher for `publishEvent()`, and the default `waitForTasks`.
 * @returns the wrapped graph (a `Proxy` of it).
 * @throws `InvalidArgumentError` when `graph`, `manager` or an option is not acceptable.
 * @throws `MissingPeerDependencyError` when `@langchain/langgraph` or `@langchain/core` is not installed.
 * @example
 * ```ts
 * const app = withBackgroundTasks(new StateGraph(State).addNode('respond', respond).addEdge(START, 'respond').compile(), manager);
 * for await (const [mode, chunk] of await app.stream(input, { streamMode: ['updates', 'custom'], configurable: { thread_id: 't1' } })) {
 *   if (mode === 'custom' && chunk.agentflowTask) console.log('task', chunk.agentflowTask.type);
 * }
 * ```
 */
export function withBackgroundTasks<G extends LangGraphRunnable>(graph: G, manager: BackgroundTaskManager, options: WithBackgroundTasksOptions = {}): G {
  if (typeof graph !== 'object' || graph === null || typeof graph.invoke !== 'function' || typeof graph.stream !== 'function') {
    throw new InvalidArgumentError('graph', 'a compiled LangGraph.js graph (with invoke() and stream())', graph);
  }
  checkManager(manager);
  checkPlainObject('options', options);
  const settings = readOptions('options', options, ['publisher', 'waitForTasks']);
  if (settings.publisher !== undefined && settings.publisher !== null && !isPublisher(settings.publisher)) {
    throw new InvalidArgumentError('publisher', 'a BasePublisher, or null for none', settings.publisher);
  }
  const defaultWait = checkWaitForTasks('waitForTasks', settings.waitForTasks) ?? false;
  const langgraph = loadLangGraph('withBackgroundTasks()');
  const container = new ContainerInstance(`agentflow-langgraph-${randomUUID()}`);
  container.set({ id: BackgroundTaskManager, value: manager });
  container.set({ id: BasePublisher as unknown as ServiceIdentifier<BasePublisher>, value: settings.publisher ?? null });
  const runs = new LangGraphRuns(manager, container, langgraph, defaultWait);

  const invoke = (input: unknown, config?: unknown): Promise<unknown> => runs.invoke(graph, input, config);
  const stream = (input: unknown, config?: unknown): Promise<AsyncIterable<unknown>> => runs.stream(graph, input, config);
  return new Proxy(graph, {
    get(target, key) {
      if (key === 'invoke') return invoke;
      if (key === 'stream') return stream;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** One wrapped graph's runs: each in its own task scope and run context. */
class LangGraphRuns {
  readonly #manager: BackgroundTaskManager;
  readonly #container: ContainerInstance;
  readonly #langgraph: LangGraphModules;
  readonly #defaultWait: WaitForTasks;
  readonly #nodeName: () => string | undefined;

  constructor(manager: BackgroundTaskManager, container: ContainerInstance, langgraph: LangGraphModules, defaultWait: WaitForTasks) {
    this.#manager = manager;
    this.#container = container;
    this.#langgraph = langgraph;
    this.#defaultWait = defaultWait;
    // the node LangGraph.js is executing where a task is created (its config is carried like ours)
    this.#nodeName = () => {
      const node = langgraph.getConfig()?.metadata?.langgraph_node;
      return typeof node === 'string' ? node : undefined;
    };
  }

  async invoke(graph: LangGraphRunnable, input: unknown, config: unknown): Promise<unknown> {
    const run = this.#start(config);
    let outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
    try {
      outcome = { ok: true, value: await run.enter(() => graph.invoke(input, run.config)) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      run.ended();
    }
    // the caller's signal still counts while the run waits for its tasks: it cancels them and fails the call
    const aborted = run.waitForTasks === false ? undefined : await waitForRunTasks(run.scope, run.waitForTasks, run.signal);
    if (!outcome.ok) throw outcome.error;
    if (aborted !== undefined) throw aborted.reason;
    return outcome.value;
  }

  async stream(graph: LangGraphRunnable, input: unknown, config: unknown): Promise<AsyncIterable<unknown>> {
    const run = this.#start(config);
    const format = customChunkFormat(ownField(run.config, 'streamMode'), ownField(run.config, 'subgraphs'));
    const redactor = this.#manager.redactor;
    // Listening before stream() is called: LangGraph.js may run nodes before its promise resolves.
    const buffer = new RunStreamBuffer(
      format === undefined ? undefined : run.scope.events$.pipe(map((event) => format({ agentflowTask: redactor.redact(event) }))),
      run.ended, // the run is over when the graph's stream ends, whether the consumer reads it or not
    );
    try {
      // LangGraph.js starts the run when stream() is called: its nodes see the context entered here.
      buffer.attach(await run.enter(() => graph.stream(input, run.config)));
    } catch (error) {
      buffer.closeEvents();
      run.ended();
      throw error;
    }
    const waitForTasks = run.waitForTasks;
    const forwarding = forwardRun(buffer, {
      tasksSettled: waitForTasks === false ? undefined : async () => (await waitForRunTasks(run.scope, waitForTasks, run.signal)) !== undefined,
      abortReason: () => run.signal?.reason,
      cancelled: () => void run.scope.cancelAll('the LangGraph.js stream was cancelled'),
      ended: run.ended,
    });
    // A stream of LangGraph.js's own type, read ahead like theirs; its cancel (a consumer's `break`) reaches the
    // forwarding at once, even while it waits, instead of queueing behind the pending read.
    return this.#langgraph.streamOf<unknown>({
      async pull(controller) {
        try {
          const next = await forwarding.next();
          if (next.done === true) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        buffer.requestStop();
        await forwarding.return(undefined);
      },
    });
  }

  /** A run: its configuration for LangGraph.js, its scope, its context, and how it ends. */
  #start(given: unknown): StartedRun {
    const { config, configurable } = readConfig(given);
    // waitForTasks: beside the config's fields (JavaScript) or in configurable (typed), never passed to LangGraph.js
    const waitForTasks =
      checkWaitForTasks('configurable.waitForTasks', configurable === undefined ? undefined : ownField(configurable, 'waitForTasks')) ??
      checkWaitForTasks('config.waitForTasks', ownField(config, 'waitForTasks')) ??
      this.#defaultWait;
    delete config.waitForTasks;
    if (configurable !== undefined) {
      delete configurable.waitForTasks;
      config.configurable = configurable;
    }
    const givenRunId = ownField(config, 'runId');
    const givenSignal = ownField(config, 'signal');
    if (givenRunId !== undefined && typeof givenRunId !== 'string') throw new InvalidArgumentError('runId', 'a string', givenRunId);
    if (givenSignal !== undefined && !(givenSignal instanceof AbortSignal)) throw new InvalidArgumentError('signal', 'an AbortSignal', givenSignal);
    const runId = givenRunId ?? randomUUID();
    config.runId = runId;
    const givenThread = configurable === undefined ? undefined : ownField(configurable, 'thread_id');
    const threadId = typeof givenThread === 'string' ? givenThread : undefined;
    const signal = givenSignal;
    const scope = this.#manager.scope({ name: 'langgraph_run', runId, ...(threadId === undefined ? {} : { threadId }) });
    const resolved: ResolvedRunConfig = {
      runId,
      threadId,
      userId: undefined,
      recursionLimit: typeof ownField(config, 'recursionLimit') === 'number' ? (config.recursionLimit as number) : LANGGRAPH_DEFAULT_RECURSION_LIMIT,
      signal: signal ?? new AbortController().signal,
    };
    const context: RunContext = { container: this.#container, config: resolved, tasks: scope };
    // The caller's signal aborting during the run cancels the run's tasks in flight then: linked through the library's
    // one registry (a request's signal shared by many runs gets one listener), until the run ends.
    let ended = noop;
    if (signal !== undefined) {
      const link: CallerCancellable = { cancelFromCaller: (reason) => void scope.cancelAll(reason) };
      if (signal.aborted) link.cancelFromCaller(signal.reason);
      else {
        callerSignalLinks.link(signal, link);
        let linked = true;
        ended = () => {
          if (!linked) return;
          linked = false;
          callerSignalLinks.unlink(signal, link);
        };
      }
    }
    return {
      config,
      scope,
      signal,
      waitForTasks,
      enter: (fn) => runScopeStorage.run(context, () => scope.run(fn, { nodeName: this.#nodeName })),
      ended,
    };
  }
}

/**
 * The caller's config as LangGraph.js gets it: a copy of its own fields (and of `configurable`'s), read once, so that
 * nothing the adapter reads comes from a polluted `Object.prototype`, and a config that cannot be read is refused.
 */
function readConfig(given: unknown): { config: Record<string, unknown>; configurable: Record<string, unknown> | undefined } {
  if (given === undefined) return { config: {}, configurable: undefined };
  checkPlainObject('config', given);
  let config: Record<string, unknown>;
  let configurable: Record<string, unknown> | undefined;
  try {
    config = { ...(given as Record<string, unknown>) };
    const inner = Object.hasOwn(config, 'configurable') ? config.configurable : undefined;
    if (inner !== undefined) {
      checkPlainObject('configurable', inner);
      configurable = { ...(inner as Record<string, unknown>) };
    }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError('config', 'an object whose properties can be read', given);
  }
  return { config, configurable };
}

interface StartedRun {
  /** The configuration passed to LangGraph.js (the caller's, with `runId` set and `waitForTasks` taken out). */
  readonly config: Record<string, unknown>;
  readonly scope: TaskScope;
  /** The caller's signal, if any. */
  readonly signal: AbortSignal | undefined;
  readonly waitForTasks: WaitForTasks;
  readonly enter: <R>(fn: () => R) => R;
  readonly ended: () => void;
}

/** A field of the config's own (the copy holds only own fields, but a `configurable` given as JSON may not). */
function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
