import { expect } from 'chai';
import fc from 'fast-check';
import { GroupMembers, type GroupMember } from '../../../lib/tasks/internal/group-members';

/*
 * Pins down GroupMembers (lib/tasks/internal/group-members.ts), the list of a task group's tasks, linked through
 * the tasks' own fields: the first group's links are fields, the others' live in `moreLinks`. add() appends,
 * delete() unlinks from the head, the middle or the tail and says whether the member was listed, iteration goes
 * in the order members joined and survives removing the member just given, and `size` follows. A property runs
 * random sequences over members of several groups each against plain arrays.
 */

interface Group {
  readonly tracked: GroupMembers<Member>;
}

interface Member extends GroupMember<Member> {
  readonly id: number;
  groups: readonly Group[] | undefined;
}

function group(): Group {
  return { tracked: new GroupMembers<Member>() };
}

function member(id: number, groups: readonly Group[]): Member {
  return { id, groups, firstPrevious: undefined, firstNext: undefined, moreLinks: undefined };
}

const ids = (list: GroupMembers<Member>): number[] => [...list].map((each) => each.id);

describe('GroupMembers', () => {
  it('lists members in the order they joined, and unlinks from the head, the middle and the tail', () => {
    const only = group();
    const members = [0, 1, 2, 3, 4].map((id) => member(id, [only]));
    for (const each of members) only.tracked.add(each);
    expect(ids(only.tracked)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(only.tracked.delete(members[2] as Member)).to.equal(true);
    expect(only.tracked.delete(members[0] as Member)).to.equal(true);
    expect(only.tracked.delete(members[4] as Member)).to.equal(true);
    expect(ids(only.tracked)).to.deep.equal([1, 3]);
    expect(only.tracked.size).to.equal(2);
    only.tracked.add(members[0] as Member);
    expect(ids(only.tracked)).to.deep.equal([1, 3, 0]);
  });

  it('says a member that is not listed was not deleted, and leaves the list as it was', () => {
    const only = group();
    const listed = member(1, [only]);
    const other = member(2, [only]);
    only.tracked.add(listed);
    expect(only.tracked.delete(other)).to.equal(false);
    expect(only.tracked.delete(listed)).to.equal(true);
    expect(only.tracked.delete(listed)).to.equal(false);
    expect(only.tracked.size).to.equal(0);
    expect(ids(only.tracked)).to.deep.equal([]);
  });

  it('keeps the lists of a member in several groups apart (its second and third groups use moreLinks)', () => {
    const [a, b, c] = [group(), group(), group()] as [Group, Group, Group];
    const first = member(1, [a, b, c]);
    const second = member(2, [c, a]);
    for (const each of [a, b, c]) each.tracked.add(first);
    c.tracked.add(second);
    a.tracked.add(second);
    expect([ids(a.tracked), ids(b.tracked), ids(c.tracked)]).to.deep.equal([[1, 2], [1], [1, 2]]);
    expect(first.moreLinks).to.have.length(4);
    b.tracked.delete(first);
    c.tracked.delete(first);
    expect([ids(a.tracked), ids(b.tracked), ids(c.tracked)]).to.deep.equal([[1, 2], [], [2]]);
  });

  it('may lose the member it just gave while it is iterated', () => {
    const only = group();
    for (let id = 0; id < 5; id++) only.tracked.add(member(id, [only]));
    const seen: number[] = [];
    for (const each of only.tracked) {
      seen.push(each.id);
      only.tracked.delete(each);
    }
    expect(seen).to.deep.equal([0, 1, 2, 3, 4]);
    expect(only.tracked.size).to.equal(0);
  });

  it('refuses a member that does not belong to the group', () => {
    const [a, b] = [group(), group()];
    expect(() => a.tracked.add(member(1, [b]))).to.throw(/does not belong/);
  });

  it('agrees with plain arrays on random adds and deletes over members of several groups (property)', () => {
    const groupCount = 4;
    const op = fc.record({ member: fc.nat({ max: 11 }), slot: fc.nat({ max: groupCount - 1 }), add: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.subarray([0, 1, 2, 3], { minLength: 1 }), { minLength: 12, maxLength: 12 }), fc.array(op, { maxLength: 200 }), (memberships, ops) => {
        const groups = Array.from({ length: groupCount }, group);
        const members = memberships.map((indexes, id) => member(id, indexes.map((index) => groups[index] as Group)));
        const model = groups.map((): number[] => []);
        for (const { member: which, slot, add } of ops) {
          const each = members[which] as Member;
          const joined = each.groups as readonly Group[];
          const target = joined[slot % joined.length] as Group;
          const expected = model[groups.indexOf(target)] as number[];
          const listed = expected.includes(each.id);
          if (add) {
            if (listed) continue; // the manager never adds a task twice
            target.tracked.add(each);
            expected.push(each.id);
          } else {
            expect(target.tracked.delete(each)).to.equal(listed);
            if (listed) expected.splice(expected.indexOf(each.id), 1);
          }
          for (const [index, list] of groups.entries()) {
            expect(ids(list.tracked)).to.deep.equal(model[index]);
            expect(list.tracked.size).to.equal((model[index] as number[]).length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
