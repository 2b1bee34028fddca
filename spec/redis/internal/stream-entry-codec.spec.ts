import { expect } from 'chai';
import fc from 'fast-check';
import { TaskCancelledError } from '../../../lib/errors/task-cancelled-error';
import { TaskDroppedError } from '../../../lib/errors/task-dropped-error';
import { TaskTimeoutError } from '../../../lib/errors/task-timeout-error';
import { createEvent, type EventModelInit } from '../../../lib/publisher/create-event';
import { EVENT_KINDS, EVENT_TYPES, type EventModel } from '../../../lib/publisher/event-model';
import { Redactor } from '../../../lib/redaction/redactor';
import type { RawStreamEntry } from '../../../lib/redis/internal/redis-stream-replies';
import {
  decodeStreamEntry,
  encodeEventEntry,
  encodeHeartbeatEntry,
  encodeWorkerStoppedEntry,
  encodeTaskEventEntry,
  STREAM_ENTRY_VERSION,
  type DecodeResult,
} from '../../../lib/redis/internal/stream-entry-codec';
import type { StreamEntry, StreamEventEntry, StreamTaskEntry } from '../../../lib/redis/stream-entry';
import type { TaskContext } from '../../../lib/tasks/task-context';
import type { TaskEvent } from '../../../lib/tasks/task-event';

/*
 * Pins down lib/redis/internal/stream-entry-codec.ts, the layout of agentflow stream entries (version 1): the
 * field list the encoders write (v, kind, type, workerId, runId/threadId when present, json); the round trip
 * encode -> RawStreamEntry -> decode, which gives back the same event (Errors as { name, message, code? }),
 * checked by properties over generated event models and task events of every type; and damaged entries (no
 * json, bad json, unknown kind, a task entry without workerId, an unknown type, missing numbers), which give a
 * `problem` and never throw (a property over fc.anything() field values).
 */

/** The RawStreamEntry that XREADGROUP would give for an entry written with `fields`. */
function rawEntry(id: string, fields: readonly unknown[]): RawStreamEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  return { id, fields: map };
}

function entryOf(result: DecodeResult): StreamEntry {
  if ('problem' in result) throw new Error(`expected an entry, got the problem: ${result.problem}`);
  return result.entry;
}

function problemOf(result: DecodeResult): string {
  if ('entry' in result) throw new Error(`expected a problem, got an entry of kind ${result.entry.kind}`);
  return result.problem;
}

/** An entry with the given fields (a plain object), as it would be read back. */
function entryWith(fields: Readonly<Record<string, string>>, id = '9-0'): RawStreamEntry {
  return { id, fields: new Map(Object.entries(fields)) };
}

/** The JSON of a valid 'completed' task event, to damage one field at a time. */
const VALID_TASK = { type: 'completed', seq: 4, timestamp: 1_700_000_000_000, id: 2, name: 'job', context: { a: 1 }, durationMs: 12 };

// JSON data for `data`, `metadata` and contexts; fast-check's keys include '__proto__' now and then, which must
// survive the trip as an own key.
const keyArb = fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.constant('__proto__') });
const jsonArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('record'),
  ),
  record: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
}));
const recordArb = jsonArb.record as fc.Arbitrary<Record<string, unknown>>;

