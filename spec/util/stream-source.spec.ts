import { expect } from 'chai';
import fc from 'fast-check';
import type { Subscription } from 'rxjs';
import { map } from 'rxjs';
import { EmissionQueue, ObservedSources, StreamSource } from '../../lib/util/stream-source';

/*
 * Pins down StreamSource (lib/util/stream-source.ts), the multicast source behind the manager's streams:
 * `observed`; delivery to every subscriber in subscription order; a value emitted from inside a subscriber's
 * callback is delivered after the current value reached every subscriber (so every subscriber sees the values
 * in the order next() was called, checked by a property with random re-entrant emissions); unsubscribing and
 * subscribing during an emission; the `current` value a new subscriber gets first; complete(); and a throwing
 * subscriber, whose error goes to the error handler while the others still receive. Then EmissionQueue, the order
 * several sources share: an emission on one source from a callback of another waits for the current value, and
 * hold()/release() queue a group of emissions (holds nest; the outermost release delivers).
 */

/** An error handler that records what it is given. */
function recordingHandler(): { readonly errors: unknown[]; readonly handler: (error: unknown) => void } {
  const errors: unknown[] = [];
  return { errors, handler: (error) => errors.push(error) };
}

const failOnSubscriberError = (error: unknown): never => {
  throw new Error(`unexpected subscriber error: ${String(error)}`);
};

