import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import fc from 'fast-check';
import log from 'loglevel';
import pino from 'pino';
import winston from 'winston';
import {
  BackgroundTaskManager,
  CompositePublisher,
  ConsolePublisher,
  ObservablePublisher,
  RedisStreamsPublisher,
  StateGraph,
  mirrorTaskEvents,
  toServerSentEvents,
  type AgentflowLogger,
  type ServerSentEventsHandler,
} from '../../lib';
import { FakeRedisClient } from '../support/fake-redis-client';
import { never } from '../support/helpers';

/*
 * No secret leaves the process, whatever shape it hides in. Each run plants one random secret in one random
 * shape (a key from the rule set in a random spelling, a URL's credentials, a query parameter, a Bearer token in
 * prose, a Map entry, a header pair, an error's message, cause and request config, a value nested past the depth
 * limit), in a task's context, its name or its failure, or in a graph's state, and reads the text of every channel
 * that leaves the process: log lines (text, pino, winston), server-sent events (snapshot, task and graph events),
 * Redis stream entries (the mirror and RedisStreamsPublisher), ConsolePublisher lines, the `remaining` lists of
 * waitForAll() and shutdown(), the whole ShutdownStats, and getTaskInfo({ redacted: true }). The secret is in none of them; a marker that
 * is not secret, planted beside it, is still where it belongs.
 */

/** Key names the default rules cover, as words (spelled below with random casing and separators). */
const SECRET_KEY_WORDS: readonly (readonly string[])[] = [
  ['password'], ['passwd'], ['passphrase'], ['secret'], ['token'], ['api', 'key'], ['access', 'token'], ['refresh', 'token'],
  ['client', 'secret'], ['private', 'key'], ['session', 'id'], ['cookie'], ['authorization'], ['credentials'],
  ['x', 'api', 'key'], ['signature'], ['connection', 'string'], ['auth', 'token'], ['access', 'key', 'id'], ['jwt'],
];
const HEADER_NAMES = ['Authorization', 'Cookie', 'X-Api-Key', 'Proxy-Authorization', 'Set-Cookie', 'X-Auth-Token'];
const PREFIXES = ['', 'user', 'db', 'my', 'upstream'];

const casingArb = fc.constantFrom('lower', 'upper', 'capital');
const spell = (word: string, casing: string): string =>
  casing === 'upper' ? word.toUpperCase() : casing === 'capital' ? word.charAt(0).toUpperCase() + word.slice(1) : word;

/** A secret key in a random spelling: `apiKey`, `API_KEY`, `x-api-key`, `user.Refresh Token`… */
function secretKeyArb(separators: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({
      words: fc.constantFrom(...SECRET_KEY_WORDS),
      prefix: fc.constantFrom(...PREFIXES),
      separator: fc.constantFrom(...separators),
      casings: fc.array(casingArb, { minLength: 5, maxLength: 5 }),
    })
    .map(({ words, prefix, separator, casings }) =>
      [prefix, ...words].filter((word) => word !== '').map((word, index) => spell(word, casings[index] ?? 'lower')).join(separator),
    );
}

/** A secret: letters and digits, distinctive enough that finding it anywhere is a leak. */
const secretArb = fc.uuid().map((id) => `S3c${id.replace(/-/g, '').slice(0, 20)}Rt`);
const visibleArb = fc.uuid().map((id) => `VISIBLE-${id.slice(0, 8)}`);

/** Where the secret hides: a value for a task context (or graph state), and the text forms for names and messages. */
interface Plant {
  readonly kind: string;
  /** A value holding the secret; it goes under a key that is not secret. */
  readonly value: unknown;
  /** The secret inside a one-line text, or `undefined` for shapes that only exist as values. */
  readonly text: string | undefined;
}

