import type { TaskHandle } from './task-handle';

/**
 * Extra fields for a task's log lines, from an instrumentation: OpenTelemetry's gives `trace_id` and `span_id` of
 * the task's span, so that a line can be found from its trace and the other way round. Called only when a line is
 * written; a structured logger (pino, winston) gets them as fields, a text logger as ` key=value` pairs at the end
 * of the line. Only string values are written; a provider that throws is counted in `stats.loggerFailures` and the
 * line is written without its fields. See `addTaskLogFields()`.
 *
 * @example
 * ```ts
 * const fields: TaskLogFields = (task) => ({ request_id: requestIds.get(task.id) });
 * ```
 */
export type TaskLogFields = (task: TaskHandle<unknown>) => Readonly<Record<string, string | undefined>> | undefined;
