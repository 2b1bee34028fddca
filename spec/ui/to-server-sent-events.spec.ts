import { expect } from 'chai';
import {
  BackgroundTaskManager,
  DEFAULT_SERVER_SENT_EVENTS_OPTIONS,
  createGraphExecutionEvent,
  InvalidArgumentError,
  ObservablePublisher,
  toServerSentEvents,
  type ServerSentEventsHandler,
  type ServerSentEventsOptions,
} from '../../lib';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { capturingLogger, deferred, nextTurn, thrownBy, untilAborted, useCleanups, useFakeClock } from '../support/helpers';
import { asResponse, FakeResponse, fakeRequest } from './support/fake-response';
import {
  eventually,
  httpGet,
  openSse,
  SseParser,
  startServer,
  type SseMessage,
  type SseStream,
  type TestServer,
} from './support/sse';

interface Fixture {
  readonly manager: BackgroundTaskManager;
  readonly handler: ServerSentEventsHandler;
  readonly server: TestServer;
  readonly url: string;
  connect(headers?: Record<string, string>): Promise<SseStream>;
}

const isTaskEvent = (message: SseMessage): boolean => message.event.startsWith('task.');
const json = (message: SseMessage): any => JSON.parse(message.data);
/** The sequence number of an id `<epoch>-<seq>`. */
const seqOf = (id: string | undefined): number => Number(String(id).split('-')[1]);
/** The id of the same epoch as `id`, with sequence number `seq`. */
const withSeq = (id: string | undefined, seq: number): string => `${String(id).split('-')[0]}-${seq}`;

