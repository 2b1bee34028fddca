import { expect } from 'chai';
import { main as redisCluster } from '../../examples/redis-cluster';
import { captureConsole } from '../support/capture-console';
import { requireRedis } from '../support/redis';

describe('examples (Redis Streams)', () => {
  before(async function () {
    await requireRedis(this);
  });

  it('redis-cluster: three worker processes, one viewer, and the aggregated counts per worker and in total', async function () {
    this.timeout(60_000); // three child processes start ts-node
    const lines = await captureConsole(redisCluster);
    expect(lines).to.deep.equal([
      '3 workers ran and exited cleanly, each mirroring its tasks to one Redis stream',
      'worker-1: created 3, completed 3, failed 0, timed out 0, active 0',
      'worker-2: created 4, completed 3, failed 1, timed out 0, active 0',
      'worker-3: created 5, completed 4, failed 0, timed out 1, active 0',
      'cluster: created 12, completed 10, failed 1, timed out 1, active 0',
      'graph events seen: 6',
    ]);
  });
});
