import { expect } from 'chai';
import log from 'loglevel';
import sinon from 'sinon';
import { DEFAULT_LOGGER_NAME } from '../../lib';
import { main as awaitUsing } from '../../examples/await-using';
import { main as liveLifecycle } from '../../examples/live-lifecycle';
import { main as metadataAndTimeouts } from '../../examples/metadata-and-timeouts';
import { main as monitoring } from '../../examples/monitoring';
import { main as standaloneUsage } from '../../examples/standalone-usage';
import { captureConsole } from '../support/capture-console';

describe('examples (tasks)', () => {
  let warn: sinon.SinonStub;
  let error: sinon.SinonStub;

  beforeEach(() => {
    const logger = log.getLogger(DEFAULT_LOGGER_NAME);
    warn = sinon.stub(logger, 'warn');
    error = sinon.stub(logger, 'error');
  });

  afterEach(() => {
    warn.restore();
    error.restore();
  });

  it('standalone-usage completes the fetch and reports a clean shutdown', async () => {
    const lines = await captureConsole(standaloneUsage);
    expect(lines[0]).to.equal("Started 'fetch_api_data' (task 1), status: pending");
    expect(lines[1]).to.equal("'fetch_api_data' is now completed");
    expect(lines[2]).to.match(/^Shutdown stats: \{"status":"completed","initialTasks":0,/);
  });

  it('await-using shuts the manager down when the block exits, cancelling the slow item', async () => {
    const lines = await captureConsole(awaitUsing);
    expect(lines).to.include.members(['processed item 1', 'processed item 2']);
    expect(lines).to.not.include('processed item 3');
    expect(lines).to.include('after the block: state=shutdown, in flight=0');
    const counts = JSON.parse(lines.at(-1)!.replace('counts: ', ''));
    expect(counts).to.deep.include({ created: 3, completed: 2, cancelled: 1, active: 0 });
  });

  it('metadata-and-timeouts completes one notification and times the other out with a warning', async () => {
    const lines = await captureConsole(metadataAndTimeouts);
    expect(lines).to.deep.equal([
      'send_notification for alice: completed (sent "welcome" to alice)',
      '  its signal was aborted: false',
      "send_notification for bob: timed_out (Background task 'send_notification' timed out after 50 ms)",
      '  its signal was aborted: true',
    ]);
    expect(warn.calledWithMatch(/^Background task 'send_notification' timed out after 50 ms context=.*"userId":"bob"/)).to.equal(true);
  });

  it('monitoring counts, lists, waits for and cancels tasks', async () => {
    const lines = await captureConsole(monitoring);
    expect(lines[0]).to.equal('Currently running 4 background tasks');
    expect(lines.filter((line) => line.startsWith('Task: '))).to.have.length(4);
    expect(lines).to.include('  Context: {"user":"alice"}');
    expect(lines).to.include('waitForAll: timeout, still running: long_poll');
    expect(lines).to.include('cancelAll cancelled 1 task(s); in flight now: 0');
    expect(lines.at(-1)).to.equal('shutdown: completed, 1 initial task(s), 0 remaining');
  });

  it('live-lifecycle prints every lifecycle event and running totals', async () => {
    const lines = await captureConsole(liveLifecycle);
    const events = lines.filter((line) => line.startsWith('#'));
    const sequence = events.map((line) => Number(line.slice(1, 3)));
    expect(sequence).to.deep.equal([...sequence].sort((a, b) => a - b));
    expect(events.some((line) => /one_too_many +dropped: overflow/.test(line))).to.equal(true);
    expect(events.some((line) => /flaky_call +failed: upstream returned 503/.test(line))).to.equal(true);
    expect(events.some((line) => /slow_report +timed out/.test(line))).to.equal(true);
    expect(events.some((line) => /user_export +cancelled: .*user pressed cancel/.test(line))).to.equal(true);
    expect(events.some((line) => /quick +completed in \d+ ms/.test(line))).to.equal(true);
    expect(lines).to.include('manager: shutdown');
    expect(lines.at(-1)).to.equal('shutdown: completed, initial=1 completed=1 remaining=0');
    expect(error.calledOnce).to.equal(true);
  });
});
