import { expect } from 'chai';
import sinon from 'sinon';
import { BackgroundTaskManager, BasePublisher, createNodeExecutionEvent, publishEvent } from '../../lib';
import { getDefaultLogger } from '../../lib/logging/default-logger';
import { capturingLogger } from '../support/helpers';

/**
 * Regressions for the faults found while writing spec/tasks/faults.spec.ts: a thenable whose `then()` throws
 * left phantom detached work behind, and publishEvent's failure log line could be split by a node or run id.
 */
describe('fault regressions', () => {
  afterEach(() => {
    sinon.restore();
  });

  describe('work that returns a thenable whose then() throws synchronously', () => {
    // The first engine called promise.then(...) unguarded: the throw failed the task but left its work marked
    // "running" forever, listed as detached work and reported by shutdown as still running.
    const hostile = (): PromiseLike<never> => ({
      then(): never {
        throw new Error('hostile then');
      },
    });

    for (const form of ['returned by a function', 'given directly'] as const) {
      it(`fails the task and leaves no detached work behind (${form})`, async () => {
        const captured = capturingLogger();
        const manager = new BackgroundTaskManager({ logger: captured.logger });
        const handle = manager.createTask(form === 'given directly' ? hostile() : () => hostile(), { name: 'hostile' });
        const outcome = await handle.done;
        expect(outcome.status).to.equal('failed');
        expect(manager.detachedCount, 'detachedCount').to.equal(0);
        expect(manager.getTaskInfo(), 'getTaskInfo()').to.deep.equal([]);
        const stats = await manager.shutdown({ timeoutMs: 10 });
        expect(stats).to.deep.include({ status: 'completed', remainingTasks: 0 });
      });
    }
  });

  describe('publishEvent failure log line', () => {
    // lib/publisher/publish-event.ts:70-72 interpolates event.nodeName, runId and threadId raw into the ERROR
    // line, so a newline in any of them splits (or forges) log lines; task names go through quoteName() instead.
    it('stays on one line when the node name, run id or thread id holds newlines', async () => {
      const error = sinon.stub(getDefaultLogger(), 'error');
      const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const publisher = new (class extends BasePublisher {
        async publish(): Promise<void> {
          throw new Error('broker down');
        }
      })();
      publishEvent(
        createNodeExecutionEvent('node\nERROR forged line', 'error', { runId: 'run\r1', threadId: 'thread\n1' }),
        publisher,
        manager,
      );
      await manager.waitForAll();
      await manager.shutdown();
      expect(error.calledOnce).to.equal(true);
      expect(String(error.firstCall.args[0])).not.to.match(/[\n\r]/);
    });
  });
});
