import { expect } from 'chai';
import {
  BackgroundTaskManager,
  DEFAULT_SHUTDOWN_HOOKS_OPTIONS,
  InvalidArgumentError,
  StateGraph,
  installShutdownHooks,
  type ShutdownHooksOptions,
} from '../../lib';
import { capturingLogger } from '../support/helpers';
import { spawnLibraryChild } from '../support/run-in-child';

/**
 * Signals and process exit can only be observed from outside, so most of these checks spawn a fixture (the
 * library loaded through ts-node transpile-only), wait for it to print READY, send it signals and look at its
 * exit code and output. The children start together in one `before()`: each pays ts-node's start-up.
 */


/** How long a child may live before it is killed (start-up under ts-node included). */
const CHILD_LIMIT_MS = 30_000;

/** What a spawned fixture did. */
interface Exit {
  readonly code: number | null;
  /** The signal that ended it, when it did not exit by itself. */
  readonly signal: NodeJS.Signals | null;
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** `Date.now()` when it exited. */
  readonly exitedAt: number;
}

/** A running fixture. */
interface Child {
  /** Resolves with `Date.now()` when a stdout line starting with `prefix` is first seen. */
  lineSeen(prefix: string): Promise<number>;
  send(signal: NodeJS.Signals): number;
  readonly exited: Promise<Exit>;
}

function startChild(script: string): Child {
  const child = spawnLibraryChild(script);
  let stdout = '';
  let stderr = '';
  let killed = false;
  const seen = new Map<string, number>();
  const waiters: { prefix: string; resolve: (at: number) => void }[] = [];
  const scan = (): void => {
    const at = Date.now();
    for (const line of stdout.split('\n').slice(0, -1)) {
      for (const waiter of waiters.filter((w) => line.startsWith(w.prefix) && !seen.has(w.prefix))) {
        seen.set(waiter.prefix, at);
      }
    }
    for (const waiter of waiters.splice(0)) {
      const when = seen.get(waiter.prefix);
      if (when === undefined) waiters.push(waiter);
      else waiter.resolve(when);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    scan();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const limit = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, CHILD_LIMIT_MS);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const exitedAt = Date.now();
      clearTimeout(limit);
      // stdout may still hold data after 'exit'; 'close' comes once the pipes are drained.
      child.on('close', () => {
        scan();
        for (const waiter of waiters.splice(0)) waiter.resolve(Number.NaN);
        resolve({ code, signal, killed, stdout, stderr, exitedAt });
      });
    });
  });
  return {
    lineSeen: (prefix) =>
      new Promise((resolve) => {
        waiters.push({ prefix, resolve });
        scan();
      }),
    send: (signal) => {
      child.kill(signal);
      return Date.now();
    },
    exited,
  };
}

/** Starts `script`, waits for READY, sends `signal`, and resolves with how the child exited. */
async function signalled(script: string, signal: NodeJS.Signals): Promise<Exit> {
  const child = startChild(script);
  const ready = await child.lineSeen('READY');
  if (!Number.isNaN(ready)) child.send(signal);
  return child.exited;
}

function linesOf(exit: Exit, prefix: string): string[] {
  return exit.stdout
    .split('\n')
    .filter((line) => line.startsWith(`${prefix} `))
    .map((line) => line.slice(prefix.length + 1));
}

function statsOf(exit: Exit): Record<string, unknown> {
  const [line] = linesOf(exit, 'STATS');
  expect(line, `the child printed no STATS; stdout: ${exit.stdout}; stderr: ${exit.stderr}`).to.be.a('string');
  return JSON.parse(line as string) as Record<string, unknown>;
}

const PRELUDE = `
const { BackgroundTaskManager, StateGraph, inject, installShutdownHooks } = require('./lib');
const log = require('loglevel');
const logger = log.getLogger('child-' + process.pid);
logger.setLevel('silent');
process.on('unhandledRejection', (error) => console.log('UNHANDLED ' + String(error && error.message)));
const turn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Work that honours its signal and says so when it is aborted. */
const cooperative = (name) => (signal) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => {
    console.log('ABORTED ' + name);
    reject(signal.reason);
  }, { once: true }));
const printStats = (stats) => console.log('STATS ' + JSON.stringify(stats));
// The event loop must be kept alive while the fixture waits for a signal; the parent kills it otherwise.
const keepAlive = setInterval(() => {}, 60000);
`;

/** A manager with three cooperative tasks in flight, hooks installed with `options` (a JS expression). */
function managerFixture(options: string): string {
  return `${PRELUDE}
(async () => {
  const manager = new BackgroundTaskManager({ logger, defaultShutdownTimeoutMs: 5000 });
  for (const name of ['task-1', 'task-2', 'task-3']) manager.createTask(cooperative(name), { name, timeoutMs: 60000 });
  installShutdownHooks(manager, Object.assign({ logger, onShutdown: printStats }, ${options}));
  await turn();
  console.log('READY');
})();
`;
}

