/**
 * Which tasks `RedisStreamsSubscriber.cancelTasks()` cancels across the cluster: those matching every key given.
 * `workerId` picks one worker (every worker whose mirror accepts commands, when left out); `name` matches the
 * task's name; `runId` and `threadId` match the string values of those keys in the task's context (as a graph
 * run sets them). At least one key must be given.
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
  /** Only tasks whose context has `runId` equal to this. */
  readonly runId?: string;
  /** Only tasks whose context has `threadId` equal to this. */
  readonly threadId?: string;
}
