import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskTags } from '../task-tags';
import type { ScopeCore } from './scope-core';

/** The code running inside `scope.run()`: its scope and, for a graph's node, the node's name. */
export interface AmbientFrame {
  readonly scope: ScopeCore;
  /** The tags of a task created here, when the node name is fixed. */
  readonly tags: TaskTags;
  /** Gives the node's name at each task creation, when it is not fixed (a LangGraph.js run's current node). */
  readonly nodeName: (() => string | undefined) | undefined;
  /** The frame this one was entered from (another manager's scope, an outer run). */
  readonly parent: AmbientFrame | undefined;
}

/**
 * The scope that code runs in, carried through awaits, timers and the tasks it starts: what makes a task
 * created with `manager.createTask()` inside a graph node belong to the node's run. One `AsyncLocalStorage`,
 * entered only by `TaskScope.run()`; until then (no scope was ever run) reading it costs one field check.
 */
export const ambientFrames = new AsyncLocalStorage<AmbientFrame>();

/** A new frame for `scope`, entered from `parent`, naming the node (fixed, or found at each task creation). */
export function makeFrame(
  scope: ScopeCore,
  parent: AmbientFrame | undefined,
  nodeName: string | (() => string | undefined) | undefined,
): AmbientFrame {
  const fixed = typeof nodeName === 'function' ? undefined : nodeName;
  const tags: TaskTags =
    fixed === undefined ? scope.tags : Object.freeze({ runId: scope.tags.runId, threadId: scope.tags.threadId, nodeName: fixed });
  return { scope, tags, nodeName: typeof nodeName === 'function' ? nodeName : undefined, parent };
}

/** The tags of a task created in `frame` now. Total: a node-name function that throws or lies gives no node name. */
export function tagsOf(frame: AmbientFrame): TaskTags {
  const find = frame.nodeName;
  if (find === undefined) return frame.tags;
  let nodeName: unknown;
  try {
    nodeName = find();
  } catch {
    nodeName = undefined;
  }
  if (typeof nodeName !== 'string') return frame.tags;
  return { runId: frame.tags.runId, threadId: frame.tags.threadId, nodeName };
}

/** The nearest scope of `owner` among `frame` and the frames it was entered from. */
export function ownScope(frame: AmbientFrame | undefined, owner: object): ScopeCore | undefined {
  for (let each = frame; each !== undefined; each = each.parent) if (each.scope.owner === owner) return each.scope;
  return undefined;
}