/** A compiled graph whose one node starts two cooperative background tasks; hooks installed on the graph. */
const GRAPH_FIXTURE = `${PRELUDE}
(async () => {
  const graph = new StateGraph()
    .addNode('spawn', (_state, _config, tasks = inject(BackgroundTaskManager)) => {
      tasks.createTask(cooperative('graph-task-1'), { name: 'graph-task-1', timeoutMs: 60000 });
      tasks.createTask(cooperative('graph-task-2'), { name: 'graph-task-2', timeoutMs: 60000 });
      return { done: true };
    })
    .setEntryPoint('spawn');
  const app = graph.compile({ shutdownTimeoutMs: 5000 });
  await app.invoke({});
  installShutdownHooks(app, { logger, onShutdown: printStats });
  await turn();
  console.log('READY');
})();
`;

/** Work that ignores its signal keeps shutdown waiting (60 s); the fixture reports when shutdown has begun. */
const HANGING_FIXTURE = `${PRELUDE}
(async () => {
  const manager = new BackgroundTaskManager({ logger });
  manager.createTask(() => new Promise(() => {}), { name: 'uncooperative' });
  manager.state$.subscribe((state) => console.log('STATE ' + state));
  installShutdownHooks(manager, { logger, timeoutMs: 60000, onShutdown: printStats });
  await turn();
  console.log('READY');
})();
`;

/** onShutdown throws: logged (at ERROR, to stderr through a console logger), and the process exits with 1. */
const FAILING_ON_SHUTDOWN_FIXTURE = `${PRELUDE}
(async () => {
  const manager = new BackgroundTaskManager({ logger });
  manager.createTask(cooperative('task-1'), { name: 'task-1' });
  const hooksLogger = log.getLogger('hooks-' + process.pid);
  hooksLogger.methodFactory = (level) => (...args) => console.log('LOG ' + level + ' ' + String(args[0]));
  hooksLogger.setLevel('error');
  installShutdownHooks(manager, { logger: hooksLogger, onShutdown: async () => { throw new Error('onShutdown broke'); } });
  await turn();
  console.log('READY');
})();
`;

/** Tasks with timeouts, a shutdown, then nothing: the process must exit by itself (hooks stay installed). */
const MANAGER_EXIT_FIXTURE = `${PRELUDE}
clearInterval(keepAlive);
(async () => {
  const manager = new BackgroundTaskManager({ logger });
  manager.counts$.subscribe(() => {});
  manager.events$.subscribe(() => {});
  installShutdownHooks(manager, { logger });
  for (let i = 0; i < 10; i++) manager.createTask(cooperative('timed-' + i), { name: 'timed-' + i, timeoutMs: 60000 });
  manager.createTask(() => sleep(5), { name: 'quick', timeoutMs: 60000 });
  manager.createTask((signal) => sleep(20), { name: 'ignores its signal', timeoutMs: 60000 });
  await sleep(10);
  printStats(await manager.shutdown({ timeoutMs: 1000 }));
})();
`;

/** The same through a compiled graph's close(). */
const GRAPH_EXIT_FIXTURE = `${PRELUDE}
clearInterval(keepAlive);
(async () => {
  const graph = new StateGraph()
    .addNode('spawn', (_state, _config, tasks = inject(BackgroundTaskManager)) => {
      for (let i = 0; i < 10; i++) tasks.createTask(cooperative('timed-' + i), { name: 'timed-' + i, timeoutMs: 60000 });
      tasks.createTask(() => sleep(5), { name: 'quick', timeoutMs: 60000 });
      return { done: true };
    })
    .setEntryPoint('spawn');
  const app = graph.compile({ shutdownTimeoutMs: 1000 });
  await app.invoke({});
  await app.invoke({});
  await sleep(10);
  printStats((await app.close()).backgroundTasks);
})();
`;

interface SecondSignal {
  readonly exit: Exit;
  /** From the second signal to the exit. */
  readonly exitDelayMs: number;
}

async function secondSignalScenario(): Promise<SecondSignal> {
  const child = startChild(HANGING_FIXTURE);
  if (Number.isNaN(await child.lineSeen('READY'))) return { exit: await child.exited, exitDelayMs: Number.NaN };
  child.send('SIGTERM');
  await child.lineSeen('STATE shutting_down');
  const sentAt = child.send('SIGINT');
  const exit = await child.exited;
  return { exit, exitDelayMs: exit.exitedAt - sentAt };
}

interface ExitByItself {
  readonly exit: Exit;
  /** From the STATS line to the exit. */
  readonly afterStatsMs: number;
}

