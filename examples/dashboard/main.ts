/**
 * The live dashboard (the README's main command): `npm start`, then open the printed URL.
 *
 * A sample agent graph runs every 2 s and starts background tasks; the page's buttons start more (quick, slow,
 * failing, hanging with a timeout, a burst of 500 that hits the manager's cap), cancel them, and shut the
 * manager down. Everything on the page arrives over one server-sent-events stream.
 *
 * Environment: `PORT` (default 3000); it listens on 127.0.0.1 only. Ctrl-C (SIGINT) or SIGTERM shuts the
 * manager down gracefully and prints its `ShutdownStats`.
 *
 * Cluster mode: `REDIS_URL=redis://127.0.0.1:6379 npm start -- --cluster [--stream=<key>]` also mirrors this
 * dashboard's tasks to the Redis stream (default `agentflow:events`) and shows every worker's tasks read from it
 * in a "Cluster" panel (workers mirror theirs with `mirrorTaskEvents`, see examples/redis-cluster.ts). It needs
 * the optional `redis` package; `REDIS_URL` defaults to redis://127.0.0.1:6379.
 */
import { DEFAULT_CLUSTER_STREAM, type DashboardClusterOptions } from './dashboard-options';
import { startDashboard } from './server';

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

export async function main(): Promise<void> {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
  const dashboard = await startDashboard({ port, host: '127.0.0.1', cluster: clusterOptionsFromArgs() });
  console.log(`agentflow-rx dashboard: ${dashboard.url}  (Ctrl-C to stop)`);
  if (dashboard.cluster !== undefined) {
    const { redis } = dashboard.cluster.info() as { redis: string };
    console.log(
      `cluster mode: stream '${dashboard.cluster.stream}' on ${redis}, mirrored as '${dashboard.cluster.workerId}', ` +
        `read in group '${dashboard.cluster.group}'`,
    );
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      // A second Ctrl-C during shutdown falls through to Node's default: exit at once.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log(`${signal}: shutting down gracefully…`);
  const stats = await dashboard.close();
  console.log(`ShutdownStats: ${JSON.stringify(stats, null, 2)}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
