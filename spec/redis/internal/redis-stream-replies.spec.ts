import { expect } from 'chai';
import fc from 'fast-check';
import {
  isBusyGroupError,
  isNoGroupError,
  parseAutoClaimReply,
  parseReadGroupReply,
  type RawStreamEntry,
} from '../../../lib/redis/internal/redis-stream-replies';

/*
 * Pins down lib/redis/internal/redis-stream-replies.ts, the defensive parsing of raw RESP2 replies: XREADGROUP
 * (null, empty, several streams, odd field lists, deleted entries as null, Buffers as values) and XAUTOCLAIM
 * (cursor, claimed entries, deleted ids), and isNoGroupError() / isBusyGroupError(). Properties check that both
 * parsers are total over fc.anything() and over reply-shaped data with arbitrary leaves.
 */

/** An entry as plain data, for deep equality. */
function plain(entry: RawStreamEntry): { id: string; fields: Record<string, string> } {
  return { id: entry.id, fields: Object.fromEntries(entry.fields) };
}

/**
 * Any value at all, including objects whose String() conversion throws (own 'toString'/'valueOf' keys) and
 * null-prototype objects: the parsers read leaves with a total conversion, so none of these make them throw.
 */
const anyReplyArb = fc.anything({
  withBigInt: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
});

