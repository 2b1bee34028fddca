import { expect } from 'chai';
import { hideModulePrelude, runInChild } from '../support/run-in-child';

describe('the optional peer dependency @opentelemetry/api', () => {
  it('is loaded only by instrumentOpenTelemetry(), and its absence is a MissingPeerDependencyError naming the install command', async function () {
    this.timeout(30_000);
    const child = await runInChild(
      `
      ${hideModulePrelude('@opentelemetry/api', '@opentelemetry')}
      const lib = require('./lib');
      console.log('after importing the library: ' + loaded());
      const manager = new lib.BackgroundTaskManager();
      hidden = true;
      try {
        lib.instrumentOpenTelemetry(manager);
        console.log('no error');
      } catch (error) {
        console.log(JSON.stringify({ isMissing: error instanceof lib.MissingPeerDependencyError, packageName: error.packageName, installCommand: error.installCommand, message: error.message }));
      }
      hidden = false;
      const instrumentation = lib.instrumentOpenTelemetry(manager);
      console.log('after instrumenting: ' + loaded());
      instrumentation.stop();
      manager.shutdown().then(() => console.log('done'));
      `,
      25_000,
    );
    expect(child.stderr).to.equal('');
    const lines = child.stdout.trim().split('\n');
    expect(lines[0]).to.equal('after importing the library: false');
    expect(JSON.parse(lines[1] ?? '{}')).to.deep.equal({
      isMissing: true,
      packageName: '@opentelemetry/api',
      installCommand: 'npm install @opentelemetry/api',
      message:
        "instrumentOpenTelemetry() needs the optional peer dependency '@opentelemetry/api', which is not installed. " +
        'Install it next to agentflow-rx: `npm install @opentelemetry/api`.',
    });
    expect(lines.slice(2)).to.deep.equal(['after instrumenting: true', 'done']);
    expect(child.code).to.equal(0);
  });
});
