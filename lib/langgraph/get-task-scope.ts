import { GraphError } from '../errors/graph-error';
import { getCurrentTaskScope, type TaskScope } from '../tasks/task-scope';

/**
 * The task scope of the run a LangGraph.js node executes in, for a graph wrapped with {@link withBackgroundTasks}:
 * create, count, wait for or cancel the run's own background tasks from the node.
 *
 * @param config - the node's config (its second parameter): when it names a thread, the scope must be that
 * thread's (a config of another run is a mistake worth an error).
 * @returns the run's scope.
 * @throws `GraphError` outside a run of a wrapped graph, or when `config` is another thread's.
 * @example
 * ```ts
 * async function reply(state: typeof State.State, config: LangGraphRunnableConfig) {
 *   getTaskScope(config).createTask((signal) => notify(state.user, { signal }), { name: 'notify' });
 *   return { answer: '...' };
 * }
 * ```
 */
export function getTaskScope(config?: unknown): TaskScope {
  const scope = getCurrentTaskScope();
  if (scope === undefined) {
    throw new GraphError(
      'getTaskScope() was called outside a run of a graph wrapped with withBackgroundTasks(): wrap the compiled ' +
        'graph (withBackgroundTasks(graph.compile(), manager)) and call it from a node, or from code a node calls.',
    );
  }
  const threadId = threadOf(config);
  if (threadId !== undefined && scope.threadId !== undefined && threadId !== scope.threadId) {
    throw new GraphError(
      `getTaskScope() was given the config of thread '${threadId}' inside a run of thread '${scope.threadId}': pass the ` +
        "node's own config.",
    );
  }
  return scope;
}

function threadOf(config: unknown): string | undefined {
  try {
    const configurable: unknown = (config as { configurable?: unknown } | undefined)?.configurable;
    const threadId: unknown = (configurable as { thread_id?: unknown } | undefined)?.thread_id;
    return typeof threadId === 'string' ? threadId : undefined;
  } catch {
    return undefined;
  }
}
