import { callerSignalLinks } from '../../util/caller-signal-links';
import type { FinalTaskStatus } from '../task-status';
import type { TaskTags } from '../task-tags';
import type { ScopeCore } from './scope-core';
import { GroupIndex, type TaskGroup } from './task-group';
import type { AnyTaskRun } from './task-run';

/** A filter as the manager checked it: each field its own, `scope` already known to be the manager's. */
export interface ResolvedFilter {
  readonly runId: string | undefined;
  readonly threadId: string | undefined;
  readonly name: string | undefined;
  readonly scope: ScopeCore | undefined;
}

/**
 * Which tasks a filtered call looks at: the smallest group that holds every match (`undefined`: the whole manager,
 * for an empty filter), and the test each of its tasks must pass.
 */
export interface Selection {
  /** The group to look in; `undefined` for every task of the manager, `null` when nothing can match. */
  readonly group: TaskGroup<AnyTaskRun> | undefined | null;
  /** Whether a task of {@link group} matches the whole filter. */
  readonly matches: (run: AnyTaskRun) => boolean;
  /** Whether the group's every task matches (a one-field filter): counts need no test. */
  readonly exact: boolean;
  /** Gives back the groups made for a wait (they leave the index once idle). */
  readonly release: () => void;
}

const NOTHING = (): void => undefined;

/**
 * The manager's index of tasks by run, by thread, by scope and (once a call filtered by name) by name: every task
 * tagged with a run or a thread, or created in a scope, is in the group of each; an untagged task outside any
 * scope is in none and costs nothing here.
 */
export class TaskIndex {
  // Each index is built on the first call that filters by its field, from the tasks tracked then, and kept from
  // then on: a manager nobody asks by run, thread or name pays nothing for them (scopes have groups of their own).
  #byRun: GroupIndex<AnyTaskRun> | undefined;
  #byThread: GroupIndex<AnyTaskRun> | undefined;
  #byName: GroupIndex<AnyTaskRun> | undefined;
  /**
   * Whether any of the indexes was built: until then a task joins no index group, only its scope's, and
   * {@link groupsFor} need not be asked (a field, read on every task creation in a scope).
   */
  anyIndex = false;

  /** The groups a task named `name`, with `tags`, in `scope`, belongs to; `undefined` for none. */
  groupsFor(name: string, tags: TaskTags, scope: ScopeCore | undefined): readonly TaskGroup<AnyTaskRun>[] | undefined {
    const run = tags.runId === undefined ? undefined : this.#byRun?.acquire(tags.runId);
    const thread = tags.threadId === undefined ? undefined : this.#byThread?.acquire(tags.threadId);
    const named = this.#byName?.acquire(name);
    if (run === undefined && thread === undefined && named === undefined) return scope?.groups;
    if (scope !== undefined && named === undefined) {
      // The tasks of one run are made in its scope, one after another: the same groups, one array for all.
      const cached = scope.groupCache;
      if (cached !== undefined && cached.run === run && cached.thread === thread) return cached.groups;
      const groups = withGroups(scope.groups, run, thread, undefined);
      scope.groupCache = { run, thread, groups };
      return groups;
    }
    return withGroups(scope?.groups, run, thread, named);
  }

  /** A task was accepted: it joins its groups, in flight. */
  added(run: AnyTaskRun, groups: readonly TaskGroup<AnyTaskRun>[]): void {
    for (let index = 0; index < groups.length; index++) {
      const group = groups[index] as TaskGroup<AnyTaskRun>;
      group.tracked.add(run);
      if (group.watchers.size > 0) for (const watcher of group.watchers) watcher.taskAdded?.(run);
      const parts = group.scope;
      if (parts !== undefined) parts.tally.recordCreated();
      // A scope's signal is linked while the scope has tasks in flight.
      if (group.inFlight++ === 0 && parts !== undefined && parts.owner.signal !== undefined) callerSignalLinks.link(parts.owner.signal, parts.owner);
    }
  }

  /** A task reached its final status; detached work stays tracked until it stops. */
  settled(run: AnyTaskRun, groups: readonly TaskGroup<AnyTaskRun>[]): void {
    const detached = run.workRunning;
    const status = run.status as FinalTaskStatus;
    for (let index = 0; index < groups.length; index++) {
      const group = groups[index] as TaskGroup<AnyTaskRun>;
      const parts = group.scope;
      if (parts !== undefined) parts.tally.recordSettled(status);
      if (--group.inFlight === 0 && parts !== undefined && parts.owner.signal !== undefined) callerSignalLinks.unlink(parts.owner.signal, parts.owner);
      if (!detached) this.#untrack(run, group);
    }
  }

  /** Detached work stopped: its task leaves its groups. */
  workStopped(run: AnyTaskRun, groups: readonly TaskGroup<AnyTaskRun>[]): void {
    for (let index = 0; index < groups.length; index++) this.#untrack(run, groups[index] as TaskGroup<AnyTaskRun>);
  }

