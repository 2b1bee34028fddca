/**
 * Metadata kept with a task for logs, `getTaskInfo()` and events: who it is for, which thread, which order.
 *
 * @example
 * ```ts
 * manager.createTask(work, { name: 'process_order', context: { orderId, userId, threadId: config.threadId } });
 * ```
 */
export type TaskContext = Readonly<Record<string, unknown>>;

/**
 * The context of every task created without one: one frozen, empty object, shared (so that a task without
 * context costs no object, and a serialiser can write `{}` for it without reading it).
 */
export const EMPTY_TASK_CONTEXT: TaskContext = Object.freeze({});
