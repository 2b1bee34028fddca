import { expect } from 'chai';
import fc from 'fast-check';
import { DetachedWork, type DetachedLink } from '../../../lib/tasks/internal/detached-work';

/*
 * Pins down DetachedWork (lib/tasks/internal/detached-work.ts), the manager's list of detached work, a doubly
 * linked list through each item's `detachedLink`: add() appends (adding an item already on it is a no-op),
 * delete() unlinks from the head, the middle or the tail and says whether the item was on it, get(id) and
 * values() walk it oldest first, and `size` follows. A property checks random add/delete sequences against a
 * plain array.
 */

interface Run {
  readonly id: number;
  detachedLink: DetachedLink<Run> | undefined;
}

function run(id: number): Run {
  return { id, detachedLink: undefined };
}

const ids = (list: DetachedWork<Run>): number[] => list.values().map((item) => item.id);

describe('DetachedWork', () => {
  it('starts empty', () => {
    const list = new DetachedWork<Run>();

    expect(list.size).to.equal(0);
    expect(list.values()).to.deep.equal([]);
    expect(list.get(1)).to.equal(undefined);
  });

  it('keeps added items oldest first, and finds them by id', () => {
    const list = new DetachedWork<Run>();
    const [a, b, c] = [run(1), run(2), run(3)];
    list.add(a);
    list.add(b);
    list.add(c);

    expect(list.size).to.equal(3);
    expect(list.values()).to.deep.equal([a, b, c]);
    expect(list.values()[1]).to.equal(b);
    expect(list.get(2)).to.equal(b);
    expect(list.get(3)).to.equal(c);
    expect(list.get(4)).to.equal(undefined);
  });

  it('ignores adding an item already on the list: it keeps its place and counts once', () => {
    const list = new DetachedWork<Run>();
    const [a, b] = [run(1), run(2)];
    list.add(a);
    list.add(b);
    list.add(a);

    expect(ids(list)).to.deep.equal([1, 2]);
    expect(list.size).to.equal(2);
  });

  it('deletes from the middle, the head and the tail, keeping the order of the others', () => {
    const list = new DetachedWork<Run>();
    const items = [run(1), run(2), run(3), run(4), run(5)];
    for (const item of items) list.add(item);

    expect(list.delete(items[2]!)).to.equal(true);
    expect(ids(list)).to.deep.equal([1, 2, 4, 5]);
    expect(list.delete(items[0]!)).to.equal(true);
    expect(ids(list)).to.deep.equal([2, 4, 5]);
    expect(list.delete(items[4]!)).to.equal(true);
    expect(ids(list)).to.deep.equal([2, 4]);
    expect(list.size).to.equal(2);

    list.add(run(6));
    expect(ids(list)).to.deep.equal([2, 4, 6]);
  });

  it('deletes the only item, leaving an empty list that accepts items again', () => {
    const list = new DetachedWork<Run>();
    const a = run(1);
    list.add(a);

    expect(list.delete(a)).to.equal(true);
    expect(list.size).to.equal(0);
    expect(list.values()).to.deep.equal([]);
    expect(list.get(1)).to.equal(undefined);
    expect(a.detachedLink).to.equal(undefined);

    list.add(a);
    expect(ids(list)).to.deep.equal([1]);
  });

  it('returns false for deleting an item that is not on the list, and changes nothing', () => {
    const list = new DetachedWork<Run>();
    const [a, b] = [run(1), run(2)];
    list.add(a);

    expect(list.delete(b)).to.equal(false);
    expect(ids(list)).to.deep.equal([1]);
    expect(list.size).to.equal(1);
    expect(list.delete(a)).to.equal(true);
    expect(list.delete(a)).to.equal(false);
    expect(list.size).to.equal(0);
  });

  it('gives the oldest item when two share an id', () => {
    const list = new DetachedWork<Run>();
    const [first, second] = [run(7), run(7)];
    list.add(first);
    list.add(second);

    expect(list.get(7)).to.equal(first);
    list.delete(first);
    expect(list.get(7)).to.equal(second);
  });

  it('gives a new array from values(), which the caller may change freely', () => {
    const list = new DetachedWork<Run>();
    list.add(run(1));
    const values = list.values();
    values.pop();

    expect(ids(list)).to.deep.equal([1]);
    expect(list.values()).not.to.equal(values);
  });

  it('behaves like an array with add = push-if-absent and delete = splice, for any sequence (property)', () => {
    const POOL = 8;
    const opArb = fc.tuple(fc.constantFrom('add' as const, 'delete' as const), fc.nat(POOL - 1));

    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const items = Array.from({ length: POOL }, (_, index) => run(index));
        const list = new DetachedWork<Run>();
        const model: Run[] = [];
        for (const [op, index] of ops) {
          const item = items[index]!;
          const position = model.indexOf(item);
          if (op === 'add') {
            list.add(item);
            if (position === -1) model.push(item);
          } else {
            expect(list.delete(item)).to.equal(position !== -1);
            if (position !== -1) model.splice(position, 1);
          }

          expect(list.size).to.equal(model.length);
          expect(list.values()).to.deep.equal(model);
          for (const candidate of items) {
            expect(list.get(candidate.id)).to.equal(model.includes(candidate) ? candidate : undefined);
            expect(candidate.detachedLink === undefined).to.equal(!model.includes(candidate));
          }
        }
      }),
    );
  });
});
