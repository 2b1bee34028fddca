import { expect } from 'chai';
import {
  BasePublisher,
  CompositePublisher,
  InvalidArgumentError,
  createGraphExecutionEvent,
  type EventModel,
} from '../../lib';
import { RecordingPublisher, rejectionOf, thrownBy } from '../support/graph-test-helpers';

class FailingPublisher extends BasePublisher {
  constructor(private readonly how: 'throw' | 'reject') {
    super();
  }
  publish(): Promise<void> {
    if (this.how === 'throw') throw new Error('thrown');
    return Promise.reject(new Error('rejected'));
  }
  override close(): Promise<void> {
    return Promise.reject(new Error('close failed'));
  }
}

describe('CompositePublisher', () => {
  it('hands every event to every publisher, passing the signal on', async () => {
    const a = new RecordingPublisher();
    const signals: (AbortSignal | undefined)[] = [];
    const b = new (class extends RecordingPublisher {
      override async publish(event: EventModel, signal?: AbortSignal): Promise<void> {
        signals.push(signal);
        await super.publish(event);
      }
    })();
    const composite = new CompositePublisher([a, b]);
    const event = createGraphExecutionEvent('start');
    const controller = new AbortController();
    await composite.publish(event, controller.signal);
    expect(a.events).to.deep.equal([event]);
    expect(b.events).to.deep.equal([event]);
    expect(signals).to.deep.equal([controller.signal]);
  });

  it('does not let a failing publisher stop the others, and rejects with every failure', async () => {
    const before = new RecordingPublisher();
    const after = new RecordingPublisher();
    const composite = new CompositePublisher([before, new FailingPublisher('throw'), new FailingPublisher('reject'), after]);
    const event = createGraphExecutionEvent('end');
    const error = (await rejectionOf(composite.publish(event))) as AggregateError;
    expect(error).to.be.instanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).to.deep.equal(['thrown', 'rejected']);
    expect(error.message).to.include('2 of 4 publishers failed to publish');
    expect(before.events).to.deep.equal([event]);
    expect(after.events).to.deep.equal([event]);
  });

  it('closes every publisher, even when one fails to close', async () => {
    const a = new RecordingPublisher();
    const b = new RecordingPublisher();
    const error = (await rejectionOf(new CompositePublisher([a, new FailingPublisher('reject'), b]).close())) as AggregateError;
    expect(error.errors).to.have.length(1);
    expect(a.closeCalls).to.equal(1);
    expect(b.closeCalls).to.equal(1);
  });

  it('refuses anything but an array of publishers, naming the bad entry', () => {
    expect((thrownBy(() => new CompositePublisher('x' as never)) as InvalidArgumentError).argument).to.equal('publishers');
    expect((thrownBy(() => new CompositePublisher([new RecordingPublisher(), {} as never])) as InvalidArgumentError).argument).to.equal(
      'publishers[1]',
    );
  });
});
