import type { StreamSource } from '../../util/stream-source';
import type { TaskContext } from '../task-context';
import type { TaskCounts } from '../task-counts';
import type { TaskEvent } from '../task-event';
import type { TaskTags } from '../task-tags';
import { TaskGroup, type GroupOwner } from './task-group';
import { TaskTally } from './task-tally';
import type { AnyTaskRun } from './task-run';

/**
 * The manager's side of one `TaskScope`: what a task created in it inherits (tags, context, timeout), its group
 * of tasks and those of its ancestors, whether it is closed, and its signal.
 */
export class ScopeCore implements GroupOwner {
  /** The manager the scope belongs to. */
  readonly owner: object;
  readonly name: string;
  readonly parent: ScopeCore | undefined;
  /** Its run and thread (given, or its parent's); `nodeName` is always `undefined` here. */
  readonly tags: TaskTags;
  /** The context its tasks get under their own: its parent's with its own over it; `undefined` when empty. */
  readonly context: TaskContext | undefined;
  /** The timeout its tasks get when they give none (its own, or its parent's). */
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** Its own group. */
  readonly group: TaskGroup<AnyTaskRun>;
  /** Its group and its ancestors' (a task of the scope is a task of each). */
  readonly groups: readonly TaskGroup<AnyTaskRun>[];
  /** The groups of its last task with a run or thread tag (see `TaskIndex.groupsFor`). */
  groupCache: { readonly run: TaskGroup<AnyTaskRun> | undefined; readonly thread: TaskGroup<AnyTaskRun> | undefined; readonly groups: readonly TaskGroup<AnyTaskRun>[] } | undefined =
    undefined;
  /** Its close, once `close()` was called (later calls share it). */
  closing: Promise<unknown> | undefined = undefined;
  /** The public `TaskScope` of this core (set by its constructor). */
  handle: object | undefined = undefined;
  /** Cancels the scope's tasks in flight with the signal's reason (set by the manager). */
  readonly #cancel: (reason: unknown) => void;
  #closed = false;
  /**
   * Whether it or an ancestor was given a signal: most are not, and then a task created in it has no signal to
   * look at (a field, read on every task creation in a scope, before calling {@link abortedSignal}).
   */
  readonly signalled: boolean;

  constructor(init: {
    owner: object;
    name: string;
    parent: ScopeCore | undefined;
    tags: TaskTags;
    context: TaskContext | undefined;
    timeoutMs: number | undefined;
    signal: AbortSignal | undefined;
    events: StreamSource<TaskEvent>;
    counts: StreamSource<TaskCounts>;
    cancel: (reason: unknown) => void;
  }) {
    this.owner = init.owner;
    this.name = init.name;
    this.parent = init.parent;
    this.tags = init.tags;
    this.context = init.context;
    this.timeoutMs = init.timeoutMs;
    this.signal = init.signal;
    this.group = new TaskGroup({ owner: this, tally: new TaskTally(), events: init.events, counts: init.counts });
    this.groups = init.parent === undefined ? [this.group] : [this.group, ...init.parent.groups];
    this.#cancel = init.cancel;
    this.signalled = init.signal !== undefined || (init.parent !== undefined && init.parent.signalled);
  }

  /** Whether it, or one of its ancestors, was closed: it accepts no tasks. */
  get closed(): boolean {
    return this.#closed || (this.parent !== undefined && this.parent.closed);
  }

  markClosed(): void {
    this.#closed = true;
  }

  /** The signal of this scope or an ancestor that has aborted, if any: a task created in it is cancelled at once. */
  abortedSignal(): AbortSignal | undefined {
    if (!this.signalled) return undefined;
    for (let scope: ScopeCore | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope.signal?.aborted === true) return scope.signal;
    }
    return undefined;
  }

  cancelFromCaller(reason: unknown): void {
    this.#cancel(reason);
  }
}
