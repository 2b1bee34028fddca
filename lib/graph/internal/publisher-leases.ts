import type { BasePublisher } from '../../publisher/base-publisher';

/** How many open compiled graphs use each publisher. */
const leases = new WeakMap<BasePublisher, number>();

/** Records that one more open graph uses `publisher`. */
export function leasePublisher(publisher: BasePublisher): void {
  leases.set(publisher, (leases.get(publisher) ?? 0) + 1);
}

/**
 * Records that a graph using `publisher` closed; `true` when it was the last one, so the publisher may be
 * closed. A publisher shared by several graphs (the same instance given to two builders, or one builder
 * compiled twice) is closed once, by the last graph to close.
 */
export function releasePublisher(publisher: BasePublisher): boolean {
  const count = (leases.get(publisher) ?? 1) - 1;
  if (count > 0) {
    leases.set(publisher, count);
    return false;
  }
  leases.delete(publisher);
  return true;
}
