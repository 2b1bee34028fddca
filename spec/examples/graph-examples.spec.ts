import { expect } from 'chai';
import sinon from 'sinon';
import { getDefaultLogger } from '../../lib';
import { main as dependencyInjection } from '../../examples/dependency-injection';
import { main as eventPublishing } from '../../examples/event-publishing';
import { main as graphIntegration } from '../../examples/graph-integration';
import { main as backgroundMetrics } from '../../examples/pattern-background-metrics';
import { main as nonBlockingNotifications } from '../../examples/pattern-non-blocking-notifications';
import { main as parallelDataFetching } from '../../examples/pattern-parallel-data-fetching';
import { main as missingErrorLogs } from '../../examples/troubleshooting-missing-error-logs';
import { main as stuckTasks } from '../../examples/troubleshooting-stuck-tasks';
import { main as tooManyTasks } from '../../examples/troubleshooting-too-many-tasks';
import { scopedContainerIds } from '../support/graph-test-helpers';

/** Runs an example's `main()` with `console.log` captured, and returns the printed lines. */
async function printed(main: () => Promise<void>): Promise<string[]> {
  const log = sinon.stub(console, 'log');
  try {
    await main();
    return log.getCalls().map((call) => call.args.map(String).join(' '));
  } finally {
    log.restore();
  }
}

describe('examples (graph, DI and publishing)', () => {
  let containersBefore: string[];
  beforeEach(() => {
    containersBefore = scopedContainerIds();
  });
  afterEach(() => {
    sinon.restore();
    // every example closes its graphs: no TypeDI container is left behind
    expect(scopedContainerIds()).to.deep.equal(containersBefore);
  });

  it('event-publishing: invoke returns before the slow publisher delivers; a failed publish is only logged', async () => {
    const error = sinon.stub(getDefaultLogger(), 'error');
    const lines = await printed(eventPublishing);
    expect(lines).to.deep.equal([
      'invoke returned {"input":"hello","output":"HELLO"}; events delivered so far: 0',
      '[publisher] graph_execution.start thread=thread-1',
      '[publisher] node_execution.start [shout] thread=thread-1',
      '[publisher] node_execution.progress [shout] thread=thread-1: upper-casing',
      '[publisher] node_execution.end [shout] thread=thread-1',
      '[publisher] graph_execution.end thread=thread-1',
      'events delivered after waiting: 5',
      'the failed publish was logged, and nothing was thrown',
      'graph closed: completed',
    ]);
    expect(error.calledOnce).to.equal(true);
    expect(String(error.firstCall.args[0])).to.include('message broker unavailable');
  });

  it('dependency-injection: the node injects the manager and returns before the background work is done', async () => {
    expect(await printed(dependencyInjection)).to.deep.equal([
      'node returned; still running: process_data {"threadId":"thread-7"}',
      'Processed: order #42',
      'graph closed: completed, 0 tasks left at close',
    ]);
  });

  it('graph-integration: close() reports the backgroundTasks stats', async () => {
    const lines = await printed(graphIntegration);
    expect(lines.slice(0, 3)).to.deep.equal([
      'indexing 5 items in the background',
      'active background tasks: 5',
      'backgroundTasks: {"status":"completed","initialTasks":5,"completedTasks":5,"remainingTasks":0,"cancelled":5}',
    ]);
    expect(lines[3]).to.match(/^shutdown took \d+ ms$/);
    expect(lines).to.have.length(4);
  });

  it('pattern-non-blocking-notifications: the run finishes before the notification is sent', async () => {
    expect(await printed(nonBlockingNotifications)).to.deep.equal([
      'Run finished with result: YOUR ORDER HAS SHIPPED',
      'Notification sent: YOUR ORDER HAS SHIPPED',
    ]);
  });

  it('pattern-background-metrics: the metric is recorded after the run returned', async () => {
    const lines = await printed(backgroundMetrics);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal('Total: 6');
    expect(lines[1]).to.match(/^Recorded metric: node=my_node thread=thread-3 duration=\d+ ms$/);
  });

  it('pattern-parallel-data-fetching: both sources are fetched, by waiting a bit and by waiting on the handles', async () => {
    const lines = await printed(parallelDataFetching);
    expect(lines).to.have.length(2);
    const [waited, awaited] = lines.map((line) => JSON.parse(line.slice(line.indexOf(':') + 1)) as Record<string, string[]>);
    for (const data of [waited, awaited]) {
      expect(data).to.deep.equal({ users: ['alice', 'bob'], products: ['book', 'lamp', 'pen'] });
    }
    expect(lines[0]).to.match(/^loadCatalog: /);
    expect(lines[1]).to.match(/^loadCatalogAwaited: /);
  });

  it('troubleshooting-stuck-tasks: the stuck task is listed, and close() times out naming it', async () => {
    const warn = sinon.stub(getDefaultLogger(), 'warn');
    const lines = await printed(stuckTasks);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^Stuck task: legacy_export, age: \d+\.\ds$/);
    expect(lines[1]).to.equal('close: timeout, remaining: legacy_export');
    expect(warn.called).to.equal(true);
  });

  it('troubleshooting-too-many-tasks: both the count check and counts$ warn', async () => {
    expect(await printed(tooManyTasks)).to.deep.equal([
      'counts$ says: over 100 tasks in flight (101)',
      'Too many background tasks: 150',
      'after waiting: 0 tasks',
    ]);
  });

  it('troubleshooting-missing-error-logs: the configured logger prints the failure at ERROR, then is restored', async () => {
    const logger = getDefaultLogger();
    const levelBefore = logger.getLevel();
    const factoryBefore = logger.methodFactory;
    const lines = await printed(missingErrorLogs);
    expect(lines[0]).to.match(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z - agentflow\.utils - ERROR - Background task 'charge_card' failed after \d+ ms: Error: payment gateway refused order A-17/,
    );
    expect(lines.slice(1).every((line) => / - (INFO|DEBUG|WARN) - /.test(line))).to.equal(true);
    expect(logger.getLevel()).to.equal(levelBefore);
    expect(logger.methodFactory).to.equal(factoryBefore);
  });
});
