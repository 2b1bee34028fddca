/**
 * The machine-readable codes carried by every error this library throws or reports.
 *
 * @example
 * ```ts
 * try {
 *   await handle.result();
 * } catch (error) {
 *   if (error instanceof AgentflowError && error.code === 'TASK_TIMEOUT') retryLater();
 * }
 * ```
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'TASK_TIMEOUT'
  | 'TASK_CANCELLED'
  | 'TASK_DROPPED'
  | 'TASK_REJECTED'
  | 'MANAGER_CLOSED'
  | 'GRAPH_INVALID'
  | 'GRAPH_RECURSION'
  | 'GRAPH_CLOSED'
  | 'DEPENDENCY_NOT_FOUND'
  | 'PEER_DEPENDENCY_MISSING'
  | 'PUBLISH_FAILED'
  | 'COMMAND_REFUSED';
