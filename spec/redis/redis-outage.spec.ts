import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { connect as connectSocket, createServer, type AddressInfo, type Socket } from 'node:net';
import {
  BackgroundTaskManager,
  RedisStreamsPublisher,
  RedisStreamsSubscriber,
  createNodeExecutionEvent,
  mirrorTaskEvents,
  publishEvent,
  type EventModel,
  type StreamEntry,
} from '../../lib';
import { capturingLogger, useCleanups } from '../support/helpers';
import {
  adminClient,
  CLOSED_PORT_URL,
  deleteKeys,
  randomPrefix,
  REDIS_URL,
  redisAnswers,
  requireRedis,
  useOwnRedis,
  waitFor,
} from '../support/redis';

/** A full garbage collection, without starting node with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const PADDING = 'x'.repeat(1_000);

function event(i: number): EventModel {
  return createNodeExecutionEvent('step', 'progress', { content: `event ${i}`, data: { padding: PADDING } });
}

describe('Redis outages', () => {
  describe('Redis restarted mid-run (a redis-server of its own: the shared one is never stopped)', function () {
    const ownRedis = useOwnRedis();

    it('the publisher reconnects by itself, the subscriber recreates its group, and every lost event is counted', async function () {
      this.timeout(25_000);
      const own = ownRedis();
      const stream = 'restart:events';
      const quiet = capturingLogger('warn');
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const publisher = new RedisStreamsPublisher({ url: own.url, stream, maxBuffered: 10, logger: quiet.logger });
      const subscriber = new RedisStreamsSubscriber({ url: own.url, stream, group: 'g', consumer: 'c', blockMs: 200, logger: quiet.logger });
      const received: StreamEntry[] = [];
      const subscription = subscriber.events$.subscribe((entry) => received.push(entry));
      let sent = 0;
      const publishOne = (): void => {
        publishEvent(event(sent++), publisher, manager);
      };
      let ticker: NodeJS.Timeout | undefined;
      try {
        // connected first: only 10 events may be held, and the connection is opened by the first publish
        publishOne();
        await waitFor('the connection', () => publisher.stats.published === 1);
        for (let i = 1; i < 100; i++) publishOne();
        await waitFor('the first 100 events to be read', () => received.length === 100);

        ticker = setInterval(publishOne, 2); // keeps publishing through the outage
        await own.stop();
        await waitFor('the publisher to notice', () => publisher.stats.buffered > 0 || publisher.stats.dropped > 0);
        const publishedBefore = publisher.stats.published;
        const receivedBefore = received.length;
        await sleep(300);
        expect(await redisAnswers(own.url)).to.equal(false);
        await own.restart();
        await waitFor('the publisher to reconnect', () => publisher.stats.reconnects >= 1, 10_000);
        await sleep(200);
        clearInterval(ticker);
        ticker = undefined;
        await manager.waitForAll();
        const lastSent = `event ${sent - 1}`;
        await waitFor('the subscriber to read the last event', () =>
          received.some((entry) => entry.kind === 'event' && entry.event.content === lastSent),
        10_000);
        await publisher.close();

        const stats = publisher.stats;
        // every event handed over is accounted for...
        expect(stats.published + stats.dropped + stats.failed).to.equal(sent);
        expect(stats.buffered + stats.inFlight).to.equal(0);
        // ...events were lost during the outage (beyond the 10 held), and they were counted...
        expect(stats.dropped).to.be.greaterThan(0);
        expect(stats.reconnects).to.be.at.least(1);
        // ...and the stream (empty after a restart without persistence) holds exactly what was appended since
        const fresh = await adminClient(own.url);
        const entries = (await fresh.sendCommand(['XRANGE', stream, '-', '+'])) as [string, string[]][];
        await fresh.close();
        expect(entries.length).to.equal(stats.published - publishedBefore);
        // the subscriber read all of them, once each, in order
        expect(received.slice(receivedBefore).map((entry) => entry.streamId)).to.deep.equal(entries.map(([id]) => id));
        expect(quiet.messages('warn').some((message) => message.includes('Redis connection error'))).to.equal(true);
      } finally {
        if (ticker !== undefined) clearInterval(ticker);
        subscription.unsubscribe();
        await own.restart(); // whatever happened, up again for close()
        await subscriber.close();
        await publisher.close();
        await manager.shutdown();
      }
    });
  });

  describe('Redis hung (its process frozen: connections up, nothing answered; a redis-server of its own)', function () {
    this.timeout(20_000);
    const ownRedis = useOwnRedis();

    it('fails what gets no reply within publishTimeoutMs, drops the hung connection and opens a new one, and delivers again once Redis answers', async () => {
      const own = ownRedis();
      const publisher = new RedisStreamsPublisher({ url: own.url, stream: 'hung', publishTimeoutMs: 300, closeTimeoutMs: 200, logger: capturingLogger('silent').logger });
      try {
        await publisher.publish(event(0));
        own.freeze();
        const started = performance.now();
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, index) => publisher.publish(event(index + 1)).then(() => 'resolved', (error: { outcome: string }) => error.outcome)),
        );
        expect(outcomes).to.deep.equal(Array.from({ length: 20 }, () => 'failed'));
        expect(performance.now() - started).to.be.below(1_000);
        own.thaw();
        await publisher.publish(event(99)); // on the new connection
        expect(publisher.stats).to.include({ published: 2, failed: 20 });
        expect(publisher.stats.reconnects, 'the hung connection was replaced').to.be.at.least(1);
      } finally {
        own.thaw();
        await publisher.close();
      }
    });
  });

  describe('a server that accepts the connection and never answers (a hung process, a proxy with no backend)', function () {
    this.timeout(30_000);
    before(async function () {
      await requireRedis(this);
    });

    it('gives the silent attempt up after the connect timeout (5 s), connects again, and delivers', async () => {
      // The first connection is accepted and left silent; later ones are passed through to the real Redis.
      const sockets = new Set<Socket>();
      let accepted = 0;
      const proxy = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        if (accepted++ === 0) return; // silent
        const upstream = connectSocket(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
        upstream.on('error', () => socket.destroy());
        socket.pipe(upstream).pipe(socket);
        sockets.add(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const url = `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const captured = capturingLogger('warn');
      const stream = randomPrefix('handshake');
      const publisher = new RedisStreamsPublisher({ url, stream, publishTimeoutMs: 15_000, logger: captured.logger });
      try {
        const started = performance.now();
        await publisher.publish(event(1));
        expect(performance.now() - started).to.be.within(4_500, 12_000);
        expect(accepted).to.equal(2);
        expect(captured.messages('warn').some((line) => line.includes('did not answer within 5000 ms'))).to.equal(true);
      } finally {
        await publisher.close();
        const admin = await adminClient();
        await deleteKeys(admin, stream);
        await admin.close();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });

  describe('Redis down for the whole test (nothing listens on the port)', () => {
    /** What a test opened, released after it whatever happened (see useCleanups). */
    const defer = useCleanups();
    function releasedAfter<T>(resource: T, release: (resource: T) => Promise<unknown>): T {
      defer(() => release(resource));
      return resource;
    }

    it('publishing never blocks, the memory held stays bounded, and every event is counted as dropped within publishTimeoutMs', async function () {
      this.timeout(20_000);
      const quiet = capturingLogger('warn');
      const manager = releasedAfter(new BackgroundTaskManager({ logger: capturingLogger('silent').logger }), (opened) => opened.shutdown());
      const publishTimeoutMs = 400;
      const publisher = releasedAfter(
        new RedisStreamsPublisher({ url: CLOSED_PORT_URL, publishTimeoutMs, closeTimeoutMs: 100, logger: quiet.logger }),
        (opened) => opened.close(),
      );
      const mirror = releasedAfter(mirrorTaskEvents(manager, publisher, { includePublishTasks: true, batchMs: 10, heartbeatMs: 0 }), (opened) => opened.stop());
      let sent = 0;
      let heldMost = 0;
      /** Publishes `count` events at about 2,000 a second; returns the mean time one publishEvent() call took, in ms. */
      const publishMany = async (count: number): Promise<number> => {
        let total = 0;
        for (let i = 0; i < count; i += 20) {
          const start = performance.now();
          for (let j = 0; j < 20; j++) publishEvent(event(sent++), publisher, manager);
          total += performance.now() - start;
          heldMost = Math.max(heldMost, publisher.stats.buffered);
          await sleep(10);
        }
        return total / count;
      };

      await publishMany(1_500); // fills the publisher's buffer (1,000)
      await manager.waitForAll(); // every publish settled: dropped, by a full buffer or by publishTimeoutMs
      const heapFull = heapAfterGc();
      const meanMs = await publishMany(3_000);
      const waitStarted = performance.now();
      await manager.waitForAll();
      expect(performance.now() - waitStarted, 'the last publish settles within publishTimeoutMs (and a sweep)').to.be.below(publishTimeoutMs * 3);
      const heapLater = heapAfterGc();

      expect(meanMs, 'the mean time of a publishEvent() call, in ms').to.be.below(1);
      expect(heldMost, 'held at most maxBuffered').to.be.at.most(1_000).and.at.least(500);
      const stats = publisher.stats;
      expect(stats.published + stats.failed + stats.inFlight).to.equal(0);
      // events and mirrored task events (3 per published event) all end up held or dropped
      expect(stats.buffered + stats.dropped).to.equal(sent + mirror.stats.mirrored);
      expect(manager.getTaskCount()).to.equal(0);
      // 3,000 more events of 1 KB each, and not a megabyte more held
      expect(heapLater - heapFull, `heap growth in bytes (${heapFull} -> ${heapLater})`).to.be.below(1_000_000);
      expect(quiet.messages('warn').filter((message) => message.includes('dropped'))).to.have.length(1); // rate-limited

      await mirror.stop();
      const closeStarted = performance.now();
      await publisher.close();
      expect(performance.now() - closeStarted).to.be.below(2_000);
      expect(publisher.stats.buffered).to.equal(0);
      expect(mirror.stats.queued).to.equal(0);
      expect(publisher.stats.dropped).to.equal(sent + mirror.stats.mirrored + 1); // + its worker_stopped entry
      expect(publisher.stats.reconnects).to.equal(0);
      await manager.shutdown();
    });

    it('publishEvent() logs no line per event: each publish is given up by the publisher (one WARN) before its task would time out', async function () {
      this.timeout(10_000);
      const captured = capturingLogger('debug');
      const manager = releasedAfter(new BackgroundTaskManager({ logger: captured.logger }), (opened) => opened.shutdown());
      // The publisher gives an event up three tenths of publishTimeoutMs before its task's timer falls due (see
      // RedisStreamWriter): 150 ms here, room for a busy machine's late timers.
      const publisher = releasedAfter(
        new RedisStreamsPublisher({ url: CLOSED_PORT_URL, publishTimeoutMs: 500, closeTimeoutMs: 50, logger: captured.logger }),
        (opened) => opened.close(),
      );
      for (let index = 0; index < 100; index++) publishEvent(event(index), publisher, manager);
      await manager.waitForAll();
      expect(publisher.stats.dropped).to.equal(100);
      let timedOut = -1;
      manager.counts$.subscribe((counts) => (timedOut = counts.timedOut)).unsubscribe();
      expect(timedOut, 'no publish_event task timed out').to.equal(0);
      const lines = [...captured.messages('warn'), ...captured.messages('error')];
      expect(lines.filter((line) => line.includes('timed out')), 'no per-task timeout WARN').to.deep.equal([]);
      expect(lines.filter((line) => line.includes('dropped')), 'the publisher\'s rate-limited WARN').to.have.length(1);
      await publisher.close();
      await manager.shutdown();
    });

    it('a subscriber waits for Redis without failing, and close() releases it', async () => {
      const quiet = capturingLogger('warn');
      const subscriber = releasedAfter(new RedisStreamsSubscriber({ url: CLOSED_PORT_URL, group: 'g', consumer: 'c', logger: quiet.logger }), (opened) => opened.close());
      const entries: StreamEntry[] = [];
      let completed = false;
      subscriber.events$.subscribe({ next: (entry) => entries.push(entry), complete: () => (completed = true) });
      await sleep(300);
      expect(subscriber.reading).to.equal(true);
      await subscriber.close();
      expect(completed).to.equal(true);
      expect(entries).to.deep.equal([]);
      expect(quiet.messages('warn').length).to.be.at.most(1); // rate-limited connection errors
    });
  });
});
