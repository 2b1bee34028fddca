import { expect } from 'chai';
import { BackgroundTaskManager } from '../../lib';

describe('BackgroundTaskManager (smoke)', () => {
  it('runs a task to completion', async () => {
    const manager = new BackgroundTaskManager();
    const handle = manager.createTask(async () => 42, { name: 'answer' });
    expect(handle.status).to.equal('pending');
    expect(await handle.result()).to.equal(42);
    expect(handle.status).to.equal('completed');
    await manager.shutdown();
  });
});
