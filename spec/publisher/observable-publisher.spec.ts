import { expect } from 'chai';
import sinon from 'sinon';
import { filter, lastValueFrom, toArray } from 'rxjs';
import { ObservablePublisher, createGraphExecutionEvent, createNodeExecutionEvent, type EventModel } from '../../lib';
import { pending, quietLogger } from '../support/graph-test-helpers';

describe('ObservablePublisher', () => {
  afterEach(() => sinon.restore());

  it('emits every published event on events$, to every subscriber, in order', async () => {
    const publisher = new ObservablePublisher();
    const first: EventModel[] = [];
    const second: EventModel[] = [];
    publisher.events$.subscribe((event) => first.push(event));
    publisher.events$.subscribe((event) => second.push(event));
    const start = createGraphExecutionEvent('start');
    const end = createGraphExecutionEvent('end');
    await publisher.publish(start);
    await publisher.publish(end);
    expect(first).to.deep.equal([start, end]);
    expect(second).to.deep.equal([start, end]);
  });

  it('is hot: a late subscriber sees only later events', async () => {
    const publisher = new ObservablePublisher();
    await publisher.publish(createGraphExecutionEvent('start'));
    const seen: EventModel[] = [];
    publisher.events$.subscribe((event) => seen.push(event));
    const end = createGraphExecutionEvent('end');
    await publisher.publish(end);
    expect(seen).to.deep.equal([end]);
  });

  it('works with RxJS operators', async () => {
    const publisher = new ObservablePublisher();
    const nodes = lastValueFrom(publisher.events$.pipe(filter((event) => event.event === 'node_execution'), toArray()));
    await publisher.publish(createGraphExecutionEvent('start'));
    await publisher.publish(createNodeExecutionEvent('a', 'start'));
    await publisher.close();
    expect((await nodes).map((event) => event.nodeName)).to.deep.equal(['a']);
  });

  it('completes events$ on close(), ignores later events, and completes late subscribers at once', async () => {
    const publisher = new ObservablePublisher();
    const completed = pending();
    const seen: EventModel[] = [];
    publisher.events$.subscribe({ next: (event) => seen.push(event), complete: completed.resolve });
    await publisher.close();
    await completed.promise;
    expect(publisher.closed).to.equal(true);
    await publisher.publish(createGraphExecutionEvent('start'));
    expect(seen).to.deep.equal([]);
    const late = pending();
    publisher.events$.subscribe({ complete: late.resolve });
    await late.promise;
    await publisher.close();
  });

  it('logs a subscriber that throws, and still delivers to the others', async () => {
    const { error } = quietLogger();
    const publisher = new ObservablePublisher();
    const seen: EventModel[] = [];
    publisher.events$.subscribe(() => {
      throw new Error('bad subscriber');
    });
    publisher.events$.subscribe((event) => seen.push(event));
    await publisher.publish(createGraphExecutionEvent('start'));
    expect(seen).to.have.length(1);
    expect(error.calledOnce).to.equal(true);
    expect(String(error.firstCall.args[0])).to.include('bad subscriber');
  });
});