describe('toServerSentEvents()', () => {
  const defer = useCleanups();

  async function setup(options: ServerSentEventsOptions = {}): Promise<Fixture> {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const handler = toServerSentEvents(manager, { lingerMs: 0, ...options });
    const server = await startServer((req, res) => {
      if (req.url === '/events') return handler(req, res);
      res.writeHead(404).end();
    });
    defer(() => manager.shutdown({ timeoutMs: 1_000 }).then(() => undefined));
    defer(() => server.close());
    defer(() => handler.close());
    const url = `${server.url}/events`;
    const connect = async (headers: Record<string, string> = {}): Promise<SseStream> => {
      const stream = await openSse(url, headers);
      defer(() => stream.close());
      return stream;
    };
    return { manager, handler, server, url, connect };
  }

  describe('the stream', () => {
    it('writes the event-stream headers, then a retry line, then a snapshot of the tasks, counts and state', async () => {
      const { manager, connect } = await setup({ retryMs: 1_500 });
      manager.createTask((signal) => untilAborted(signal), { name: 'waiting', context: { userId: 7 } });

      const stream = await connect();
      const snapshot = await stream.waitFor((m) => m.event === 'snapshot');

      expect(stream.response.statusCode).to.equal(200);
      expect(stream.response.headers['content-type']).to.match(/^text\/event-stream/);
      expect(stream.response.headers['cache-control']).to.equal('no-store, no-transform');
      expect(stream.response.headers['x-content-type-options']).to.equal('nosniff');
      expect(stream.response.headers['connection']).to.equal('keep-alive');
      expect(stream.response.headers['x-accel-buffering']).to.equal('no');
      expect(stream.parser.raw.startsWith('retry: 1500\n\n')).to.equal(true);
      expect(stream.parser.retry).to.equal(1500);
      expect(stream.messages[0]).to.equal(snapshot);

      const data = json(snapshot);
      expect(data.tasks).to.have.length(1);
      expect(data.tasks[0]).to.include({ name: 'waiting', status: 'running' });
      expect(data.tasks[0].context).to.deep.equal({ userId: 7 });
      expect(data.counts).to.include({ active: 1, created: 1, completed: 0 });
      expect(data.state).to.equal('running');
      expect(snapshot.id).to.equal(data.lastEventId);
      expect(snapshot.id).to.equal(`${data.epoch}-${seqOf(snapshot.id)}`);
    });

    it('streams task events in order with consecutive ids, then the counts', async () => {
      const { manager, connect } = await setup();
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      const gate = deferred<string>();
      manager.createTask(() => gate.promise, { name: 'first' });
      manager.createTask(async () => 'done', { name: 'second' });
      await stream.waitFor((m) => m.event === 'task.completed' && json(m).name === 'second');
      gate.resolve('ok');
      await stream.waitFor((m) => m.event === 'task.completed' && json(m).name === 'first');
      await stream.waitFor((m) => m.event === 'counts' && json(m).completed === 2);

      const events = stream.messages.filter(isTaskEvent);
      expect(events.map((m) => `${m.event} ${json(m).name}`)).to.deep.equal([
        'task.created first',
        'task.created second',
        'task.started first',
        'task.started second',
        'task.completed second',
        'task.completed first',
      ]);
      const ids = events.map((m) => seqOf(m.id));
      const snapshotId = seqOf(stream.messages[0]?.id);
      expect(ids).to.deep.equal(ids.map((_, index) => snapshotId + 1 + index));
      const seqs = events.map((m) => json(m).seq as number);
      expect([...seqs].sort((a, b) => a - b)).to.deep.equal(seqs);
      const counts = stream.messages.filter((m) => m.event === 'counts');
      expect(counts.every((m) => m.id === undefined)).to.equal(true);
      expect(json(counts[counts.length - 1] as SseMessage)).to.deep.equal({
        active: 0,
        created: 2,
        completed: 2,
        failed: 0,
        cancelled: 0,
        timedOut: 0,
        dropped: 0,
      });
    });

    it('coalesces counts to one event per turn of the event loop', async () => {
      const { manager, connect } = await setup();
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      for (let i = 0; i < 50; i++) manager.createTask((signal) => untilAborted(signal), { name: `burst-${i}` });
      await stream.waitFor((m) => m.event === 'counts' && json(m).active === 50);

      const counts = stream.messages.filter((m) => m.event === 'counts');
      expect(counts).to.have.length(1);
      expect(stream.messages.filter((m) => m.event === 'task.created')).to.have.length(50);
    });

    it('sends errors and reasons as { name, message, code? }, never raw Error objects', async () => {
      const { manager, connect } = await setup();
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      manager.createTask(
        async () => {
          throw Object.assign(new RangeError('boom'), { code: 'E_BOOM', secret: 'not sent' });
        },
        { name: 'failing' },
      );
      manager.createTask((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 10 });
      const handle = manager.createTask((signal) => untilAborted(signal), { name: 'cancelled' });
      handle.cancel('user left');

      const failed = json(await stream.waitFor((m) => m.event === 'task.failed'));
      expect(failed.error).to.deep.equal({ name: 'RangeError', message: 'boom', code: 'E_BOOM' });
      const timedOut = json(await stream.waitFor((m) => m.event === 'task.timed_out'));
      expect(timedOut.reason).to.deep.include({ name: 'TaskTimeoutError', code: 'TASK_TIMEOUT' });
      expect(Object.keys(timedOut.reason).sort()).to.deep.equal(['code', 'message', 'name']);
      const cancelled = json(await stream.waitFor((m) => m.event === 'task.cancelled'));
      expect(cancelled.reason).to.deep.include({ name: 'TaskCancelledError', code: 'TASK_CANCELLED' });
      expect(cancelled.reason.message).to.contain('user left');
    });

    it('keeps streaming when a context holds a BigInt, a cycle, a throwing getter or an Error', async () => {
      const { manager, connect } = await setup();
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      const context: Record<string, unknown> = { big: 10n, nested: { list: [1n, 'two'] }, cause: new Error('why') };
      context['self'] = context;
      Object.defineProperty(context, 'broken', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      manager.createTask(async () => 1, { name: 'odd-context', context });
      manager.createTask(async () => 2, { name: 'after' });

      const created = json(await stream.waitFor((m) => m.event === 'task.created' && json(m).name === 'odd-context'));
      expect(created.context).to.deep.equal({
        big: '10n',
        nested: { list: ['1n', 'two'] },
        cause: { name: 'Error', message: 'why' },
        self: '[Circular]',
        broken: '[unreadable]',
      });
      await stream.waitFor((m) => m.event === 'task.completed' && json(m).name === 'after');
    });

    it('sends what the publisher publishes as graph events, numbered with the task events', async () => {
      const publisher = new ObservablePublisher();
      const { manager, connect } = await setup({ publisher });
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      manager.createTask(async () => 1, { name: 'before' });
      await stream.waitFor((m) => m.event === 'task.completed');
      await publisher.publish(createGraphExecutionEvent('start', { runId: 'run-1', data: { big: 1n } }));

      const graph = await stream.waitFor((m) => m.event === 'graph');
      expect(json(graph)).to.include({ event: 'graph_execution', eventType: 'start', runId: 'run-1' });
      expect(json(graph).data).to.deep.equal({ big: '1n' });
      const completed = stream.messages.find((m) => m.event === 'task.completed') as SseMessage;
      expect(seqOf(graph.id)).to.equal(seqOf(completed.id) + 1);
    });

    it('sends a state event when the manager shuts down', async () => {
      const { manager, connect } = await setup();
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      await manager.shutdown();

      const states = await stream.waitFor((m) => m.event === 'state' && json(m).state === 'shutdown');
      expect(states.id).to.equal(undefined);
      expect(stream.messages.filter((m) => m.event === 'state').map((m) => json(m).state)).to.deep.equal([
        'shutting_down',
        'shutdown',
      ]);
    });

    it('writes a ": ping" comment every heartbeatMs', async () => {
      const { connect } = await setup({ heartbeatMs: 15 });
      const stream = await connect();

      await stream.until(() => stream.parser.comments.length >= 2);

      expect(stream.parser.comments.slice(0, 2)).to.deep.equal(['ping', 'ping']);
      expect(stream.parser.raw).to.contain('\n: ping\n\n');
    });

    it('writes no ping with heartbeatMs 0', async () => {
      const { connect } = await setup({ heartbeatMs: 0 });
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');
      await new Promise((resolve) => setTimeout(resolve, 30));

      expect(stream.parser.comments).to.deep.equal([]);
    });
  });

  describe('Last-Event-ID', () => {
    it('replays the events after it from the ring buffer, then the current counts and state, with no snapshot', async () => {
      const { manager, connect } = await setup();
      const keeper = await connect();
      await keeper.waitFor((m) => m.event === 'snapshot');
      manager.createTask(async () => 'a', { name: 'a' });
      const seen = await keeper.waitFor((m) => m.event === 'task.completed');
      manager.createTask(async () => 'b', { name: 'b' });
      await keeper.waitFor((m) => m.event === 'task.completed' && json(m).name === 'b');

      const resumed = await connect({ 'Last-Event-ID': seen.id as string });
      await resumed.waitFor((m) => m.event === 'state');

      expect(resumed.messages.map((m) => `${m.event} ${m.id ?? '-'}`)).to.deep.equal([
        `task.created ${withSeq(seen.id, seqOf(seen.id) + 1)}`,
        `task.started ${withSeq(seen.id, seqOf(seen.id) + 2)}`,
        `task.completed ${withSeq(seen.id, seqOf(seen.id) + 3)}`,
        'counts -',
        'state -',
      ]);
      expect(json(resumed.messages[3] as SseMessage)).to.include({ completed: 2, active: 0 });
      // the replayed frames are the very frames the first client received
      const original = keeper.messages.filter((m) => seqOf(m.id) > seqOf(seen.id));
      expect(resumed.messages.slice(0, 3)).to.deep.equal(original);
    });

    it('replays to a browser that reconnects within lingerMs after the last client left', async () => {
      const { manager, handler, connect } = await setup({ lingerMs: 5_000 });
      const first = await connect();
      const snapshot = await first.waitFor((m) => m.event === 'snapshot');
      first.close();
      await eventually(() => handler.connections === 0);
      expect(handler.activeSubscriptions).to.equal(3);

      manager.createTask(async () => 1, { name: 'while-away' });
      await new Promise((resolve) => setImmediate(resolve));
      const second = await connect({ 'Last-Event-ID': snapshot.id as string });
      await second.waitFor((m) => m.event === 'state');

      expect(second.messages.map((m) => m.event)).to.deep.equal([
        'task.created',
        'task.started',
        'task.completed',
        'counts',
        'state',
      ]);
    });

    it('sends a fresh snapshot when the buffer no longer holds every event after it', async () => {
      const { manager, connect } = await setup({ bufferSize: 2 });
      const keeper = await connect();
      const snapshot = await keeper.waitFor((m) => m.event === 'snapshot');
      manager.createTask(async () => 1, { name: 'three-events' });
      await keeper.waitFor((m) => m.event === 'task.completed');

      const resumed = await connect({ 'Last-Event-ID': snapshot.id as string });
      const first = await resumed.waitFor(() => true);

      expect(first.event).to.equal('snapshot');
      expect(json(first).counts).to.include({ completed: 1 });
      expect(resumed.messages.filter(isTaskEvent)).to.deep.equal([]);
    });

    it('replays the last buffered events when they still cover the gap exactly', async () => {
      const { manager, connect } = await setup({ bufferSize: 2 });
      const keeper = await connect();
      manager.createTask(async () => 1, { name: 'three-events' });
      const started = await keeper.waitFor((m) => m.event === 'task.started');
      await keeper.waitFor((m) => m.event === 'task.completed');

      const resumed = await connect({ 'Last-Event-ID': withSeq(started.id, seqOf(started.id) - 1) });
      await resumed.waitFor((m) => m.event === 'state');

      expect(resumed.messages.map((m) => m.event)).to.deep.equal(['task.started', 'task.completed', 'counts', 'state']);
    });

    it('sends a snapshot for an id it never gave out or cannot read', async () => {
      const { connect } = await setup();
      for (const id of ['999999', 'not-a-number', '-1']) {
        const stream = await connect({ 'Last-Event-ID': id });
        expect((await stream.waitFor(() => true)).event).to.equal('snapshot');
        stream.close();
      }
    });

    it('sends a snapshot for an id from before its subscription was released, though no id was given out since', async () => {
      const { manager, handler, connect } = await setup({ lingerMs: 0 });
      const first = await connect();
      const snapshot = await first.waitFor((m) => m.event === 'snapshot');
      first.close();
      await eventually(() => handler.activeSubscriptions === 0);

      manager.createTask(async () => 1, { name: 'unseen' });
      await new Promise((resolve) => setImmediate(resolve));
      const second = await connect({ 'Last-Event-ID': snapshot.id as string });
      const message = await second.waitFor(() => true);

      expect(message.event).to.equal('snapshot');
      expect(json(message).counts).to.include({ completed: 1 });
    });
  });

  describe('subscriptions and cleanup', () => {
    it('holds one set of subscriptions for all clients and releases them when the last client disconnects', async () => {
      const publisher = new ObservablePublisher();
      const { handler, connect } = await setup({ publisher });
      expect(handler.activeSubscriptions).to.equal(0);

      const first = await connect();
      const second = await connect();
      await first.waitFor((m) => m.event === 'snapshot');
      await second.waitFor((m) => m.event === 'snapshot');
      expect(handler.connections).to.equal(2);
      expect(handler.activeSubscriptions).to.equal(4);

      first.close();
      await eventually(() => handler.connections === 1);
      expect(handler.activeSubscriptions).to.equal(4);

      second.close();
      await eventually(() => handler.connections === 0);
      expect(handler.activeSubscriptions).to.equal(0);
    });

    it('stays subscribed for lingerMs after the last client left, then releases', async () => {
      const { handler, connect } = await setup({ lingerMs: 40 });
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');
      stream.close();

      await eventually(() => handler.connections === 0);
      expect(handler.activeSubscriptions).to.equal(3);
      await eventually(() => handler.activeSubscriptions === 0);
    });

    it('close() ends every stream, releases everything, and answers later requests with 204', async () => {
      const { handler, connect, url } = await setup({ lingerMs: 60_000 });
      const stream = await connect();
      await stream.waitFor((m) => m.event === 'snapshot');

      handler.close();
      await stream.ended;

      expect(handler.closed).to.equal(true);
      expect(handler.connections).to.equal(0);
      expect(handler.activeSubscriptions).to.equal(0);
      expect((await httpGet(url)).status).to.equal(204);
      handler.close();
    });

    it('answers HEAD with the headers only and other methods with 405', async () => {
      const { handler, url } = await setup();

      const head = await httpGet(url, {}, 'HEAD');
      const post = await httpGet(url, {}, 'POST');

      expect(head.status).to.equal(200);
      expect(head.headers['content-type']).to.match(/^text\/event-stream/);
      expect(head.body).to.equal('');
      expect(post.status).to.equal(405);
      expect(post.headers['allow']).to.equal('GET, HEAD');
      expect(handler.connections).to.equal(0);
      expect(handler.activeSubscriptions).to.equal(0);
    });
  });

  describe('backpressure', () => {
    const request = fakeRequest;

    let manager: BackgroundTaskManager;
    beforeEach(() => {
      manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    });
    afterEach(() => manager.shutdown({ timeoutMs: 1_000 }));

    it('writes nothing more once write() returns false, and catches up from the buffer after drain', async () => {
      const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0 });
      const res = new FakeResponse();
      handler(request(), asResponse(res));
      expect(res.messagesFrom(0).map((m) => m.event)).to.deep.equal(['snapshot']);

      res.keepsUp = false;
      const handle = manager.createTask(async () => 1, { name: 'while-full' });
      await handle.done;
      await nextTurn();
      const stalledAt = res.chunks.length;
      // chunk 0 is the retry line, chunk 1 the snapshot, chunk 2 the turn's frames in one Buffer: that write stalls it
      expect(res.chunks).to.have.length(3);
      expect(res.messagesFrom(2).map((m) => m.event)).to.deep.equal(['task.created', 'task.started', 'task.completed', 'counts']);

      manager.createTask((signal) => untilAborted(signal), { name: 'still-full' });
      await nextTurn();
      expect(res.chunks.length).to.equal(stalledAt);

      res.keepsUp = true;
      res.emit('drain');
      await nextTurn(); // the catch-up is written by the hub's next fan-out turn
      const caughtUp = res.messagesFrom(stalledAt);
      expect(caughtUp.map((m) => m.event)).to.deep.equal(['task.created', 'task.started', 'counts', 'state']);
      const ids = res.messagesFrom(2).filter(isTaskEvent).map((m) => seqOf(m.id));
      expect(ids).to.have.length(5);
      expect(ids).to.deep.equal(ids.map((_, index) => (ids[0] as number) + index));
      expect(json(caughtUp[2] as SseMessage)).to.include({ active: 1, completed: 1 });
      handler.close();
    });

    it('sends a snapshot after drain when the client fell further behind than the buffer holds', async () => {
      const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0, bufferSize: 1 });
      const res = new FakeResponse();
      handler(request(), asResponse(res));
      res.keepsUp = false;
      await manager.createTask(async () => 1, { name: 'written, then stalled' }).done;
      await nextTurn(); // this turn's frames are written, and the write stalls the client
      await manager.createTask(async () => 2, { name: 'missed' }).done;
      await nextTurn();
      const stalledAt = res.chunks.length;

      res.keepsUp = true;
      res.emit('drain');
      await nextTurn(); // the catch-up is written by the hub's next fan-out turn

      const caughtUp = res.messagesFrom(stalledAt);
      expect(caughtUp.map((m) => m.event)).to.deep.equal(['snapshot']);
      expect(json(caughtUp[0] as SseMessage).counts).to.include({ completed: 2 });
      handler.close();
    });

    it('keeps catching up over several drains when the client stalls again on the way', async () => {
      const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0 });
      const res = new FakeResponse();
      handler(request(), asResponse(res));
      res.keepsUp = false;
      await manager.createTask(async () => 1, { name: 'one' }).done;
      await manager.createTask(async () => 2, { name: 'two' }).done;
      await nextTurn(); // the turn's frames are written together when it ends
      const stalledAt = res.chunks.length;

      res.emit('drain');
      await nextTurn(); // the catch-up is written by the hub's next fan-out turn
      expect(res.chunks.length).to.equal(stalledAt + 1);
      res.keepsUp = true;
      res.emit('drain');
      await nextTurn(); // the catch-up is written by the hub's next fan-out turn

      const events = res.messagesFrom(2).filter(isTaskEvent);
      expect(events.map((m) => `${m.event} ${json(m).name}`)).to.deep.equal([
        'task.created one',
        'task.started one',
        'task.completed one',
        'task.created two',
        'task.started two',
        'task.completed two',
      ]);
      handler.close();
    });
  });

  describe('a response already closed', () => {
    it('is left alone: nothing written, nothing subscribed', async () => {
      const manager = new BackgroundTaskManager();
      const handler = toServerSentEvents(manager);
      const written: string[] = [];
      const res = Object.assign(new EventEmitter(), {
        destroyed: true,
        writeHead: () => written.push('head'),
        write: (chunk: Buffer) => written.push(String(chunk)),
        end: () => written.push('end'),
      });
      const req = Object.assign(new EventEmitter(), { method: 'GET', headers: {}, socket: null });

      handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);

      expect(written).to.deep.equal([]);
      expect(handler.connections).to.equal(0);
      expect(handler.activeSubscriptions).to.equal(0);
      handler.close();
      await manager.shutdown();
    });
  });

  describe('timers', () => {
    let clock: ReturnType<typeof useFakeClock>;
    let manager: BackgroundTaskManager;
    beforeEach(() => {
      clock = useFakeClock();
      manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    });
    afterEach(async () => {
      clock.restore();
      await manager.shutdown({ timeoutMs: 1_000 });
    });

    const fakeExchange = (): { req: IncomingMessage; res: ServerResponse & EventEmitter; written: string[] } => {
      const written: string[] = [];
      const res = Object.assign(new EventEmitter(), {
        destroyed: false,
        writeHead() {
          return res;
        },
        write(chunk: Buffer) {
          written.push(String(chunk));
          return true;
        },
        end() {
          return res;
        },
      });
      const req = Object.assign(new EventEmitter(), { method: 'GET', headers: {}, socket: null });
      return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse & EventEmitter, written };
    };

    it('keeps no heartbeat timer and writes no ping at all with heartbeatMs 0 (not the 15 s default)', () => {
      const handler = toServerSentEvents(manager, { heartbeatMs: 0, lingerMs: 0 });
      const { req, res, written } = fakeExchange();
      handler(req, res);
      expect(clock.countTimers()).to.equal(0);
      clock.tick(DEFAULT_SERVER_SENT_EVENTS_OPTIONS.heartbeatMs * 4);
      expect(written.filter((chunk) => chunk.startsWith(':'))).to.deep.equal([]);
      res.emit('close');
    });

    it('pings every heartbeatMs and releases its timer and listeners when the response closes', () => {
      const handler = toServerSentEvents(manager, { heartbeatMs: 1_000, lingerMs: 0 });
      const { req, res, written } = fakeExchange();
      handler(req, res);
      expect(clock.countTimers()).to.equal(1);

      clock.tick(3_000);
      expect(written.filter((chunk) => chunk === ': ping\n\n')).to.have.length(3);

      expect(res.listenerCount('close')).to.equal(1);
      res.emit('close');
      expect(clock.countTimers()).to.equal(0);
      expect(handler.connections).to.equal(0);
      expect(handler.activeSubscriptions).to.equal(0);
      expect(res.listenerCount('close')).to.equal(0);
      expect(res.listenerCount('drain')).to.equal(0);
      // The 'error' listener stays with the response: an error emitted late by its socket must not go uncaught.
      expect(res.listenerCount('error')).to.equal(1);
      const before = written.length;
      clock.tick(5_000);
      expect(written.length).to.equal(before);
    });

    it('releases its subscriptions lingerMs after the last client left, and a new client cancels that', () => {
      const handler = toServerSentEvents(manager, { heartbeatMs: 0, lingerMs: 1_000 });
      const first = fakeExchange();
      handler(first.req, first.res);
      first.res.emit('close');
      expect(handler.activeSubscriptions).to.equal(3);

      clock.tick(500);
      const second = fakeExchange();
      handler(second.req, second.res);
      clock.tick(5_000);
      expect(handler.activeSubscriptions).to.equal(3);

      second.res.emit('close');
      clock.tick(999);
      expect(handler.activeSubscriptions).to.equal(3);
      clock.tick(1);
      expect(handler.activeSubscriptions).to.equal(0);
      expect(clock.countTimers()).to.equal(0);
    });

    it('close() clears the linger timer and every heartbeat', () => {
      const handler = toServerSentEvents(manager, { heartbeatMs: 1_000, lingerMs: 1_000 });
      const first = fakeExchange();
      const second = fakeExchange();
      handler(first.req, first.res);
      handler(second.req, second.res);
      first.res.emit('close');

      handler.close();

      expect(clock.countTimers()).to.equal(0);
      expect(handler.activeSubscriptions).to.equal(0);
    });
  });

  describe('validation', () => {
    const manager = new BackgroundTaskManager();
    after(() => manager.shutdown());

    it('throws an InvalidArgumentError naming a bad manager or option', () => {
      const cases: [unknown, unknown, string][] = [
        [{}, undefined, 'manager'],
        [manager, [], 'options'],
        [manager, { heartbeatMs: -1 }, 'heartbeatMs'],
        [manager, { retryMs: 1.5 }, 'retryMs'],
        [manager, { bufferSize: -1 }, 'bufferSize'],
        [manager, { lingerMs: Number.NaN }, 'lingerMs'],
        [manager, { publisher: {} }, 'publisher'],
      ];
      for (const [target, options, argument] of cases) {
        const error = thrownBy(() => toServerSentEvents(target as BackgroundTaskManager, options as ServerSentEventsOptions));
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
      }
    });
  });
});