  /** A task was refused in a scope: its scopes count it as dropped. */
  dropped(groups: readonly TaskGroup<AnyTaskRun>[] | undefined): void {
    if (groups !== undefined) for (const group of groups) group.scope?.tally.recordDropped();
  }

  /**
   * The tasks `filter` selects. With `forWait`, the groups of the filter's run, thread and name are made if need
   * be and kept until `release()`, so that tasks created during the wait join them.
   *
   * @param tracked - every task the manager tracks, to build the name index on the first filter by name.
   */
  select(filter: ResolvedFilter, forWait: boolean, tracked: () => Iterable<AnyTaskRun>): Selection {
    const { runId, threadId, name, scope } = filter;
    if (runId === undefined && threadId === undefined && name === undefined && scope === undefined) {
      return { group: undefined, matches: () => true, exact: true, release: NOTHING };
    }
    if (runId !== undefined && this.#byRun === undefined) this.#byRun = this.#build(tracked(), (run) => run.tags.runId);
    if (threadId !== undefined && this.#byThread === undefined) this.#byThread = this.#build(tracked(), (run) => run.tags.threadId);
    if (name !== undefined && this.#byName === undefined) this.#byName = this.#build(tracked(), (run) => run.name);
    const made: TaskGroup<AnyTaskRun>[] = [];
    const lookUp = (index: GroupIndex<AnyTaskRun>, key: string | undefined): TaskGroup<AnyTaskRun> | undefined | null => {
      if (key === undefined) return undefined;
      if (!forWait) return index.get(key) ?? null;
      const group = index.acquire(key);
      made.push(group);
      return group;
    };
    const candidates = [
      scope?.group,
      lookUp(this.#byRun as GroupIndex<AnyTaskRun>, runId),
      lookUp(this.#byThread as GroupIndex<AnyTaskRun>, threadId),
      lookUp(this.#byName as GroupIndex<AnyTaskRun>, name),
    ];
    const release = (): void => {
      for (const group of made) group.index?.release(group);
    };
    let fields = 0;
    let smallest: TaskGroup<AnyTaskRun> | undefined;
    for (const candidate of candidates) {
      if (candidate === undefined) continue;
      fields++;
      if (candidate === null) return { group: null, matches: () => false, exact: true, release };
      if (smallest === undefined || candidate.tracked.size < smallest.tracked.size) smallest = candidate;
    }
    const matches = (run: AnyTaskRun): boolean =>
      (runId === undefined || run.tags.runId === runId) &&
      (threadId === undefined || run.tags.threadId === threadId) &&
      (name === undefined || run.name === name) &&
      (scope === undefined || (run.groups?.includes(scope.group) ?? false));
    return { group: smallest, matches, exact: fields === 1, release };
  }

  /** Whether every task joins its name's group (since a call filtered by name), untagged tasks included. */
  get indexesNames(): boolean {
    return this.#byName !== undefined;
  }

  /** How many groups the run and thread indexes hold (for tests: they must not grow with finished runs). */
  get size(): number {
    return (this.#byRun?.size ?? 0) + (this.#byThread?.size ?? 0) + (this.#byName?.size ?? 0);
  }

  /** An index of the tasks tracked now by `keyOf` (those without a key left out); each task joins its group. */
  #build(tracked: Iterable<AnyTaskRun>, keyOf: (run: AnyTaskRun) => string | undefined): GroupIndex<AnyTaskRun> {
    const index = new GroupIndex<AnyTaskRun>();
    this.anyIndex = true; // before its first task joins it: from now on, every new task is looked up
    for (const run of tracked) {
      const key = keyOf(run);
      if (key === undefined) continue;
      const group = index.acquire(key);
      run.groups = run.groups === undefined ? [group] : [...run.groups, group]; // before it joins the list: its slot
      group.tracked.add(run);
      if (run.outcome === undefined) group.inFlight++;
    }
    return index;
  }

  #untrack(run: AnyTaskRun, group: TaskGroup<AnyTaskRun>): void {
    group.tracked.delete(run);
    if (group.index !== undefined && group.idle) group.index.release(group);
  }
}

function withGroups(
  scoped: readonly TaskGroup<AnyTaskRun>[] | undefined,
  run: TaskGroup<AnyTaskRun> | undefined,
  thread: TaskGroup<AnyTaskRun> | undefined,
  named: TaskGroup<AnyTaskRun> | undefined,
): readonly TaskGroup<AnyTaskRun>[] {
  const groups: TaskGroup<AnyTaskRun>[] = [];
  if (run !== undefined) groups.push(run);
  if (thread !== undefined) groups.push(thread);
  if (named !== undefined) groups.push(named);
  if (scoped !== undefined) groups.push(...scoped);
  return groups;
}