describe('StreamSource', () => {
  it('counts itself in its ObservedSources exactly while it has subscribers, also through complete() and repeated unsubscribes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ source: fc.nat({ max: 2 }), op: fc.constantFrom('subscribe', 'unsubscribe', 'complete') }), { maxLength: 60 }), (ops) => {
        const watch = new ObservedSources();
        const sources = [0, 1, 2].map(() => new StreamSource<number>(new EmissionQueue(), watch));
        const subscriptions: Subscription[][] = [[], [], []];
        for (const { source, op } of ops) {
          const target = sources[source] as StreamSource<number>;
          const held = subscriptions[source] as Subscription[];
          if (op === 'subscribe') held.push(target.asObservable(failOnSubscriberError).subscribe());
          else if (op === 'complete') target.complete();
          else {
            // also after complete(), and twice: neither may count the source out twice
            const first = held.shift();
            first?.unsubscribe();
            first?.unsubscribe();
          }
          expect(watch.count).to.equal(sources.filter((each) => each.observed).length);
        }
      }),
    );
  });

  it('is observed exactly while it has at least one subscriber', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    expect(source.observed).to.equal(false);

    const first = values$.subscribe(() => undefined);
    expect(source.observed).to.equal(true);
    const second = values$.subscribe(() => undefined);

    first.unsubscribe();
    expect(source.observed).to.equal(true);
    second.unsubscribe();
    expect(source.observed).to.equal(false);
  });

  it('delivers each value to every subscriber, in subscription order', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const log: string[] = [];
    values$.subscribe((value) => log.push(`a${value}`));
    values$.subscribe((value) => log.push(`b${value}`));

    source.next(1);
    source.next(2);

    expect(log).to.deep.equal(['a1', 'b1', 'a2', 'b2']);
  });

  it('does not replay a value emitted before a subscriber joined', () => {
    const source = new StreamSource<number>();
    source.next(1);
    const seen: number[] = [];
    source.asObservable(failOnSubscriberError).subscribe((value) => seen.push(value));

    expect(seen).to.deep.equal([]);
  });

  it('delivers a value emitted from inside a callback after the current value reached every subscriber', () => {
    const source = new StreamSource<string>();
    const values$ = source.asObservable(failOnSubscriberError);
    const log: string[] = [];
    values$.subscribe((value) => {
      log.push(`a:${value}`);
      if (value === 'first') source.next('second');
    });
    values$.subscribe((value) => log.push(`b:${value}`));

    source.next('first');

    expect(log).to.deep.equal(['a:first', 'b:first', 'a:second', 'b:second']);
  });

  it('delivers several re-entrant values in the order they were emitted, and is ready again afterwards', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const seenByA: number[] = [];
    const seenByB: number[] = [];
    values$.subscribe((value) => {
      seenByA.push(value);
      if (value === 1) {
        source.next(2);
        source.next(3);
      }
    });
    values$.subscribe((value) => {
      seenByB.push(value);
      if (value === 2) source.next(4);
    });

    source.next(1);
    source.next(5);

    expect(seenByA).to.deep.equal([1, 2, 3, 4, 5]);
    expect(seenByB).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('gives every subscriber the values in the order next() was called, whatever they emit from their callbacks (property)', () => {
    /** Subscriber `subscriber`, on the `nth` value it receives, emits `count` new values. */
    type Reaction = readonly [subscriber: number, nth: number, count: number];
    const planArb = fc.record({
      subscribers: fc.integer({ min: 1, max: 4 }),
      externals: fc.integer({ min: 1, max: 5 }),
      reactions: fc.array(fc.tuple(fc.nat(3), fc.nat(15), fc.integer({ min: 1, max: 3 })), { maxLength: 12 }),
    });

    fc.assert(
      fc.property(planArb, ({ subscribers, externals, reactions }) => {
        const source = new StreamSource<string>();
        const values$ = source.asObservable(failOnSubscriberError);
        const emitted: string[] = [];
        let counter = 0;
        const emit = (): void => {
          const value = `v${counter++}`;
          emitted.push(value);
          source.next(value);
        };
        const received: string[][] = Array.from({ length: subscribers }, () => []);
        for (let index = 0; index < subscribers; index++) {
          values$.subscribe((value) => {
            const nth = received[index]!.length;
            received[index]!.push(value);
            for (const [subscriber, when, count] of reactions as readonly Reaction[]) {
              if (subscriber % subscribers !== index || when !== nth) continue;
              for (let i = 0; i < count && emitted.length < 60; i++) emit();
            }
          });
        }

        for (let i = 0; i < externals; i++) emit();

        for (const seen of received) expect(seen).to.deep.equal(emitted);
      }),
    );
  });

  it('stops delivering to a subscriber unsubscribed by an earlier one during an emission, current value included', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const seenByA: number[] = [];
    const seenByB: number[] = [];
    const seenByC: number[] = [];
    let subscriptionB: Subscription | undefined;
    values$.subscribe((value) => {
      seenByA.push(value);
      if (value === 2) subscriptionB?.unsubscribe();
    });
    subscriptionB = values$.subscribe((value) => seenByB.push(value));
    values$.subscribe((value) => seenByC.push(value));

    source.next(1);
    source.next(2);
    source.next(3);

    expect(seenByA).to.deep.equal([1, 2, 3]);
    expect(seenByB).to.deep.equal([1]);
    expect(seenByC).to.deep.equal([1, 2, 3]);
  });

  it('lets a subscriber unsubscribe itself from its callback without skipping the others', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const seenByA: number[] = [];
    const seenByB: number[] = [];
    const subscriptionA: Subscription = values$.subscribe((value) => {
      seenByA.push(value);
      subscriptionA.unsubscribe();
    });
    values$.subscribe((value) => seenByB.push(value));

    source.next(1);
    source.next(2);

    expect(seenByA).to.deep.equal([1]);
    expect(seenByB).to.deep.equal([1, 2]);
    expect(source.observed).to.equal(true);
  });

  it('does not deliver a queued re-entrant value to a subscriber that unsubscribed before it was delivered', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const seenByB: number[] = [];
    let subscriptionB: Subscription | undefined;
    values$.subscribe((value) => {
      if (value !== 1) return;
      source.next(2);
      subscriptionB?.unsubscribe();
    });
    subscriptionB = values$.subscribe((value) => seenByB.push(value));

    source.next(1);

    expect(seenByB).to.deep.equal([]);
  });

  it('does not give the value being delivered to a subscriber that joined during it, but gives it the next ones', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const late: number[] = [];
    values$.subscribe((value) => {
      if (value !== 1) return;
      values$.subscribe((seen) => late.push(seen));
      source.next(2);
    });

    source.next(1);
    source.next(3);

    expect(late).to.deep.equal([2, 3]);
  });

  it('gives a new subscriber the current value first, read at subscription, then every later emission', () => {
    const source = new StreamSource<number>();
    let current = 10;
    let reads = 0;
    const values$ = source.asObservable(failOnSubscriberError, () => {
      reads++;
      return current;
    });
    const seenByA: number[] = [];
    values$.subscribe((value) => seenByA.push(value));
    expect(reads).to.equal(1);

    current = 20;
    source.next(20);
    const seenByB: number[] = [];
    values$.subscribe((value) => seenByB.push(value));
    source.next(30);

    expect(seenByA).to.deep.equal([10, 20, 30]);
    expect(seenByB).to.deep.equal([20, 30]);
    expect(reads).to.equal(2);
  });

  it('does not read the current value when no `current` is given', () => {
    const source = new StreamSource<number | undefined>();
    const seen: (number | undefined)[] = [];
    source.asObservable(failOnSubscriberError).subscribe((value) => seen.push(value));

    expect(seen).to.deep.equal([]);
  });

  it('completes every subscriber on complete(), then ignores next()', () => {
    const source = new StreamSource<number>();
    const values$ = source.asObservable(failOnSubscriberError);
    const log: string[] = [];
    values$.subscribe({ next: (value) => log.push(`a${value}`), complete: () => log.push('a done') });
    values$.subscribe({ next: (value) => log.push(`b${value}`), complete: () => log.push('b done') });

    source.next(1);
    source.complete();
    source.next(2);

    expect(log).to.deep.equal(['a1', 'b1', 'a done', 'b done']);
    expect(source.observed).to.equal(false);
  });

  it('completes a later subscriber at once, after its current value, and does not count it as observing', () => {
    const source = new StreamSource<string>();
    source.complete();
    const log: string[] = [];

    source
      .asObservable(failOnSubscriberError, () => 'now')
      .subscribe({ next: (value) => log.push(value), complete: () => log.push('done') });
    source.asObservable(failOnSubscriberError).subscribe({ next: (value) => log.push(value), complete: () => log.push('done, no current') });

    expect(log).to.deep.equal(['now', 'done', 'done, no current']);
    expect(source.observed).to.equal(false);
  });

  it('reports what a subscriber throws to the error handler, and still delivers to the others and to the thrower', () => {
    const source = new StreamSource<number>();
    const { errors, handler } = recordingHandler();
    const values$ = source.asObservable(handler);
    const boom = new Error('boom');
    const seenByThrower: number[] = [];
    const seenByOther: number[] = [];
    values$.subscribe((value) => {
      seenByThrower.push(value);
      throw boom;
    });
    values$.subscribe((value) => seenByOther.push(value));

    source.next(1);
    source.next(2);

    expect(errors).to.deep.equal([boom, boom]);
    expect(errors[0]).to.equal(boom);
    expect(seenByThrower).to.deep.equal([1, 2]);
    expect(seenByOther).to.deep.equal([1, 2]);
  });

  it('still delivers values queued before a subscriber threw during a re-entrant emission', () => {
    const source = new StreamSource<number>();
    const { errors, handler } = recordingHandler();
    const values$ = source.asObservable(handler);
    const seen: number[] = [];
    values$.subscribe((value) => {
      if (value !== 1) return;
      source.next(2);
      throw new Error('after emitting');
    });
    values$.subscribe((value) => seen.push(value));

    source.next(1);
    source.next(3);

    expect(seen).to.deep.equal([1, 2, 3]);
    expect(errors.map((error) => (error as Error).message)).to.deep.equal(['after emitting']);
  });

  it('keeps the guard on piped streams: a throwing callback after an operator goes to the error handler', () => {
    const source = new StreamSource<number>();
    const { errors, handler } = recordingHandler();
    const seen: number[] = [];
    source
      .asObservable(handler)
      .pipe(map((value) => value * 10))
      .subscribe((value) => {
        seen.push(value);
        throw new Error(`piped ${value}`);
      });

    source.next(1);
    source.next(2);

    expect(seen).to.deep.equal([10, 20]);
    expect(errors.map((error) => (error as Error).message)).to.deep.equal(['piped 10', 'piped 20']);
  });
});