function plantArb(secret: string): fc.Arbitrary<Plant> {
  const keyValue = secretKeyArb(['', '_', '-', '.', ' ']).map((key) => ({ kind: 'secret key', value: { [key]: secret }, text: undefined }));
  const keyObject = secretKeyArb(['', '_', '-']).map((key) => ({ kind: 'secret key, object value', value: { [key]: { inner: [secret] } }, text: undefined }));
  const url = fc
    .tuple(fc.constantFrom('postgres', 'redis', 'https', 'amqp', 'mongodb+srv'), fc.constantFrom('app', 'admin', ''))
    .map(([scheme, user]) => {
      const text = `${scheme}://${user}:${secret}@db.internal:5432/app`;
      return { kind: 'URL credentials', value: text, text };
    });
  const query = secretKeyArb(['', '_', '-', '.']).map((key) => {
    const text = `https://api.example.com/v1/items?page=2&${key}=${secret}&sort=asc`;
    return { kind: 'query parameter', value: text, text };
  });
  const bearer = fc.constantFrom('Bearer', 'bearer', 'Basic', 'Token').map((scheme) => {
    const text = `upstream refused the call with ${scheme} ${secret} (status 401), retrying`;
    return { kind: 'authorization scheme in prose', value: text, text };
  });
  const headerLine = fc.constantFrom(...HEADER_NAMES).map((name) => {
    const text = `sent header ${name}: ${secret}`;
    return { kind: 'header line', value: text, text };
  });
  const map = secretKeyArb(['', '_', '-']).map((key) => ({ kind: 'Map entry', value: new Map<string, unknown>([['region', 'eu'], [key, secret]]), text: undefined }));
  const headerPairs = fc.constantFrom(...HEADER_NAMES).chain((name) =>
    fc.constantFrom(
      { kind: 'header pair object', value: [{ name, value: secret }, { name: 'Accept', value: 'json' }], text: undefined },
      { kind: 'header pair tuple', value: [[name, secret], ['Accept', 'json']], text: undefined },
      { kind: 'header pair (key)', value: [{ key: name.toLowerCase(), value: secret }], text: undefined },
    ),
  );
  const set = fc.constant({ kind: 'Set of URLs', value: new Set([`https://u:${secret}@h.example/`]), text: undefined });
  const error = fc.constant({
    kind: 'error with cause and request config',
    value: Object.assign(new Error(`request failed: access_token=${secret}`, { cause: new Error(`connect to redis://:${secret}@cache:6379`) }), {
      config: { headers: { Authorization: `Bearer ${secret}` }, auth: { password: secret } },
    }),
    text: undefined,
  });
  const deep = fc.integer({ min: 17, max: 40 }).map((depth) => {
    let value: unknown = { note: secret };
    for (let level = 0; level < depth; level++) value = { level: value };
    return { kind: `nested ${depth} deep under plain keys`, value, text: undefined };
  });
  const afterPlainPair = secretKeyArb(['', '_', '-', '.']).map((key) => {
    const text = `Error: ${key}: ${secret}`;
    return { kind: 'secret pair after a plain one', value: text, text };
  });
  const afterControl = fc.constantFrom('\n', '\t', '\r\n', '\u001b[0m').map((control) => {
    const text = `failed${control}Bearer ${secret}`;
    return { kind: 'token after a control character', value: text, text };
  });
  const longPrefix = fc.integer({ min: 200, max: 400 }).map((length) => {
    const text = `${'x'.repeat(length)} postgres://app:${secret}@db/app`;
    return { kind: `URL after ${length} characters`, value: text, text };
  });
  const bytes = fc.constant({ kind: 'Buffer', value: Buffer.from(`token=${secret}`), text: undefined });
  return fc.oneof(keyValue, keyObject, url, query, bearer, headerLine, map, headerPairs, set, error, deep, afterPlainPair, afterControl, longPrefix, bytes);
}

/** `value` under 0 to 3 levels of plain keys and arrays. */
const wrapArb = fc.array(fc.constantFrom('object', 'array'), { maxLength: 3 }).map((steps) => (value: unknown): unknown =>
  steps.reduceRight<unknown>((inner, step) => (step === 'object' ? { details: inner } : ['first', inner]), value),
);