describe('parseReadGroupReply()', () => {
  it('gives no entries for a null reply (nothing arrived before the block timeout) or an empty one', () => {
    expect(parseReadGroupReply(null)).to.deep.equal([]);
    expect(parseReadGroupReply(undefined)).to.deep.equal([]);
    expect(parseReadGroupReply([])).to.deep.equal([]);
    expect(parseReadGroupReply([['stream', []]])).to.deep.equal([]);
  });

  it('reads the entries of one stream, in order, with their fields', () => {
    const reply = [
      [
        'agentflow:events',
        [
          ['1-0', ['kind', 'task', 'json', '{}']],
          ['1-1', ['kind', 'event']],
        ],
      ],
    ];

    expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal([
      { id: '1-0', fields: { kind: 'task', json: '{}' } },
      { id: '1-1', fields: { kind: 'event' } },
    ]);
  });

  it('reads the entries of several streams one after the other', () => {
    const reply = [
      ['a', [['1-0', ['f', 'a1']]]],
      ['b', [['2-0', ['f', 'b1']], ['2-1', ['f', 'b2']]]],
    ];

    expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal([
      { id: '1-0', fields: { f: 'a1' } },
      { id: '2-0', fields: { f: 'b1' } },
      { id: '2-1', fields: { f: 'b2' } },
    ]);
  });

  it('drops the last field of an odd field list, and reads a missing or non-list field list as no fields', () => {
    const reply = [['s', [['1-0', ['a', '1', 'dangling']], ['1-1'], ['1-2', 'not a list'], ['1-3', null]]]];

    expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal([
      { id: '1-0', fields: { a: '1' } },
      { id: '1-1', fields: {} },
      { id: '1-2', fields: {} },
      { id: '1-3', fields: {} },
    ]);
  });

  it('keeps the last value of a field given twice', () => {
    const [entry] = parseReadGroupReply([['s', [['1-0', ['k', 'first', 'k', 'second']]]]])!;

    expect(plain(entry!)).to.deep.equal({ id: '1-0', fields: { k: 'second' } });
  });

  it('skips deleted entries (null) and malformed ones, keeping the others', () => {
    const reply = [['s', [null, ['1-0', ['a', 'b']], [null, ['x', 'y']], 'junk', [], ['1-1', []]]]];

    expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal([
      { id: '1-0', fields: { a: 'b' } },
      { id: '1-1', fields: {} },
    ]);
  });

  it('skips malformed streams, keeping the others', () => {
    const reply = ['junk', ['s'], ['s', 'not entries'], null, ['s', [['1-0', ['a', 'b']]]]];

    expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal([{ id: '1-0', fields: { a: 'b' } }]);
  });

  it('reads Buffers (a type mapping) and numbers as strings', () => {
    const reply = [[Buffer.from('s'), [[Buffer.from('7-0'), [Buffer.from('json'), Buffer.from('{"é":1}'), 'n', 42]]]]];

    const entries = parseReadGroupReply(reply)!;

    expect(entries.map(plain)).to.deep.equal([{ id: '7-0', fields: { json: '{"é":1}', n: '42' } }]);
    expect(entries[0]!.fields).to.be.instanceOf(Map);
  });

  it('reads a RESP3 reply: a map of stream keys, as a plain object or, under a type mapping, a Map', () => {
    const entries = [['1-0', ['kind', 'task']], ['1-1', ['kind', 'event']]];
    const expected = [
      { id: '1-0', fields: { kind: 'task' } },
      { id: '1-1', fields: { kind: 'event' } },
    ];
    expect(parseReadGroupReply({ 'agentflow:events': entries })!.map(plain)).to.deep.equal(expected);
    expect(parseReadGroupReply(new Map([['agentflow:events', entries]]))!.map(plain)).to.deep.equal(expected);
    expect(parseReadGroupReply({})).to.deep.equal([]);
  });

  it('reads null as no entries, and gives undefined for a reply of a shape neither protocol gives', () => {
    expect(parseReadGroupReply(null)).to.deep.equal([]);
    for (const odd of ['OK', 42, true, Buffer.from('x')]) expect(parseReadGroupReply(odd), String(odd)).to.equal(undefined);
    expect(parseAutoClaimReply({ cursor: '0-0' })).to.equal(undefined);
    expect(parseAutoClaimReply(null)).to.equal(undefined);
  });

  it('never throws, whatever the reply (property over fc.anything())', () => {
    fc.assert(
      fc.property(anyReplyArb, (reply) => {
        const entries = parseReadGroupReply(reply);

        // An array, null or an object (RESP2, RESP3) gives entries; anything else is reported as undefined.
        const known = reply === null || reply === undefined || (typeof reply === 'object' && !Buffer.isBuffer(reply));
        if (!known) {
          expect(entries).to.equal(undefined);
          return;
        }
        expect(entries).to.be.an('array');
        for (const entry of entries ?? []) {
          expect(entry.id).to.be.a('string');
          for (const [field, value] of entry.fields) expect([typeof field, typeof value]).to.deep.equal(['string', 'string']);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads one entry per well-formed raw entry of a reply-shaped value with arbitrary leaves (property)', () => {
    const leafArb = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.string().map((text) => Buffer.from(text)));
    const rawEntryArb = fc.oneof(
      fc.tuple(fc.string({ minLength: 1 }), fc.array(leafArb.filter((leaf) => leaf !== null), { maxLength: 7 })),
      fc.constant(null),
    );
    const replyArb = fc.array(fc.tuple(fc.string(), fc.array(rawEntryArb, { maxLength: 5 })), { maxLength: 4 });

    fc.assert(
      fc.property(replyArb, (reply) => {
        const expected = reply.flatMap(([, raws]) =>
          raws.flatMap((raw) => {
            if (raw === null) return [];
            const [id, list] = raw;
            const fields = new Map<string, string>();
            for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), String(list[i + 1]));
            return [{ id, fields: Object.fromEntries(fields) }];
          }),
        );

        expect(parseReadGroupReply(reply)!.map(plain)).to.deep.equal(expected);
      }),
    );
  });
});

describe('parseAutoClaimReply()', () => {
  it('reads the cursor and the claimed entries, skipping deleted ones, and ignores the list of deleted ids', () => {
    const reply = ['1700000000000-3', [['1-0', ['kind', 'task']], null, ['1-2', ['a', 'b', 'c']]], ['1-1']];

    const { nextCursor, entries } = parseAutoClaimReply(reply)!;

    expect(nextCursor).to.equal('1700000000000-3');
    expect(entries.map(plain)).to.deep.equal([
      { id: '1-0', fields: { kind: 'task' } },
      { id: '1-2', fields: { a: 'b' } },
    ]);
  });

  it('gives cursor "0-0" when the whole pending list was scanned', () => {
    expect(parseAutoClaimReply(['0-0', [], []])).to.deep.equal({ nextCursor: '0-0', entries: [] });
  });

  it('reads a Redis 6.2 reply (no third element) and a Buffer cursor', () => {
    const { nextCursor, entries } = parseAutoClaimReply([Buffer.from('5-0'), [[Buffer.from('4-0'), ['k', Buffer.from('v')]]]])!;

    expect(nextCursor).to.equal('5-0');
    expect(entries.map(plain)).to.deep.equal([{ id: '4-0', fields: { k: 'v' } }]);
  });

  it('gives undefined for a reply that is not a list (a shape neither protocol gives)', () => {
    for (const reply of [null, undefined, 'OK', 42, { 0: '1-0' }]) {
      expect(parseAutoClaimReply(reply), String(reply)).to.equal(undefined);
    }
  });

  it('gives cursor "0-0" for a missing or null cursor, and no entries for a non-list entry list', () => {
    expect(parseAutoClaimReply([])).to.deep.equal({ nextCursor: '0-0', entries: [] });
    expect(parseAutoClaimReply([null, [['1-0', []]]])?.nextCursor).to.equal('0-0');
    expect(parseAutoClaimReply(['3-0', 'junk'])).to.deep.equal({ nextCursor: '3-0', entries: [] });
  });

  it('never throws, whatever the reply (property over fc.anything())', () => {
    const replyArb = fc.oneof(anyReplyArb, fc.tuple(anyReplyArb, fc.array(anyReplyArb), anyReplyArb));

    fc.assert(
      fc.property(replyArb, (reply) => {
        const parsed = parseAutoClaimReply(reply);
        if (!Array.isArray(reply)) {
          expect(parsed).to.equal(undefined);
          return;
        }
        const { nextCursor, entries } = parsed as NonNullable<typeof parsed>;

        expect(nextCursor).to.be.a('string');
        expect(entries).to.be.an('array');
        for (const entry of entries) expect(entry.id).to.be.a('string');
      }),
      { numRuns: 500 },
    );
  });
});

describe('isNoGroupError() and isBusyGroupError()', () => {
  it('recognize the NOGROUP error of a missing group or stream', () => {
    const error = new Error("NOGROUP No such key 'agentflow:events' or consumer group 'dashboards' in XREADGROUP with GROUP option");

    expect(isNoGroupError(error)).to.equal(true);
    expect(isBusyGroupError(error)).to.equal(false);
  });

  it('recognize the BUSYGROUP error of a group that already exists', () => {
    const error = new Error('BUSYGROUP Consumer Group name already exists');

    expect(isBusyGroupError(error)).to.equal(true);
    expect(isNoGroupError(error)).to.equal(false);
  });

  it('match the code only at the start of the message of an Error', () => {
    expect(isNoGroupError(new Error('ERR something NOGROUP'))).to.equal(false);
    expect(isBusyGroupError(new Error('busygroup lower case'))).to.equal(false);
    expect(isNoGroupError('NOGROUP as a string')).to.equal(false);
    expect(isBusyGroupError({ message: 'BUSYGROUP in a plain object' })).to.equal(false);
    expect(isNoGroupError(undefined)).to.equal(false);
    expect(isNoGroupError(Object.assign(new TypeError('NOGROUP subclass'), { code: 1 }))).to.equal(true);
  });
});
