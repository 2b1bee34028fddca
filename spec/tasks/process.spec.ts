import { expect } from 'chai';
import { runInChild, type ChildResult } from '../support/run-in-child';

/**
 * Process-level guarantees, checked in a fresh Node process so that a broken guarantee fails one test here
 * instead of tripping the suite-wide unhandled-error hook (which aborts the rest of the run):
 * the process exits by itself after shutdown (no timer left behind), and work the manager refused or
 * cancelled before it started never surfaces as an `unhandledRejection`.
 */

const PRELUDE = `
const { BackgroundTaskManager } = require('./lib');
const log = require('loglevel');
const logger = log.getLogger('child-' + process.pid);
logger.setLevel('silent');
const untilAborted = (signal) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
const turn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deferred = () => {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};
`;

const EXIT_SCENARIO = `
async function exitScenario() {
  const manager = new BackgroundTaskManager({ logger, defaultShutdownTimeoutMs: 60000 });
  manager.events$.subscribe(() => {});
  manager.counts$.subscribe(() => {});
  manager.tasks$.subscribe(() => {});
  manager.state$.subscribe(() => {});
  for (let i = 0; i < 20; i++) manager.createTask((signal) => untilAborted(signal), { name: 'cooperative', timeoutMs: 60000 });
  manager.createTask(() => sleep(10), { name: 'finishes', timeoutMs: 60000 });
  manager.createTask(async () => { throw new Error('fails'); }, { name: 'fails', timeoutMs: 60000 });
  manager.createTask(new Promise(() => {}), { name: 'stuck', timeoutMs: 60000 });
  manager.createTask((signal) => untilAborted(signal), { timeoutMs: 60000 }).cancel();
  const detachedWork = deferred();
  const detached = manager.createTask(() => detachedWork.promise, { name: 'detached', timeoutMs: 60000 });
  await turn();
  detached.cancel();
  const waiting = manager.waitForAll({ timeoutMs: 60000, returnExceptions: true });
  await sleep(20);
  const stopping = manager.shutdown({ drainMs: 5, timeoutMs: 300 });
  setTimeout(() => detachedWork.resolve(), 20);
  const stats = await stopping;
  const waited = await waiting;
  const again = await manager.shutdown();
  console.log('EXIT ' + JSON.stringify({
    status: stats.status,
    initialTasks: stats.initialTasks,
    remainingTasks: stats.remainingTasks,
    remaining: stats.remaining.map((task) => task.name),
    waited: waited.status,
    again: again.status,
  }));
}
`;

const UNHANDLED_SCENARIOS = `
const results = {};
let current = 'setup';
process.on('unhandledRejection', (error) => {
  (results[current] = results[current] || []).push(String(error && error.message));
});
process.on('uncaughtException', (error) => {
  (results[current] = results[current] || []).push('uncaught: ' + String(error && error.message));
});
async function scenario(name, fn) {
  current = name;
  results[name] = [];
  await fn();
  await turn();
  await sleep(5);
  await turn();
}
async function unhandledScenarios() {
  await scenario('harness control', async () => {
    Promise.reject(new Error('control'));
  });
  await scenario('refused after shutdown', async () => {
    const manager = new BackgroundTaskManager({ logger });
    await manager.shutdown();
    const handle = manager.createTask(Promise.reject(new Error('refused after shutdown')));
    results['refused after shutdown status'] = handle.status;
  });
  await scenario('refused by drop-newest', async () => {
    const manager = new BackgroundTaskManager({ logger, maxPendingTasks: 1 });
    const blocker = manager.createTask((signal) => untilAborted(signal));
    const work = deferred();
    const handle = manager.createTask(work.promise);
    results['refused by drop-newest status'] = handle.status;
    await turn();
    work.reject(new Error('refused by drop-newest'));
    await turn();
    blocker.cancel();
  });
  await scenario('cancelled before start', async () => {
    const manager = new BackgroundTaskManager({ logger });
    const work = deferred();
    manager.createTask(work.promise).cancel();
    await turn();
    work.reject(new Error('cancelled before start'));
  });
  await scenario('already-aborted caller signal', async () => {
    const manager = new BackgroundTaskManager({ logger });
    const caller = new AbortController();
    caller.abort();
    manager.createTask(Promise.reject(new Error('already-aborted caller signal')), { signal: caller.signal });
  });
  await scenario('shed by drop-oldest before start', async () => {
    const manager = new BackgroundTaskManager({ logger, maxPendingTasks: 1, overflow: 'drop-oldest' });
    const work = deferred();
    manager.createTask(work.promise);
    manager.createTask(async () => 1);
    await turn();
    work.reject(new Error('shed by drop-oldest before start'));
  });
  await scenario('failed task whose result() is never called', async () => {
    const manager = new BackgroundTaskManager({ logger });
    await manager.createTask(async () => { throw new Error('failed'); }).done;
    manager.createTask(() => { throw new Error('sync'); });
  });
  await scenario('cancelled, timed-out and dropped tasks whose result() is never called', async () => {
    const manager = new BackgroundTaskManager({ logger, maxPendingTasks: 2 });
    manager.createTask((signal) => untilAborted(signal)).cancel();
    manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1 });
    manager.createTask((signal) => untilAborted(signal));
    manager.createTask(async () => 1);
    await sleep(5);
    await manager.shutdown();
    manager.createTask(async () => 1);
  });
  await scenario('detached work that rejects later', async () => {
    const manager = new BackgroundTaskManager({ logger });
    const work = deferred();
    const handle = manager.createTask(() => work.promise, { timeoutMs: 1 });
    await sleep(5);
    results['detached work that rejects later status'] = handle.status;
    work.reject(new Error('detached work that rejects later'));
  });
  await scenario('work abandoned by shutdown that rejects later', async () => {
    const manager = new BackgroundTaskManager({ logger });
    const work = deferred();
    manager.createTask(work.promise);
    await turn();
    await manager.shutdown({ timeoutMs: 1 });
    work.reject(new Error('abandoned'));
  });
  await scenario('throwing subscribers', async () => {
    const manager = new BackgroundTaskManager({ logger });
    manager.events$.subscribe(() => { throw new Error('events$ subscriber'); });
    manager.counts$.subscribe(() => { throw new Error('counts$ subscriber'); });
    manager.state$.subscribe(() => { throw new Error('state$ subscriber'); });
    manager.tasks$.subscribe(() => { throw new Error('tasks$ subscriber'); });
    const handle = manager.createTask(async () => 1);
    handle.events$.subscribe(() => { throw new Error('handle.events$ subscriber'); });
    await handle.done;
    await turn();
    await manager.shutdown();
  });
}
`;

