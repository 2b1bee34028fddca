/**
 * `agentflow-rx`: the background task manager (`BackgroundTaskManager`), its streams and stores, the agent graph
 * (`StateGraph`), the event publishers, the server-sent-events handler, and the Redis Streams transport.
 *
 * @example
 * ```ts
 * import { BackgroundTaskManager } from 'agentflow-rx';
 * const manager = new BackgroundTaskManager();
 * manager.createTask(async () => console.log('in the background'), { name: 'hello' });
 * await manager.shutdown();
 * ```
 *
 * @module agentflow-rx
 */
/// <reference types="node" preserve="true" />
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
export type { WaitOptions, WaitResult } from './tasks/wait-result';
export {
  TASK_FILTER_KEYS,
  type TaskFilter,
  type WaitForAllOptions,
  type CancelAllOptions,
  type CancelReason,
  type TaskInfoOptions,
} from './tasks/task-filter';
export { NO_TASK_TAGS, type TaskTags } from './tasks/task-tags';
export { TaskScope, getCurrentTaskScope } from './tasks/task-scope';
export type { TaskScopeOptions, TaskScopeRunOptions, TaskScopeCloseOptions, TaskScopeCloseResult } from './tasks/task-scope-options';
export type { ShutdownOptions, ShutdownStats, ManagerState } from './tasks/shutdown-stats';
export type { ManagerStats } from './tasks/manager-stats';

// Redaction: what keeps secrets from leaving the process
export { Redactor, type RedactLimits, type SerializedError } from './redaction/redactor';
export {
  REDACTED,
  DEFAULT_REDACT_KEYS,
  DEFAULT_REDACT_VALUE_RULES,
  type RedactOption,
  type RedactionRules,
  type RedactKeyRule,
  type RedactValueRule,
  type RedactMatch,
} from './redaction/redaction-rules';

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

// Instrumentation: lifecycle channels and launch wrappers for tracers and APMs
export { TASK_CHANNELS, type TaskChannelNames, type TaskChannelMessage, type TaskSettledMessage } from './tasks/task-channels';
export type { TaskLaunchWrapper } from './tasks/task-launch-wrapper';
export { wrapTaskLaunch } from './tasks/wrap-task-launch';
export type { TaskLogFields } from './tasks/task-log-fields';
export { addTaskLogFields } from './tasks/add-task-log-fields';

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
export type { AgentflowLogger } from './logging/agentflow-logger';

// Dependency injection
export { inject, type InjectOptions } from './di/inject';
export { bindValue } from './di/bind-value';
export type { InjectionToken } from './di/injection-token';
export { getRunContext, type RunContext } from './graph/run-context';
export { IdGenerator } from './di/id-generator';

// Graph
export { StateGraph } from './graph/state-graph';
export { CompiledGraph } from './graph/compiled-graph';
export { START, END } from './graph/constants';
export type { StateGraphOptions } from './graph/state-graph-options';
export { DEFAULT_COMPILE_OPTIONS, type CompileOptions } from './graph/compile-options';
export type { RunConfig, ResolvedRunConfig, WaitForTasks } from './graph/run-config';
export type { GraphNode, GraphNodeLike, NodeClass, NodeFunction, NodeUpdate } from './graph/graph-node';
export type { EdgeCondition, PathMap } from './graph/edge-condition';
export type { GraphCloseOptions, GraphCloseResult } from './graph/graph-close-result';
export type {
  GraphEvent,
  GraphEventBase,
  GraphStartEvent,
  NodeStartEvent,
  NodeEndEvent,
  NodeErrorEvent,
  GraphEndEvent,
} from './graph/graph-event';

export type { GraphStep, GraphStepWrapper } from './graph/graph-step-wrapper';
export { wrapGraphSteps } from './graph/wrap-graph-steps';

// Graph and DI errors
export { GraphError } from './errors/graph-error';
export { GraphRecursionError } from './errors/graph-recursion-error';
export { GraphClosedError } from './errors/graph-closed-error';
export { DependencyNotFoundError } from './errors/dependency-not-found-error';

