import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import { PublishFailedError } from '../../../lib';
import { GuardedLogger } from '../../../lib/logging/guarded-logger';
import { Redactor } from '../../../lib/redaction/redactor';
import { RedisStreamWriter } from '../../../lib/redis/internal/redis-stream-writer';
import { ErrorReply, FakeRedisClient, type FakeCommand } from '../../support/fake-redis-client';
import { capturingLogger } from '../../support/helpers';

/** One step of a random run against a writer on a stand-in connection. */
type Step =
  | { readonly op: 'append'; readonly withSignal: boolean }
  | { readonly op: 'batch'; readonly size: number; readonly notAfterMs: number | null }
  | { readonly op: 'online' }
  | { readonly op: 'offline' }
  | { readonly op: 'answer'; readonly pick: number; readonly reply: 'ok' | 'transient' | 'permanent' | 'connection' }
  | { readonly op: 'abort'; readonly pick: number }
  | { readonly op: 'tick'; readonly ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('append' as const), withSignal: fc.boolean() }), weight: 4 },
  {
    // a batch may carry its own bound (mirrorTaskEvents' stop()), earlier than the deadline of what waits already
    arbitrary: fc.record({ op: fc.constant('batch' as const), size: fc.integer({ min: 1, max: 5 }), notAfterMs: fc.option(fc.integer({ min: 0, max: 600 })) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ op: 'online' as const }), weight: 1 },
  { arbitrary: fc.constant({ op: 'offline' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('answer' as const),
      pick: fc.nat(),
      reply: fc.constantFrom('ok' as const, 'transient' as const, 'permanent' as const, 'connection' as const),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 400 }) }), weight: 2 },
);

const PUBLISH_TIMEOUT_MS = 500;

