import type { TaskHandle } from './task-handle';

/**
 * How an instrumentation takes part in the start of each task: called inside `createTask()`, in the caller's async
 * context, with the new task and `launch`, which it calls once, synchronously, inside the async context the task's
 * work should run in (OpenTelemetry's `context.with(spanContext, launch)`). The work starts one microtask later in
 * that context, so spans and `AsyncLocalStorage` values set there reach it. See `wrapTaskLaunch()`.
 *
 * A wrapper that throws, or returns without calling `launch`, is counted in `stats.callbackFailures` (when it threw)
 * and the task is launched anyway, in the caller's context: it never changes whether or when a task runs.
 *
 * @example
 * ```ts
 * const wrapper: TaskLaunchWrapper = (task, launch) => storage.run({ taskId: task.id }, launch);
 * ```
 */
export type TaskLaunchWrapper = (task: TaskHandle<unknown>, launch: () => void) => void;

