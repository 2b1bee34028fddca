import { expect } from 'chai';
import { Writable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { BackgroundTaskManager, Redactor } from '../../lib';
import { redactUrl } from '../../lib/redis/internal/redis-connection';
import { capturingLogger, never } from '../support/helpers';

/*
 * One test per fault that was found, with its own small input: the stats of a shutdown, key names beyond six
 * exact ones, an HTTP client's error, log forging through a task name or an error message, and a Redis URL with
 * a password in its query. The kinds are driven with random input in channels.spec.ts.
 */
describe('redaction: the faults that were found', () => {
  it('ShutdownStats.remaining and waitForAll().remaining hold redacted names and contexts', async () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    manager.createTask(never, { name: 'sync', context: { user: 'ann', password: 'pw-1', apiKey: 'key-1' } });

    const waited = await manager.waitForAll({ timeoutMs: 1 });
    const stats = await manager.shutdown({ timeoutMs: 1 });

    expect(waited.remaining[0]?.context).to.deep.equal({ user: 'ann', password: '[REDACTED]', apiKey: '[REDACTED]' });
    expect(stats.remaining[0]?.context).to.deep.equal({ user: 'ann', password: '[REDACTED]', apiKey: '[REDACTED]' });
    expect(JSON.stringify(stats)).not.to.contain('pw-1').and.not.contain('key-1');
  });

  it('redacts key names beyond the six of the first list', () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const keys = ['api_key', 'accessToken', 'access_token', 'refresh_token', 'client_secret', 'private_key', 'sessionId'];

    const redacted = manager.redactContext(Object.fromEntries(keys.map((key) => [key, `value-of-${key}`])));

    expect(redacted).to.deep.equal(Object.fromEntries(keys.map((key) => [key, '[REDACTED]'])));
  });

  it("logs an HTTP client's failure without its request config, and with its message redacted", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const { logger: textLogger, calls } = capturingLogger('trace');
    const failure = (): Error =>
      Object.assign(new Error('Request failed: GET https://api.example.com/me?access_token=tok-123'), {
        name: 'AxiosError',
        config: { headers: { Authorization: 'Bearer s3cr3t-header-value' } },
        response: { headers: { 'set-cookie': 'sid=cookie-value' } },
      });

    for (const target of [logger, textLogger]) {
      const manager = new BackgroundTaskManager({ logger: target });
      await manager.createTask(() => Promise.reject(failure()), { name: 'fetch_profile' }).done;
      await manager.shutdown();
    }

    const text = [...lines, ...calls.map((call) => call.args.map(String).join(' '))].join('\n');
    expect(text).to.contain('AxiosError').and.contain('access_token=[REDACTED]');
    expect(text).not.to.contain('s3cr3t-header-value').and.not.contain('cookie-value').and.not.contain('tok-123');
  });

  it('keeps one log call on one line: a newline or ESC in a task name or an error message is escaped', async () => {
    const { logger, calls } = capturingLogger('trace');
    const manager = new BackgroundTaskManager({ logger });
    const error = new Error('boom\nERROR forged line\u001b[2J');
    error.stack = `${error.name}: ${error.message}\n    at work (file.js:1:1)\nINFO forged frame\u001b]0;title\u0007`;

    await manager.createTask(() => Promise.reject(error), { name: 'job\nINFO forged\u001b[2J\u202e' }).done;
    await manager.shutdown();

    expect(calls.length).to.be.greaterThan(0);
    for (const call of calls) {
      const [message, frames] = call.args as [string, string | undefined];
      expect(message, message).not.to.match(/[\n\r\u001b\u202e]/);
      if (frames === undefined) continue;
      // The frames start on a line of their own, and every line of them is indented: none passes for a log line.
      for (const line of frames.split('\n').slice(1)) {
        expect(line, JSON.stringify(frames)).to.match(/^\s/);
        expect(line).not.to.match(/[\u001b\u0007]/);
      }
    }
    // The newline and the bidi override are escaped; the terminal sequence is gone (a space in its place).
    expect(calls.some((call) => String(call.args[0]).includes("'job\\u000aINFO forged \\u202e'"))).to.equal(true);
  });

  it('redacts a log line before it escapes and cuts it: a secret after a newline, past 300 characters, or in a thrown object', async () => {
    const { logger, calls } = capturingLogger('trace');
    const manager = new BackgroundTaskManager({ logger });
    const failures: unknown[] = [
      new Error('failed\nsk-proj-AbCdEf1234567890GhIjKl'),
      new Error('failed\tBearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'),
      new Error(`${'x'.repeat(240)} postgres://app:Sup3rS3cretPassw0rd@db/app`),
      { message: 'y'.repeat(260), password: 'CorrectHorseBattery9' },
      { auth: { pass: 'P4ssValue' }, cookies: ['sid=C00kieValue'], password: ['pw-in-array'] },
      'thrown text with token="Qu0ted Secret"',
      new Error('Login failed: password: hunter2-value'),
    ];
    for (const failure of failures) await manager.createTask(() => Promise.reject(failure), { name: 'job' }).done;
    await manager.shutdown();

    const text = calls.map((call) => call.args.map(String).join(' ')).join('\n');
    for (const secret of ['AbCdEf1234567890', 'c2ln', 'Sup3rS3cret', 'CorrectHorse', 'P4ssValue', 'C00kieValue', 'pw-in-array', 'Qu0ted', 'hunter2-value']) {
      expect(text, secret).not.to.contain(secret);
    }
    expect(text).to.contain('failed\\u000a[REDACTED]');
  });

  it('sends bytes, boxed strings, Headers, URLSearchParams and errors of another realm without their secrets', () => {
    const foreign = runInNewContext("Object.assign(new Error('boom token=f0reign'), { apiResponse: { secret: 'leaked-field' } })") as unknown;
    const value = {
      keyFile: Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----'),
      view: new Uint8Array([1, 2, 3]),
      boxed: new String('password=b0xed'),
      headers: new Headers({ Authorization: 'Bearer h3aders-token-value', Accept: 'json' }),
      query: new URLSearchParams({ access_token: 'qu3ry-token', page: '2' }),
      pattern: /token=abc/,
      foreign,
      setCookie: ['set-cookie', ['sid=arr4y-cookie']],
      rawHeaders: ['Host', 'h', 'Cookie', 'sid=r4w-cookie', 'Accept', 'json'],
      capitalPair: { Name: 'X-Api-Key', Value: 'capital-pair' },
    };

    const redacted = new Redactor().redact(value) as Record<string, unknown>;
    const text = JSON.stringify(redacted);

    expect(redacted['keyFile']).to.match(/^\[Binary: \d+ B\]$/);
    expect(redacted['view']).to.equal('[Binary: 3 B]');
    expect(redacted['boxed']).to.equal('password=[REDACTED]');
    expect(redacted['query']).to.deep.equal([['access_token', '[REDACTED]'], ['page', '2']]);
    expect(redacted['foreign']).to.deep.equal({ name: 'Error', message: 'boom token=[REDACTED]' });
    for (const secret of ['MIIB', 'b0xed', 'h3aders', 'qu3ry', 'f0reign', 'leaked-field', 'arr4y', 'r4w-cookie', 'capital-pair']) {
      expect(text, secret).not.to.contain(secret);
    }
    expect(text).to.contain('json');
  });

  it('shows Redis URLs in its own messages without credentials, in the user part or in the query', () => {
    expect(redactUrl('redis://:hunter2@cache:6379/0')).to.equal('redis://REDACTED:REDACTED@cache:6379/0');
    expect(redactUrl('rediss://app:hunter2@cache:6380')).to.equal('rediss://REDACTED:REDACTED@cache:6380');
    expect(redactUrl('redis://cache:6379/?password=hunter2&db=2')).to.equal('redis://cache:6379/?password=[REDACTED]&db=2');
    expect(redactUrl('redis://127.0.0.1:6379')).to.equal('redis://127.0.0.1:6379');
  });
});
