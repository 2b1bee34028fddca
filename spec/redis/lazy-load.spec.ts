import { expect } from 'chai';
import { runInChild } from '../support/run-in-child';

/** Script code that defines `redisLoaded()`: whether any module of `redis` (or its `@redis/*` parts) is loaded. */
const REDIS_LOADED = String.raw`
  const redisLoaded = () => Object.keys(require.cache).some((file) => /[\/]node_modules[\/](redis|@redis)[\/]/.test(file));
`;

describe('the optional peer dependency redis', () => {
  it('is not loaded by importing the library, only when a Redis Streams class is created', async function () {
    this.timeout(30_000);
    const child = await runInChild(
      `
      ${REDIS_LOADED}
      const lib = require('./lib');
      console.log('after importing the library: ' + redisLoaded());
      const publisher = new lib.RedisStreamsPublisher({ url: 'redis://127.0.0.1:6390' });
      console.log('after creating a publisher: ' + redisLoaded());
      publisher.close().then(() => console.log('closed'));
      `,
      25_000,
    );
    expect(child.stderr).to.equal('');
    expect(child.stdout.trim().split('\n')).to.deep.equal([
      'after importing the library: false',
      'after creating a publisher: true',
      'closed',
    ]);
    expect(child.code).to.equal(0);
  });

  it('throws a MissingPeerDependencyError naming the package and the install command when it is not installed', async function () {
    this.timeout(30_000);
    const child = await runInChild(
      `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'redis') {
          const error = new Error("Cannot find module 'redis'");
          error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return resolve.call(this, request, ...rest);
      };
      const lib = require('./lib');
      for (const create of [() => new lib.RedisStreamsPublisher(), () => new lib.RedisStreamsSubscriber({ group: 'g', consumer: 'c' })]) {
        try {
          create();
          console.log('no error');
        } catch (error) {
          console.log(JSON.stringify({
            isMissing: error instanceof lib.MissingPeerDependencyError,
            name: error.name,
            code: error.code,
            packageName: error.packageName,
            installCommand: error.installCommand,
            message: error.message,
          }));
        }
      }
      // with a client of your own, the package is never required
      const client = { sendCommand() {}, duplicate() {}, on() {}, off() {}, isReady: false };
      new lib.RedisStreamsPublisher({ client });
      console.log('a publisher with a client of your own needs no require');
      `,
      25_000,
    );
    expect(child.stderr).to.equal('');
    const lines = child.stdout.trim().split('\n');
    expect(lines).to.have.length(3);
    for (const [index, feature] of ['RedisStreamsPublisher', 'RedisStreamsSubscriber'].entries()) {
      expect(JSON.parse(lines[index] ?? '{}')).to.deep.equal({
        isMissing: true,
        name: 'MissingPeerDependencyError',
        code: 'PEER_DEPENDENCY_MISSING',
        packageName: 'redis',
        installCommand: 'npm install redis@^6',
        message:
          `${feature} needs the optional peer dependency 'redis', which is not installed. ` +
          'Install it next to agentflow-rx: `npm install redis@^6`.',
      });
    }
    expect(lines[2]).to.equal('a publisher with a client of your own needs no require');
  });
});