describe('EmissionQueue (one order shared by several StreamSources)', () => {
  /** Two sources on one queue, each with two subscribers that log what they receive. */
  function twoSources(): { readonly queue: EmissionQueue; readonly a: StreamSource<string>; readonly b: StreamSource<string>; readonly log: string[] } {
    const queue = new EmissionQueue();
    const a = new StreamSource<string>(queue);
    const b = new StreamSource<string>(queue);
    const log: string[] = [];
    for (const [label, source] of [['a', a], ['b', b]] as const) {
      const values$ = source.asObservable(failOnSubscriberError);
      values$.subscribe((value) => log.push(`${label}1:${value}`));
      values$.subscribe((value) => log.push(`${label}2:${value}`));
    }
    return { queue, a, b, log };
  }

  it('delivers a value emitted on one source from a callback of another after the current value reached every subscriber', () => {
    const queue = new EmissionQueue();
    const a = new StreamSource<string>(queue);
    const b = new StreamSource<string>(queue);
    const log: string[] = [];
    a.asObservable(failOnSubscriberError).subscribe((value) => {
      log.push(`a1:${value}`);
      b.next(`from ${value}`);
    });
    a.asObservable(failOnSubscriberError).subscribe((value) => log.push(`a2:${value}`));
    b.asObservable(failOnSubscriberError).subscribe((value) => log.push(`b1:${value}`));

    a.next('x');

    expect(log).to.deep.equal(['a1:x', 'a2:x', 'b1:from x']);
  });

  it('lets separate queues interleave: a source on its own queue delivers at once', () => {
    const a = new StreamSource<string>();
    const b = new StreamSource<string>();
    const log: string[] = [];
    a.asObservable(failOnSubscriberError).subscribe((value) => {
      log.push(`a1:${value}`);
      b.next(`from ${value}`);
    });
    a.asObservable(failOnSubscriberError).subscribe((value) => log.push(`a2:${value}`));
    b.asObservable(failOnSubscriberError).subscribe((value) => log.push(`b1:${value}`));

    a.next('x');

    expect(log).to.deep.equal(['a1:x', 'b1:from x', 'a2:x']);
  });

  it('queues every emission between hold() and release(), then delivers them in order', () => {
    const { queue, a, b, log } = twoSources();

    const held = queue.hold();
    a.next('1');
    b.next('2');
    a.next('3');
    expect(held).to.equal(false);
    expect(log).to.deep.equal([]);

    queue.release(held);
    expect(log).to.deep.equal(['a1:1', 'a2:1', 'b1:2', 'b2:2', 'a1:3', 'a2:3']);

    a.next('after');
    expect(log.slice(-2)).to.deep.equal(['a1:after', 'a2:after']);
  });

  it('nests holds: only the outermost release() delivers', () => {
    const { queue, a, log } = twoSources();

    const outer = queue.hold();
    a.next('1');
    const inner = queue.hold();
    a.next('2');
    queue.release(inner);

    expect(inner).to.equal(true);
    expect(log).to.deep.equal([]);

    queue.release(outer);
    expect(log).to.deep.equal(['a1:1', 'a2:1', 'a1:2', 'a2:2']);
  });

  it('delivers a value emitted from a callback during release() after the values queued before it', () => {
    const queue = new EmissionQueue();
    const a = new StreamSource<string>(queue);
    const b = new StreamSource<string>(queue);
    const log: string[] = [];
    a.asObservable(failOnSubscriberError).subscribe((value) => {
      log.push(`a:${value}`);
      if (value === '1') a.next('re-entrant');
    });
    b.asObservable(failOnSubscriberError).subscribe((value) => log.push(`b:${value}`));

    const held = queue.hold();
    a.next('1');
    b.next('2');
    queue.release(held);

    expect(log).to.deep.equal(['a:1', 'b:2', 'a:re-entrant']);
  });

  it('drops a queued value of a source completed before it was delivered', () => {
    const { queue, a, b, log } = twoSources();

    const held = queue.hold();
    a.next('lost');
    b.next('kept');
    a.complete();
    queue.release(held);

    expect(log).to.deep.equal(['b1:kept', 'b2:kept']);
  });
});
