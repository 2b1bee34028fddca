/**
 * Which tasks `RedisStreamsSubscriber.cancelTasks()` cancels across the cluster: those matching every key given.
 * `workerId` picks one worker (every worker whose mirror accepts commands, when left out); `name` matches the
 * task's name; `runId` and `threadId` match the task's run tags (see `TaskTags`: a task created in a graph run,
 * a LangGraph.js run or a scope with a run has them), or, for a task without, the string values of those keys in
 * its context. At least one key must be given.
 *
 * @example
 * ```ts
 * await subscriber.cancelTasks({ runId: 'run-42' }, 'the user closed the tab');
 * await subscriber.cancelTasks({ workerId: 'billing-1', name: 'send_invoice' });
 * ```
 */
export interface ClusterCancelFilter {
  /** Only the tasks of this worker (its `workerId`). Default: every worker. */
  readonly workerId?: string;
  /** Only tasks of this name. */
  readonly name?: string;
  /** Only tasks of this run (their `runId` tag, or their context's `runId`). */
  readonly runId?: string;
  /** Only tasks of this thread (their `threadId` tag, or their context's `threadId`). */
  readonly threadId?: string;
}
