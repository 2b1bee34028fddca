/**
 * The live dashboard (the README's main command): `npm start`, then open the printed URL.
 *
 * A sample agent graph runs every 2 s and starts background tasks; the page's buttons start more (quick, slow,
 * failing, hanging with a timeout, a burst of 500 that hits the manager's cap), cancel them, and shut the
 * manager down. Everything on the page arrives over one server-sent-events stream.
 *
 * Environment: `PORT` (default 3000); it listens on 127.0.0.1 only. Ctrl-C (SIGINT) or SIGTERM shuts the
 * manager down gracefully and prints its `ShutdownStats`.
 */
import { startDashboard } from './server';

export async function main(): Promise<void> {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
  const dashboard = await startDashboard({ port, host: '127.0.0.1' });
  console.log(`agentflow-rx dashboard: ${dashboard.url}  (Ctrl-C to stop)`);

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
