import { expect } from 'chai';
import {
  BackgroundTaskManager,
  DEFAULT_REDACT_KEYS,
  InvalidArgumentError,
  RedisStreamsPublisher,
  mirrorTaskEvents,
  toServerSentEvents,
  type TaskEvent,
} from '../../lib';
import { FakeRedisClient } from '../support/fake-redis-client';
import { capturingLogger, deferred, thrownBy } from '../support/helpers';
import { eventually, openSse, startServer } from '../ui/support/sse';

const SECRET = 's3cr3t-value-that-must-not-leak';

/** A context with a secret under each default key, at several depths and cases. */
function secretContext(): Record<string, unknown> {
  return {
    userId: 'alice',
    password: SECRET,
    headers: { Authorization: `Bearer ${SECRET}`, Cookie: SECRET, accept: 'json' },
    nested: [{ apiKey: SECRET }, { deeper: { TOKEN: SECRET, secret: SECRET } }],
  };
}

describe('BackgroundTaskManager redact option', () => {
  it('redacts the default keys, case-insensitively at any depth, in getTaskInfo({ redacted: true })', async () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const gate = deferred();
    const context = secretContext();
    manager.createTask(() => gate.promise, { name: 'job', context });
    const [info] = manager.getTaskInfo({ redacted: true });
    expect(JSON.stringify(info)).not.to.include(SECRET);
    expect(info?.context).to.deep.equal({
      userId: 'alice',
      password: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', Cookie: '[REDACTED]', accept: 'json' },
      nested: [{ apiKey: '[REDACTED]' }, { deeper: { TOKEN: '[REDACTED]', secret: '[REDACTED]' } }],
    });
    // In-process paths stay raw, and the task's own context is never modified.
    expect(manager.getTaskInfo()[0]?.context).to.equal(context);
    expect(context.password).to.equal(SECRET);
    gate.resolve();
    await manager.shutdown();
  });

  it('keeps events$ raw for in-process code, and redactContext() returns a copy', async () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const events: TaskEvent[] = [];
    manager.events$.subscribe((event) => events.push(event));
    const plain = { userId: 'bob' };
    expect(manager.redactContext(plain)).to.deep.equal(plain);
    expect(manager.redactContext(plain)).not.to.equal(plain);
    await manager.createTask(() => 1, { name: 'job', context: secretContext() }).done;
    expect(JSON.stringify(events)).to.include(SECRET);
    await manager.shutdown();
  });

  it('never writes a secret to a log line: failure, timeout, cancellation, completion, detached work', async () => {
    const { logger, calls } = capturingLogger('trace');
    const manager = new BackgroundTaskManager({ logger });
    const context = secretContext();
    await manager.createTask(() => Promise.reject(new Error('boom')), { name: 'fails', context }).done;
    await manager.createTask(() => 'ok', { name: 'completes', context }).done;
    await manager.createTask(() => new Promise(() => undefined), { name: 'times_out', context, timeoutMs: 5 }).done;
    const stuck = deferred();
    const detached = manager.createTask(() => stuck.promise, { name: 'detached', context });
    await Promise.resolve();
    detached.cancel('stop');
    stuck.resolve();
    await manager.shutdown({ timeoutMs: 100 });
    const lines = calls.map((call) => call.message);
    expect(lines.some((line) => line.includes('[REDACTED]'))).to.equal(true);
    expect(lines.filter((line) => line.includes('context=')).length).to.be.at.least(4);
    for (const line of lines) expect(line).not.to.include(SECRET);
  });

  it('takes its own key rules (replacing the default keys), and false turns redaction off', async () => {
    const custom = new BackgroundTaskManager({ redact: ['ssn'], logger: capturingLogger('silent').logger });
    expect(custom.redactContext({ user_SSN: 'x', password: 'y' })).to.deep.equal({ user_SSN: '[REDACTED]', password: 'y' });
    const extended = new BackgroundTaskManager({ redact: [...DEFAULT_REDACT_KEYS, 'ssn'], logger: capturingLogger('silent').logger });
    expect(extended.redactContext({ ssn: 'x', password: 'y' })).to.deep.equal({ ssn: '[REDACTED]', password: '[REDACTED]' });
    const off = new BackgroundTaskManager({ redact: false, logger: capturingLogger('silent').logger });
    expect(off.redactContext({ password: 'y', url: 'https://u:p@h/' })).to.deep.equal({ password: 'y', url: 'https://u:p@h/' });
    const error = thrownBy(() => new BackgroundTaskManager({ redact: ['ok', 3] as unknown as string[] })) as InvalidArgumentError;
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.message).to.equal('Expected `redact[1]` to be a non-empty string or a RegExp, got 3');
  });

  it('survives circular and deep contexts, and replaces what lies beyond its depth limit', () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const circular: Record<string, unknown> = { token: SECRET };
    circular.self = circular;
    const redacted = manager.redactContext(circular);
    expect(redacted.token).to.equal('[REDACTED]');
    let deep: Record<string, unknown> = { password: SECRET };
    for (let i = 0; i < 100; i++) deep = { child: deep };
    const redacted100 = manager.redactContext(deep);
    // Beyond the depth limit the rest is replaced, never passed through with the secret in it.
    expect(JSON.stringify(redacted100)).not.to.contain(SECRET);
    expect(JSON.stringify(redacted100)).to.contain('[Truncated]');
    let shallow: Record<string, unknown> = { password: SECRET, keep: 'visible' };
    for (let i = 0; i < 5; i++) shallow = { child: shallow };
    expect(JSON.stringify(manager.redactContext(shallow))).to.equal(
      '{"child":{"child":{"child":{"child":{"child":{"password":"[REDACTED]","keep":"visible"}}}}}}',
    );
  });

  it('never sends a secret over the server-sent-events stream (snapshot and task events)', async () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const gate = deferred();
    manager.createTask(() => gate.promise, { name: 'before', context: secretContext() });
    const handler = toServerSentEvents(manager, { lingerMs: 0 });
    const server = await startServer((req, res) => handler(req, res));
    const stream = await openSse(`${server.url}/`);
    try {
      await eventually(() => stream.messages.some((message) => message.event === 'snapshot'));
      manager.createTask(() => 'done', { name: 'after', context: secretContext() });
      await eventually(() => stream.messages.some((message) => message.event === 'task.completed'));
      const text = stream.messages.map((message) => message.data).join('\n');
      expect(text).to.include('[REDACTED]');
      expect(text).to.include('"userId":"alice"');
      expect(text).not.to.include(SECRET);
    } finally {
      stream.close();
      handler.close();
      await server.close();
      gate.resolve();
      await manager.shutdown();
    }
  });

  it('never mirrors a secret to the Redis stream', async () => {
    const fake = new FakeRedisClient();
    fake.goOnline();
    fake.autoReply = true;
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', workerId: 'w' });
    const mirror = mirrorTaskEvents(manager, publisher, { batchMs: 1 });
    await manager.createTask(() => 'ok', { name: 'job', context: secretContext() }).done;
    await mirror.stop();
    const json = fake.xaddField('json').join('\n');
    expect(json).to.include('[REDACTED]');
    expect(json).not.to.include(SECRET);
    await manager.shutdown();
    await publisher.close();
  });
});
