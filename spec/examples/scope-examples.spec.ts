import { expect } from 'chai';
import { main as langgraphBackgroundTasks } from '../../examples/langgraph-background-tasks';
import { main as requestScope } from '../../examples/request-scope';
import { captureConsole } from '../support/capture-console';

describe('examples (runs and scopes)', () => {
  it('langgraph-background-tasks streams the updates and the notification task’s lifecycle, tagged, and waits for it', async () => {
    const lines = await captureConsole(langgraphBackgroundTasks);
    expect(lines[0]).to.equal("in the node, the run's tasks in flight: 1");
    expect(lines.filter((line) => line.startsWith('update from '))).to.deep.equal(['update from respond', 'update from notify']);
    expect(lines.filter((line) => line.startsWith('task '))).to.deep.equal([
      'task send_notification created (thread thread-1, node notify)',
      'task send_notification started (thread thread-1, node notify)',
      'task send_notification completed (thread thread-1, node notify)',
    ]);
    expect(lines.at(-1)).to.equal('after the stream: 0 tasks of thread-1 in flight');
  });

  it("request-scope cancels a request's tasks when its client disconnects, and only those", async () => {
    const lines = await captureConsole(requestScope);
    expect(lines).to.deep.equal([
      'request scope: 2 tasks, 2 cancelled when the client disconnected, 0 completed',
      "the manager's other task: completed",
    ]);
  });
});
