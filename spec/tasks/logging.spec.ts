import { expect } from 'chai';
import log from 'loglevel';
import sinon from 'sinon';
import { BackgroundTaskManager, DEFAULT_LOGGER_NAME, getDefaultLogger } from '../../lib';
import { capturingLogger, deferred, nextTurn, stackFramesArgument, untilAborted, useFakeClock } from '../support/helpers';

describe('BackgroundTaskManager', () => {
  describe('logging', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
    });

    afterEach(() => {
      clock.restore();
    });

    it('logs a failure at ERROR with the task name, duration, error, context, and the error’s stack as text', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const boom = new Error('SMTP down');
      manager.createTask(() => new Promise((_, reject) => setTimeout(reject, 250, boom)), {
        name: 'send_email',
        context: { userId: 7 },
      });
      await Promise.resolve();
      await clock.tickAsync(250);
      const errors = captured.calls.filter((call) => call.level === 'error');
      expect(errors).to.have.length(1);
      const [call] = errors;
      expect(call?.message).to.contain("Background task 'send_email' failed");
      expect(call?.message).to.contain('250 ms');
      expect(call?.message).to.contain('SMTP down');
      expect(call?.message).to.contain('"userId":7');
      // The stack goes as text, never as the error object (whose getters the logger would run).
      expect(boom.stack).to.be.a('string');
      expect(call?.args).to.deep.equal([call?.message, stackFramesArgument(boom)]); // the header line is in the message
      await manager.shutdown();
    });

    it('logs a timeout at WARN as exactly "Background task \'send_email\' timed out after 10000 ms"', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      manager.createTask((signal) => untilAborted(signal), { name: 'send_email', timeoutMs: 10_000 });
      await Promise.resolve();
      await clock.tickAsync(10_000);
      expect(captured.messages('warn')).to.deep.equal(["Background task 'send_email' timed out after 10000 ms"]);
      expect(captured.messages('error')).to.deep.equal([]);
      await manager.shutdown();
    });

    it('starts the timeout warning with the same sentence when the task has a context, and names the context', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      manager.createTask((signal) => untilAborted(signal), { name: 'send_email', timeoutMs: 10_000, context: { userId: 'bob' } });
      await Promise.resolve();
      await clock.tickAsync(10_000);
      const [warning] = captured.messages('warn');
      expect(warning?.startsWith("Background task 'send_email' timed out after 10000 ms")).to.equal(true);
      expect(warning).to.contain('"userId":"bob"');
      await manager.shutdown();
    });

    it('logs completion and cancellation at DEBUG only', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const done = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 30)), { name: 'quick' });
      const cancelled = manager.createTask((signal) => untilAborted(signal), { name: 'abandoned' });
      await Promise.resolve();
      await clock.tickAsync(30);
      await done.done;
      cancelled.cancel('user left');
      const debug = captured.messages('debug');
      expect(debug.filter((message) => message.includes("'quick'") && message.includes('completed') && message.includes('30 ms'))).to.have.length(1);
      expect(debug.filter((message) => message.includes("'abandoned'") && message.includes('cancelled') && message.includes('user left'))).to.have.length(1);
      const louder = captured.calls.filter((call) => call.level !== 'debug' && call.level !== 'trace');
      expect(louder.filter((call) => call.message.includes("'quick'") || call.message.includes("'abandoned'"))).to.deep.equal([]);
      await manager.shutdown();
    });

    it('logs nothing for completions and cancellations at the default WARN level, and does not even build those messages', async () => {
      const captured = capturingLogger('warn');
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const toJSON = sinon.spy(() => ({ described: true }));
      manager.createTask(async () => 1, { context: { toJSON } });
      manager.createTask((signal) => untilAborted(signal), { context: { toJSON } }).cancel();
      await nextTurn();
      expect(captured.calls).to.deep.equal([]);
      expect(toJSON.called, 'the context was described for a log line nobody reads').to.equal(false);
      await manager.shutdown();
    });

    it('logs nothing and throws nothing for a failing task when the logger is silent', async () => {
      const captured = capturingLogger('silent');
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const outcome = await manager.createTask(async () => Promise.reject(new Error('quiet'))).done;
      expect(outcome.status).to.equal('failed');
      expect(captured.calls).to.deep.equal([]);
      await manager.shutdown();
    });

    it('logs the later outcome of detached work at DEBUG, never higher', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const work = deferred<string>();
      const handle = manager.createTask(() => work.promise, { name: 'detached_job', timeoutMs: 100 });
      await Promise.resolve();
      await clock.tickAsync(100);
      const before = captured.calls.length;
      work.resolve('finally');
      await nextTurn();
      const after = captured.calls.slice(before);
      expect(after).to.have.length(1);
      expect(after[0]?.level).to.equal('debug');
      expect(after[0]?.message).to.contain("'detached_job'").and.contain('timed out');
      expect(handle.status).to.equal('timed_out');
      await manager.shutdown();
    });

    it('logs a failure even when its context cannot be serialised', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const context = {
        get secret(): string {
          throw new Error('getter throws');
        },
      };
      const outcome = await manager.createTask(async () => Promise.reject(new Error('real failure')), { name: 'odd', context }).done;
      expect(outcome.status).to.equal('failed');
      const [message] = captured.messages('error');
      expect(message).to.contain("'odd'").and.contain('real failure');
      await manager.shutdown();
    });

    it('keeps a log line on one line whatever the task name holds', async () => {
      const captured = capturingLogger();
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      await manager.createTask(async () => Promise.reject(new Error('x')), { name: 'evil\nINFO forged line' }).done;
      const [message] = captured.messages('error');
      expect(message).not.to.contain('\n');
      expect(message).to.contain('evil');
      await manager.shutdown();
    });

    describe('drop warnings', () => {
      it('warns at most once per 5 s per manager, naming the task and the count, then says how many were held back', async () => {
        const captured = capturingLogger();
        const manager = new BackgroundTaskManager({ logger: captured.logger, maxPendingTasks: 1 });
        manager.createTask((signal) => untilAborted(signal), { name: 'blocker' });
        const drops = (): string[] => captured.messages('warn').filter((message) => message.includes('dropped'));

        manager.createTask(async () => 1, { name: 'first_refused' });
        expect(drops()).to.have.length(1);
        expect(drops()[0]).to.contain("'first_refused'").and.contain('1 tasks in flight');
        for (let i = 0; i < 20; i++) manager.createTask(async () => 1, { name: `refused_${i}` });
        expect(drops()).to.have.length(1);

        await clock.tickAsync(4_999);
        manager.createTask(async () => 1, { name: 'still_quiet' });
        expect(drops()).to.have.length(1);

        await clock.tickAsync(1);
        manager.createTask(async () => 1, { name: 'after_5s' });
        expect(drops()).to.have.length(2);
        expect(drops()[1]).to.contain("'after_5s'").and.contain('21');
        expect(manager.droppedCount).to.equal(23);
        await manager.shutdown();
      });

      it('rate-limits each manager on its own', () => {
        const captured = capturingLogger();
        const a = new BackgroundTaskManager({ logger: captured.logger });
        const b = new BackgroundTaskManager({ logger: captured.logger });
        void a.shutdown();
        void b.shutdown();
        a.createTask(async () => 1, { name: 'refused_by_a' });
        a.createTask(async () => 1, { name: 'refused_by_a_again' });
        b.createTask(async () => 1, { name: 'refused_by_b' });
        const drops = captured.messages('warn').filter((message) => message.includes('dropped'));
        expect(drops).to.have.length(2);
        expect(drops[0]).to.contain("'refused_by_a'").and.contain('shut down');
        expect(drops[1]).to.contain("'refused_by_b'");
      });

      it("warns about the task 'drop-oldest' sheds", async () => {
        const captured = capturingLogger();
        const manager = new BackgroundTaskManager({ logger: captured.logger, maxPendingTasks: 1, overflow: 'drop-oldest' });
        manager.createTask((signal) => untilAborted(signal), { name: 'old_one' });
        manager.createTask((signal) => untilAborted(signal), { name: 'new_one' });
        const drops = captured.messages('warn').filter((message) => message.includes('dropped'));
        expect(drops).to.have.length(1);
        expect(drops[0]).to.contain("'old_one'");
        await manager.shutdown();
      });
    });

    it('logs the shutdown summary: at INFO when everything stopped, at WARN when it gave up', async () => {
      const clean = capturingLogger();
      const first = new BackgroundTaskManager({ logger: clean.logger });
      first.createTask((signal) => untilAborted(signal));
      await first.shutdown();
      expect(clean.messages('info').filter((message) => message.includes('shut down'))).to.have.length(1);

      const stuck = capturingLogger();
      const second = new BackgroundTaskManager({ logger: stuck.logger });
      second.createTask(new Promise(() => undefined));
      await Promise.resolve();
      const stopping = second.shutdown({ timeoutMs: 10 });
      await clock.tickAsync(10);
      await stopping;
      expect(stuck.messages('warn').filter((message) => message.includes('shut down') && message.includes('1 still running'))).to.have.length(1);
    });

    describe('the default logger', () => {
      it("is loglevel's 'agentflow.utils' logger", () => {
        expect(DEFAULT_LOGGER_NAME).to.equal('agentflow.utils');
        expect(getDefaultLogger()).to.equal(log.getLogger('agentflow.utils'));
      });

      it('receives the manager’s log lines when no logger is given', async () => {
        const logger = getDefaultLogger();
        const error = sinon.stub(logger, 'error');
        try {
          const manager = new BackgroundTaskManager();
          await manager.createTask(async () => Promise.reject(new Error('to the default logger')), { name: 'defaulted' }).done;
          expect(error.calledOnce).to.equal(true);
          expect(String(error.firstCall.args[0])).to.contain("'defaulted'").and.contain('to the default logger');
          await manager.shutdown();
        } finally {
          error.restore();
        }
      });
    });
  });
});
