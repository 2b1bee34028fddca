import { Container } from 'typedi';
import sinon from 'sinon';
import { BasePublisher, getDefaultLogger, type EventModel } from '../../lib';

/** A promise with its settle functions exposed (the graph specs' name for {@link deferred}). */
export { deferred as pending, type Deferred as Pending } from './helpers';

/** Resolves on the next turn of the event loop, after every pending microtask. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled, checked after a turn of the event loop. */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  promise.then(mark, mark);
  await turn();
  return settled;
}

/** The ids of the scoped containers TypeDI keeps in its static list (a private field, read for the tests). */
export function scopedContainerIds(): string[] {
  return (Container as unknown as { instances: { id: string }[] }).instances.map((instance) => instance.id);
}

/** Stubs the library logger's warn and error methods (restored by `sinon.restore()`), so tests stay quiet. */
export function quietLogger(): { warn: sinon.SinonStub; error: sinon.SinonStub } {
  const logger = getDefaultLogger();
  return { warn: sinon.stub(logger, 'warn'), error: sinon.stub(logger, 'error') };
}

/** A publisher that records what it receives and closes once. */
export class RecordingPublisher extends BasePublisher {
  readonly events: EventModel[] = [];
  closeCalls = 0;
  /** Set when `close()` is called: how many events had been received by then. */
  eventsAtClose: number | undefined;

  async publish(event: EventModel): Promise<void> {
    this.events.push(event);
  }

  override async close(): Promise<void> {
    this.closeCalls++;
    this.eventsAtClose = this.events.length;
  }

  /** `event.eventType` or `event.eventType:nodeName` for each event, in order. */
  summary(): string[] {
    return this.events.map((event) => `${event.event}.${event.eventType}${event.nodeName === undefined ? '' : `:${event.nodeName}`}`);
  }
}

export { rejectionOf, thrownBy } from './helpers';