/** Lets every promise reaction queued so far run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('RedisStreamWriter (property: every entry is counted once and settles within publishTimeoutMs)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => clock.restore());

  it('holds new appends back during the pause after a passing refusal, then sends the refused one first (no retry storm)', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    const writer = new RedisStreamWriter({
      stream: 's',
      maxLen: 0,
      maxBuffered: 100,
      closeTimeoutMs: 100,
      publishTimeoutMs: 5_000,
      logger: new GuardedLogger(capturingLogger('silent').logger, Redactor.DEFAULT),
      connection: { kind: 'borrowed', client: fake.asClient() },
      label: 'writer',
    });
    const first = writer.append(['n', 'first']);
    fake.commands[0]?.reply.reject(new ErrorReply('BUSY Redis is busy running a script'));
    await settle();
    const later = Array.from({ length: 20 }, (_, index) => writer.append(['n', `later-${index}`]));
    await settle();
    expect(fake.commands, 'nothing is sent during the pause').to.have.length(1);
    await clock.tickAsync(100); // the first pause: 50 ms and up to 25 ms of jitter
    expect(fake.commands.map((command) => command.args.at(-1))).to.deep.equal([
      'first', 'first', ...Array.from({ length: 20 }, (_, index) => `later-${index}`),
    ]);
    fake.answerAll();
    await Promise.all([first, ...later]);
    expect(writer.stats).to.include({ published: 21, retries: 1 });
    const closing = writer.close();
    await clock.tickAsync(200);
    await closing;
  });

  /** A writer on `fake`, with its connection borrowed or its own. */
  function writerOn(fake: FakeRedisClient, settings: { publishTimeoutMs: number; closeTimeoutMs?: number; own?: boolean; maxBuffered?: number }): RedisStreamWriter {
    return new RedisStreamWriter({
      stream: 's',
      maxLen: 0,
      maxBuffered: settings.maxBuffered ?? 100,
      closeTimeoutMs: settings.closeTimeoutMs ?? 100,
      publishTimeoutMs: settings.publishTimeoutMs,
      logger: new GuardedLogger(capturingLogger('silent').logger, Redactor.DEFAULT),
      connection: { kind: settings.own === true ? 'own' : 'borrowed', client: fake.asClient() },
      label: 'writer',
    });
  }

  /** When (fake ms) `promise` settles, ticking 10 ms at a time up to `limit`; `undefined` if it did not. */
  async function settledAt(promise: Promise<unknown>, limit: number): Promise<number | undefined> {
    let at: number | undefined;
    promise.then(
      () => (at = clock.now),
      () => (at = clock.now),
    );
    while (at === undefined && clock.now < limit) await clock.tickAsync(10);
    return at;
  }

  it('gives up what waits by its deadline also while close() waits (closeTimeoutMs longer than publishTimeoutMs)', async () => {
    const fake = new FakeRedisClient(); // never connected
    // close() waits on a real AbortSignal.timeout(closeTimeoutMs): kept short, and still over 0.6 x publishTimeoutMs
    const writer = writerOn(fake, { publishTimeoutMs: 200, closeTimeoutMs: 400 });
    const first = writer.append(['n', 'first']);
    first.catch(() => undefined);
    await clock.tickAsync(60);
    const second = writer.append(['n', 'second']);
    await clock.tickAsync(10);
    const closing = writer.close();
    // given up between six and seven tenths of publishTimeoutMs after its call, at 60 ms: by 200 ms
    const at = await settledAt(second, 1_000);
    expect(at, 'when the second entry was given up (ms)').to.be.within(170, 200);
    expect(await second.then(() => 'resolved', (error: PublishFailedError) => error.outcome)).to.equal('dropped');
    await closing;
    expect(clock.countTimers(), 'timers left after close()').to.equal(0);
  });

  it('fails a sent entry only once its deadline passed: a batch sent just before its notAfter is answered, and the connection is kept', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    const writer = writerOn(fake, { publishTimeoutMs: 5_000, own: true }); // a sweep gap of 500 ms
    const batch = writer.appendBatch([['n', 'a'], ['n', 'b']], performance.now() + 100);
    await clock.tickAsync(60); // Redis is slow, not hung
    fake.answerAll();
    await batch;
    expect(writer.stats).to.include({ published: 2, failed: 0, dropped: 0 });
    expect(fake.destroyCalls, 'the connection was not reset').to.equal(0);
    expect(clock.countTimers(), 'no sweep left armed once nothing waits').to.equal(0);
  });

  it('fails a sent entry that gets no answer once its deadline passed, before publishTimeoutMs', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    const writer = writerOn(fake, { publishTimeoutMs: 1_000 });
    const at = await settledAt(writer.append(['n', 'unanswered']), 5_000);
    // sent entries fail between seven and eight tenths of publishTimeoutMs
    expect(at, 'when it failed (ms)').to.be.within(700, 800);
    expect(writer.stats).to.include({ failed: 1 });
  });

  it('still gives up an entry queued to be sent again after the one it pushed out of a full buffer was the last to wait', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    const writer = writerOn(fake, { publishTimeoutMs: 1_000, maxBuffered: 1 });
    const sent = writer.append(['n', 'sent']); // in flight, deadline at 700 ms
    fake.goOffline();
    const held = writer.appendBatch([['n', 'held']], performance.now() + 300); // waits, with an earlier deadline
    await clock.tickAsync(10);
    // the connection drops with the first unanswered: to be sent again, it pushes the held one out of the buffer
    fake.commands[0]?.reply.reject(new Error('Socket closed unexpectedly'));
    await held;
    const at = await settledAt(sent, 5_000);
    expect(at, 'when the entry to be sent again was given up (ms)').to.be.within(600, 700);
    expect(writer.stats).to.include({ dropped: 1, failed: 1 });
  });

  it('leaves no sweep armed once the last entry settled, however it settled (refused, aborted, answered)', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    const writer = writerOn(fake, { publishTimeoutMs: 5_000 });
    const refused = writer.append(['n', 'refused']);
    fake.commands[0]?.reply.reject(new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'));
    await refused.catch(() => undefined);
    expect(clock.countTimers(), 'after a refusal').to.equal(0);
    const controller = new AbortController();
    const aborted = writer.append(['n', 'aborted'], controller.signal);
    controller.abort();
    await aborted.catch(() => undefined);
    expect(clock.countTimers(), 'after an abort').to.equal(0);
    const answered = writer.append(['n', 'answered']);
    fake.answerAll();
    await answered;
    expect(clock.countTimers(), 'after an answer').to.equal(0);
  });

  it('whatever the connection does: the counts add up after every step, and each append ends in exactly one of them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 60 }), fc.integer({ min: 0, max: 4 }), async (steps, maxBuffered) => {
        const fake = new FakeRedisClient();
        const writer = new RedisStreamWriter({
          stream: 's',
          maxLen: 0,
          maxBuffered,
          closeTimeoutMs: 100,
          publishTimeoutMs: PUBLISH_TIMEOUT_MS,
          logger: new GuardedLogger(capturingLogger('silent').logger, Redactor.DEFAULT),
          connection: { kind: 'borrowed', client: fake.asClient() },
          label: 'writer',
        });
        /** Per single append: its outcome once settled, and how many times it settled. */
        const appends: {
          outcome?: 'resolved' | 'dropped' | 'failed';
          settledTimes: number;
          controller: AbortController;
          readonly name: string;
          readonly createdAt: number;
          settledAt?: number;
        }[] = [];
        let handed = 0;
        let batchesOpen = 0;
        const answered = new Set<FakeCommand>();
        const unanswered = (): FakeCommand[] => fake.commands.filter((command) => !answered.has(command));

        const check = (label: string): void => {
          const stats = writer.stats;
          expect(stats.published + stats.buffered + stats.inFlight + stats.dropped + stats.failed, `${label}: the counts add up`).to.equal(handed);
          expect(stats.buffered, `${label}: held at most maxBuffered, what waits to be sent again included`).to.be.at.most(maxBuffered);
          const sent = new Set(fake.commands.map((command) => command.args.at(-1)));
          for (const append of appends) {
            if (append.outcome === 'dropped') expect(sent.has(append.name), `${label}: an append that was sent is never 'dropped' ("not sent")`).to.equal(false);
            if (append.settledAt !== undefined) {
              expect(append.settledAt - append.createdAt, `${label}: settled within publishTimeoutMs`).to.be.at.most(PUBLISH_TIMEOUT_MS);
            }
          }
          for (const append of appends) expect(append.settledTimes, `${label}: settled once at most`).to.be.at.most(1);
          const distinctSent = new Set(fake.commands.map((command) => command.args.at(-1))).size;
          expect(stats.retries, `${label}: retries are the sends of an entry after its first`).to.equal(fake.commands.length - distinctSent);
        };

        for (const [index, step] of steps.entries()) {
          switch (step.op) {
            case 'append': {
              const controller = new AbortController();
              const record: (typeof appends)[number] = { settledTimes: 0, controller, name: String(index), createdAt: performance.now() };
              appends.push(record);
              handed++;
              writer.append(['n', String(index)], step.withSignal ? controller.signal : undefined).then(
                () => {
                  record.outcome = 'resolved';
                  record.settledTimes++;
                  record.settledAt = performance.now();
                },
                (error: unknown) => {
                  expect(error).to.be.instanceOf(PublishFailedError);
                  record.outcome = (error as PublishFailedError).outcome;
                  record.settledTimes++;
                  record.settledAt = performance.now();
                },
              );
              break;
            }
            case 'batch':
              handed += step.size;
              batchesOpen++;
              void writer
                .appendBatch(
                  Array.from({ length: step.size }, (_, i) => ['n', `${index}.${i}`]),
                  step.notAfterMs === null ? undefined : performance.now() + step.notAfterMs,
                )
                .then(() => batchesOpen--);
              break;
            case 'online':
              if (!fake.isReady) fake.goOnline();
              break;
            case 'offline':
              fake.goOffline();
              break;
            case 'answer': {
              const waiting = unanswered();
              const command = waiting[step.pick % Math.max(1, waiting.length)];
              if (command === undefined) break;
              answered.add(command);
              if (step.reply === 'ok') command.reply.resolve('1-0');
              else if (step.reply === 'transient') command.reply.reject(new ErrorReply('LOADING Redis is loading'));
              else if (step.reply === 'permanent') command.reply.reject(new ErrorReply('WRONGTYPE wrong kind of value'));
              else {
                fake.goOffline();
                command.reply.reject(new Error('Socket closed unexpectedly'));
              }
              break;
            }
            case 'abort':
              appends[step.pick % Math.max(1, appends.length)]?.controller.abort();
              break;
            case 'tick':
              await clock.tickAsync(step.ms);
              break;
          }
          await settle();
          check(`after step ${index} (${step.op})`);
        }

        // publishTimeoutMs later, everything has settled, whatever Redis did or did not answer.
        await clock.tickAsync(PUBLISH_TIMEOUT_MS);
        await settle();
        check('at the end');
        const stats = writer.stats;
        expect(stats.buffered + stats.inFlight, 'nothing left waiting').to.equal(0);
        expect(batchesOpen, 'every batch promise resolved').to.equal(0);
        for (const append of appends) expect(append.settledTimes, 'every append settled').to.equal(1);
        const count = (outcome: string): number => appends.filter((append) => append.outcome === outcome).length;
        // single appends are a part of what was handed: their outcomes are within the counts
        expect(count('resolved')).to.be.at.most(stats.published);
        expect(count('dropped')).to.be.at.most(stats.dropped);
        expect(count('failed')).to.be.at.most(stats.failed);
        const closing = writer.close();
        await clock.tickAsync(200);
        await closing;
      }),
      { numRuns: 400 },
    );
  });
});
