import { expect } from 'chai';
import log from 'loglevel';
import { BackgroundTaskManager } from '../../lib';
import { TaskRates, percentile } from '../../examples/dashboard/task-rates';

const quiet = log.getLogger('task-rates-spec');
quiet.setLevel('silent');

describe('examples/dashboard TaskRates', () => {
  let manager: BackgroundTaskManager;
  let rates: TaskRates | undefined;

  beforeEach(() => {
    manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: quiet });
  });

  afterEach(async () => {
    rates?.close();
    rates = undefined;
    await manager.shutdown({ timeoutMs: 1_000 });
  });

  it('counts per second the tasks created, completed and failed, with the p50 and p95 of their durations', async () => {
    let now = 1_700_000_000_000;
    rates = new TaskRates(manager, { windowS: 10, now: () => now });
    const done = Array.from({ length: 20 }, (_, index) =>
      manager.createTask(async () => (index % 4 === 0 ? Promise.reject(new Error('no')) : index), { name: 'work' }).done,
    );
    const timedOut = manager.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'slow', timeoutMs: 5 });
    await Promise.all([...done, timedOut.done]);
    now = Date.now();
    const series = rates.series();
    expect(series.t).to.have.length(10);
    expect(series.t[9]).to.equal(Math.floor(now / 1000));
    const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
    expect(sum(series.created)).to.equal(21);
    expect(sum(series.completed)).to.equal(15);
    expect(sum(series.failed), 'a timeout is not a failure').to.equal(5);
    const withDurations = series.p50Ms.filter((value) => value !== null);
    expect(withDurations.length).to.be.at.least(1);
    for (let index = 0; index < series.t.length; index++) {
      const finished = (series.completed[index] ?? 0) + (series.failed[index] ?? 0);
      expect(series.p50Ms[index] === null, `second ${index}: percentiles exactly where tasks finished`).to.equal(finished === 0);
      if (finished > 0) expect(series.p95Ms[index] as number).to.be.at.least(series.p50Ms[index] as number);
    }
  });

  it('gives every second of its window, up to now: zeros, and no percentile, where nothing happened', () => {
    let now = 1_700_000_000_000;
    rates = new TaskRates(manager, { windowS: 3, now: () => now });
    manager.createTask(async () => 1);
    now += 10_000;
    const series = rates.series();
    expect(series.t).to.deep.equal([0, 1, 2].map((offset) => Math.floor(now / 1000) - 2 + offset));
    expect(series.created).to.deep.equal([0, 0, 0]);
    expect(series.p50Ms).to.deep.equal([null, null, null]);
  });

  it('gives nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).to.equal(null);
    expect(percentile([7], 0.95)).to.equal(7);
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(hundred, 0.5)).to.equal(50);
    expect(percentile(hundred, 0.95)).to.equal(95);
    expect(percentile([1, 2, 3, 4], 0.5)).to.equal(2);
  });

  it('refuses a window or a sample cap that is not a positive integer, naming it', () => {
    expect(() => new TaskRates(manager, { windowS: 0 })).to.throw(RangeError, 'windowS');
    expect(() => new TaskRates(manager, { maxSamplesPerSecond: 2.5 })).to.throw(RangeError, 'maxSamplesPerSecond');
  });
});
