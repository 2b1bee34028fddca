import { expect } from 'chai';
import { BehaviorSubject, Observable, of, Subject, throwError } from 'rxjs';
import sinon from 'sinon';
import { getDefaultLogger, InvalidArgumentError, toExternalStore, type ExternalStoreOptions } from '../../lib';
import { thrownBy } from '../support/helpers';

/** A Subject-backed source that counts how many subscribers it has. */
function countedSource<T>(subject: Subject<T>): { source$: Observable<T>; subscribers(): number; subscriptions(): number } {
  let active = 0;
  let total = 0;
  const source$ = new Observable<T>((subscriber) => {
    active++;
    total++;
    const inner = subject.subscribe(subscriber);
    return () => {
      active--;
      inner.unsubscribe();
    };
  });
  return { source$, subscribers: () => active, subscriptions: () => total };
}

describe('toExternalStore()', () => {
  afterEach(() => sinon.restore());

  it('returns the initial value before any listener, without subscribing to the source', () => {
    const { source$, subscriptions } = countedSource(new BehaviorSubject(5));
    const initial = { value: 0 };

    const store = toExternalStore<unknown>(source$, initial);

    expect(store.getSnapshot()).to.equal(initial);
    expect(store.getSnapshot()).to.equal(store.getSnapshot());
    expect(subscriptions()).to.equal(0);
  });

  it('subscribes once for the first listener and unsubscribes when the last one leaves', () => {
    const subject = new Subject<number>();
    const { source$, subscribers, subscriptions } = countedSource(subject);
    const store = toExternalStore(source$, 0);

    const leaveA = store.subscribe(() => undefined);
    const leaveB = store.subscribe(() => undefined);
    expect(subscribers()).to.equal(1);

    leaveA();
    leaveA(); // a second call must not count twice
    expect(subscribers()).to.equal(1);
    leaveB();
    expect(subscribers()).to.equal(0);

    store.subscribe(() => undefined);
    expect(subscribers()).to.equal(1);
    expect(subscriptions()).to.equal(2);
  });

  it('counts the same function subscribed twice as two listeners', () => {
    const { source$, subscribers } = countedSource(new Subject<number>());
    const store = toExternalStore(source$, 0);
    const listener = (): void => undefined;

    const leaveFirst = store.subscribe(listener);
    store.subscribe(listener);
    leaveFirst();

    expect(subscribers()).to.equal(1);
  });

  it('calls a new listener synchronously with the current value, as Svelte requires', () => {
    const store = toExternalStore(new BehaviorSubject('from source'), 'initial');
    const seen: string[] = [];

    const unsubscribe = store.subscribe((value) => seen.push(value));

    expect(seen).to.deep.equal(['from source']);
    expect(unsubscribe).to.be.a('function');
  });

  it('brings the value up to date from a source that emits on subscribe before calling the listener once', () => {
    const store = toExternalStore(new BehaviorSubject(2), 1);
    const listener = sinon.spy();

    store.subscribe(listener);

    expect(listener.callCount).to.equal(1);
    expect(listener.firstCall.args).to.deep.equal([2]);
    expect(store.getSnapshot()).to.equal(2);
  });

  it('keeps the same reference until the value changes, and calls no listener for the same value', () => {
    const subject = new Subject<{ n: number }>();
    const first = { n: 1 };
    const store = toExternalStore(subject, first);
    const listener = sinon.spy();
    store.subscribe(listener);
    listener.resetHistory();

    subject.next(first);
    expect(listener.callCount).to.equal(0);
    expect(store.getSnapshot()).to.equal(first);

    const second = { n: 1 };
    subject.next(second);
    expect(listener.callCount).to.equal(1);
    expect(store.getSnapshot()).to.equal(second);
  });

  it('ignores a value its equals option finds equal, keeping the reference', () => {
    const subject = new Subject<{ n: number }>();
    const first = { n: 1 };
    const options: ExternalStoreOptions<{ n: number }> = { equals: (a, b) => a.n === b.n };
    const store = toExternalStore(subject, first, options);
    const listener = sinon.spy();
    store.subscribe(listener);
    listener.resetHistory();

    subject.next({ n: 1 });
    expect(store.getSnapshot()).to.equal(first);
    expect(listener.callCount).to.equal(0);
    subject.next({ n: 2 });
    expect(store.getSnapshot()).to.deep.equal({ n: 2 });
    expect(listener.callCount).to.equal(1);
  });

  it('follows React useSyncExternalStore: the listener reads getSnapshot, which changes only on a change', () => {
    const subject = new Subject<number>();
    const store = toExternalStore(subject, 0);
    const renders: number[] = [];
    let rendered = store.getSnapshot();
    renders.push(rendered);
    // what React does on a store change: compare snapshots, re-render when different
    const handleStoreChange = (): void => {
      const next = store.getSnapshot();
      if (Object.is(next, rendered)) return;
      rendered = next;
      renders.push(next);
    };

    const unsubscribe = store.subscribe(handleStoreChange);
    subject.next(1);
    subject.next(1);
    subject.next(2);
    unsubscribe();
    subject.next(3);

    expect(renders).to.deep.equal([0, 1, 2]);
  });

  it('keeps the latest value after the last listener leaves, and follows the source again for a new listener', () => {
    const subject = new BehaviorSubject(1);
    const store = toExternalStore(subject, 0);
    const leave = store.subscribe(() => undefined);
    subject.next(2);
    leave();

    subject.next(3);
    expect(store.getSnapshot()).to.equal(2);

    const seen: number[] = [];
    store.subscribe((value) => seen.push(value));
    expect(seen).to.deep.equal([3]);
    expect(store.getSnapshot()).to.equal(3);
  });

  it('does not call a listener removed by an earlier listener during the same change', () => {
    const subject = new Subject<number>();
    const store = toExternalStore(subject, 0);
    const second = sinon.spy();
    let leaveSecond: () => void = () => undefined;
    store.subscribe((value) => {
      if (value === 1) leaveSecond();
    });
    leaveSecond = store.subscribe(second);
    second.resetHistory();

    subject.next(1);

    expect(second.callCount).to.equal(0);
  });

  it('logs a listener that throws and still calls the others', () => {
    const error = sinon.stub(getDefaultLogger(), 'error');
    const subject = new Subject<number>();
    const store = toExternalStore(subject, 0);
    const other = sinon.spy();
    store.subscribe((value) => {
      if (value === 1) throw new Error('listener broke');
    });
    store.subscribe(other);

    subject.next(1);

    expect(other.lastCall.args).to.deep.equal([1]);
    expect(error.callCount).to.equal(1);
    expect(String(error.firstCall.args[0])).to.contain('listener broke');
  });

  it('logs a source error, keeps its value, and subscribes again for a new first listener', () => {
    const error = sinon.stub(getDefaultLogger(), 'error');
    let attempts = 0;
    const source$ = new Observable<number>((subscriber) => {
      attempts++;
      subscriber.next(attempts);
      if (attempts === 1) subscriber.error(new Error('source broke'));
    });
    const store = toExternalStore(source$, 0);

    const leave = store.subscribe(() => undefined);
    expect(store.getSnapshot()).to.equal(1);
    expect(String(error.firstCall.args[0])).to.contain('source broke');
    leave();
    store.subscribe(() => undefined);

    expect(attempts).to.equal(2);
    expect(store.getSnapshot()).to.equal(2);
  });

  it('keeps the last value of a source that completed', () => {
    const store = toExternalStore(of(1, 2, 3), 0);
    store.subscribe(() => undefined);

    expect(store.getSnapshot()).to.equal(3);
  });

  it('gives the initial value as the server snapshot', () => {
    const store = toExternalStore(new BehaviorSubject(9), 1);
    store.subscribe(() => undefined);

    expect(store.getServerSnapshot()).to.equal(1);
  });

  it('works with its methods detached from the store', () => {
    const { subscribe, getSnapshot } = toExternalStore(new BehaviorSubject(4), 0);
    const leave = subscribe(() => undefined);

    expect(getSnapshot()).to.equal(4);
    leave();
  });

  it('throws an InvalidArgumentError for a source that is not an Observable, a bad option or listener', () => {
    const store = toExternalStore(throwError(() => new Error('unused')), 0);
    const cases: [() => unknown, string][] = [
      [() => toExternalStore({} as Observable<number>, 0), 'source$'],
      [() => toExternalStore(of(1), 0, [] as unknown as ExternalStoreOptions<number>), 'options'],
      [() => toExternalStore(of(1), 0, { equals: 'yes' as unknown as () => boolean }), 'equals'],
      [() => store.subscribe(undefined as unknown as () => void), 'listener'],
    ];
    for (const [call, argument] of cases) {
      const error = thrownBy(call);
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal(argument);
    }
  });
});
