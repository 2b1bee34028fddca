import { expect } from 'chai';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  ObservablePublisher,
  PUBLISH_EVENT_TASK_NAME,
  RedisStreamsPublisher,
  createGraphExecutionEvent,
  getDefaultLogger,
  mirrorTaskEvents,
  publishEvent,
} from '../../lib';
import { FakeRedisClient } from '../support/fake-redis-client';
import { capturingLogger, deferred, thrownBy } from '../support/helpers';


/** The mirrored events' `type` and task name, as the fake client received them. */
function mirrored(fake: FakeRedisClient): string[] {
  const kinds = fake.xaddField('kind');
  return fake.xaddField('json').filter((_, index) => kinds[index] === 'task').map((json) => {
    const event = JSON.parse(json) as { type: string; name: string };
    return `${event.type} ${event.name}`;
  });
}

/** The command counts of a mirror without `control`: always zero. */
const NO_COMMANDS = { commandsApplied: 0, commandsExpired: 0, commandsRefused: 0, tasksCancelledByCommands: 0 };

describe('mirrorTaskEvents()', () => {
  let fake: FakeRedisClient;
  let manager: BackgroundTaskManager;
  let publisher: RedisStreamsPublisher;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(() => {
    fake = new FakeRedisClient();
    fake.goOnline();
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', workerId: 'publisher-worker' });
  });
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    fake.autoReply = true;
    fake.answerAll();
    await manager.shutdown({ timeoutMs: 100 });
    await publisher.close();
  });

  it('appends each task event with kind task, its type and the workerId (default: the publisher\'s)', async () => {
    fake.autoReply = true;
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 1 });
    await manager.createTask(async () => 'ok', { name: 'job', context: { threadId: 't-9' } }).done;
    await mirror.stop();
    expect(mirrored(fake)).to.deep.equal(['created job', 'started job', 'completed job']);
    // stop() appends the worker's last entry after its events
    expect(fake.xaddField('kind')).to.deep.equal(['task', 'task', 'task', 'worker_stopped']);
    expect(fake.xaddField('type')).to.deep.equal(['created', 'started', 'completed', 'worker_stopped']);
    expect(fake.xaddField('workerId')).to.deep.equal(['publisher-worker', 'publisher-worker', 'publisher-worker', 'publisher-worker']);
    expect(fake.xaddField('threadId')).to.deep.equal(['t-9', 't-9', 't-9', '']);
    expect(mirror.stats).to.deep.equal({ mirrored: 3, queued: 0, dropped: 0, heartbeats: 0, ...NO_COMMANDS });
  });

  it('uses the workerId it is given', async () => {
    fake.autoReply = true;
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, workerId: 'billing-1', batchMs: 1 });
    await manager.createTask(async () => undefined).done;
    await mirror.stop();
    expect(new Set(fake.xaddField('workerId'))).to.deep.equal(new Set(['billing-1']));
  });

  it('sends a full batch at once and a partial one batchMs after its first event', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    fake.autoReply = true;
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 100, maxBatch: 4 });
    const release = deferred();
    manager.createTask(() => release.promise, { name: 'a' });
    manager.createTask(() => release.promise, { name: 'b' });
    expect(fake.commands).to.have.length(0); // 2 'created' waiting
    await Promise.resolve(); // the tasks start: 2 'started', the batch of 4 is full
    expect(mirrored(fake)).to.deep.equal(['created a', 'created b', 'started a', 'started b']);

    await new Promise((resolve) => setImmediate(resolve)); // the batch is acknowledged: nothing is being sent
    manager.createTask(() => release.promise, { name: 'c' });
    await Promise.resolve();
    expect(fake.commands).to.have.length(4);
    expect(mirror.stats.queued).to.equal(2);
    await clock.tickAsync(99);
    expect(fake.commands).to.have.length(4);
    await clock.tickAsync(1);
    expect(mirrored(fake).slice(4)).to.deep.equal(['created c', 'started c']);
    release.resolve();
    await manager.waitForAll();
    await mirror.stop();
    expect(mirror.stats).to.deep.equal({ mirrored: 9, queued: 0, dropped: 0, heartbeats: 0, ...NO_COMMANDS });
  });

  it('holds at most maxQueued events while a batch is being appended: it drops and counts the rest', async () => {
    const warn = sinon.stub(getDefaultLogger(), 'warn');
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 1, maxBatch: 2, maxQueued: 3 });
    const release = deferred();
    for (let i = 1; i <= 5; i++) manager.createTask(() => release.promise, { name: `t${i}` });
    // 'created' x5: the first 2 go out as a batch (no reply yet), the next 3 wait
    expect(fake.commands).to.have.length(2);
    expect(mirror.stats).to.deep.equal({ mirrored: 2, queued: 3, dropped: 0, heartbeats: 0, ...NO_COMMANDS });
    await Promise.resolve(); // 'started' x5: all dropped, the queue is full
    expect(mirror.stats).to.deep.equal({ mirrored: 2, queued: 3, dropped: 5, heartbeats: 0, ...NO_COMMANDS });

    fake.autoReply = true;
    fake.answerAll();
    await mirror.stop();
    expect(mirror.stats).to.deep.equal({ mirrored: 5, queued: 0, dropped: 5, heartbeats: 0, ...NO_COMMANDS });
    expect(mirrored(fake)).to.deep.equal(['created t1', 'created t2', 'created t3', 'created t4', 'created t5']);
    expect(warn.callCount).to.equal(1); // rate-limited: one line for the burst
    expect(String(warn.firstCall.args[0])).to.include('maxQueued');
    warn.restore();
    release.resolve();
  });

  it(`leaves out the '${PUBLISH_EVENT_TASK_NAME}' tasks unless includePublishTasks`, async () => {
    fake.autoReply = true;
    const without = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 1 });
    const withThem = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 1, includePublishTasks: true, workerId: 'all' });
    publishEvent(createGraphExecutionEvent('start'), publisher, manager);
    await manager.waitForAll();
    await without.stop();
    await withThem.stop();
    expect(without.stats.mirrored).to.equal(0);
    expect(withThem.stats.mirrored).to.equal(3);
    expect(fake.xaddField('kind').sort()).to.deep.equal(['event', 'task', 'task', 'task', 'worker_stopped', 'worker_stopped']);
  });

  it('warns when two mirrors of this process write to one stream under one workerId (viewers could not tell them apart)', async () => {
    const captured = capturingLogger('warn');
    const shared = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', workerId: 'same', logger: captured.logger });
    const other = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    fake.autoReply = true;
    const first = mirrorTaskEvents(manager, shared, { heartbeatMs: 0 });
    expect(captured.messages('warn')).to.deep.equal([]);
    const second = mirrorTaskEvents(other, shared, { heartbeatMs: 0 });
    expect(captured.messages('warn')).to.have.length(1);
    expect(captured.messages('warn')[0]).to.contain("workerId 'same'").and.contain('its own workerId');
    const third = mirrorTaskEvents(other, shared, { heartbeatMs: 0, workerId: 'other' });
    expect(captured.messages('warn'), 'none for another workerId').to.have.length(1);
    await second.stop();
    const fourth = mirrorTaskEvents(other, shared, { heartbeatMs: 0 });
    expect(captured.messages('warn'), 'the first one still runs as "same"').to.have.length(2);
    await Promise.all([first.stop(), third.stop(), fourth.stop()]);
    const fifth = mirrorTaskEvents(manager, shared, { heartbeatMs: 0 });
    expect(captured.messages('warn'), 'none once the others stopped').to.have.length(2);
    await fifth.stop();
    await other.shutdown();
    await shared.close();
  });

  it('stop() on a Redis that never answers takes about one publishTimeoutMs, not one per queued batch', async function () {
    this.timeout(10_000);
    const hung = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', publishTimeoutMs: 300, logger: capturingLogger('silent').logger });
    const mirror = mirrorTaskEvents(manager, hung, { heartbeatMs: 0, batchMs: 1, maxBatch: 100, maxQueued: 5_000 });
    for (let index = 0; index < 1_000; index++) manager.createTask(async () => index, { name: 'quick' });
    await manager.waitForAll();
    expect(mirror.stats.queued, 'a backlog of many batches').to.be.greaterThan(1_000);
    const started = performance.now();
    await mirror.stop();
    // the batch in the writer (up to 300 ms), then what is left gets 300 ms more in all, in batches
    expect(performance.now() - started).to.be.below(1_500);
    expect(mirror.stats.queued).to.equal(0);
    // the books add up: every task event was handed over (and then failed in the writer) or dropped at stop()
    expect(mirror.stats.mirrored + mirror.stats.dropped).to.equal(3_000);
    expect(mirror.stats.dropped).to.be.greaterThan(0);
    await hung.close();
  });

  it('drops and counts an event an events$ subscriber made unreadable, and goes on: no rejection, stop() resolves', async () => {
    fake.autoReply = true;
    const warn = sinon.stub(getDefaultLogger(), 'warn');
    try {
      const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 1 });
      const spoiler = manager.events$.subscribe((event) => {
        if (event.name !== 'spoiled') return;
        Object.defineProperty(event, 'type', {
          get() {
            throw new Error('no type for you');
          },
        });
      });
      await manager.createTask(async () => 'ok', { name: 'spoiled' }).done;
      await manager.createTask(async () => 'ok', { name: 'fine' }).done;
      await mirror.stop();
      spoiler.unsubscribe();
      expect(mirrored(fake)).to.deep.equal(['created fine', 'started fine', 'completed fine']);
      expect(mirror.stats).to.include({ mirrored: 3, dropped: 3, queued: 0 });
      expect(warn.firstCall?.args[0]).to.contain('could not encode');
    } finally {
      warn.restore();
    }
  });

  it('stop() unsubscribes at once, hands over what is queued, waits for that batch, and is idempotent', async () => {
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 60_000 });
    manager.createTask(async () => undefined, { name: 'queued' }); // 'created' is queued for a minute
    const stopping = mirror.stop();
    expect(mirror.stopped).to.equal(true);
    expect(mirror.stop()).to.equal(stopping);
    await Promise.resolve();
    expect(mirrored(fake)).to.deep.equal(['created queued']); // 'started' came after stop()
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).to.equal(false); // the batch has no reply yet
    fake.answerAll();
    await stopping;
    await manager.waitForAll();
    expect(mirror.stats).to.deep.equal({ mirrored: 1, queued: 0, dropped: 0, heartbeats: 0, ...NO_COMMANDS });
  });

  it('supports await using', async () => {
    fake.autoReply = true;
    {
      await using mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, batchMs: 60_000 });
      manager.createTask(async () => undefined, { name: 'job' });
      expect(mirror.stats.queued).to.equal(1);
    }
    expect(mirrored(fake)).to.deep.equal(['created job']);
  });

  it('throws an InvalidArgumentError naming a bad manager, publisher or option', () => {
    const cases: [() => unknown, string][] = [
      [() => mirrorTaskEvents({} as never, publisher), 'manager'],
      [() => mirrorTaskEvents(manager, new ObservablePublisher() as never), 'publisher'],
      [() => mirrorTaskEvents(manager, publisher, { workerId: '' }), 'workerId'],
      [() => mirrorTaskEvents(manager, publisher, { workerId: 'w'.repeat(1_025) }), 'workerId'],
      [() => mirrorTaskEvents(manager, publisher, { heartbeatMs: -1 }), 'heartbeatMs'],
      [() => mirrorTaskEvents(manager, publisher, { maxHeartbeatTasks: 1.5 }), 'maxHeartbeatTasks'],
      [() => mirrorTaskEvents(manager, publisher, { batchMs: 0 }), 'batchMs'],
      [() => mirrorTaskEvents(manager, publisher, { maxBatch: 0 }), 'maxBatch'],
      [() => mirrorTaskEvents(manager, publisher, { maxQueued: 2.5 }), 'maxQueued'],
      [() => mirrorTaskEvents(manager, publisher, { includePublishTasks: 'yes' as never }), 'includePublishTasks'],
      [() => mirrorTaskEvents(manager, publisher, [] as never), 'options'],
    ];
    for (const [call, argument] of cases) {
      const error = thrownBy(call);
      expect(error, argument).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal(argument);
    }
  });
});
