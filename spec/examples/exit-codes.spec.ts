import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { CLOSED_PORT_URL, redisAnswers, requireRedis } from '../support/redis';

/**
 * Every example as a newcomer runs it: its own Node process (ts-node, as `npx ts-node examples/<name>.ts`).
 * On its happy path it exits by itself with code 0; when something is wrong (no Redis, a port in use, a bad
 * `PORT`, a file that is not meant to be run alone) it exits at once with code 1 and one line on stderr that
 * says what and what to do. What the examples log on purpose never repeats an error's header line, and a
 * failure they cause on purpose to a publisher is one line without a stack.
 */

const ROOT = path.resolve(__dirname, '..', '..');

interface ExampleRun {
  readonly code: number | null;
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs `examples/<file>` in a child process; kills it after `limitMs`, or when `until` sees what it waits for on stdout. */
function runExample(
  file: string,
  {
    env = {},
    limitMs = 60_000,
    onStdout,
    args = [],
  }: { env?: NodeJS.ProcessEnv; limitMs?: number; onStdout?: (text: string, child: { kill(signal: NodeJS.Signals): void }) => void; args?: readonly string[] } = {},
): Promise<ExampleRun> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', file), ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limit = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, killed, stdout, stderr, elapsedMs: Date.now() - startedAt });
    });
  });
}

function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** The examples that run to the end by themselves and need nothing but this repository. */
const SELF_CONTAINED = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((file) => file.endsWith('.ts') && !file.startsWith('redis-cluster'))
  .sort();

describe('examples run as their own process', function () {
  this.timeout(180_000);

  it('finds every example file of the README (and no file it does not run)', () => {
    expect(SELF_CONTAINED.length).to.be.at.least(14);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const file of [...SELF_CONTAINED, 'redis-cluster.ts', 'redis-cluster-worker.ts']) expect(readme, file).to.contain(`examples/${file}`);
  });

  it('each self-contained example exits by itself with code 0, and no error header line is printed twice', async () => {
    // Two at a time: the machines have two cores.
    const results = new Map<string, ExampleRun>();
    const queue = [...SELF_CONTAINED];
    await Promise.all(
      [0, 1].map(async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.set(file, await runExample(file));
      }),
    );
    for (const [file, result] of results) {
      expect(result.killed, `${file} did not exit by itself`).to.equal(false);
      expect(result.code, `${file} exit code; stderr:\n${result.stderr}`).to.equal(0);
      // A stack's header (`Error: message`) is never a line of its own: the log line already says it.
      const headers = linesOf(result.stderr).filter((line) => /^\w*Error: /.test(line));
      expect(headers, `${file} printed an error's header line`).to.deep.equal([]);
    }
    const publishing = results.get('event-publishing.ts') as ExampleRun;
    const failedPublish = linesOf(publishing.stderr).filter((line) => line.includes('Failed to publish event'));
    expect(failedPublish, 'the failure event-publishing causes on purpose').to.have.length(1);
    expect(linesOf(publishing.stderr).filter((line) => /^\s+at /.test(line)), 'no stack for it').to.deep.equal([]);
    const lifecycle = results.get('live-lifecycle.ts') as ExampleRun;
    expect(linesOf(lifecycle.stderr).filter((line) => line.includes('upstream returned 503')), "a failed task's message, once").to.have.length(1);
  });

  describe('the Redis cluster example', () => {
    it('with no Redis at REDIS_URL: exits 1 at once, with one line that names the URL and says how to start one', async () => {
      expect(await redisAnswers(CLOSED_PORT_URL)).to.equal(false);
      const result = await runExample('redis-cluster.ts', { env: { REDIS_URL: CLOSED_PORT_URL }, limitMs: 30_000 });
      expect(result.killed, 'it hung').to.equal(false);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal('');
      const lines = linesOf(result.stderr);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain(`Redis is not reachable at ${CLOSED_PORT_URL}`).and.contain('ECONNREFUSED').and.contain('REDIS_URL');
    });

    it('the worker file refuses to run alone, naming the example that starts it', async () => {
      const result = await runExample('redis-cluster-worker.ts', { limitMs: 30_000 });
      expect(result.code).to.equal(1);
      const lines = linesOf(result.stderr);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain('run npx ts-node examples/redis-cluster.ts');
    });

    it('with Redis: exits by itself with code 0', async function () {
      await requireRedis(this);
      const result = await runExample('redis-cluster.ts', { limitMs: 60_000 });
      expect(result.code, result.stderr).to.equal(0);
      expect(linesOf(result.stdout)[0]).to.equal('3 workers ran and exited cleanly, each mirroring its tasks to one Redis stream');
    });
  });

  describe('the dashboard (npm start)', () => {
    it('stops gracefully on SIGINT with code 0, after printing its ShutdownStats', async () => {
      let signalled = false;
      const result = await runExample(path.join('dashboard', 'main.ts'), {
        env: { PORT: '0' },
        onStdout: (text, child) => {
          if (!signalled && text.includes('agentflow-rx dashboard: http://127.0.0.1:')) {
            signalled = true;
            child.kill('SIGINT');
          }
        },
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('SIGINT: shutting down gracefully').and.contain('ShutdownStats:');
    });

    it('with --cluster and no Redis: exits 1 with one line that names the URL, before it listens', async () => {
      const result = await runExample(path.join('dashboard', 'main.ts'), {
        env: { PORT: '0', REDIS_URL: CLOSED_PORT_URL },
        args: ['--cluster'],
        limitMs: 30_000,
      });
      expect(result.code).to.equal(1);
      const lines = linesOf(result.stderr);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain(`Redis is not reachable at ${CLOSED_PORT_URL}`);
      expect(result.stdout).not.to.contain('agentflow-rx dashboard:');
    });

    it("with PORT=abc: exits 1 with one line that names PORT and quotes what it got", async () => {
      const result = await runExample(path.join('dashboard', 'main.ts'), { env: { PORT: 'abc' }, limitMs: 30_000 });
      expect(result.code).to.equal(1);
      expect(linesOf(result.stderr)).to.deep.equal([
        'examples/dashboard/main.ts: PORT must be a port number from 0 to 65535 (0 picks a free one), got "abc"',
      ]);
    });

    it('on a port in use: exits 1 with one line that says so and names PORT', async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as { port: number };
      try {
        const result = await runExample(path.join('dashboard', 'main.ts'), { env: { PORT: String(port) }, limitMs: 30_000 });
        expect(result.code).to.equal(1);
        const lines = linesOf(result.stderr);
        expect(lines).to.have.length(1);
        expect(lines[0]).to.contain(`port ${port} on 127.0.0.1 is in use`).and.contain('set PORT');
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });
  });
});
