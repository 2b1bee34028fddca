import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  PublishFailedError,
  RedisStreamsPublisher,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
  publishEvent,
  type EventModel,
  type RedisStreamsClient,
} from '../../lib';
import { ErrorReply, FakeRedisClient } from '../support/fake-redis-client';
import { capturingLogger, thrownBy } from '../support/helpers';
import { runInChild } from '../support/run-in-child';
import { adminClient, CLOSED_PORT_URL, connectionNames, deleteKeys, randomPrefix, requireRedis, REDIS_URL, waitFor } from '../support/redis';

/** What `promise` settled with: `'resolved'`, or the `outcome` of its PublishFailedError (anything else fails the spec). */
async function outcomeOf(promise: Promise<void>): Promise<'resolved' | 'dropped' | 'failed'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    expect(error).to.be.instanceOf(PublishFailedError);
    return (error as PublishFailedError).outcome;
  }
}

function event(i: number): EventModel {
  return createNodeExecutionEvent('step', 'progress', { content: `event ${i}`, runId: 'run-1', threadId: 'thread-1' });
}


describe('RedisStreamsPublisher', () => {
  describe('with a stand-in client (no server needed)', () => {
    let fake: FakeRedisClient;
    let log: ReturnType<typeof capturingLogger>;
    beforeEach(() => {
      fake = new FakeRedisClient();
      log = capturingLogger('warn');
    });

    it('appends each event with XADD MAXLEN ~ maxLen and the kind, type, workerId, runId, threadId, v and json fields', async () => {
      fake.goOnline();
      fake.autoReply = true;
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's:events', maxLen: 500, workerId: 'w-1' });
      const sent = event(1);
      await publisher.publish(sent);
      const [command] = fake.commands;
      expect(command?.args.slice(0, 6)).to.deep.equal(['XADD', 's:events', 'MAXLEN', '~', '500', '*']);
      expect(command?.args.slice(6, -2)).to.deep.equal([
        'v', '1', 'kind', 'event', 'type', 'node_execution.progress', 'workerId', 'w-1', 'runId', 'run-1', 'threadId', 'thread-1',
      ]);
      expect(command?.args.at(-2)).to.equal('json');
      expect(JSON.parse(command?.args.at(-1) ?? '')).to.deep.equal(JSON.parse(JSON.stringify(sent)));
      expect(publisher.stats).to.deep.equal({ published: 1, buffered: 0, inFlight: 0, dropped: 0, failed: 0, retries: 0, reconnects: 0 });
    });

    it('leaves out MAXLEN with maxLen 0, and runId/threadId when the event has none', async () => {
      fake.goOnline();
      fake.autoReply = true;
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', maxLen: 0, workerId: 'w' });
      await publisher.publish(createGraphExecutionEvent('start'));
      expect(fake.commands[0]?.args.slice(0, 11)).to.deep.equal(['XADD', 's', '*', 'v', '1', 'kind', 'event', 'type', 'graph_execution.start', 'workerId', 'w']);
      expect(fake.commands[0]?.args[11]).to.equal('json');
    });

    it('holds events while the client is not ready, resolving none of them, and appends them in order before newer ones once it is', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's' });
      const settled: number[] = [];
      const held = [1, 2, 3].map((i) => publisher.publish(event(i)).then(() => void settled.push(i)));
      await sleep(20);
      expect(fake.commands).to.have.length(0);
      expect(settled, 'await publish() means acknowledged: nothing is yet').to.deep.equal([]);
      expect(publisher.stats.buffered).to.equal(3);

      fake.goOnline();
      expect(fake.commands, 'sent when the connection is ready').to.have.length(3);
      const newer = publisher.publish(event(4)).then(() => void settled.push(4));
      expect(settled).to.deep.equal([]);
      fake.answerAll();
      await Promise.all([...held, newer]);
      expect(settled).to.deep.equal([1, 2, 3, 4]);
      expect(fake.xaddField('json').map((json) => JSON.parse(json).content)).to.deep.equal(['event 1', 'event 2', 'event 3', 'event 4']);
      expect(publisher.stats).to.include({ published: 4, buffered: 0, dropped: 0, reconnects: 0 });
    });

    it('holds at most maxBuffered events: beyond that it drops the oldest, counts it and warns once per interval', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', maxBuffered: 2, logger: log.logger });
      const outcomes = [1, 2, 3, 4, 5].map((i) => outcomeOf(publisher.publish(event(i))));
      expect(publisher.stats).to.include({ buffered: 2, dropped: 3 });
      expect(log.messages('warn')).to.have.length(1);
      expect(log.messages('warn')[0]).to.include('dropped an event').and.include('maxBuffered');

      fake.autoReply = true;
      fake.goOnline();
      expect(await Promise.all(outcomes)).to.deep.equal(['dropped', 'dropped', 'dropped', 'resolved', 'resolved']);
      expect(publisher.stats.published).to.equal(2);
      expect(fake.xaddField('json').map((json) => JSON.parse(json).content)).to.deep.equal(['event 4', 'event 5']);
    });

    it('drops every event published while disconnected when maxBuffered is 0', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), maxBuffered: 0, logger: log.logger });
      expect(await outcomeOf(publisher.publish(event(1)))).to.equal('dropped');
      expect(await outcomeOf(publisher.publish(event(2)))).to.equal('dropped');
      expect(publisher.stats).to.include({ buffered: 0, dropped: 2 });
    });

    it('fails an append Redis refuses for good at once: counted, warned, publish() rejects with outcome "failed"', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), logger: log.logger });
      const publishing = outcomeOf(publisher.publish(event(1)));
      expect(publisher.stats.inFlight).to.equal(1);
      fake.commands[0]?.reply.reject(new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'));
      expect(await publishing).to.equal('failed');
      expect(fake.commands, 'not sent again').to.have.length(1);
      expect(publisher.stats).to.include({ published: 0, failed: 1, inFlight: 0, retries: 0 });
      expect(log.messages('warn')[0]).to.include('an XADD failed').and.include('WRONGTYPE');
    });

    it('sends an append Redis refuses for a passing reason (LOADING, BUSY, OOM...) again after a pause, and resolves once acknowledged', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), logger: log.logger });
      const publishing = outcomeOf(publisher.publish(event(1)));
      fake.commands[0]?.reply.reject(new ErrorReply('LOADING Redis is loading the dataset in memory'));
      await waitFor('the second attempt', () => fake.commands.length === 2);
      fake.commands[1]?.reply.reject(new ErrorReply('OOM command not allowed when used memory > maxmemory'));
      await waitFor('the third attempt', () => fake.commands.length === 3);
      fake.commands[2]?.reply.resolve('1-0');
      expect(await publishing).to.equal('resolved');
      expect(publisher.stats).to.include({ published: 1, failed: 0, retries: 2 });
    });

    it('sends an append the connection lost again once it is back, before newer ones, and resolves once acknowledged', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), logger: log.logger });
      const first = outcomeOf(publisher.publish(event(1)));
      fake.goOffline();
      fake.commands[0]?.reply.reject(new Error('Socket closed unexpectedly'));
      const second = outcomeOf(publisher.publish(event(2)));
      await sleep(20);
      expect(fake.commands, 'nothing is sent while offline').to.have.length(1);
      fake.autoReply = true;
      fake.goOnline();
      expect(await Promise.all([first, second])).to.deep.equal(['resolved', 'resolved']);
      expect(fake.xaddField('json').map((json) => JSON.parse(json).content)).to.deep.equal(['event 1', 'event 1', 'event 2']);
      expect(publisher.stats).to.include({ published: 2, retries: 1, reconnects: 1 });
    });

    it('settles every publish() within publishTimeoutMs: held ones dropped, unanswered ones failed', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), publishTimeoutMs: 60, logger: log.logger });
      const unanswered = outcomeOf(publisher.publish(event(1)));
      fake.goOffline();
      const held = outcomeOf(publisher.publish(event(2)));
      const started = performance.now();
      expect(await Promise.all([unanswered, held])).to.deep.equal(['failed', 'dropped']);
      expect(performance.now() - started).to.be.below(1_000);
      expect(publisher.stats).to.include({ published: 0, buffered: 0, inFlight: 0, dropped: 1, failed: 1 });
      // a reply that comes after all changes nothing: the event was counted once
      fake.commands[0]?.reply.resolve('1-0');
      await sleep(5);
      expect(publisher.stats).to.include({ published: 0, failed: 1 });
    });

    it('counts a reconnection each time the connection is ready again after it had been', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient() });
      fake.goOffline();
      fake.goOnline();
      fake.goOffline();
      fake.goOnline();
      expect(publisher.stats.reconnects).to.equal(2);
    });

    it('through publishEvent, a publish that gets no reply frees its task slot after publishTimeoutMs and counts as failed', async () => {
      fake.goOnline();
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), publishTimeoutMs: 30, logger: log.logger });
      publishEvent(event(1), publisher, manager);
      expect(manager.getTaskCount()).to.equal(1);
      await waitFor('the timeout', () => manager.getTaskCount() === 0);
      await waitFor('the abort to settle', () => publisher.stats.failed === 1);
      expect(publisher.stats).to.include({ published: 0, inFlight: 0, failed: 1 });
      await manager.shutdown();
    });

    it('close() waits for in-flight appends, drops what is still held after closeTimeoutMs, and leaves your client open', async () => {
      fake.goOnline();
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), closeTimeoutMs: 50, logger: log.logger });
      const inFlight = outcomeOf(publisher.publish(event(1)));
      fake.goOffline();
      const held = outcomeOf(publisher.publish(event(2)));
      const closing = publisher.close();
      expect(publisher.close()).to.equal(closing);
      await sleep(10);
      fake.commands[0]?.reply.resolve('1-0');
      expect(await inFlight).to.equal('resolved');
      await closing;
      expect(await held).to.equal('dropped');
      expect(publisher.stats).to.deep.equal({ published: 1, buffered: 0, inFlight: 0, dropped: 1, failed: 0, retries: 0, reconnects: 0 });
      expect(fake.closeCalls + fake.destroyCalls).to.equal(0);
      expect(fake.listenerCount('ready')).to.equal(0);

      expect(await outcomeOf(publisher.publish(event(3))), 'after close').to.equal('dropped');
      expect(publisher.stats.dropped).to.equal(2);
      expect(fake.commands).to.have.length(1);
    });

    it('close() sends what is held if the connection becomes ready before closeTimeoutMs', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), closeTimeoutMs: 1_000 });
      const publishing = outcomeOf(publisher.publish(event(1)));
      const closing = publisher.close();
      fake.autoReply = true;
      setTimeout(() => fake.goOnline(), 20);
      await closing;
      expect(await publishing).to.equal('resolved');
      expect(publisher.stats).to.include({ published: 1, dropped: 0, buffered: 0 });
    });

    it('keeps the process alive until a waiting publish() settles: on a client that never connects it rejects, never ends unsettled', async function () {
      this.timeout(30_000);
      const child = await runInChild(
        `
        const lib = require('./lib');
        const client = { isReady: false, isOpen: true, on() {}, off() {}, sendCommand() {}, duplicate() {} };
        const publisher = new lib.RedisStreamsPublisher({ client, publishTimeoutMs: 300 });
        publisher.publish(lib.createGraphExecutionEvent('start')).then(
          () => console.log('resolved'),
          (error) => console.log('rejected ' + error.outcome),
        );
        `,
        25_000,
      );
      expect(child.stdout.trim()).to.equal('rejected dropped');
      expect(child.code).to.equal(0);
    });

    it('lets 2,000 publishes share one signal: one listener on it (no MaxListenersExceededWarning), and its abort gives them all up', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient(), maxBuffered: 5_000, logger: log.logger });
      const controller = new AbortController();
      const outcomes = Array.from({ length: 2_000 }, (_, index) => outcomeOf(publisher.publish(event(index), controller.signal)));
      fake.goOnline(); // the held ones are sent: half answered, then the signal aborts
      for (const command of fake.commands.slice(0, 1_000)) command.reply.resolve('1-0');
      await sleep(5);
      controller.abort();
      const counted = await Promise.all(outcomes);
      expect(counted.filter((outcome) => outcome === 'resolved')).to.have.length(1_000);
      expect(counted.filter((outcome) => outcome === 'failed'), 'sent, then given up by the abort').to.have.length(1_000);
      // the suite's root hook fails this test on any process warning, MaxListenersExceededWarning included
    });

    it('rejects publish() of something that is not an event with an InvalidArgumentError', async () => {
      const publisher = new RedisStreamsPublisher({ client: fake.asClient() });
      const error = await publisher.publish(null as unknown as EventModel).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).to.be.instanceOf(InvalidArgumentError).and.have.property('argument', 'event');
    });

    it('throws an InvalidArgumentError naming each unacceptable option and the value', () => {
      const client = fake.asClient();
      const cases: [Record<string, unknown>, string][] = [
        [{ url: 'http://localhost:6379' }, 'url'],
        [{ url: 42 }, 'url'],
        [{ client: {} }, 'client'],
        [{ url: REDIS_URL, client }, 'url'],
        [{ stream: '' }, 'stream'],
        [{ maxLen: -1 }, 'maxLen'],
        [{ maxLen: 1.5 }, 'maxLen'],
        [{ workerId: '' }, 'workerId'],
        [{ maxBuffered: -5 }, 'maxBuffered'],
        [{ closeTimeoutMs: -1 }, 'closeTimeoutMs'],
        [{ publishTimeoutMs: 0 }, 'publishTimeoutMs'],
        [{ logger: { log: console.log } }, 'logger'],
      ];
      for (const [options, argument] of cases) {
        const error = thrownBy(() => new RedisStreamsPublisher(options));
        expect(error, argument).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument, JSON.stringify(options)).to.equal(argument);
      }
      expect(thrownBy(() => new RedisStreamsPublisher(null as never))).to.be.instanceOf(InvalidArgumentError);
    });
  });

  describe('against Redis', function () {
    let admin: RedisStreamsClient;
    let prefix: string;
    before(async function () {
      await requireRedis(this);
      admin = await adminClient();
    });
    beforeEach(() => {
      prefix = randomPrefix('publisher');
    });
    afterEach(async () => {
      await deleteKeys(admin, prefix);
    });
    after(async () => {
      if (admin?.isOpen) await admin.close();
    });

    it('appends events published through publishEvent in order, readable with XRANGE', async () => {
      const stream = `${prefix}:events`;
      const manager = new BackgroundTaskManager();
      const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-1' });
      for (let i = 0; i < 50; i++) publishEvent(event(i), publisher, manager);
      await manager.waitForAll();
      await publisher.close();
      await manager.shutdown();

      const entries = (await admin.sendCommand(['XRANGE', stream, '-', '+'])) as [string, string[]][];
      expect(entries).to.have.length(50);
      const contents = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('json') + 1] ?? '').content);
      expect(contents).to.deep.equal(Array.from({ length: 50 }, (_, i) => `event ${i}`));
      const [, fields] = entries[0] ?? [];
      expect(fields?.slice(0, 12)).to.deep.equal([
        'v', '1', 'kind', 'event', 'type', 'node_execution.progress', 'workerId', 'w-1', 'runId', 'run-1', 'threadId', 'thread-1',
      ]);
      expect(publisher.stats).to.deep.equal({ published: 50, buffered: 0, inFlight: 0, dropped: 0, failed: 0, retries: 0, reconnects: 0 });
    });

    it('await publish() on a new publisher (not connected yet) resolves once the entry is in Redis: a read right after sees it', async () => {
      const stream = `${prefix}:events`;
      const publisher = new RedisStreamsPublisher({ stream });
      try {
        for (let i = 0; i < 3; i++) {
          await publisher.publish(event(i));
          expect(Number(await admin.sendCommand(['XLEN', stream])), `after publish ${i}`).to.equal(i + 1);
        }
      } finally {
        await publisher.close();
      }
    });

    it('fails an append Redis refuses for good at once (a key of another type: WRONGTYPE), without retrying it', async () => {
      const stream = `${prefix}:not-a-stream`;
      await admin.sendCommand(['SET', stream, 'a string']);
      const publisher = new RedisStreamsPublisher({ stream, logger: capturingLogger('silent').logger });
      try {
        const started = performance.now();
        const error = await publisher.publish(event(1)).then(() => undefined, (rejection: unknown) => rejection);
        expect(error).to.be.instanceOf(PublishFailedError).and.include({ outcome: 'failed', code: 'PUBLISH_FAILED' });
        expect(String((error as Error).cause)).to.contain('WRONGTYPE');
        expect(performance.now() - started, 'not retried until publishTimeoutMs').to.be.below(2_000);
        expect(publisher.stats).to.include({ failed: 1, retries: 0 });
      } finally {
        await publisher.close();
      }
    });

    it('rejects publish() with outcome "dropped" within publishTimeoutMs when Redis does not answer at all', async () => {
      const publisher = new RedisStreamsPublisher({ url: CLOSED_PORT_URL, publishTimeoutMs: 200, closeTimeoutMs: 50, logger: capturingLogger('silent').logger });
      try {
        const started = performance.now();
        expect(await outcomeOf(publisher.publish(event(1)))).to.equal('dropped');
        // given up between six and seven tenths of publishTimeoutMs after the call (120 to 140 ms), not at once;
        // Node's timers run on the loop's clock, which may be a few ms behind performance.now()'s
        expect(performance.now() - started, 'ms until given up').to.be.within(110, 2_000);
        expect(publisher.stats).to.include({ published: 0, buffered: 0, dropped: 1 });
      } finally {
        await publisher.close();
      }
    });

    it('trims the stream to about maxLen entries (MAXLEN ~), keeping the newest', async () => {
      const stream = `${prefix}:events`;
      const publisher = new RedisStreamsPublisher({ stream, maxLen: 100 });
      for (let i = 0; i < 1_000; i++) void publisher.publish(event(i));
      await publisher.close();
      const length = Number(await admin.sendCommand(['XLEN', stream]));
      // '~' trims whole radix-tree nodes (100 entries each by default): at least maxLen stay, far fewer than 1,000
      expect(length).to.be.at.least(100).and.at.most(300);
      const [last] = (await admin.sendCommand(['XREVRANGE', stream, '+', '-', 'COUNT', '1'])) as [string, string[]][];
      expect(JSON.parse(last?.[1][last[1].indexOf('json') + 1] ?? '').content).to.equal('event 999');
      expect(publisher.stats.published).to.equal(1_000);
    });

    it('never trims with maxLen 0', async () => {
      const stream = `${prefix}:events`;
      const publisher = new RedisStreamsPublisher({ stream, maxLen: 0 });
      for (let i = 0; i < 300; i++) void publisher.publish(event(i));
      await publisher.close();
      expect(Number(await admin.sendCommand(['XLEN', stream]))).to.equal(300);
    });

    it('uses a client you pass and leaves it open on close()', async () => {
      const stream = `${prefix}:events`;
      const publisher = new RedisStreamsPublisher({ client: admin, stream });
      await publisher.publish(event(1));
      await publisher.close();
      expect(admin.isReady).to.equal(true);
      expect(Number(await admin.sendCommand(['XLEN', stream]))).to.equal(1);
    });

    it('connects on the first publish, names its connection, and quits it on close()', async () => {
      const stream = `${prefix}:events`;
      const workerId = `${prefix}-worker`;
      const publisher = new RedisStreamsPublisher({ stream, workerId });
      expect(await connectionNames(admin)).not.to.include(`agentflow:publisher:${workerId}`);
      await publisher.publish(event(1)); // held while connecting, sent once ready
      await waitFor('the connection', async () => (await connectionNames(admin)).includes(`agentflow:publisher:${workerId}`));
      await publisher.close();
      expect(publisher.stats.published).to.equal(1);
      await waitFor('the connection to go', async () => !(await connectionNames(admin)).includes(`agentflow:publisher:${workerId}`));
    });
  });
});