/** A logger of each style the library supports, and the text it would write. */
interface CapturedLogger {
  readonly logger: AgentflowLogger;
  text(): string;
}

function textLogger(): CapturedLogger {
  const logger = log.getLogger(`redaction-${Math.random().toString(36).slice(2)}`);
  const lines: string[] = [];
  // Everything handed to the logger, as a console would show it (objects in full, hidden fields aside).
  logger.methodFactory = () => (...args: unknown[]) => lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: null }))).join(' '));
  logger.setLevel('trace', false);
  return { logger, text: () => lines.join('\n') };
}

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, lines };
}

function pinoLogger(): CapturedLogger {
  const { stream, lines } = sink();
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

function winstonLogger(): CapturedLogger {
  const { stream, lines } = sink();
  const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, text: () => lines.join('') };
}

const LOGGERS = { text: textLogger, pino: pinoLogger, winston: winstonLogger } as const;

/** An SSE client without a socket: what the handler writes to the response, as a string. */
function sseClient(handler: ServerSentEventsHandler): { text(): string } {
  let written = '';
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    headersSent: false,
    writeHead(): unknown {
      res.headersSent = true;
      return res;
    },
    write(chunk: string): boolean {
      written += chunk;
      return true;
    },
    end(chunk?: string): unknown {
      if (typeof chunk === 'string') written += chunk;
      res.writableEnded = true;
      res.emit('close');
      return res;
    },
  });
  const req = Object.assign(new EventEmitter(), { method: 'GET', url: '/', httpVersionMajor: 1, headers: {} });
  handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  return { text: () => written };
}

