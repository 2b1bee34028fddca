import type { ContainerInstance } from 'typedi';
import { runScopeStorage, type RunScope } from '../di/run-scope';
import type { TaskScope } from '../tasks/task-scope';
import type { ResolvedRunConfig } from './run-config';

/**
 * What a graph run carries with it, across awaits, into its nodes and everything they call.
 *
 * @example
 * ```ts
 * const context = getRunContext();
 * if (context !== undefined) console.log(`run ${context.config.runId} on thread ${context.config.threadId}`);
 * await getRunContext()?.tasks.waitForAll({ timeoutMs: 5_000 }); // this run's background tasks only
 * ```
 */
export interface RunContext extends RunScope {
  /** The TypeDI container of the compiled graph the run belongs to; `inject()` resolves from it. */
  readonly container: ContainerInstance;
  /** The run's configuration, with its `runId`, `recursionLimit` and `signal` filled in. */
  readonly config: ResolvedRunConfig;
  /**
   * The run's task scope: the background tasks created in the run (with `inject(BackgroundTaskManager)`, with
   * `publishEvent()`, or here), tagged with its `runId`, `threadId` and node. Wait for them, list or cancel them
   * without touching other runs' tasks; aborting the run cancels them.
   */
  readonly tasks: TaskScope;
}

/**
 * The context of the graph run that is executing: set in a node, in any function it calls (across awaits,
 * timers and background tasks it starts), and `undefined` outside any run.
 *
 * @returns the current run's context, or `undefined` outside a graph run.
 * @example
 * ```ts
 * async function auditLog(message: string): Promise<void> {
 *   const threadId = getRunContext()?.config.threadId ?? 'no-thread';
 *   await audit.write({ threadId, message });
 * }
 * ```
 */
export function getRunContext(): RunContext | undefined {
  // The graph runtime is the only one to enter the run scope, and always with a whole RunContext.
  return runScopeStorage.getStore() as RunContext | undefined;
}
