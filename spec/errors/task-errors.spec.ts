import { expect } from 'chai';
import {
  AgentflowError,
  TaskCancelledError,
  TaskDroppedError,
  TaskRejectedError,
  TaskTimeoutError,
} from '../../lib';

describe('errors', () => {
  describe('AgentflowError', () => {
    it('carries a code, its name and the cause', () => {
      const cause = new Error('root');
      const error = new AgentflowError('MANAGER_CLOSED', 'closed', { cause });
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal('AgentflowError');
      expect(error.code).to.equal('MANAGER_CLOSED');
      expect(error.message).to.equal('closed');
      expect(error.cause).to.equal(cause);
    });
  });

  describe('TaskTimeoutError', () => {
    it('names the task and the timeout', () => {
      const error = new TaskTimeoutError('send_email', 10_000);
      expect(error).to.be.instanceOf(AgentflowError);
      expect(error.name).to.equal('TaskTimeoutError');
      expect(error.code).to.equal('TASK_TIMEOUT');
      expect(error.taskName).to.equal('send_email');
      expect(error.timeoutMs).to.equal(10_000);
      expect(error.message).to.equal("Background task 'send_email' timed out after 10000 ms");
      expect(error.stack).to.contain('TaskTimeoutError');
    });
  });

  describe('TaskCancelledError', () => {
    it('keeps the reason as cause and says it in the message', () => {
      const error = new TaskCancelledError('sync', 'user logged out');
      expect(error).to.be.instanceOf(AgentflowError);
      expect(error.name).to.equal('TaskCancelledError');
      expect(error.code).to.equal('TASK_CANCELLED');
      expect(error.taskName).to.equal('sync');
      expect(error.cause).to.equal('user logged out');
      expect(error.message).to.equal("Background task 'sync' was cancelled: user logged out");
    });

    it("uses an Error cause's message, and says nothing more without a cause", () => {
      expect(new TaskCancelledError('sync', new Error('request closed')).message).to.equal(
        "Background task 'sync' was cancelled: request closed",
      );
      const bare = new TaskCancelledError('sync');
      expect(bare.message).to.equal("Background task 'sync' was cancelled");
      expect(bare.cause).to.equal(undefined);
    });
  });

  describe('TaskDroppedError', () => {
    it('says why the task was dropped', () => {
      const overflow = new TaskDroppedError('t', 'overflow');
      expect(overflow).to.be.instanceOf(AgentflowError);
      expect(overflow.name).to.equal('TaskDroppedError');
      expect(overflow.code).to.equal('TASK_DROPPED');
      expect(overflow.taskName).to.equal('t');
      expect(overflow.dropReason).to.equal('overflow');
      expect(overflow.message).to.contain("'t'").and.contain('maxPendingTasks');
      const shutdown = new TaskDroppedError('t', 'shutdown');
      expect(shutdown.dropReason).to.equal('shutdown');
      expect(shutdown.message).to.contain('shut down');
    });
  });

  describe('TaskRejectedError', () => {
    it('names the task and the tasks in flight, and says how to fix it', () => {
      const error = new TaskRejectedError('burst', 100);
      expect(error).to.be.instanceOf(AgentflowError);
      expect(error.name).to.equal('TaskRejectedError');
      expect(error.code).to.equal('TASK_REJECTED');
      expect(error.taskName).to.equal('burst');
      expect(error.pending).to.equal(100);
      expect(error.message).to.contain("'burst'").and.contain('100 tasks').and.contain('maxPendingTasks');
    });
  });
});
