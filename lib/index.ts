import 'reflect-metadata';

// Tasks: the manager and what it hands out
export { BackgroundTaskManager } from './tasks/background-task-manager';
export type { TaskHandle } from './tasks/task-handle';
export type { TaskWork, TaskWorkFunction } from './tasks/task-work';
export type { TaskContext } from './tasks/task-context';
export { DEFAULT_TASK_NAME, type CreateTaskOptions } from './tasks/create-task-options';
export {
  DEFAULT_MANAGER_OPTIONS,
  OVERFLOW_POLICIES,
  type BackgroundTaskManagerOptions,
  type OverflowPolicy,
} from './tasks/manager-options';
export { isFinalStatus, type TaskStatus, type FinalTaskStatus } from './tasks/task-status';
export type {
  TaskOutcome,
  TaskCompletedOutcome,
  TaskFailedOutcome,
  TaskCancelledOutcome,
  TaskTimedOutOutcome,
  TaskDroppedOutcome,
} from './tasks/task-outcome';
export type { TaskInfo } from './tasks/task-info';
export type { TaskCounts } from './tasks/task-counts';
export type { WaitForAllOptions, WaitResult } from './tasks/wait-result';
export type { ShutdownOptions, ShutdownStats, ManagerState } from './tasks/shutdown-stats';

// Task events
export type {
  TaskEvent,
  TaskEventType,
  TaskEventBase,
  TaskCreatedEvent,
  TaskStartedEvent,
  TaskCompletedEvent,
  TaskFailedEvent,
  TaskCancelledEvent,
  TaskTimedOutEvent,
  TaskDroppedEvent,
} from './tasks/task-event';

// Errors
export type { ErrorCode } from './errors/error-code';
export { AgentflowError } from './errors/agentflow-error';
export { InvalidArgumentError } from './errors/invalid-argument-error';
export { TaskTimeoutError } from './errors/task-timeout-error';
export { TaskCancelledError } from './errors/task-cancelled-error';
export { TaskDroppedError, type DropReason } from './errors/task-dropped-error';
export { TaskRejectedError } from './errors/task-rejected-error';

// Logging
export { DEFAULT_LOGGER_NAME, getDefaultLogger } from './logging/default-logger';
