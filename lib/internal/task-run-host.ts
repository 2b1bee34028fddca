import type { TaskEvent } from '../tasks/task-event';
import type { AnyTaskRun } from './task-run';
import type { WorkResult } from './work-owner';

/**
 * What a {@link TaskRun} tells the manager that keeps its books.
 */
export interface TaskRunHost {
  /** The task's work has started. */
  taskStarted(run: AnyTaskRun): void;
  /** The task reached a final status; `run.workRunning` tells whether its work outlives it. */
  taskSettled(run: AnyTaskRun): void;
  /** Work that outlived its task (detached work) has stopped. */
  detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void;
  /** A subscriber's callback threw. */
  subscriberFailed(error: unknown): void;
  /** Builds the final event of a task that already settled (for late subscribers of `handle.events$`). */
  finalEvent(run: AnyTaskRun): TaskEvent;
}
