import { expect } from 'chai';
import fc from 'fast-check';
import { RingBuffer } from '../../lib/util/ring-buffer';

/*
 * Pins down RingBuffer (lib/util/ring-buffer.ts): it keeps the last `capacity` items pushed, oldest first, read
 * through at(0..size-1); a push into a full buffer evicts the oldest (the wrap-around); capacity 0 keeps nothing;
 * at() out of range is undefined; clear() forgets everything. A property checks it against a plain-array model.
 */

/** Everything the buffer holds, read through at(), oldest first. */
function contents<T>(buffer: RingBuffer<T>): (T | undefined)[] {
  return Array.from({ length: buffer.size }, (_, index) => buffer.at(index));
}

describe('RingBuffer', () => {
  it('starts empty', () => {
    const buffer = new RingBuffer<string>(3);

    expect(buffer.size).to.equal(0);
    expect(buffer.at(0)).to.equal(undefined);
  });

  it('keeps items in push order while it is not full', () => {
    const buffer = new RingBuffer<string>(3);
    buffer.push('a');
    buffer.push('b');

    expect(buffer.size).to.equal(2);
    expect(contents(buffer)).to.deep.equal(['a', 'b']);
  });

  it('evicts the oldest item when full and wraps around, oldest first at index 0', () => {
    const buffer = new RingBuffer<number>(3);
    for (const item of [1, 2, 3]) buffer.push(item);
    expect(contents(buffer)).to.deep.equal([1, 2, 3]);

    buffer.push(4);
    expect(buffer.size).to.equal(3);
    expect(contents(buffer)).to.deep.equal([2, 3, 4]);

    buffer.push(5);
    expect(contents(buffer)).to.deep.equal([3, 4, 5]);

    // A full turn and then some: the start index wraps past the end of the storage twice.
    for (const item of [6, 7, 8, 9]) buffer.push(item);
    expect(contents(buffer)).to.deep.equal([7, 8, 9]);
    expect(buffer.at(0)).to.equal(7);
    expect(buffer.at(2)).to.equal(9);
  });

  it('with capacity 1 holds only the newest item', () => {
    const buffer = new RingBuffer<string>(1);
    buffer.push('a');
    buffer.push('b');

    expect(buffer.size).to.equal(1);
    expect(contents(buffer)).to.deep.equal(['b']);
  });

  it('with capacity 0 keeps nothing', () => {
    const buffer = new RingBuffer<string>(0);
    buffer.push('a');
    buffer.push('b');

    expect(buffer.size).to.equal(0);
    expect(buffer.at(0)).to.equal(undefined);
  });

  it('gives undefined at a negative index, at size and beyond', () => {
    const buffer = new RingBuffer<string>(2);
    for (const item of ['a', 'b', 'c']) buffer.push(item);

    expect(buffer.at(-1)).to.equal(undefined);
    expect(buffer.at(2)).to.equal(undefined);
    expect(buffer.at(100)).to.equal(undefined);
  });

  it('forgets every item on clear(), and fills from the start again after a wrap', () => {
    const buffer = new RingBuffer<string>(2);
    for (const item of ['a', 'b', 'c']) buffer.push(item);

    buffer.clear();
    expect(buffer.size).to.equal(0);
    expect(buffer.at(0)).to.equal(undefined);

    buffer.push('d');
    expect(contents(buffer)).to.deep.equal(['d']);
    buffer.push('e');
    buffer.push('f');
    expect(contents(buffer)).to.deep.equal(['e', 'f']);
  });

  it('stores undefined items like any other', () => {
    const buffer = new RingBuffer<string | undefined>(2);
    buffer.push(undefined);
    buffer.push('x');

    expect(buffer.size).to.equal(2);
    expect(contents(buffer)).to.deep.equal([undefined, 'x']);
  });

  it('holds the last min(capacity, n) items pushed since the last clear, in order (property)', () => {
    type Op = { readonly push: number } | { readonly clear: true };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 12, arbitrary: fc.integer().map((push) => ({ push })) },
      { weight: 1, arbitrary: fc.constant({ clear: true as const }) },
    );

    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(opArb, { maxLength: 80 }), (capacity, ops) => {
        const buffer = new RingBuffer<number>(capacity);
        let sinceClear: number[] = [];
        for (const op of ops) {
          if ('clear' in op) {
            buffer.clear();
            sinceClear = [];
          } else {
            buffer.push(op.push);
            sinceClear.push(op.push);
          }
          const expected = capacity === 0 ? [] : sinceClear.slice(-capacity);

          expect(buffer.size).to.be.at.most(capacity);
          expect(buffer.size).to.equal(expected.length);
          expect(contents(buffer)).to.deep.equal(expected);
          expect(buffer.at(-1)).to.equal(undefined);
          expect(buffer.at(buffer.size)).to.equal(undefined);
          expect(buffer.at(buffer.size + capacity + 1)).to.equal(undefined);
        }
      }),
    );
  });
});