async function exitByItself(script: string): Promise<ExitByItself> {
  const child = startChild(script);
  const statsAt = await child.lineSeen('STATS');
  const exit = await child.exited;
  return { exit, afterStatsMs: exit.exitedAt - statsAt };
}

/** An object with a `log` method but none of the level methods a logger needs. */
const NOT_A_LOGGER = { log(): void {} };

describe('installShutdownHooks()', function () {
  this.timeout(60_000);

  describe('in a child process', () => {
    let sigint: Exit;
    let sigterm: Exit;
    let customCode: Exit;
    let graph: Exit;
    let failing: Exit;
    let second: SecondSignal;
    let managerExit: ExitByItself;
    let graphExit: ExitByItself;

    before(async () => {
      [sigint, sigterm, customCode, graph, failing, second, managerExit, graphExit] = await Promise.all([
        signalled(managerFixture('{}'), 'SIGINT'),
        signalled(managerFixture('{ timeoutMs: 2000 }'), 'SIGTERM'),
        signalled(managerFixture("{ exitCode: 3, signals: ['SIGUSR2'] }"), 'SIGUSR2'),
        signalled(GRAPH_FIXTURE, 'SIGTERM'),
        signalled(FAILING_ON_SHUTDOWN_FIXTURE, 'SIGINT'),
        secondSignalScenario(),
        exitByItself(MANAGER_EXIT_FIXTURE),
        exitByItself(GRAPH_EXIT_FIXTURE),
      ]);
    });

    it('on SIGINT shuts the manager down, aborting each task in flight, reports the stats and exits with 130', () => {
      expect(sigint.code, `stderr: ${sigint.stderr}`).to.equal(130);
      expect(linesOf(sigint, 'ABORTED')).to.have.members(['task-1', 'task-2', 'task-3']);
      expect(statsOf(sigint)).to.include({ status: 'completed', initialTasks: 3, cancelled: 3, remainingTasks: 0 });
      expect(linesOf(sigint, 'UNHANDLED')).to.deep.equal([]);
    });

    it('on SIGTERM does the same and exits with 143', () => {
      expect(sigterm.code, `stderr: ${sigterm.stderr}`).to.equal(143);
      expect(linesOf(sigterm, 'ABORTED')).to.have.members(['task-1', 'task-2', 'task-3']);
      expect(statsOf(sigterm)).to.include({ status: 'completed', initialTasks: 3, cancelled: 3, remainingTasks: 0 });
    });

    it("exits with the caller's exitCode, on the caller's signals", () => {
      expect(customCode.code, `stderr: ${customCode.stderr}`).to.equal(3);
      expect(linesOf(customCode, 'ABORTED')).to.have.members(['task-1', 'task-2', 'task-3']);
      expect(statsOf(customCode)).to.include({ status: 'completed', initialTasks: 3 });
    });

    it("closes a compiled graph and reports its backgroundTasks", () => {
      expect(graph.code, `stderr: ${graph.stderr}`).to.equal(143);
      expect(linesOf(graph, 'ABORTED')).to.have.members(['graph-task-1', 'graph-task-2']);
      expect(statsOf(graph)).to.include({ status: 'completed', initialTasks: 2, cancelled: 2, remainingTasks: 0 });
    });

    it('exits at once, with the first signal’s code, on a second signal while shutdown waits for stuck work', () => {
      const { exit, exitDelayMs } = second;
      expect(exit.code, `stdout: ${exit.stdout}; stderr: ${exit.stderr}`).to.equal(143);
      expect(linesOf(exit, 'STATE')).to.include('shutting_down');
      expect(linesOf(exit, 'STATS'), 'shutdown had not finished').to.deep.equal([]);
      expect(exitDelayMs).to.be.below(2_000);
    });

    it('logs a failing onShutdown and exits with 1, with no unhandled rejection', () => {
      expect(failing.code, `stderr: ${failing.stderr}`).to.equal(1);
      expect(linesOf(failing, 'ABORTED')).to.deep.equal(['task-1']);
      expect(linesOf(failing, 'LOG')).to.deep.equal(['error onShutdown failed: Error: onShutdown broke']);
      expect(linesOf(failing, 'UNHANDLED')).to.deep.equal([]);
    });

    it('after a manager shutdown() of tasks with timeouts, the process exits by itself within a second', () => {
      const { exit, afterStatsMs } = managerExit;
      expect(exit.killed, 'the child had to be killed: something kept the event loop alive').to.equal(false);
      expect(exit.code, `stderr: ${exit.stderr}`).to.equal(0);
      expect(statsOf(exit)).to.include({ status: 'completed', remainingTasks: 0 });
      expect(linesOf(exit, 'ABORTED')).to.have.length(10);
      expect(afterStatsMs).to.be.below(1_000);
    });

    it("after a compiled graph's close(), the process exits by itself within a second", () => {
      const { exit, afterStatsMs } = graphExit;
      expect(exit.killed, 'the child had to be killed: something kept the event loop alive').to.equal(false);
      expect(exit.code, `stderr: ${exit.stderr}`).to.equal(0);
      expect(statsOf(exit)).to.include({ status: 'completed', remainingTasks: 0 });
      expect(linesOf(exit, 'ABORTED')).to.have.length(20);
      expect(afterStatsMs).to.be.below(1_000);
    });
  });

  describe('in this process', () => {
    const counts = (): number[] => ['SIGINT', 'SIGTERM', 'SIGUSR2'].map((signal) => process.listenerCount(signal));
    let manager: BackgroundTaskManager;

    beforeEach(() => {
      manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
    });
    afterEach(async () => {
      await manager.shutdown();
    });

    it('listens on SIGINT and SIGTERM by default; the remover takes every listener away, and may be called twice', () => {
      const before = counts();
      const remove = installShutdownHooks(manager);
      expect(counts()).to.deep.equal([before[0]! + 1, before[1]! + 1, before[2]]);
      remove();
      expect(counts()).to.deep.equal(before);
      remove();
      expect(counts()).to.deep.equal(before);
    });

    it('listens once per signal, even when a name is repeated', () => {
      const before = counts();
      const remove = installShutdownHooks(manager, { signals: ['SIGUSR2', 'SIGUSR2'] });
      expect(counts()).to.deep.equal([before[0], before[1], before[2]! + 1]);
      remove();
      expect(counts()).to.deep.equal(before);
    });

    it('has SIGINT and SIGTERM as its default signals', () => {
      expect(DEFAULT_SHUTDOWN_HOOKS_OPTIONS.signals).to.deep.equal(['SIGINT', 'SIGTERM']);
    });

    it('accepts a compiled graph', () => {
      const app = new StateGraph().addNode('noop', () => ({})).setEntryPoint('noop').compile();
      const before = counts();
      const remove = installShutdownHooks(app);
      expect(counts(), 'one listener each on SIGINT and SIGTERM').to.deep.equal([before[0]! + 1, before[1]! + 1, before[2]]);
      remove();
      expect(counts()).to.deep.equal(before);
      return app.close();
    });

    const refused: [string, () => unknown, string, unknown][] = [
      ['a target that is neither a manager nor a graph', () => installShutdownHooks({} as BackgroundTaskManager), 'target', {}],
      ['an unknown signal name', () => installShutdownHooks(manager, { signals: ['SIGNOPE' as NodeJS.Signals] }), 'signals', 'SIGNOPE'],
      ['an uncatchable signal', () => installShutdownHooks(manager, { signals: ['SIGKILL'] }), 'signals', 'SIGKILL'],
      ['an empty list of signals', () => installShutdownHooks(manager, { signals: [] }), 'signals', []],
      ['a negative timeoutMs', () => installShutdownHooks(manager, { timeoutMs: -1 }), 'timeoutMs', -1],
      ['a NaN timeoutMs', () => installShutdownHooks(manager, { timeoutMs: Number.NaN }), 'timeoutMs', Number.NaN],
      ['an exitCode above 255', () => installShutdownHooks(manager, { exitCode: 256 }), 'exitCode', 256],
      ['a fractional exitCode', () => installShutdownHooks(manager, { exitCode: 1.5 }), 'exitCode', 1.5],
      [
        'an onShutdown that is not a function',
        () => installShutdownHooks(manager, { onShutdown: 'print' } as unknown as ShutdownHooksOptions),
        'onShutdown',
        'print',
      ],
      ['a logger that is not one', () => installShutdownHooks(manager, { logger: NOT_A_LOGGER } as unknown as ShutdownHooksOptions), 'logger', NOT_A_LOGGER],
    ];
    for (const [what, call, argument, value] of refused) {
      it(`refuses ${what} with an InvalidArgumentError naming \`${argument}\`, and installs nothing`, () => {
        const before = counts();
        let error: unknown;
        try {
          call();
        } catch (caught) {
          error = caught;
        }
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
        expect((error as InvalidArgumentError).value).to.deep.equal(value);
        expect((error as InvalidArgumentError).message).to.include(`\`${argument}\``);
        expect(counts()).to.deep.equal(before);
      });
    }

    it('refuses timeoutMs for a compiled graph, which waits the shutdownTimeoutMs given to compile()', () => {
      const app = new StateGraph().addNode('noop', () => ({})).setEntryPoint('noop').compile();
      expect(() => installShutdownHooks(app, { timeoutMs: 1000 }))
        .to.throw(InvalidArgumentError, /`timeoutMs`.*shutdownTimeoutMs given to compile\(\)/);
      return app.close();
    });
  });
});