/** One child for everything (each child pays for loading ts-node and the library): it must exit by itself. */
const SCRIPT = `${PRELUDE}${UNHANDLED_SCENARIOS}${EXIT_SCENARIO}
(async () => {
  await unhandledScenarios();
  current = 'exit scenario';
  results[current] = [];
  await exitScenario();
  await turn();
  await sleep(5);
  // Reported last, so that an unhandled rejection or exception during the exit scenario is seen too.
  console.log('UNHANDLED ' + JSON.stringify(results));
})();
`;

function reportLine(child: ChildResult, tag: string): Record<string, unknown> {
  const line = child.stdout.split('\n').find((candidate) => candidate.startsWith(`${tag} `));
  expect(line, `the child printed no ${tag} report; stderr: ${child.stderr}`).to.be.a('string');
  return JSON.parse((line as string).slice(tag.length + 1)) as Record<string, unknown>;
}

describe('BackgroundTaskManager (in a separate process)', function () {
  this.timeout(30_000);
  let child: ChildResult;

  before(async () => {
    child = await runInChild(SCRIPT, 15_000);
  });

  describe('after shutdown', () => {
    it('lets the process exit by itself: no timer or handle is left behind', () => {
      expect(child.killed, 'the child had to be killed: something kept the event loop alive').to.equal(false);
      expect(child.code, `exit code; stderr: ${child.stderr}`).to.equal(0);
    });

    it('reports the stuck work it gave up on, and an already_shutdown on the next call', () => {
      expect(reportLine(child, 'EXIT')).to.deep.equal({
        status: 'timeout',
        initialTasks: 22,
        remainingTasks: 1,
        remaining: ['stuck'],
        waited: 'idle',
        again: 'already_shutdown',
      });
    });
  });

  describe('unhandled rejections', () => {
    let results: Record<string, unknown>;

    before(() => {
      results = reportLine(child, 'UNHANDLED');
    });

    it('sees an unhandled rejection when there is one (control)', () => {
      expect(results['harness control']).to.deep.equal(['control']);
    });

    it('none for an already-started promise refused after shutdown', () => {
      expect(results['refused after shutdown status']).to.equal('dropped');
      expect(results['refused after shutdown']).to.deep.equal([]);
    });

    it('none for an already-started promise refused by drop-newest', () => {
      expect(results['refused by drop-newest status']).to.equal('dropped');
      expect(results['refused by drop-newest']).to.deep.equal([]);
    });

    it('none for an already-started promise whose task was cancelled before it started', () => {
      expect(results['cancelled before start']).to.deep.equal([]);
    });

    it('none for an already-started promise given with an already-aborted caller signal', () => {
      expect(results['already-aborted caller signal']).to.deep.equal([]);
    });

    it('none for an already-started promise shed by drop-oldest before it started', () => {
      expect(results['shed by drop-oldest before start']).to.deep.equal([]);
    });

    it('none for failed, cancelled, timed-out or dropped tasks whose result() is never called', () => {
      expect(results['failed task whose result() is never called']).to.deep.equal([]);
      expect(results['cancelled, timed-out and dropped tasks whose result() is never called']).to.deep.equal([]);
    });

    it('none for detached work or work abandoned by shutdown that rejects later', () => {
      expect(results['detached work that rejects later status']).to.equal('timed_out');
      expect(results['detached work that rejects later']).to.deep.equal([]);
      expect(results['work abandoned by shutdown that rejects later']).to.deep.equal([]);
    });

    it('no uncaughtException from subscribers that throw, on any stream', () => {
      expect(results['throwing subscribers']).to.deep.equal([]);
    });

    it('none during the exit scenario (shutdown with a drain, stuck and detached work)', () => {
      expect(results['exit scenario']).to.deep.equal([]);
    });
  });
});