// Events and publishers
export { EVENT_KINDS, EVENT_TYPES, type EventKind, type EventType, type EventModel } from './publisher/event-model';
export {
  createEvent,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
  type EventModelInit,
  type EventFields,
} from './publisher/create-event';
export { BasePublisher, type BasePublisherOptions } from './publisher/base-publisher';
export {
  CONSOLE_PUBLISHER_LOGGER_NAME,
  ConsolePublisher,
  type ConsolePublisherLevel,
  type ConsolePublisherOptions,
} from './publisher/console-publisher';
export { ObservablePublisher } from './publisher/observable-publisher';
export { CompositePublisher } from './publisher/composite-publisher';
export { PUBLISH_EVENT_TASK_NAME, publishEvent } from './publisher/publish-event';

// UI adapters
export { toExternalStore } from './ui/to-external-store';
export type { ExternalStore, ExternalStoreListener, ExternalStoreOptions } from './ui/external-store';
export { taskCountsSnapshot, taskListSnapshot } from './ui/task-snapshots';
export { createManagerStores } from './ui/create-manager-stores';
export { DEFAULT_MANAGER_STORES_OPTIONS, type ManagerStores, type ManagerStoresOptions } from './ui/manager-stores';
export { toServerSentEvents } from './ui/to-server-sent-events';
export type { ServerSentEventsHandler } from './ui/server-sent-events-handler';
export type { ServerSentEventsStats } from './ui/server-sent-events-stats';
export { DEFAULT_SERVER_SENT_EVENTS_OPTIONS, type ServerSentEventsOptions } from './ui/server-sent-events-options';
export { browserClientScript, serveBrowserClient } from './ui/browser-client';

// Redis Streams (optional peer dependency: redis)
export { MissingPeerDependencyError } from './errors/missing-peer-dependency-error';
export { PublishFailedError, type PublishOutcome } from './errors/publish-failed-error';
export { CommandRefusedError } from './errors/command-refused-error';
export type { RedisStreamsClient } from './redis/redis-streams-client';
export { RedisStreamsPublisher } from './redis/redis-streams-publisher';
export {
  DEFAULT_REDIS_STREAM,
  DEFAULT_REDIS_STREAMS_PUBLISHER_OPTIONS,
  type RedisStreamsPublisherOptions,
} from './redis/redis-streams-publisher-options';
export type { RedisPublisherStats } from './redis/redis-publisher-stats';
export { mirrorTaskEvents } from './redis/mirror-task-events';
export { DEFAULT_MIRROR_TASK_EVENTS_OPTIONS, type MirrorTaskEventsOptions } from './redis/mirror-task-events-options';
export type { TaskEventMirror, TaskEventMirrorStats } from './redis/task-event-mirror';
export { RedisStreamsSubscriber } from './redis/redis-streams-subscriber';
export {
  DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS,
  type RedisStreamsSubscriberOptions,
} from './redis/redis-streams-subscriber-options';
export type {
  StreamEntry,
  StreamEntryBase,
  StreamEventEntry,
  StreamTaskEntry,
  StreamHeartbeatEntry,
  StreamWorkerStoppedEntry,
  MirroredTaskEvent,
  MirroredHeartbeat,
  MirroredTaskInfo,
} from './redis/stream-entry';
export type { ClusterCounts, ClusterTotals } from './redis/cluster-counts';
export type { ClusterWorkerInfo, ClusterWorkers, ClusterWorkerStatus } from './redis/cluster-workers';
export type { ClusterCancelFilter } from './redis/cluster-cancel-filter';
export type { RedisSubscriberStats } from './redis/redis-subscriber-stats';
export type { ClusterTaskInfo, ClusterTasks } from './redis/cluster-tasks';

// OpenTelemetry (optional peer dependency: @opentelemetry/api)
export {
  instrumentOpenTelemetry,
  OPEN_TELEMETRY_SCOPE,
  type OpenTelemetryInstrumentation,
} from './telemetry/instrument-open-telemetry';
export {
  DEFAULT_OPEN_TELEMETRY_OPTIONS,
  type OpenTelemetryOptions,
  type OpenTelemetryTracerProvider,
  type OpenTelemetryMeterProvider,
} from './telemetry/open-telemetry-options';

// Process lifecycle
export { installShutdownHooks } from './process/install-shutdown-hooks';
export {
  DEFAULT_SHUTDOWN_HOOKS_OPTIONS,
  type RemoveShutdownHooks,
  type ShutdownHooksOptions,
} from './process/shutdown-hooks-options';
