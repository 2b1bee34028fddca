import type { StreamSource } from '../../util/stream-source';
import type { CallerCancellable } from '../../util/caller-signal-links';
import type { TaskCounts } from '../task-counts';
import type { TaskEvent } from '../task-event';
import { GroupMembers, type GroupMember } from './group-members';
import type { TaskTally } from './task-tally';

/** A filtered wait or a scope's close, told of each settlement and stopped work of a group's tasks (a `ManagerWatcher`). */
export interface GroupWatcher<R> {
  taskSettled(run: R): void;
  workStopped(): void;
  /** A task joined the group. */
  taskAdded?(run: R): void;
}

/** What owns a scope's group: its signal, linked while the group has tasks in flight, cancels them. */
export interface GroupOwner extends CallerCancellable {
  readonly signal: AbortSignal | undefined;
}

/** What a scope's group carries besides its tasks: its totals and its streams. */
export interface ScopeGroupParts {
  readonly owner: GroupOwner;
  readonly tally: TaskTally;
  readonly events: StreamSource<TaskEvent>;
  readonly counts: StreamSource<TaskCounts>;
}

/**
 * The tasks of one run, one thread, one name or one scope, as the manager indexes them: what makes a filtered
 * `getTaskInfo()`, `getTaskCount()`, `cancelAll()` or `waitForAll()` cost in proportion to the group, not to
 * every task of the manager.
 */
export class TaskGroup<R extends GroupMember<R>> {
  /** The group's tracked tasks: in flight, and detached work (in the order they joined it). */
  readonly tracked = new GroupMembers<R>();
  /** How many of {@link tracked} are in flight. */
  inFlight = 0;
  /** The filtered waits on this group: told of each settlement and stopped work of its tasks. */
  readonly watchers = new Set<GroupWatcher<R>>();
  /** A scope's totals, streams and signal; `undefined` for the groups of the index. */
  readonly scope: ScopeGroupParts | undefined;
  /** The index the group is in, and its key there; `undefined` for a scope's group. */
  readonly index: GroupIndex<R> | undefined;
  readonly key: string;
  /** Whether the group is in its index (run, thread and name groups leave it when idle). */
  indexed = true;

  constructor(scope: ScopeGroupParts | undefined, index?: GroupIndex<R>, key = '') {
    this.scope = scope;
    this.index = index;
    this.key = key;
  }

  /** Whether someone subscribes to the scope's `events$` or `counts$`. */
  get observed(): boolean {
    return this.scope !== undefined && (this.scope.events.observed || this.scope.counts.observed);
  }

  /** Whether nothing holds the group: no task, no watcher. */
  get idle(): boolean {
    return this.tracked.size === 0 && this.watchers.size === 0;
  }
}

/**
 * Groups by a string key (a run id, a thread id, a name): made on first need, dropped when idle, so the index
 * holds only what is tracked or waited for.
 */
export class GroupIndex<R extends GroupMember<R>> {
  readonly #groups = new Map<string, TaskGroup<R>>();

  /** The group of `key`, if it has tasks or watchers. */
  get(key: string): TaskGroup<R> | undefined {
    return this.#groups.get(key);
  }

  /** The group of `key`, made if need be. */
  acquire(key: string): TaskGroup<R> {
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new TaskGroup<R>(undefined, this, key);
      this.#groups.set(key, group);
    }
    return group;
  }

  /** Drops `group` from the index if it is idle. */
  release(group: TaskGroup<R>): void {
    if (!group.idle || this.#groups.get(group.key) !== group) return;
    this.#groups.delete(group.key);
    group.indexed = false;
  }

  /** How many groups the index holds (for tests). */
  get size(): number {
    return this.#groups.size;
  }
}
