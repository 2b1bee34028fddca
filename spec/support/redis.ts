import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import type { RedisStreamsClient } from '../../lib';

const run = promisify(execFile);

/** Where the Redis specs find Redis. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A port nothing listens on, for "Redis is down" specs. */
export const CLOSED_PORT_URL = 'redis://127.0.0.1:6390';

/** The port of `REDIS_URL`. */
const REDIS_PORT = new URL(REDIS_URL).port || '6379';

/** The command that (re)starts the local Redis of this project's machines (see TOOLCHAIN.md), on `REDIS_URL`'s port. */
const REDIS_START_ARGS = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', REDIS_PORT, '--save', '', '--appendonly', 'no'];
const START_COMMAND = `redis-server ${REDIS_START_ARGS.map((arg) => (arg === '' ? '""' : arg)).join(' ')}`;

/** Whether a PING on `url` is answered within `timeoutMs`. */
export async function redisAnswers(url = REDIS_URL, timeoutMs = 1_000): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/**
 * For a `before` hook of every Redis spec: skips the suite with a message saying how to start Redis when none
 * answers, or fails it when `REQUIRE_REDIS=1` (as CI sets it).
 */
export async function requireRedis(context: Mocha.Context): Promise<void> {
  if (await redisAnswers()) return;
  const message =
    `No Redis answers at ${REDIS_URL}. Start one with \`${START_COMMAND}\` (or point REDIS_URL at one). ` +
    'Set REQUIRE_REDIS=1 to fail instead of skipping.';
  if (process.env.REQUIRE_REDIS === '1') throw new Error(message);
  console.warn(`Skipping the Redis specs: ${message}`);
  context.skip();
}

/** A unique key prefix for one test. */
export function randomPrefix(label = 'spec'): string {
  return `agentflow-${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A connected client for the spec's own checks (XLEN, XPENDING, cleanup); quit it in `after`/`afterEach`. */
export async function adminClient(url = REDIS_URL): Promise<RedisStreamsClient> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client as unknown as RedisStreamsClient;
}

/** Deletes every key under `prefix` (SCAN, not KEYS). */
export async function deleteKeys(client: RedisStreamsClient, prefix: string): Promise<void> {
  if (!client.isReady) return;
  let cursor = '0';
  do {
    const reply = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = String(reply[0]);
    if (reply[1].length > 0) await client.sendCommand(['DEL', ...reply[1].map(String)]);
  } while (cursor !== '0');
}

/** The names of the connections Redis has open (`CLIENT LIST`). */
export async function connectionNames(client: RedisStreamsClient): Promise<string[]> {
  const list = String(await client.sendCommand(['CLIENT', 'LIST']));
  return list
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name !== '');
}

/** A port free now on the loopback interface (the OS picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` of a spec's own, on a free port, without persistence: the specs that stop, restart or pause
 * Redis use one, never the shared Redis of `REDIS_URL` (which other specs and other users of the machine rely
 * on). `close()` it in `after`.
 */
export class OwnRedis {
  readonly port: number;
  readonly url: string;
  #child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** Starts one and waits until it answers PING. */
  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Whether its process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts it again on the same port (empty: nothing was saved) and waits until it answers (10 s at most). */
  async restart(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    this.#child = child;
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned !== undefined) {
      this.#child = undefined;
      throw new Error(`could not start redis-server (${spawned.message}); install it with: apt-get install -y redis-server`);
    }
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(this.url, 200)) return;
      await sleep(100);
    }
    throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
  }

  /** Stops it without saving (SIGKILL when `crash`) and waits until its process has exited. */
  async stop({ crash = false } = {}): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (crash) child.kill('SIGKILL');
    else await run('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave']).catch(() => child.kill('SIGKILL'));
    await exited;
  }

  /** Freezes its process (SIGSTOP): connections stay up and nothing is answered, as with a hung server. */
  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a frozen process go on (SIGCONT). */
  thaw(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops it for good. */
  async close(): Promise<void> {
    this.thaw();
    await this.stop();
  }
}

/** Polls `check` every 20 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A redis-server of the suite's own, started before its specs (skipping them as `requireRedis` does when no Redis
 * is installed) and stopped after them: for outage, restart and pause specs, which must leave the machine's Redis
 * alone.
 *
 * @returns a function that gives the running server, in a spec.
 */
export function useOwnRedis(): () => OwnRedis {
  let redis: OwnRedis | undefined;
  before(async function () {
    await requireRedis(this);
    redis = await OwnRedis.start();
  });
  after(async () => {
    await redis?.close();
  });
  return () => {
    if (redis === undefined) throw new Error('the suite has no redis-server of its own running');
    return redis;
  };
}
