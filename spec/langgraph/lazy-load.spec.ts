import { expect } from 'chai';
import { hideModulePrelude, runInChild } from '../support/run-in-child';

describe('the optional peer dependency @langchain/langgraph', () => {
  it('is loaded only by withBackgroundTasks(), and its absence is a MissingPeerDependencyError naming the install command', async function () {
    this.timeout(30_000);
    const child = await runInChild(
      `
      ${hideModulePrelude('@langchain/langgraph', '@langchain')}
      const lib = require('./lib');
      const adapter = require('./lib/langgraph');
      console.log('after importing the library and the adapter: ' + loaded());
      const manager = new lib.BackgroundTaskManager();
      const graph = { invoke: async () => ({}), stream: async () => [] };
      hidden = true;
      try {
        adapter.withBackgroundTasks(graph, manager);
        console.log('no error');
      } catch (error) {
        console.log(JSON.stringify({ isMissing: error instanceof lib.MissingPeerDependencyError, packageName: error.packageName, installCommand: error.installCommand }));
      }
      hidden = false;
      adapter.withBackgroundTasks(graph, manager);
      console.log('after wrapping: ' + loaded());
      manager.shutdown().then(() => console.log('done'));
      `,
      25_000,
    );
    expect(child.stderr).to.equal('');
    const lines = child.stdout.trim().split('\n');
    expect(lines[0]).to.equal('after importing the library and the adapter: false');
    expect(JSON.parse(lines[1] ?? '{}')).to.deep.equal({
      isMissing: true,
      packageName: '@langchain/langgraph',
      installCommand: 'npm install @langchain/langgraph @langchain/core',
    });
    expect(lines.slice(2)).to.deep.equal(['after wrapping: true', 'done']);
    expect(child.code).to.equal(0);
  });
});
