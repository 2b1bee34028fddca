/**
 * `agentflow-rx/langgraph`: background tasks for LangGraph.js graphs. Wrap a compiled graph with
 * `withBackgroundTasks()` and its runs execute inside an agentflow run context (`inject()`, `publishEvent()`,
 * `getRunContext()` work in its nodes), tag their tasks with the thread, run and node, stream their events as
 * `custom` chunks, and can wait for them. Needs `@langchain/langgraph` (and its peer `@langchain/core`).
 *
 * @example
 * ```ts
 * import { withBackgroundTasks, getTaskScope } from 'agentflow-rx/langgraph';
 * const app = withBackgroundTasks(graph.compile(), manager);
 * await app.invoke(input, { configurable: { thread_id: 't1', waitForTasks: true } });
 * ```
 *
 * @module agentflow-rx/langgraph
 */
export { withBackgroundTasks, type LangGraphRunnable } from './with-background-tasks';
export type { WithBackgroundTasksOptions } from './with-background-tasks-options';
export type { WaitForTasks } from '../graph/run-config';
export { getTaskScope } from './get-task-scope';
export { LANGGRAPH_INSTALL_COMMAND } from './internal/load-langgraph';