describe('stream entry codec', () => {
  describe('encodeEventEntry()', () => {
    it('writes v, kind, type, workerId, runId, threadId and the whole event as JSON, in that order', () => {
      const event = createEvent({
        event: 'node_execution',
        eventType: 'end',
        nodeName: 'summarize',
        runId: 'run-1',
        threadId: 'thread-1',
        timestamp: 1_000,
        data: { n: 1n, when: new Date(0) },
      });

      const fields = encodeEventEntry(event, 'worker-a', Redactor.DEFAULT);

      expect(fields.slice(0, -1)).to.deep.equal([
        'v', '1', 'kind', 'event', 'type', 'node_execution.end', 'workerId', 'worker-a', 'runId', 'run-1', 'threadId', 'thread-1', 'json',
      ]);
      expect(STREAM_ENTRY_VERSION).to.equal('1');
      expect(JSON.parse(fields.at(-1)!)).to.deep.equal({
        event: 'node_execution',
        eventType: 'end',
        content: '',
        data: { n: '1n', when: '1970-01-01T00:00:00.000Z' },
        contentType: 'text',
        nodeName: 'summarize',
        runId: 'run-1',
        threadId: 'thread-1',
        timestamp: 1_000,
        isError: false,
        metadata: {},
      });
    });

    it('leaves out runId and threadId when the event has none', () => {
      const fields = encodeEventEntry(createEvent({ event: 'streaming', eventType: 'progress', timestamp: 5 }), 'w', Redactor.DEFAULT);

      expect(fields.slice(0, -1)).to.deep.equal(['v', '1', 'kind', 'event', 'type', 'streaming.progress', 'workerId', 'w', 'json']);
    });
  });

  describe('encodeTaskEventEntry()', () => {
    it('writes v, kind, type, workerId, the context runId and threadId when they are strings, and the JSON', () => {
      const event: TaskEvent = {
        type: 'failed',
        seq: 3,
        timestamp: 10,
        id: 1,
        name: 'fetch',
        context: { runId: 'r', threadId: 7 },
        error: Object.assign(new Error('boom'), { code: 'E_BOOM', secret: 'not written' }),
        durationMs: 5,
      };

      const fields = encodeTaskEventEntry(event, 'worker-b', Redactor.DEFAULT);

      expect(fields.slice(0, -1)).to.deep.equal(['v', '1', 'kind', 'task', 'type', 'failed', 'workerId', 'worker-b', 'runId', 'r', 'json']);
      expect(JSON.parse(fields.at(-1)!)).to.deep.equal({
        type: 'failed',
        seq: 3,
        timestamp: 10,
        id: 1,
        name: 'fetch',
        context: { runId: 'r', threadId: 7 },
        error: { name: 'Error', message: 'boom', code: 'E_BOOM' },
        durationMs: 5,
      });
    });
  });

  describe('the round trip', () => {
    it('gives back an event model with its stream id and worker id', () => {
      const event = createEvent({ event: 'tool_execution', eventType: 'result', nodeName: 'search', data: { hits: [1, 2] }, timestamp: 42 });

      const decoded = decodeStreamEntry(rawEntry('1-0', encodeEventEntry(event, 'w1', Redactor.DEFAULT)));

      expect(decoded).to.deep.equal({ entry: { kind: 'event', streamId: '1-0', workerId: 'w1', event } });
    });

    it('keeps an own "__proto__" key of data and of a context as an own key, prototypes untouched', () => {
      const data = JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>;
      const event = createEvent({ event: 'streaming', eventType: 'update', data, timestamp: 3 });
      const taskEvent: TaskEvent = { type: 'started', seq: 1, timestamp: 2, id: 3, name: 'n', context: data };

      const decoded = entryOf(decodeStreamEntry(rawEntry('1-0', encodeEventEntry(event, 'w', Redactor.DEFAULT)))) as StreamEventEntry;
      const decodedTask = entryOf(decodeStreamEntry(rawEntry('1-1', encodeTaskEventEntry(taskEvent, 'w', Redactor.DEFAULT)))) as StreamTaskEntry;

      for (const carried of [(decoded.event as EventModel).data, (decodedTask.event as { readonly context: object }).context]) {
        expect(Object.getOwnPropertyDescriptor(carried, '__proto__')?.value).to.deep.equal({ polluted: true });
        expect(Object.getPrototypeOf(carried)).to.equal(Object.prototype);
        expect((carried as { polluted?: unknown }).polluted).to.equal(undefined);
      }
    });

    it('gives back every event model (property)', () => {
      const optionalString = fc.option(fc.string(), { nil: undefined });
      const initArb = fc.record(
        {
          event: fc.constantFrom(...EVENT_KINDS),
          eventType: fc.constantFrom(...EVENT_TYPES),
          content: optionalString,
          data: fc.option(recordArb, { nil: undefined }),
          contentType: optionalString,
          nodeName: optionalString,
          runId: optionalString,
          threadId: optionalString,
          userId: optionalString,
          timestamp: fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 }), { nil: undefined }),
          isError: fc.option(fc.boolean(), { nil: undefined }),
          metadata: fc.option(recordArb, { nil: undefined }),
        },
        { requiredKeys: ['event', 'eventType'] },
      );

      fc.assert(
        fc.property(initArb, fc.string({ minLength: 1 }), (init, workerId) => {
          const event: EventModel = createEvent(init as EventModelInit);
          const fields = encodeEventEntry(event, workerId, Redactor.NONE);

          expect(fields.slice(0, 8)).to.deep.equal(['v', '1', 'kind', 'event', 'type', `${event.event}.${event.eventType}`, 'workerId', workerId]);
          expect(decodeStreamEntry(rawEntry('5-1', fields))).to.deep.equal({
            entry: { kind: 'event', streamId: '5-1', workerId, event },
          });
        }),
      );
    });

    it('gives back a task event of every type, errors as { name, message, code?, cause? } (property)', () => {
      const baseArb = fc.record({
        seq: fc.nat(),
        timestamp: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        id: fc.nat(),
        name: fc.string(),
        context: fc.tuple(recordArb, fc.option(fc.string(), { nil: undefined }), fc.option(fc.string(), { nil: undefined })).map(
          ([rest, runId, threadId]): TaskContext => ({
            ...rest,
            ...(runId === undefined ? {} : { runId }),
            ...(threadId === undefined ? {} : { threadId }),
          }),
        ),
        durationMs: fc.double({ min: 0, max: 1e9, noNaN: true }).filter((n) => !Object.is(n, -0)),
        timeoutMs: fc.option(fc.integer({ min: 1, max: 2_147_483_647 }), { nil: undefined }),
      });
      const codeArb = fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined });
      const errorArb = fc.tuple(fc.constantFrom('Error', 'TypeError', 'CustomError'), fc.string(), codeArb).map(([name, message, code]) => {
        const error = new Error(message);
        error.name = name;
        if (code !== undefined) Object.assign(error, { code });
        return { error, serialized: code === undefined ? { name, message } : { name, message, code } };
      });
      const failureArb = fc.oneof(
        errorArb,
        jsonArb.value.map((value) => ({ error: value, serialized: value })),
      );
      const cancelReasonArb = fc.oneof(
        fc.string().map((name) => new TaskCancelledError(name, 'user left')),
        fc.constant(new TaskCancelledError(undefined)),
        fc.string().map((name) => new TaskDroppedError(name, 'overflow')),
        fc.string().map((name) => ({ error: name, serialized: name })),
      );

      type Case = { readonly event: TaskEvent; readonly expected: Record<string, unknown> };
      // The library's errors here have a string cause (the reason given to cancel()), or none.
      const serialized = (error: Error & { code?: unknown }): Record<string, unknown> => ({
        name: error.name,
        message: error.message,
        ...(error.code === undefined ? {} : { code: error.code }),
        ...(error.cause === undefined ? {} : { cause: error.cause }),
      });

      const caseArb: fc.Arbitrary<Case> = fc
        .tuple(baseArb, fc.constantFrom('created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'), failureArb, cancelReasonArb)
        .map(([{ durationMs, timeoutMs, ...base }, type, failure, cancelReason]): Case => {
          const expectedBase = { ...base, type };
          switch (type) {
            case 'created': {
              const expected = timeoutMs === undefined ? expectedBase : { ...expectedBase, timeoutMs };
              return { event: { ...base, type, timeoutMs }, expected };
            }
            case 'started':
              return { event: { ...base, type }, expected: expectedBase };
            case 'completed':
              return { event: { ...base, type, durationMs }, expected: { ...expectedBase, durationMs } };
            case 'failed':
              return { event: { ...base, type, durationMs, error: failure.error }, expected: { ...expectedBase, durationMs, error: failure.serialized } };
            case 'cancelled': {
              const reason = cancelReason instanceof Error ? cancelReason : cancelReason.error;
              const expectedReason = cancelReason instanceof Error ? serialized(cancelReason) : cancelReason.serialized;
              return { event: { ...base, type, durationMs, reason }, expected: { ...expectedBase, durationMs, reason: expectedReason } };
            }
            case 'timed_out': {
              const reason = new TaskTimeoutError(base.name, timeoutMs ?? 1);
              return { event: { ...base, type, durationMs, reason }, expected: { ...expectedBase, durationMs, reason: serialized(reason) } };
            }
            case 'dropped': {
              const reason = new TaskDroppedError(base.name, 'shutdown');
              return { event: { ...base, type, durationMs: 0, reason }, expected: { ...expectedBase, durationMs: 0, reason: serialized(reason) } };
            }
          }
        });

      fc.assert(
        fc.property(caseArb, fc.string({ minLength: 1 }), ({ event, expected }, workerId) => {
          const fields = encodeTaskEventEntry(event, workerId, Redactor.NONE);
          const runId = event.context['runId'];
          const threadId = event.context['threadId'];

          expect(fields.slice(0, -1)).to.deep.equal([
            'v', '1', 'kind', 'task', 'type', event.type, 'workerId', workerId,
            ...(typeof runId === 'string' ? ['runId', runId] : []),
            ...(typeof threadId === 'string' ? ['threadId', threadId] : []),
            'json',
          ]);
          const entry = entryOf(decodeStreamEntry(rawEntry('8-0', fields))) as StreamTaskEntry;
          expect(entry).to.deep.equal({ kind: 'task', streamId: '8-0', workerId, event: expected });
          expect(Object.isFrozen(entry.event)).to.equal(true);
          expect(Object.isFrozen((entry.event as { readonly context: object }).context)).to.equal(true);
        }),
      );
    });
  });

  describe('decodeStreamEntry() of a damaged entry', () => {
    it('says an entry has no json field', () => {
      expect(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w' }, '3-0'))).to.deep.equal({ problem: "entry 3-0 has no 'json' field" });
    });

    it('says a json field is not JSON, quoting it shortly', () => {
      const problem = problemOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w', json: '{not json\n' + 'x'.repeat(200) })));

      expect(problem.startsWith(`entry 9-0 has a 'json' field that is not JSON: "{not json\\n`)).to.equal(true);
      expect(problem).to.have.length(`entry 9-0 has a 'json' field that is not JSON: `.length + 80);
    });

    it('says a json field is not an object when it is an array, a number or null', () => {
      for (const json of ['[1]', '3', 'null', '"text"']) {
        expect(decodeStreamEntry(entryWith({ kind: 'event', json }))).to.deep.equal({ problem: "entry 9-0 has a 'json' field that is not an object" });
      }
    });

    it('says an entry has an unknown or missing kind', () => {
      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'weird', json: '{}' })))).to.equal(`entry 9-0 has an unknown 'kind': "weird"`);
      expect(problemOf(decodeStreamEntry(entryWith({ json: '{}' })))).to.equal(`entry 9-0 has an unknown 'kind': undefined`);
    });

    it('says a task entry has no workerId, or an empty one', () => {
      const json = JSON.stringify(VALID_TASK);

      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'task', json })))).to.equal("task entry 9-0 has no 'workerId' field");
      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: '', json })))).to.equal("task entry 9-0 has no 'workerId' field");
    });

    it('says a task entry has an unknown type', () => {
      const json = JSON.stringify({ ...VALID_TASK, type: 'exploded' });
      const missing = JSON.stringify({ ...VALID_TASK, type: undefined });

      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w', json })))).to.equal('task entry 9-0 has an unknown type: "exploded"');
      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w', json: missing })))).to.equal('task entry 9-0 has an unknown type: undefined');
    });

    it('says a task entry lacks a numeric seq, timestamp or id, or a name', () => {
      const damaged = [
        { ...VALID_TASK, seq: undefined },
        { ...VALID_TASK, timestamp: '1700000000000' },
        { ...VALID_TASK, id: null },
        { ...VALID_TASK, name: 5 },
        { ...VALID_TASK, name: undefined },
      ];

      for (const task of damaged) {
        expect(problemOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w', json: JSON.stringify(task) })))).to.equal(
          'task entry 9-0 lacks a numeric seq, timestamp or id, or a name',
        );
      }
    });

    it('says an event entry is not a valid event, with what createEvent() said', () => {
      const json = JSON.stringify({ event: 'bogus', eventType: 'start' });

      expect(problemOf(decodeStreamEntry(entryWith({ kind: 'event', json })))).to.match(/^entry 9-0 is not a valid event: InvalidArgumentError: .*event/);
    });

    it('reads a task entry without or with a bad context as an empty one, and drops non-numeric durations', () => {
      const json = JSON.stringify({ ...VALID_TASK, context: [1, 2], durationMs: 'slow', timeoutMs: null });

      const entry = entryOf(decodeStreamEntry(entryWith({ kind: 'task', workerId: 'w', json }))) as StreamTaskEntry;

      expect(entry.event).to.deep.equal({ type: 'completed', seq: 4, timestamp: 1_700_000_000_000, id: 2, name: 'job', context: {} });
    });

    it('reads an event entry whose optional fields are null as if they were absent', () => {
      const json = JSON.stringify({ event: 'streaming', eventType: 'progress', nodeName: null, content: null, timestamp: 7, extra: 'ignored' });

      const entry = entryOf(decodeStreamEntry(entryWith({ kind: 'event', json })));

      expect(entry).to.deep.equal({
        kind: 'event',
        streamId: '9-0',
        workerId: undefined,
        event: createEvent({ event: 'streaming', eventType: 'progress', timestamp: 7 }),
      });
    });

    it('gives back a heartbeat and a worker_stopped entry, redacted, and refuses ones without whole counts', () => {
      const counts = { active: 1, created: 3, completed: 2, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };
      const heartbeat = {
        timestamp: 5,
        heartbeatMs: 200,
        instance: 'i-1',
        seq: 9,
        state: 'running' as const,
        counts,
        tasks: [{ id: 4, name: 'held', status: 'running' as const, createdAt: 3, timeoutMs: 100, context: { apiKey: 'sk-live-0123456789abcdef', user: 'ada' } }],
        tasksOmitted: 2,
        control: true,
      };
      const decoded = entryOf(decodeStreamEntry(rawEntry('5-0', encodeHeartbeatEntry(heartbeat, 'w', Redactor.DEFAULT))));
      expect(decoded).to.deep.equal({
        kind: 'heartbeat',
        streamId: '5-0',
        workerId: 'w',
        heartbeat: { ...heartbeat, tasks: [{ ...heartbeat.tasks[0], context: { apiKey: '[REDACTED]', user: 'ada' } }] },
      });
      const stopped = { timestamp: 6, instance: 'i-1', seq: 9, state: 'shutdown' as const, counts };
      expect(entryOf(decodeStreamEntry(rawEntry('6-0', encodeWorkerStoppedEntry(stopped, 'w', Redactor.DEFAULT))))).to.deep.equal({
        kind: 'worker_stopped',
        streamId: '6-0',
        workerId: 'w',
        stopped,
      });
      const partial = JSON.stringify({ ...heartbeat, counts: { ...counts, failed: -1 } });
      expect(decodeStreamEntry(entryWith({ kind: 'heartbeat', workerId: 'w', json: partial }))).to.have.property('problem');
      const longId = encodeHeartbeatEntry(heartbeat, 'w'.repeat(1_025), Redactor.DEFAULT);
      expect(decodeStreamEntry(rawEntry('7-0', longId))).to.deep.equal({ problem: 'entry 7-0 has a workerId of 1025 characters (at most 1024)' });
    });

    it('never throws, and gives either an entry or a problem, whatever the field values (property over fc.anything())', () => {
      const taskJsonArb = fc
        .record({
          type: fc.oneof(fc.constantFrom('created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'), fc.anything()),
          seq: fc.oneof(fc.nat(), fc.anything()),
          timestamp: fc.oneof(fc.nat(), fc.anything()),
          id: fc.oneof(fc.nat(), fc.anything()),
          name: fc.oneof(fc.string(), fc.anything()),
          context: fc.anything(),
          error: fc.anything(),
          reason: fc.anything(),
          durationMs: fc.anything(),
          timeoutMs: fc.anything(),
          event: fc.oneof(fc.constantFrom(...EVENT_KINDS), fc.anything()),
          eventType: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.anything()),
          data: fc.anything(),
          metadata: fc.anything(),
          isError: fc.anything(),
          timestampMs: fc.anything(),
          // heartbeats and worker_stopped entries
          heartbeatMs: fc.oneof(fc.nat(), fc.anything()),
          instance: fc.oneof(fc.string(), fc.anything()),
          state: fc.oneof(fc.constantFrom('running', 'shutting_down', 'shutdown'), fc.anything()),
          counts: fc.oneof(
            fc.record({ active: fc.nat(), created: fc.nat(), completed: fc.nat(), failed: fc.nat(), cancelled: fc.nat(), timedOut: fc.nat(), dropped: fc.oneof(fc.nat(), fc.anything()) }),
            fc.anything(),
          ),
          tasks: fc.oneof(
            fc.array(fc.record({ id: fc.oneof(fc.nat(), fc.anything()), name: fc.string(), status: fc.constantFrom('pending', 'running', 'done'), createdAt: fc.nat(), context: fc.anything() })),
            fc.anything(),
          ),
          tasksOmitted: fc.anything(),
        }, { requiredKeys: [] })
        .map((object) => {
          try {
            return JSON.stringify(object);
          } catch {
            return '{}';
          }
        });
      const fieldArb = fc.oneof(fc.anything({ withBigInt: true, withMap: true, withSet: true }), fc.string());
      const fieldsArb = fc.record(
        {
          kind: fc.oneof(fc.constantFrom('event', 'task', 'heartbeat', 'worker_stopped'), fieldArb),
          workerId: fc.oneof(fc.string(), fieldArb),
          json: fc.oneof(taskJsonArb, fieldArb),
          v: fieldArb,
        },
        { requiredKeys: [] },
      );

      fc.assert(
        fc.property(fieldsArb, fc.string(), (fields, id) => {
          const raw = { id, fields: new Map(Object.entries(fields)) } as unknown as RawStreamEntry;

          let result: DecodeResult | undefined;
          expect(() => {
            result = decodeStreamEntry(raw);
          }).not.to.throw();

          const keys = Object.keys(result!);
          expect(keys).to.have.length(1);
          if ('problem' in result!) {
            expect(result.problem).to.be.a('string').and.contain(`entry ${id} `);
          } else {
            expect(result!.entry.kind).to.equal(raw.fields.get('kind'));
            expect(result!.entry.streamId).to.equal(id);
          }
        }),
        // A field of a type other than string, with no 'kind' (found by this property once: workerId.length on null).
        { numRuns: 500, examples: [[{ workerId: null, json: '{}' }, ''], [{ kind: 'task', workerId: 7, json: '{}' }, '1-0'], [{ json: 42 }, '2-0']] },
      );
    });
  });
});
