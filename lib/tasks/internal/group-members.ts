/**
 * What a task needs to be listed by {@link GroupMembers}: the groups it belongs to and its links in their lists.
 * The links live on the task itself, so joining its first group allocates nothing (a `Set` entry cost a task
 * about 100 bytes of table growth and shrinking, a third of what creating a task in a run added).
 */
export interface GroupMember<M extends GroupMember<M>> {
  /** The groups it belongs to, in the order it joined them (a group's slot is its position here). */
  readonly groups: readonly { readonly tracked: GroupMembers<M> }[] | undefined;
  /** Its neighbours in the list of its first group. */
  firstPrevious: M | undefined;
  firstNext: M | undefined;
  /** Its neighbours in the lists of its other groups: `[previous, next]` for the second group, then the third... */
  moreLinks: (M | undefined)[] | undefined;
}

/**
 * The tasks of one group, in the order they joined it: a doubly linked list through the tasks' own fields.
 * Adding and removing cost O(the task's number of groups); iterating costs O(members). A member may be
 * removed while the list is iterated only if it is the one just given.
 */
export class GroupMembers<M extends GroupMember<M>> {
  #head: M | undefined = undefined;
  #tail: M | undefined = undefined;
  #size = 0;

  /** How many members it has. */
  get size(): number {
    return this.#size;
  }

  /** Adds `member` at the end; it must hold this list's group in its `groups` already, and not be in the list. */
  add(member: M): void {
    const slot = this.#slot(member);
    const tail = this.#tail;
    setLinks(member, slot, tail, undefined);
    if (tail === undefined) this.#head = member;
    else setNext(tail, this.#slot(tail), member);
    this.#tail = member;
    this.#size++;
  }

  /** Removes `member`; returns whether it was in the list. */
  delete(member: M): boolean {
    const slot = this.#slot(member);
    const previous = previousOf(member, slot);
    if (previous === undefined && this.#head !== member) return false;
    const next = nextOf(member, slot);
    if (previous === undefined) this.#head = next;
    else setNext(previous, this.#slot(previous), next);
    if (next === undefined) this.#tail = previous;
    else setPrevious(next, this.#slot(next), previous);
    setLinks(member, slot, undefined, undefined);
    this.#size--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let member = this.#head; member !== undefined; ) {
      const next = nextOf(member, this.#slot(member));
      yield member;
      member = next;
    }
  }

  /** This list's position among `member.groups`. */
  #slot(member: M): number {
    const groups = member.groups as readonly { readonly tracked: GroupMembers<M> }[];
    if ((groups[0] as { readonly tracked: GroupMembers<M> }).tracked === this) return 0;
    for (let index = 1; index < groups.length; index++) if ((groups[index] as { readonly tracked: GroupMembers<M> }).tracked === this) return index;
    throw new Error('a task was listed in a group it does not belong to');
  }
}

function previousOf<M extends GroupMember<M>>(member: M, slot: number): M | undefined {
  return slot === 0 ? member.firstPrevious : member.moreLinks?.[(slot - 1) * 2];
}

function nextOf<M extends GroupMember<M>>(member: M, slot: number): M | undefined {
  return slot === 0 ? member.firstNext : member.moreLinks?.[(slot - 1) * 2 + 1];
}

function setPrevious<M extends GroupMember<M>>(member: M, slot: number, previous: M | undefined): void {
  if (slot === 0) member.firstPrevious = previous;
  else linksOf(member, slot)[(slot - 1) * 2] = previous;
}

function setNext<M extends GroupMember<M>>(member: M, slot: number, next: M | undefined): void {
  if (slot === 0) member.firstNext = next;
  else linksOf(member, slot)[(slot - 1) * 2 + 1] = next;
}

function setLinks<M extends GroupMember<M>>(member: M, slot: number, previous: M | undefined, next: M | undefined): void {
  setPrevious(member, slot, previous);
  setNext(member, slot, next);
}

/** The member's links for its groups after the first, long enough for `slot`. */
function linksOf<M extends GroupMember<M>>(member: M, slot: number): (M | undefined)[] {
  const links = (member.moreLinks ??= []);
  while (links.length < slot * 2) links.push(undefined);
  return links;
}