/** Every string in every command the fake Redis received. */
function redisText(fake: FakeRedisClient): string {
  return fake.commands.map((command) => command.args.join(' ')).join('\n');
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('redaction on every channel (property)', function () {
  this.timeout(120_000);

  const taskCaseArb = fc
    .record({ secret: secretArb, visible: visibleArb, style: fc.constantFrom<keyof typeof LOGGERS>('text', 'pino', 'winston') })
    .chain(({ secret, visible, style }) =>
      fc.record({
        secret: fc.constant(secret),
        visible: fc.constant(visible),
        style: fc.constant(style),
        plant: plantArb(secret),
        wrap: wrapArb,
        where: fc.constantFrom('context', 'name', 'failure', 'thrown value'),
        outcome: fc.constantFrom('fails', 'hangs', 'completes', 'times out'),
      }),
    );

  it('a task: logs, SSE, the Redis mirror, waitForAll(), shutdown() and getTaskInfo({ redacted: true }) never show the secret', async () => {
    await fc.assert(
      fc.asyncProperty(taskCaseArb, async ({ secret, visible, style, plant, wrap, where, outcome }) => {
        const captured = LOGGERS[style]();
        const manager = new BackgroundTaskManager({ logger: captured.logger });
        const handler = toServerSentEvents(manager, { lingerMs: 0 });
        const early = sseClient(handler);
        const fake = new FakeRedisClient();
        fake.goOnline();
        fake.autoReply = true;
        const publisher = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', workerId: 'w' });
        const mirror = mirrorTaskEvents(manager, publisher, { batchMs: 1 });

        const inContext = where === 'context' || (where !== 'thrown value' && plant.text === undefined);
        const context = { note: visible, ...(inContext ? { payload: wrap(plant.value) } : {}) };
        const name = where === 'name' && plant.text !== undefined ? `sync ${plant.text}` : 'sync';
        const failure =
          where === 'thrown value' || plant.value instanceof Error
            ? plant.value
            : new Error(where === 'failure' && plant.text !== undefined ? `failed: ${plant.text}` : 'failed');
        const work =
          outcome === 'fails'
            ? () => Promise.reject(failure)
            : outcome === 'hangs'
              ? never
              : outcome === 'times out'
                ? (signal: AbortSignal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
                : () => 'ok';
        const handle = manager.createTask(work, { name, context, ...(outcome === 'times out' ? { timeoutMs: 1 } : {}) });
        const late = sseClient(handler);
        const redactedInfo = inspect(manager.getTaskInfo({ redacted: true }), { depth: null });
        const waited = await manager.waitForAll({ timeoutMs: outcome === 'hangs' ? 1 : 1_000, returnExceptions: true });
        const stats = await manager.shutdown({ timeoutMs: 1 });
        await handle.done;
        await mirror.stop();
        await publisher.close();
        handler.close();
        await turn();

        const channels: Record<string, string> = {
          [`${style} log`]: captured.text(),
          'SSE (connected first)': early.text(),
          'SSE (connected with the task in flight)': late.text(),
          'Redis mirror': redisText(fake),
          // `errors` are the tasks' own errors, handed back to the caller in the process (as `result()` does).
          'waitForAll() remaining': inspect(waited.remaining, { depth: null }),
          'shutdown()': inspect(stats, { depth: null }),
          'getTaskInfo({ redacted: true })': redactedInfo,
        };
        for (const [channel, text] of Object.entries(channels)) {
          expect(text, `${plant.kind} in the ${where}: ${channel}`).not.to.contain(secret);
        }
        // What is not secret still leaves: the marker beside the secret, in the channels that carry contexts.
        for (const channel of ['SSE (connected first)', 'SSE (connected with the task in flight)', 'Redis mirror', 'getTaskInfo({ redacted: true })']) {
          expect(channels[channel], `${channel} keeps what is not secret`).to.contain(visible);
        }
        if (outcome === 'hangs') expect(channels['shutdown()']).to.contain(visible);
      }),
      { numRuns: 500 },
    );
  });

  const graphCaseArb = fc
    .record({ secret: secretArb, visible: visibleArb })
    .chain(({ secret, visible }) =>
      fc.record({ secret: fc.constant(secret), visible: fc.constant(visible), plant: plantArb(secret), wrap: wrapArb, fails: fc.boolean() }),
    );

  it('a graph: state and failures reach SSE graph events, RedisStreamsPublisher and ConsolePublisher without the secret', async () => {
    const defaultLogger = log.getLogger('agentflow.utils');
    const quiet = defaultLogger.getLevel();
    defaultLogger.setLevel('silent', false);
    try {
      await fc.assert(
        fc.asyncProperty(graphCaseArb, async ({ secret, visible, plant, wrap, fails }) => {
          const fake = new FakeRedisClient();
          fake.goOnline();
          fake.autoReply = true;
          const redis = new RedisStreamsPublisher({ client: fake.asClient(), stream: 's', workerId: 'w' });
          const console = textLogger();
          const observable = new ObservablePublisher();
          const publisher = new CompositePublisher([redis, new ConsolePublisher({ logger: console.logger, level: 'debug' }), observable]);
          const app = new StateGraph<{ note?: string; result?: unknown }>({ publisher })
            .addNode('work', () => {
              if (fails) throw plant.value instanceof Error ? plant.value : new Error(`node failed: ${plant.text ?? 'no text'}`);
              return { note: visible, result: wrap(plant.value) };
            })
            .setEntryPoint('work')
            .compile({ shutdownTimeoutMs: 1_000 });
          const handler = toServerSentEvents(app.taskManager, { lingerMs: 0, publisher: observable });
          const sse = sseClient(handler);

          await app.invoke({}, { threadId: 't-1' }).catch(() => undefined);
          await app.taskManager.waitForAll({ timeoutMs: 1_000 });
          handler.close();
          await app.close();
          await turn();

          const channels = { 'SSE graph events': sse.text(), RedisStreamsPublisher: redisText(fake), ConsolePublisher: console.text() };
          for (const [channel, text] of Object.entries(channels)) {
            expect(text, `${plant.kind} in graph state (node ${fails ? 'fails' : 'returns'}): ${channel}`).not.to.contain(secret);
            if (!fails) expect(text, `${channel} keeps what is not secret`).to.contain(visible);
          }
        }),
        { numRuns: 300 },
      );
    } finally {
      defaultLogger.setLevel(quiet, false);
    }
  });
});
