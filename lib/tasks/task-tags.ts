/**
 * Where a task was created: the graph run, conversation thread and node it belongs to. The manager records them
 * from the scope the task was created in (see {@link TaskScope}): a node of a `StateGraph` run, a LangGraph.js
 * run through `withBackgroundTasks()`, or a scope created with `runId`/`threadId`. Each is `undefined` outside
 * such a run. They are first-class fields of a task's handle, its `TaskInfo` and its events, apart from the
 * user's `context`.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((event) => console.log(event.runId, event.threadId, event.nodeName, event.type));
 * ```
 */
export interface TaskTags {
  /** The run the task was created in (a graph run's `runId`). */
  readonly runId: string | undefined;
  /** The conversation thread of that run (a graph run's `threadId`, LangGraph's `thread_id`). */
  readonly threadId: string | undefined;
  /** The node (step) of the run that created the task; `undefined` outside a node. */
  readonly nodeName: string | undefined;
}

/** The tags of a task created outside any run: one frozen object, shared. */
export const NO_TASK_TAGS: TaskTags = Object.freeze({ runId: undefined, threadId: undefined, nodeName: undefined });
