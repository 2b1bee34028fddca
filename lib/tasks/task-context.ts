/**
 * Metadata kept with a task for logs, `getTaskInfo()` and events: who it is for, which thread, which order.
 *
 * @example
 * ```ts
 * manager.createTask(work, { name: 'process_order', context: { orderId, userId, threadId: config.threadId } });
 * ```
 */
export type TaskContext = Readonly<Record<string, unknown>>;
