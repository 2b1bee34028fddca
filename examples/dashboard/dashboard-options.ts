import { DEFAULT_SERVER_SENT_EVENTS_OPTIONS, InvalidArgumentError, OVERFLOW_POLICIES, Redactor, type OverflowPolicy } from '../../lib';
import { MIN_TOKEN_LENGTH, checkAccessToken } from './access-token';
import { isLoopbackAddress } from './same-origin';
import type { TaskHistoryOptions } from './task-history';

/**
 * Options of {@link startDashboard}; every field is optional.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
 * ```
 */
export interface DashboardOptions {
  /** The TCP port; 0 picks a free one (read it back from `url`). Default `3000`. */
  readonly port?: number;
  /**
   * The address to listen on. Default `'127.0.0.1'`: the dashboard can cancel tasks and shut the manager down,
   * so it is not exposed beyond this machine unless asked.
   */
  readonly host?: string;
  /**
   * The manager's cap on tasks in flight: small enough by default that the 500-task burst shows `dropped`.
   * 0 means no cap. Default `300`.
   */
  readonly maxPendingTasks?: number;
  /** What the manager does beyond the cap. Default `'drop-newest'`. */
  readonly overflow?: OverflowPolicy;
  /** How often a sample agent run starts, in milliseconds; 0 starts none. Default `2_000`. */
  readonly agentRunIntervalMs?: number;
  /**
   * How long the event stream stays subscribed after its last browser left, so that a reconnecting page is
   * replayed what it missed (see `ServerSentEventsOptions.lingerMs`). Default `30_000`.
   */
  readonly lingerMs?: number;
  /** How long shutdown waits for the tasks' work to stop once aborted, in milliseconds. Default `5_000`. */
  readonly shutdownTimeoutMs?: number;
  /**
   * The access token (`DASHBOARD_TOKEN` for `npm start`): at least 16 printable characters. When given, every
   * request but the login form needs it, as `Authorization: Bearer <token>` or through the session cookie the
   * login form (`/login`) sets. **Required** when `host` is not a loopback address: without it the dashboard
   * refuses to start, since anyone who can reach the port could cancel tasks and shut the manager down.
   * Default: none.
   */
  readonly token?: string;
  /**
   * How long a connection may take to send a request's headers, in milliseconds; slower ones (a slow-loris
   * drip) are closed within about a second after. Default `10_000`.
   */
  readonly headersTimeoutMs?: number;
  /** The most TCP connections open at once (event streams included); more are closed at once. Default `512`. */
  readonly maxConnections?: number;
  /** The bounds of the finished-task history (see `TaskHistoryOptions`). Default 1,000 completed, 2,000 others. */
  readonly history?: Pick<TaskHistoryOptions, 'maxCompleted' | 'maxProblems'>;
  /**
   * Cluster mode (`npm start -- --cluster`): mirror this dashboard's manager to a Redis stream and show every
   * worker's tasks read from it (`GET /cluster/events`, the page's "Cluster" panel). Default: off.
   */
  readonly cluster?: DashboardClusterOptions;
}

/**
 * Where the dashboard's cluster mode finds Redis and the stream the workers mirror their task events to.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ cluster: { redisUrl: 'redis://127.0.0.1:6379', stream: 'agentflow:events' } });
 * ```
 */
export interface DashboardClusterOptions {
  /** A `redis://` or `rediss://` URL. Default: the `REDIS_URL` environment variable, or `redis://127.0.0.1:6379`. */
  readonly redisUrl?: string;
  /** The stream key shared with the workers. Default `'agentflow:events'`. */
  readonly stream?: string;
  /** The `workerId` this dashboard's own manager is mirrored under. Default `'dashboard:<pid>'`. */
  readonly workerId?: string;
}

/** {@link DashboardClusterOptions} with the defaults filled in. */
export type ResolvedClusterOptions = Required<DashboardClusterOptions>;

/** {@link DashboardOptions} with the defaults filled in; `cluster` stays `undefined` unless asked for. */
export type ResolvedDashboardOptions = Required<Omit<DashboardOptions, 'cluster' | 'token'>> & {
  readonly cluster: ResolvedClusterOptions | undefined;
  readonly token: string | undefined;
};

/**
 * The defaults of {@link DashboardOptions}.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_DASHBOARD_OPTIONS.maxPendingTasks); // 300
 * ```
 */
export const DEFAULT_DASHBOARD_OPTIONS: Readonly<Required<Omit<DashboardOptions, 'cluster' | 'token'>>> = Object.freeze({
  port: 3000,
  host: '127.0.0.1',
  maxPendingTasks: 300,
  overflow: 'drop-newest',
  agentRunIntervalMs: 2_000,
  lingerMs: DEFAULT_SERVER_SENT_EVENTS_OPTIONS.lingerMs,
  shutdownTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  maxConnections: 512,
  history: Object.freeze({}),
});

/** Every option {@link DashboardOptions} knows: any other key is refused. */
const DASHBOARD_OPTION_KEYS: readonly string[] = [...Object.keys(DEFAULT_DASHBOARD_OPTIONS), 'token', 'cluster'];

/**
 * Validates `options` and fills in the defaults.
 *
 * @throws {@link InvalidArgumentError} naming the option and the value when one is out of range or unknown, and
 *   (argument `token`) when `host` is not a loopback address and no token is given.
 */

