import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisStreamsClient, StreamEntry } from '../../../lib';
import { GuardedLogger } from '../../../lib/logging/guarded-logger';
import { decodeStreamEntry } from '../../../lib/redis/internal/stream-entry-codec';
import { StreamReadLoop, type ReadCounters, type ReadLoopSettings } from '../../../lib/redis/internal/stream-read-loop';
import { FakeRedisClient } from '../../support/fake-redis-client';
import { capturingLogger } from '../../support/helpers';

/*
 * StreamReadLoop (lib/redis/internal/stream-read-loop.ts) against replies no Redis protocol gives: a client
 * whose XREADGROUP answers a plain string (as a client of another major, or a proxy, might) is never read as
 * "no entries" in silence: the reply is counted each time and logged at ERROR once.
 */
/** A loop's settings on a stand-in client: stream 's', group 'g', consumer 'c', short blocks, no claims within a spec. */
function loopSettings(client: FakeRedisClient, logger: GuardedLogger, counters: ReadCounters): ReadLoopSettings<StreamEntry> {
  return {
    client: client as unknown as RedisStreamsClient,
    label: 'a loop',
    stream: 's',
    group: 'g',
    consumer: 'c',
    startId: '0',
    count: 10,
    blockMs: 10,
    minIdleMs: 30_000,
    claimIntervalMs: 60_000,
    logger,
    counters,
    decode: decodeStreamEntry,
    deliver: () => undefined,
    batchDelivered: () => undefined,
  };
}

describe('StreamReadLoop', () => {
  it('counts every reply of an unknown shape and logs it at ERROR once, instead of reading nothing in silence', async () => {
    const captured = capturingLogger('trace');
    const client = new FakeRedisClient();
    client.autoReply = true; // every command answers '1-0': right for XGROUP, a shape no XREADGROUP reply has
    client.goOnline();
    const counters: ReadCounters = { undecodable: 0, unknownReplies: 0 };
    const delivered: unknown[] = [];
    const loop = new StreamReadLoop({
      ...loopSettings(client, new GuardedLogger(captured.logger), counters),
      deliver: (entry) => delivered.push(entry),
    });
    try {
      await sleep(700);
      expect(counters.unknownReplies).to.be.at.least(2);
      const errors = captured.messages('error');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^a loop: cannot read the (XAUTOCLAIM|XREADGROUP) reply/).and.contain('stats.unknownReplies');
      expect(delivered).to.deep.equal([]);
    } finally {
      await loop.stop();
    }
  });

  it('stop() ends a loop whose command never gets a reply (a hung server mid-XACK): the connection is dropped after a grace period', async () => {
    const client = new FakeRedisClient(); // answers nothing
    client.goOnline();
    const loop = new StreamReadLoop(loopSettings(client, new GuardedLogger(capturingLogger('silent').logger), { undecodable: 0, unknownReplies: 0 }));
    await sleep(50);
    expect(client.commands.map((command) => command.args[0])).to.deep.equal(['XGROUP']); // waiting for its reply
    const started = performance.now();
    const stopped = loop.stop();
    // the fake's destroy() does not reject what it was sent: a real client's does; answer as one would
    setTimeout(() => {
      if (client.destroyCalls > 0) for (const command of client.commands) command.reply.reject(new Error('The client was destroyed'));
    }, 1_100);
    await stopped;
    expect(client.destroyCalls).to.be.at.least(1);
    expect(performance.now() - started).to.be.within(900, 3_000);
  });
});
