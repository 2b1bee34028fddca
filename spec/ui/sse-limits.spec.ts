import { expect } from 'chai';
import fc from 'fast-check';
import { createServer, get as httpGet } from 'node:http';
import { connect as connectSocket, type AddressInfo } from 'node:net';
import { BackgroundTaskManager, toServerSentEvents, type ServerSentEventsHandler } from '../../lib';
import { ReplayBuffer } from '../../lib/ui/internal/replay-buffer';
import { capturingLogger, nextTurn, untilAborted } from '../support/helpers';
import { asResponse, FakeResponse, fakeRequest } from './support/fake-response';
import { eventually, type SseMessage } from './support/sse';

/*
 * The limits that keep a server-sent-events handler's memory bounded whatever its clients and tasks do: a
 * client that stops reading is dropped after stallTimeoutMs (and counted), one over maxClients gets 503, a frame
 * has a bounded size whatever a context holds, the replay buffer is bounded by bytes, one snapshot serves every
 * client until something changes, and ids carry the handler's epoch so that an id from another process gets a
 * snapshot. A slow client that does read catches up without losing an event.
 */
describe('toServerSentEvents() limits', () => {
  let manager: BackgroundTaskManager;
  const handlers: ServerSentEventsHandler[] = [];
  beforeEach(() => {
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
  });
  afterEach(async () => {
    for (const handler of handlers.splice(0)) handler.close();
    await manager.shutdown({ timeoutMs: 1_000 });
  });

  function handlerWith(options: Parameters<typeof toServerSentEvents>[1] = {}): ServerSentEventsHandler {
    const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0, ...options });
    handlers.push(handler);
    return handler;
  }

  function connect(handler: ServerSentEventsHandler, headers: Record<string, string> = {}): FakeResponse {
    const res = new FakeResponse();
    handler(fakeRequest(headers), asResponse(res));
    return res;
  }

  const json = (message: SseMessage): any => JSON.parse(message.data);

  it('drops a client that stays stalled past stallTimeoutMs, and counts it; one that drains in time stays', async () => {
    const handler = handlerWith({ maxBufferedBytes: 1_024, stallTimeoutMs: 30 });
    const stuck = connect(handler);
    const slow = connect(handler);
    for (const res of [stuck, slow]) {
      res.keepsUp = false;
      res.writableLength = 4_096; // more than maxBufferedBytes waits in the socket
    }
    await manager.createTask(async () => 1, { name: 'fills' }).done;
    await new Promise((resolve) => setTimeout(resolve, 10));
    slow.keepsUp = true;
    slow.writableLength = 0;
    slow.emit('drain');

    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(stuck.destroyed).to.equal(true);
    expect(slow.destroyed).to.equal(false);
    expect(handler.stats).to.deep.include({ clients: 1, dropped: 1 });
    expect(handler.connections).to.equal(1);
  });

  it('keeps writing through a burst while less than maxBufferedBytes waits, though write() asked to wait', async () => {
    const handler = handlerWith({ maxBufferedBytes: 1_000_000 });
    const res = connect(handler);
    res.keepsUp = false;
    res.writableLength = 100_000; // over the socket's highWaterMark, under maxBufferedBytes

    for (let index = 0; index < 20; index++) await manager.createTask(async () => index, { name: `burst-${index}` }).done;
    await nextTurn();

    const events = res.messagesFrom(0).filter((message) => message.event.startsWith('task.'));
    expect(events).to.have.length(60);
    expect(handler.stats.dropped).to.equal(0);
  });

  it('catches a slow but live client up without losing an event, over several stalls', async () => {
    const handler = handlerWith({ maxBufferedBytes: 1_024, stallTimeoutMs: 1_000, bufferSize: 10_000 });
    const res = connect(handler);
    const names: string[] = [];
    for (let round = 0; round < 5; round++) {
      res.keepsUp = false;
      res.writableLength = 2_048;
      // Two turns: the first turn's frames are written, and that write stalls the client; the second's wait.
      for (const half of [0, 1]) {
        for (let index = 0; index < 5; index++) {
          const name = `r${round}-${half * 5 + index}`;
          names.push(name);
          await manager.createTask(async () => name, { name }).done;
        }
        await nextTurn();
      }
      res.keepsUp = true;
      res.writableLength = 0;
      res.emit('drain');
    }
    await nextTurn();

    const completed = res.messagesFrom(0).filter((message) => message.event === 'task.completed').map((message) => json(message).name);
    expect(completed).to.deep.equal(names);
    const seqs = res.messagesFrom(0).filter((message) => message.id !== undefined && message.event !== 'snapshot').map((message) => Number(message.id?.split('-')[1]));
    expect(seqs).to.deep.equal(seqs.map((_, index) => (seqs[0] as number) + index));
    expect(handler.stats.replayed).to.be.greaterThan(0);
    expect(handler.stats.dropped).to.equal(0);
  });

  it('answers 503 with Retry-After to a client over maxClients, and counts it', () => {
    const handler = handlerWith({ maxClients: 2, retryMs: 2_500 });
    connect(handler);
    connect(handler);

    const third = connect(handler);

    expect(third.status).to.equal(503);
    expect(third.headers).to.include({ 'Retry-After': '3', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    expect(third.ended).to.equal(true);
    expect(handler.stats).to.deep.include({ clients: 2, refused: 1 });
  });

  it('sends a snapshot first to a client with an id of another handler (another process) or an id without epoch', async () => {
    const first = handlerWith();
    const second = handlerWith();
    const keeper = connect(first);
    for (let index = 0; index < 5; index++) await manager.createTask(async () => index, { name: `t${index}` }).done;
    await nextTurn();
    const lastId = keeper.messagesFrom(0).filter((message) => message.id !== undefined).at(-1)?.id as string;
    const seq = lastId.split('-')[1] as string;
    expect(first.epoch).to.match(/^[0-9a-f]{8}$/);
    expect(first.epoch).not.to.equal(second.epoch);
    expect(lastId.startsWith(`${first.epoch}-`)).to.equal(true);

    for (const foreign of [lastId, seq, `${second.epoch}-999`, `${first.epoch}-x`]) {
      const res = connect(second, { 'Last-Event-ID': foreign });
      const [message] = res.messagesFrom(0);
      expect(message?.event, foreign).to.equal('snapshot');
      expect(json(message as SseMessage)).to.include({ epoch: second.epoch });
    }
    // Its own id is honoured: nothing missed, no snapshot (the counts and state come in the hub's next fan-out turn).
    const own = connect(first, { 'Last-Event-ID': lastId });
    await nextTurn();
    expect(own.messagesFrom(0).map((message) => message.event)).to.deep.equal(['counts', 'state']);
  });

  it('truncates a 5 MB context value in task frames and snapshots; the other fields stay whole', async () => {
    const handler = handlerWith({ maxFieldBytes: 4_096 });
    const live = connect(handler);
    const big = 'x'.repeat(5 * 1024 * 1024);
    manager.createTask((signal) => untilAborted(signal), { name: 'big', context: { big, nested: { deep: [big] }, small: 'kept' } });
    await nextTurn();
    const late = connect(handler);

    for (const res of [live, late]) {
      const frames = res.chunks;
      for (const frame of frames) expect(frame.length).to.be.lessThan(64 * 1024);
      const message = res.messagesFrom(0).find((m) => m.event === (res === live ? 'task.created' : 'snapshot')) as SseMessage;
      const context = res === live ? json(message).context : json(message).tasks[0].context;
      expect(context).to.deep.equal({ big: '[Truncated: 5.0 MB]', nested: { deep: ['[Truncated: 5.0 MB]'] }, small: 'kept' });
    }
  });

  it('builds one snapshot for every client that connects while nothing changes, and writes the same Buffer to each', async () => {
    manager.createTask((signal) => untilAborted(signal), { name: 'running', context: { n: 1 } });
    await nextTurn();
    const handler = handlerWith();
    const clients = Array.from({ length: 5 }, () => connect(handler));

    expect(handler.stats).to.deep.include({ snapshots: 5, snapshotsBuilt: 1 });
    const frames = clients.map((res) => res.raw[1]);
    expect(frames.every((frame) => Buffer.isBuffer(frame) && frame === frames[0])).to.equal(true);

    manager.createTask(async () => 2, { name: 'changes-it' });
    await nextTurn();
    connect(handler);
    expect(handler.stats).to.deep.include({ snapshots: 6, snapshotsBuilt: 2 });
  });

  it("writes one Buffer per turn of the event loop, the same to every client, holding the turn's events in order", async () => {
    const handler = handlerWith();
    const clients = Array.from({ length: 3 }, () => connect(handler));
    await manager.createTask(async () => 1, { name: 'shared' }).done;
    await manager.createTask(async () => 2, { name: 'shared too' }).done;
    await nextTurn();
    for (const res of clients) expect(res.raw).to.have.length(3); // retry, snapshot, the turn's frames
    expect(clients[0]?.messagesFrom(2).map((m) => `${m.event} ${m.event.startsWith('task.') ? json(m).name : ''}`)).to.deep.equal([
      'task.created shared',
      'task.started shared',
      'task.completed shared',
      'task.created shared too',
      'task.started shared too',
      'task.completed shared too',
      'counts ',
    ]);

    const created = clients.map((res) => res.raw.find((chunk) => String(chunk).startsWith('event: task.created')));
    expect(created.every((frame) => Buffer.isBuffer(frame) && frame === created[0])).to.equal(true);
    expect(handler.stats.bytesSent).to.equal(clients.reduce((sum, res) => sum + res.raw.reduce((n, chunk) => n + chunk.length, 0), 0));
  });

  it('writes each frame to its socket at once: undoes the cork a response puts on its socket, never one the application holds', async () => {
    const handler = handlerWith();
    const res = new FakeResponse().withSocket();
    handler(fakeRequest(), asResponse(res));
    const socket = res.socket as NonNullable<FakeResponse['socket']>;
    expect(socket.uncorks, 'the snapshot was written at once').to.equal(res.raw.length).and.to.be.greaterThan(0);
    await manager.createTask(async () => 1, { name: 'first' }).done;
    await eventually(() => res.messagesFrom(0).some((message) => message.event === 'task.completed'));
    expect(socket.uncorks).to.equal(res.raw.length);
    expect(socket.writableCorked).to.equal(0);

    socket.writableCorked = 1; // the application corks the socket: its cork stays
    const written = res.raw.length;
    const uncorks = socket.uncorks;
    await manager.createTask(async () => 2, { name: 'second' }).done;
    await eventually(() => res.raw.length > written);
    expect(socket.uncorks).to.equal(uncorks);
    expect(socket.writableCorked).to.equal(1);
  });

  it('brings a drained client up to date in the next turn, not in its drain event, the missed events in writes of at most maxBufferedBytes', async () => {
    const handler = handlerWith({ maxBufferedBytes: 4_096, stallTimeoutMs: 5_000, bufferSize: 10_000 });
    const res = connect(handler);
    res.keepsUp = false;
    res.writableLength = 8_192;
    await manager.createTask(async () => 0, { name: 'stalls it' }).done;
    await nextTurn();
    const before = res.raw.length;
    const names = Array.from({ length: 60 }, (_, index) => `missed ${index}`);
    for (const name of names) await manager.createTask(async () => name, { name }).done;
    await nextTurn();
    expect(res.raw.length, 'nothing written while stalled').to.equal(before);

    res.keepsUp = true;
    res.writableLength = 0;
    res.emit('drain');
    expect(res.raw.length, 'nothing written in the drain event').to.equal(before);
    await nextTurn();

    const caughtUp = res.raw.slice(before).map((chunk) => Buffer.byteLength(chunk));
    const missedBytes = caughtUp.reduce((sum, bytes) => sum + bytes, 0);
    // The events in writes that end at the first frame past 4 KiB, then counts and state in one write.
    expect(caughtUp.length).to.be.at.most(Math.ceil(missedBytes / 4_096) + 2);
    expect(caughtUp.length).to.be.lessThan(names.length);
    for (const bytes of caughtUp) expect(bytes, 'a catch-up write').to.be.at.most(4_096);
    const completed = res.messagesFrom(0).filter((message) => message.event === 'task.completed').map((message) => json(message).name);
    expect(completed).to.deep.equal(['stalls it', ...names]);
    expect(handler.stats.replayed).to.equal(names.length * 3);
  });

  it('replays what a reconnecting client missed in the next turn, not inside the request handler (a reconnection storm is sliced)', async () => {
    const handler = handlerWith({ bufferSize: 10_000 });
    const keeper = connect(handler);
    await manager.createTask(async () => 0, { name: 'seen' }).done;
    await nextTurn();
    const lastId = keeper.messagesFrom(0).filter((message) => message.id !== undefined).at(-1)?.id as string;
    for (let index = 0; index < 20; index++) await manager.createTask(async () => index, { name: `missed ${index}` }).done;
    await nextTurn();

    const storm = Array.from({ length: 30 }, () => connect(handler, { 'Last-Event-ID': lastId }));
    for (const res of storm) expect(res.chunks, 'written inside the handler').to.deep.equal(['retry: 3000\n\n']);
    // Replayed by the pump in later turns, as many as its time slice allows per turn (under load, more than one).
    const replayedAll = (): boolean =>
      storm.every((res) => res.messagesFrom(0).filter((message) => message.event === 'task.completed').length >= 20);
    await eventually(replayedAll);
    for (const res of storm) {
      const completed = res.messagesFrom(0).filter((message) => message.event === 'task.completed').map((message) => json(message).name);
      expect(completed).to.deep.equal(Array.from({ length: 20 }, (_, index) => `missed ${index}`));
    }
    expect(handler.stats.replayed).to.equal(30 * 60);
  });

  it('counts frame sizes in bytes of JSON: multi-byte and escaped characters cannot slip a value past maxFieldBytes (property)', () => {
    const maxFieldBytes = 1_024;
    const handler = handlerWith({ maxFieldBytes });
    const res = connect(handler);
    const charArb = fc.constantFrom('a', '中', '\u0001', '"', '\\', '😀', '\u2028', 'é');
    const textArb = fc.tuple(charArb, fc.integer({ min: 100, max: 1_500 })).map(([char, count]) => char.repeat(count));
    const contextArb = fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(textArb, fc.record({ inner: textArb })), { maxKeys: 20 });
    fc.assert(
      fc.property(contextArb, (context) => {
        manager.createTask(async () => undefined, { name: 'sized', context });
        return true;
      }),
      { numRuns: 60 },
    );
    return nextTurn()
      .then(nextTurn)
      .then(() => {
        const frames = res.messagesFrom(0).filter((message) => message.event === 'task.created');
        expect(frames).to.have.length(60);
        for (const frame of frames) {
          const context = json(frame).context as Record<string, unknown>;
          for (const value of Object.values(context)) {
            const bytes = Buffer.byteLength(JSON.stringify(value));
            expect(bytes, 'a top-level field').to.be.at.most(maxFieldBytes * 16);
            if (typeof value === 'object' && value !== null) {
              for (const inner of Object.values(value)) expect(Buffer.byteLength(JSON.stringify(inner)), 'a nested value').to.be.at.most(maxFieldBytes);
            }
          }
        }
      });
  });

  it('stalls a client past maxBufferedBytes even when write() never asks to wait (a large highWaterMark), and drops it after stallTimeoutMs', async () => {
    const handler = handlerWith({ maxBufferedBytes: 1_024, stallTimeoutMs: 200 });
    const res = connect(handler);
    res.keepsUp = true; // the server's highWaterMark is far above maxBufferedBytes
    res.writableLength = 10_000;
    await manager.createTask(async () => 1, { name: 'fills it' }).done;
    await nextTurn();
    const stalledAt = res.raw.length;
    await manager.createTask(async () => 2, { name: 'waits' }).done;
    await nextTurn();
    expect(res.raw.length, 'nothing more written while over maxBufferedBytes').to.equal(stalledAt);
    await eventually(() => handler.stats.dropped === 1, 2_000);
    expect(res.destroyed).to.equal(true);
    expect(handler.connections).to.equal(0);
  });

  it('catches such a client up once its queue goes down, though no drain event comes', async () => {
    const handler = handlerWith({ maxBufferedBytes: 1_024, stallTimeoutMs: 5_000, bufferSize: 100 });
    const res = connect(handler);
    res.writableLength = 10_000;
    await manager.createTask(async () => 1, { name: 'fills it' }).done;
    await nextTurn();
    await manager.createTask(async () => 2, { name: 'missed' }).done;
    await nextTurn();
    res.writableLength = 0; // it read: the queue went down, and write() had never asked to wait
    await eventually(() => res.messagesFrom(0).some((message) => message.event === 'task.completed' && json(message).name === 'missed'), 2_000);
    expect(handler.stats.dropped).to.equal(0);
  });

  it('disconnects and counts a client whose response throws on write, so that it keeps no place', async () => {
    const handler = handlerWith({ maxClients: 1 });
    const res = connect(handler);
    res.write = (): boolean => {
      throw new Error('a wrapper failed');
    };
    await manager.createTask(async () => 1, { name: 'first' }).done;
    await nextTurn();
    expect(handler.stats.dropped).to.equal(1);
    expect(handler.connections).to.equal(0);
    expect(res.destroyed).to.equal(true);
    expect(connect(handler).status, 'its place is free').to.equal(200);
  });

  it('never throws out of the handler when the application already sent the headers: the response is destroyed', () => {
    const handler = handlerWith();
    const res = new FakeResponse();
    res.writeHead = (): never => {
      throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    };
    expect(() => handler(fakeRequest(), asResponse(res))).not.to.throw();
    expect(res.destroyed).to.equal(true);
    expect(handler.connections).to.equal(0);
  });

  it('refuses requests pipelined behind a stream on one connection: they take no client’s place (real sockets)', async () => {
    const handler = handlerWith({ maxClients: 3 });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = connectSocket(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
      await eventually(() => handler.stats.refused === 19, 2_000);
      expect(handler.connections, 'the first request of the connection only').to.equal(1);
      const status = await new Promise<number | undefined>((resolve) => {
        const request = httpGet({ port, host: '127.0.0.1', path: '/events' }, (res) => {
          resolve(res.statusCode);
          res.destroy();
        });
        request.on('error', () => resolve(undefined));
      });
      expect(status, 'a browser still gets a place').to.equal(200);
    } finally {
      socket.destroy();
      handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('spreads the writes of a turn over several turns when there are many clients, each client getting every batch once, in order', async () => {
    const handler = handlerWith();
    const clients = Array.from({ length: 40 }, () => connect(handler));
    let writesInThisTurn = 0;
    let mostInOneTurn = 0;
    for (const res of clients) {
      const write = res.write.bind(res);
      res.write = (chunk: Buffer | string): boolean => {
        const until = performance.now() + 1; // a slow socket: 1 ms per write
        while (performance.now() < until);
        mostInOneTurn = Math.max(mostInOneTurn, ++writesInThisTurn);
        return write(chunk);
      };
    }
    const counter = setInterval(() => (writesInThisTurn = 0), 0);
    try {
      await manager.createTask(async () => 1, { name: 'first' }).done;
      await nextTurn();
      await manager.createTask(async () => 2, { name: 'second' }).done;
      await eventually(() => clients.every((res) => res.messagesFrom(0).filter((m) => m.event === 'task.completed').length === 2));
    } finally {
      clearInterval(counter);
    }

    expect(mostInOneTurn).to.be.lessThan(40);
    for (const res of clients) {
      expect(res.messagesFrom(0).filter((m) => m.event.startsWith('task.')).map((m) => `${m.event} ${json(m).name}`)).to.deep.equal([
        'task.created first',
        'task.started first',
        'task.completed first',
        'task.created second',
        'task.started second',
        'task.completed second',
      ]);
    }
  });

  describe('ReplayBuffer (property)', () => {
    it('never holds more than its bytes or its count, keeps a gapless run of the newest events, and empties on one too large', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 0, max: 5_000 }),
          fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 300 }),
          (maxEntries, maxBytes, sizes) => {
            const buffer = new ReplayBuffer(maxEntries, maxBytes);
            sizes.forEach((size, seq) => {
              buffer.push({ seq, frame: Buffer.alloc(size) });
              expect(buffer.size).to.be.at.most(maxEntries);
              expect(buffer.bytes).to.be.at.most(maxBytes);
              let total = 0;
              for (let index = 0; index < buffer.size; index++) {
                const entry = buffer.at(index);
                expect(entry?.seq).to.equal(seq - buffer.size + 1 + index);
                total += entry?.frame.length ?? 0;
              }
              expect(total).to.equal(buffer.bytes);
              if (maxEntries > 0 && size <= maxBytes) expect(buffer.at(buffer.size - 1)?.seq).to.equal(seq);
              else expect(buffer.size).to.equal(0);
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
