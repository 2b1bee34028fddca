/**
 * The live dashboard (the README's main command): `npm start`, then open the printed URL.
 *
 * A sample agent graph runs every 2 s and starts background tasks; the page's buttons start more (quick, slow,
 * failing, hanging with a timeout, a burst of 500 that hits the manager's cap), cancel them, and shut the
 * manager down. Everything on the page arrives over one server-sent-events stream.
 *
 * Environment: `PORT` (default 3000; `0` picks a free one); `HOST` (default 127.0.0.1); `DASHBOARD_TOKEN`, the
 * access token, required when `HOST` is not a loopback address (without it the dashboard refuses to start, in one
 * line that says why). A port in use or a
 * `PORT` that is not a port number ends it at once with one line that says so, and exit code 1. Ctrl-C (SIGINT) or SIGTERM shuts the
 * manager down gracefully and prints its `ShutdownStats`.
 *
 * Cluster mode: `REDIS_URL=redis://127.0.0.1:6379 npm start -- --cluster [--stream=<key>]` also mirrors this
 * dashboard's tasks to the Redis stream (default `agentflow:events`) and shows every worker's tasks read from it
 * in a "Cluster" panel (workers mirror theirs with `mirrorTaskEvents`, see examples/redis-cluster.ts). It needs
 * the optional `redis` package; `REDIS_URL` defaults to redis://127.0.0.1:6379.
 */
import { requireRedis } from '../support/require-redis';
import { runExample } from '../support/run-example';
import { DEFAULT_CLUSTER_STREAM, type DashboardClusterOptions } from './dashboard-options';
import { startDashboard } from './server';

/** The port `PORT` asks for (default 3000; `0` picks a free one), or an error that quotes what it says. */
export function portFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.PORT;
  if (text === undefined || text === '') return 3000;
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65_535) {
    throw new Error(`PORT must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The cluster options that the command line asks for (`--cluster`, `--stream=<key>`), or `undefined`. */
export function clusterOptionsFromArgs(
  args: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): DashboardClusterOptions | undefined {
  let cluster = false;
  let stream = DEFAULT_CLUSTER_STREAM;
  for (const arg of args) {
    if (arg === '--cluster') cluster = true;
    else if (arg.startsWith('--stream=') && arg.length > '--stream='.length) stream = arg.slice('--stream='.length);
    else throw new Error(`Unknown argument '${arg}': use --cluster and optionally --stream=<key>`);
  }
  if (!cluster) return undefined;
  return { redisUrl: env.REDIS_URL === undefined || env.REDIS_URL === '' ? 'redis://127.0.0.1:6379' : env.REDIS_URL, stream };
}

/**
 * Where to listen and with which access token: `HOST` (default `127.0.0.1`) and `DASHBOARD_TOKEN` (default none;
 * required beyond loopback, see `DashboardOptions.token`). An empty variable counts as unset.
 */
export function exposureFromEnv(env: NodeJS.ProcessEnv = process.env): { host: string; token: string | undefined } {
  const host = env.HOST === undefined || env.HOST.trim() === '' ? '127.0.0.1' : env.HOST.trim();
  const token = env.DASHBOARD_TOKEN === undefined || env.DASHBOARD_TOKEN === '' ? undefined : env.DASHBOARD_TOKEN;
  return { host, token };
}

export async function main(): Promise<void> {
  const port = portFromEnv();
  const { host, token } = exposureFromEnv();
  const cluster = clusterOptionsFromArgs();
  // Cluster mode needs Redis: say so at once, in one line, rather than start and log reconnection warnings.
  if (cluster?.redisUrl !== undefined) await requireRedis(cluster.redisUrl);
  const dashboard = await startDashboard({ port, host, token, cluster }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is in use: stop what listens there, or set PORT to another port (PORT=0 picks a free one)`, { cause: error });
    if (code === 'EACCES') throw new Error(`port ${port} needs privileges this process does not have: set PORT to a port above 1023`, { cause: error });
    throw error;
  });
  // Listening before the URL is printed: whoever reads it may send SIGINT at once.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      // A second Ctrl-C during shutdown falls through to Node's default: exit at once.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const everywhere = host === '0.0.0.0' || host === '::';
  const where = everywhere ? `${dashboard.url} (every interface: open it at this machine's address, port ${new URL(dashboard.url).port})` : dashboard.url;
  console.log(`agentflow-rx dashboard: ${where}  (Ctrl-C to stop)`);
  if (dashboard.cluster !== undefined) {
    const { redis } = dashboard.cluster.info() as { redis: string };
    console.log(
      `cluster mode: stream '${dashboard.cluster.stream}' on ${redis}, mirrored as '${dashboard.cluster.workerId}', ` +
        `read in group '${dashboard.cluster.group}'`,
    );
  }

  const signal = await stopSignal;
  console.log(`${signal}: shutting down gracefully…`);
  const stats = await dashboard.close();
  console.log(`ShutdownStats: ${JSON.stringify(stats, null, 2)}`);
}

runExample(module, main);