export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  options = readable('options', options);
  for (const key of Object.keys(options)) {
    if (!DASHBOARD_OPTION_KEYS.includes(key)) {
      throw new InvalidArgumentError(`options.${key}`, `one of the known options (${DASHBOARD_OPTION_KEYS.join(', ')})`, (options as Record<string, unknown>)[key], `Unknown dashboard option '${key}': the options are ${DASHBOARD_OPTION_KEYS.join(', ')}`);
    }
  }
  const { cluster, token, ...rest } = options;
  const resolved = { ...DEFAULT_DASHBOARD_OPTIONS, ...withoutUndefined(rest), cluster: resolveClusterOptions(cluster), token };
  checkInteger('port', resolved.port, 0, 65_535);
  checkInteger('maxPendingTasks', resolved.maxPendingTasks, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('agentRunIntervalMs', resolved.agentRunIntervalMs, 0, 2_147_483_647);
  checkInteger('lingerMs', resolved.lingerMs, 0, 2_147_483_647);
  checkInteger('shutdownTimeoutMs', resolved.shutdownTimeoutMs, 0, 2_147_483_647);
  checkInteger('headersTimeoutMs', resolved.headersTimeoutMs, 100, 600_000);
  checkInteger('maxConnections', resolved.maxConnections, 1, 1_000_000);
  if (typeof resolved.host !== 'string' || resolved.host === '') {
    throw new InvalidArgumentError('host', "a non-empty string such as '127.0.0.1'", resolved.host);
  }
  checkHistoryOptions(resolved.history);
  if (token !== undefined) checkAccessToken(token);
  else if (!isLoopbackAddress(resolved.host)) {
    throw new InvalidArgumentError(
      'token',
      `an access token when host is not a loopback address: set DASHBOARD_TOKEN (at least ${MIN_TOKEN_LENGTH} characters, ` +
        'e.g. `DASHBOARD_TOKEN=$(openssl rand -hex 32)`), or listen on 127.0.0.1',
      token,
      `The dashboard refuses to listen on ${JSON.stringify(resolved.host)} without an access token: anyone who can reach it could ` +
        `cancel tasks and shut the manager down. Set DASHBOARD_TOKEN (at least ${MIN_TOKEN_LENGTH} characters, e.g. ` +
        '`DASHBOARD_TOKEN=$(openssl rand -hex 32)`), or listen on 127.0.0.1 (the default).',
    );
  }
  if (!OVERFLOW_POLICIES.includes(resolved.overflow)) {
    throw new InvalidArgumentError('overflow', `one of ${OVERFLOW_POLICIES.join(', ')}`, resolved.overflow);
  }
  return resolved;
}

/** The stream the cluster mode reads unless given another (the Redis Streams classes' default). */
export const DEFAULT_CLUSTER_STREAM = 'agentflow:events';

const CLUSTER_OPTION_KEYS: readonly string[] = ['redisUrl', 'stream', 'workerId'];

function resolveClusterOptions(cluster: DashboardClusterOptions | undefined): ResolvedClusterOptions | undefined {
  if (cluster === undefined) return undefined;
  if (typeof cluster !== 'object' || cluster === null || Array.isArray(cluster)) {
    throw new InvalidArgumentError('cluster', 'an object such as { redisUrl, stream }', cluster);
  }
  cluster = readable('cluster', cluster);
  for (const key of Object.keys(cluster)) {
    if (!CLUSTER_OPTION_KEYS.includes(key)) {
      throw new InvalidArgumentError(`cluster.${key}`, `one of ${CLUSTER_OPTION_KEYS.join(', ')}`, key, `Unknown cluster option '${key}': the options are ${CLUSTER_OPTION_KEYS.join(', ')}`);
    }
  }
  const redisUrl = cluster.redisUrl ?? (process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  let protocol = '';
  try {
    protocol = new URL(redisUrl).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new InvalidArgumentError('cluster.redisUrl', 'a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379"', typeof redisUrl === 'string' ? Redactor.DEFAULT.text(redisUrl) : redisUrl);
  }
  const stream = cluster.stream ?? DEFAULT_CLUSTER_STREAM;
  if (typeof stream !== 'string' || stream === '') throw new InvalidArgumentError('cluster.stream', 'a non-empty string', stream);
  const workerId = cluster.workerId ?? `dashboard:${process.pid}`;
  if (typeof workerId !== 'string' || workerId === '') {
    throw new InvalidArgumentError('cluster.workerId', 'a non-empty string', workerId);
  }
  return { redisUrl, stream, workerId };
}

function checkHistoryOptions(history: unknown): void {
  if (typeof history !== 'object' || history === null || Array.isArray(history)) {
    throw new InvalidArgumentError('history', 'an object such as { maxCompleted: 1000, maxProblems: 2000 }', history);
  }
  for (const [key, value] of Object.entries(readable('history', history))) {
    if (key !== 'maxCompleted' && key !== 'maxProblems') {
      throw new InvalidArgumentError(`history.${key}`, 'one of maxCompleted, maxProblems', value, `Unknown history option '${key}': the options are maxCompleted, maxProblems`);
    }
    if (value !== undefined) checkInteger(`history.${key}`, value, 1, 1_000_000);
  }
}

/** A copy of an options object, each field read once by its own getter: one that throws is a bad option, named. */
function readable<T extends object>(argument: string, value: T): T {
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw new InvalidArgumentError(argument, 'a plain object', value);
  try {
    return { ...value };
  } catch {
    throw new InvalidArgumentError(argument, 'an object whose properties can be read', '[a throwing getter]');
  }
}

function checkInteger(argument: string, value: unknown, min: number, max: number): void {
  if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return;
  throw new InvalidArgumentError(argument, `an integer from ${min} to ${max}`, value);
}

function withoutUndefined(options: Omit<DashboardOptions, 'cluster'>): Omit<DashboardOptions, 'cluster'> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
