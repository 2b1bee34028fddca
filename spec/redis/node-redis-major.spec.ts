import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The installed node-redis version (the copy the library and these specs load). */
function installedRedisVersion(): string {
  const manifest = require.resolve('redis/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

describe('the node-redis majors the library supports', () => {
  it('declares node-redis 5 and 6 in its peer range, and the specs run with one of them', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies.redis).to.equal('^5.0.0 || ^6.0.0');
    const major = Number(installedRedisVersion().split('.')[0]);
    expect([5, 6]).to.include(major);
  });

  it('runs with the major CI asked for (EXPECT_REDIS_MAJOR), so that a second run with the other one is real', function () {
    const expected = process.env.EXPECT_REDIS_MAJOR;
    if (expected === undefined) this.skip();
    expect(installedRedisVersion().split('.')[0]).to.equal(expected);
  });
});
