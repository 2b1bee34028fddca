import { isObservable } from 'rxjs';
import { InvalidArgumentError } from '../../errors/invalid-argument-error';
import { isPromiseLike } from '../../util/is-promise-like';
import type { WorkKind } from './task-run';

/**
 * Throws unless `work` is a function, an Observable or a promise, and says which: the work is classified once,
 * here (a hostile object whose properties throw when read is refused, never read again).
 */
export function checkWork(work: unknown): WorkKind {
  if (typeof work === 'function') return 'function';
  let kind: WorkKind | undefined;
  try {
    kind = isObservable(work) ? 'observable' : isPromiseLike(work) ? 'promise' : undefined;
  } catch {
    kind = undefined;
  }
  if (kind !== undefined) return kind;
  throw new InvalidArgumentError('work', 'a function, an Observable or a Promise', work);
}
