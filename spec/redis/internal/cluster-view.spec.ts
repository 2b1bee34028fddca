import { expect } from 'chai';
import fc from 'fast-check';
import { createEvent } from '../../../lib/publisher/create-event';
import { ClusterView, type ClusterViewLimits, type ViewChange } from '../../../lib/redis/internal/cluster-view';
import type { MirroredHeartbeat, MirroredTaskEvent, MirroredTaskInfo, StreamEntry } from '../../../lib/redis/stream-entry';
import type { TaskCounts } from '../../../lib/tasks/task-counts';
import type { TaskEventType } from '../../../lib/tasks/task-event';

/*
 * Pins down ClusterView (lib/redis/internal/cluster-view.ts), the cluster-wide task view a subscriber folds from
 * mirrored task events: counts per worker and in total; tasks in flight per worker (created -> pending,
 * started -> running, final -> gone); an entry of kind 'event' changes nothing; a cancelled task whose reason has
 * code 'TASK_DROPPED' counts as dropped too; the maxTrackedTasks bound evicts the oldest task and counts it in
 * `untracked`; and the ViewChange flags apply() returns. A property checks that the counts balance and the tasks
 * in flight match a model, whatever the interleaving of several workers' lifecycles.
 */

const ZERO: TaskCounts = { active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };

/** The totals of no task: the counts, and no task on a lost worker. */
const NO_TOTALS = { ...ZERO, lost: 0 };

const NONE: ViewChange = { counts: false, tasks: false, workers: false };
// A worker's counts are part of clusterWorkers$: a change of counts is a change of workers too.
const COUNTS: ViewChange = { counts: true, tasks: false, workers: true };
const TASKS: ViewChange = { counts: false, tasks: true, workers: false };
const BOTH: ViewChange = { counts: true, tasks: true, workers: true };

/** The view's limits with `maxTrackedTasks`, and workers that never expire within a spec. */
const limits = (maxTrackedTasks: number): ClusterViewLimits => ({
  maxTrackedTasks,
  workerTimeoutMs: 15_000,
  inactiveWorkerTtlMs: 600_000,
  maxInactiveWorkers: 1_000,
  maxWorkers: 10_000,
});

/** Each event of a task has its own `seq`, as a manager gives them: `(id + 1) * 10` plus its type's index here. */
const EVENT_TYPES: readonly TaskEventType[] = ['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'];

/** A mirrored task entry of `workerId` about task `id`. */
function task(workerId: string, type: TaskEventType, id: number, extra: Partial<MirroredTaskEvent> = {}): StreamEntry {
  const event: MirroredTaskEvent = { type, seq: (id + 1) * 10 + EVENT_TYPES.indexOf(type), timestamp: 1_000 + id, id, name: `task-${id}`, context: {}, ...extra };
  return { kind: 'task', streamId: `${id}-0`, workerId, event };
}

const eventEntry: StreamEntry = {
  kind: 'event',
  streamId: '1-0',
  workerId: 'w1',
  event: createEvent({ event: 'graph_execution', eventType: 'start', timestamp: 1 }),
};

describe('ClusterView', () => {
  it('starts with no worker, zero totals and no task', () => {
    const view = new ClusterView(limits(10));

    expect(view.counts()).to.deep.equal({ total: NO_TOTALS, workers: {} });
    expect(view.tasks()).to.deep.equal({ workers: {}, total: 0, untracked: 0 });
  });

  it('counts each worker apart, and the total as their sum', () => {
    const view = new ClusterView(limits(10));
    for (const entry of [
      task('w1', 'created', 1),
      task('w1', 'created', 2),
      task('w1', 'created', 3),
      task('w1', 'completed', 1),
      task('w1', 'failed', 2),
      task('w2', 'created', 1),
      task('w2', 'created', 2),
      task('w2', 'timed_out', 1),
      task('w2', 'cancelled', 2, { reason: { name: 'TaskCancelledError', message: 'x', code: 'TASK_CANCELLED' } }),
      task('w2', 'dropped', 3),
    ]) {
      view.apply(entry);
    }

    expect(view.counts()).to.deep.equal({
      total: { active: 1, created: 5, completed: 1, failed: 1, cancelled: 1, timedOut: 1, dropped: 1, lost: 0 },
      workers: {
        w1: { ...ZERO, active: 1, created: 3, completed: 1, failed: 1 },
        w2: { ...ZERO, created: 2, cancelled: 1, timedOut: 1, dropped: 1 },
      },
    });
  });

  it('lists a task from created (pending) through started (running) until its final event', () => {
    const view = new ClusterView(limits(10));
    const context = { runId: 'r1', orderId: 7 };

    view.apply(task('w1', 'created', 4, { name: 'fetch', timestamp: 5_000, timeoutMs: 300, context }));
    expect(view.tasks()).to.deep.equal({
      workers: { w1: [{ workerId: 'w1', id: 4, name: 'fetch', status: 'pending', createdAt: 5_000, timeoutMs: 300, context }] },
      total: 1,
      untracked: 0,
    });

    view.apply(task('w1', 'started', 4, { name: 'fetch', timestamp: 5_010 }));
    expect(view.tasks().workers['w1']).to.deep.equal([
      { workerId: 'w1', id: 4, name: 'fetch', status: 'running', createdAt: 5_000, timeoutMs: 300, context },
    ]);

    view.apply(task('w1', 'completed', 4, { durationMs: 20 }));
    expect(view.tasks()).to.deep.equal({ workers: { w1: [] }, total: 0, untracked: 0 });
  });

  it('lists each worker its own tasks, oldest first, and tells apart equal ids on different workers', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w1', 'created', 1));
    view.apply(task('w2', 'created', 1));
    view.apply(task('w1', 'created', 2));
    view.apply(task('w2', 'failed', 1, { error: { name: 'Error', message: 'boom' } }));

    const { workers, total } = view.tasks();

    expect(workers['w1']!.map((info) => info.id)).to.deep.equal([1, 2]);
    expect(workers['w2']).to.deep.equal([]);
    expect(total).to.equal(2);
  });

  it('ends a task in flight on any final event', () => {
    for (const type of ['completed', 'failed', 'cancelled', 'timed_out'] as const) {
      const view = new ClusterView(limits(10));
      view.apply(task('w1', 'created', 1));
      view.apply(task('w1', 'started', 1));

      expect(view.apply(task('w1', type, 1)), type).to.deep.equal(BOTH);
      expect(view.tasks().total, type).to.equal(0);
      expect(view.counts().total.active, type).to.equal(0);
    }
  });

  it('changes nothing for an entry of kind "event", not even the list of workers', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w2', 'created', 1));
    const counts = view.counts();
    const tasks = view.tasks();

    expect(view.apply(eventEntry)).to.deep.equal(NONE);
    expect(view.counts()).to.deep.equal(counts);
    expect(view.tasks()).to.deep.equal(tasks);
  });

  it('counts a cancelled task whose reason has code TASK_DROPPED as cancelled and dropped', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w1', 'created', 1));
    view.apply(task('w1', 'created', 2));
    view.apply(task('w1', 'created', 3));
    view.apply(task('w1', 'cancelled', 1, { reason: { name: 'TaskDroppedError', message: 'shed', code: 'TASK_DROPPED' } }));
    view.apply(task('w1', 'cancelled', 2, { reason: 'TASK_DROPPED' }));
    view.apply(task('w1', 'cancelled', 3, { reason: { name: 'TaskCancelledError', message: 'TASK_DROPPED', code: 'TASK_CANCELLED' } }));

    expect(view.counts().workers['w1']).to.deep.equal({ ...ZERO, created: 3, cancelled: 3, dropped: 1 });
  });

  it('counts a dropped task apart, without touching active or the tasks in flight', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w1', 'created', 1));

    expect(view.apply(task('w1', 'dropped', 2, { durationMs: 0 }))).to.deep.equal(COUNTS);
    expect(view.counts().workers['w1']).to.deep.equal({ ...ZERO, active: 1, created: 1, dropped: 1 });
    expect(view.tasks().total).to.equal(1);
  });

  it('lists a worker seen only through a dropped task, with no task', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w9', 'dropped', 1));

    expect(view.tasks()).to.deep.equal({ workers: { w9: [] }, total: 0, untracked: 0 });
    expect(view.counts().workers).to.deep.equal({ w9: { ...ZERO, dropped: 1 } });
  });

  it('never lets active go below 0 on a final event of a task it never saw created', () => {
    const view = new ClusterView(limits(10));

    expect(view.apply(task('w1', 'completed', 1))).to.deep.equal(BOTH);
    expect(view.counts().workers['w1']).to.deep.equal({ ...ZERO, completed: 1 });
  });

  it('ignores a started event of a task it does not list', () => {
    const view = new ClusterView(limits(10));

    expect(view.apply(task('w1', 'started', 1))).to.deep.equal(NONE);
    expect(view.tasks()).to.deep.equal({ workers: { w1: [] }, total: 0, untracked: 0 });
    expect(view.counts().workers['w1']).to.deep.equal(ZERO);
  });

  it('keeps at most maxTrackedTasks tasks, forgetting the oldest across workers and counting it as untracked', () => {
    const view = new ClusterView(limits(2));
    view.apply(task('w1', 'created', 1));
    view.apply(task('w2', 'created', 1));
    view.apply(task('w1', 'created', 2));

    expect(view.tasks()).to.deep.include({ total: 2, untracked: 1 });
    expect(view.tasks().workers['w1']!.map((info) => info.id)).to.deep.equal([2]);
    expect(view.tasks().workers['w2']!.map((info) => info.id)).to.deep.equal([1]);

    // The forgotten task still counts, and its events change no list.
    expect(view.apply(task('w1', 'started', 1))).to.deep.equal(NONE);
    view.apply(task('w1', 'completed', 1));
    expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 2, created: 3, completed: 1 });
    expect(view.tasks()).to.deep.include({ total: 2, untracked: 1 });

    view.apply(task('w2', 'created', 2));
    expect(view.tasks().untracked).to.equal(2);
    expect(view.tasks().workers['w2']!.map((info) => info.id)).to.deep.equal([2]);
  });

  it('with maxTrackedTasks 0 lists no task but still counts them', () => {
    const view = new ClusterView(limits(0));
    view.apply(task('w1', 'created', 1));

    expect(view.tasks()).to.deep.equal({ workers: { w1: [] }, total: 0, untracked: 1 });
    expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 1, created: 1 });
  });

  it('says what each entry changed', () => {
    const view = new ClusterView(limits(10));

    expect(view.apply(task('w1', 'created', 1))).to.deep.equal(BOTH);
    expect(view.apply(task('w1', 'started', 1))).to.deep.equal(TASKS);
    expect(view.apply(task('w1', 'started', 99))).to.deep.equal(NONE);
    expect(view.apply(task('w1', 'dropped', 2))).to.deep.equal(COUNTS);
    expect(view.apply(task('w1', 'completed', 1))).to.deep.equal(BOTH);
    expect(view.apply(eventEntry)).to.deep.equal(NONE);
  });

  it('gives frozen snapshots that later entries do not change', () => {
    const view = new ClusterView(limits(10));
    view.apply(task('w1', 'created', 1));
    const counts = view.counts();
    const tasks = view.tasks();

    view.apply(task('w1', 'started', 1));
    view.apply(task('w1', 'created', 2));

    expect(counts).to.deep.equal({ total: { ...NO_TOTALS, active: 1, created: 1 }, workers: { w1: { ...ZERO, active: 1, created: 1 } } });
    expect(tasks.total).to.equal(1);
    expect(tasks.workers['w1']!.map((info) => [info.id, info.status])).to.deep.equal([[1, 'pending']]);
    for (const frozen of [counts, counts.total, counts.workers, counts.workers['w1'], tasks, tasks.workers, tasks.workers['w1'], tasks.workers['w1']![0]]) {
      expect(Object.isFrozen(frozen)).to.equal(true);
    }
  });

  it('balances its counts and lists exactly the tasks in flight, whatever the interleaving (property)', () => {
    const FINALS = ['completed', 'failed', 'cancelled', 'timed_out'] as const;
    /** One task's lifecycle: created, maybe started, maybe a final event (shed tasks are cancelled with TASK_DROPPED). */
    const lifecycleArb = fc.record({
      worker: fc.constantFrom('w1', 'w2', 'w3'),
      started: fc.boolean(),
      final: fc.option(fc.constantFrom(...FINALS, 'shed' as const), { nil: undefined }),
    });
    const planArb = fc
      .array(lifecycleArb, { maxLength: 20 })
      .chain((lifecycles) => {
        const steps = lifecycles.flatMap((lifecycle, index) => {
          const count = 1 + (lifecycle.started ? 1 : 0) + (lifecycle.final === undefined ? 0 : 1);
          return Array.from({ length: count }, () => index);
        });
        // A random interleaving that keeps each task's own events in order.
        return fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }).map((order) => ({ lifecycles, order }));
      });

    fc.assert(
      fc.property(planArb, fc.integer({ min: 0, max: 25 }), ({ lifecycles, order }, maxTrackedTasks) => {
        const view = new ClusterView(limits(maxTrackedTasks));
        const progress = lifecycles.map(() => 0);
        const inFlight = new Set<number>();
        for (const index of order) {
          const lifecycle = lifecycles[index]!;
          const step = progress[index]!++;
          const types: string[] = ['created', ...(lifecycle.started ? ['started'] : []), ...(lifecycle.final === undefined ? [] : [lifecycle.final])];
          const type = types[step]!;
          if (type === 'created') inFlight.add(index);
          else if (type !== 'started') inFlight.delete(index);
          const entry =
            type === 'shed'
              ? task(lifecycle.worker, 'cancelled', index, { reason: { name: 'TaskDroppedError', message: 'shed', code: 'TASK_DROPPED' } })
              : task(lifecycle.worker, type as TaskEventType, index);
          view.apply(entry);
        }

        const { total } = view.counts();
        const finals = (type: string): number => lifecycles.filter((lifecycle) => lifecycle.final === type).length;
        expect(total).to.deep.equal({
          active: inFlight.size,
          created: lifecycles.length,
          completed: finals('completed'),
          failed: finals('failed'),
          cancelled: finals('cancelled') + finals('shed'),
          timedOut: finals('timed_out'),
          dropped: finals('shed'),
          lost: 0,
        });
        expect(total.created).to.equal(total.active + total.completed + total.failed + total.cancelled + total.timedOut);

        // Listed: tasks in flight only, at most maxTrackedTasks of them; all of them when none was forgotten.
        const tasks = view.tasks();
        const listed = Object.values(tasks.workers).flatMap((infos) => infos.map((info) => info.id));
        expect(listed).to.have.length(tasks.total);
        expect(tasks.total).to.be.at.most(Math.min(inFlight.size, maxTrackedTasks));
        for (const id of listed) expect(inFlight.has(id), `task ${id} is listed but not in flight`).to.equal(true);
        if (maxTrackedTasks >= lifecycles.length) {
          expect(tasks.untracked).to.equal(0);
          expect(listed.sort((a, b) => a - b)).to.deep.equal([...inFlight].sort((a, b) => a - b));
        } else {
          expect(tasks.total + tasks.untracked).to.be.at.least(inFlight.size);
        }
      }),
    );
  });

  describe('heartbeats and liveness', () => {
    /** A heartbeat of `workerId` at stream time `at`, saying `tasks` are in flight and reflecting events up to `seq`. */
    function heartbeat(
      workerId: string,
      at: number,
      { seq = 0, tasks = [] as number[], counts = {} as Partial<TaskCounts>, instance = 'i1' } = {},
    ): StreamEntry {
      const list: MirroredTaskInfo[] = tasks.map((id) => ({ id, name: `task-${id}`, status: 'running', createdAt: 1_000 + id, context: {} }));
      const beat: MirroredHeartbeat = {
        timestamp: at,
        heartbeatMs: 200,
        instance,
        seq,
        state: 'running',
        counts: { ...ZERO, active: tasks.length, created: tasks.length, ...counts },
        tasks: list,
        tasksOmitted: 0,
        control: false,
      };
      return { kind: 'heartbeat', streamId: `${at}-0`, workerId, heartbeat: beat };
    }
    const at = (entry: StreamEntry, time: number): StreamEntry => ({ ...entry, streamId: `${time}-0` });
    /** The viewer's clock when it reads an entry, in these specs: the time of its stream id. */
    const timeOf = (entry: StreamEntry): number => Number.parseInt(entry.streamId, 10);
    /** Applies `entry` as the viewer reads it at the time of its stream id. */
    const feed = (view: ClusterView, entry: StreamEntry): ViewChange => view.apply(entry, timeOf(entry));
    /** The last entry of `workerId`'s mirror (instance 'i1'), at stream time `at` (also its own clock). */
    const stoppedEntry = (
      workerId: string,
      at: number,
      { seq, state, counts }: { seq: number; state: 'running' | 'shutdown'; counts: TaskCounts },
    ): StreamEntry => ({ kind: 'worker_stopped', streamId: `${at}-0`, workerId, stopped: { timestamp: at, instance: 'i1', seq, state, counts } });
    const listed = (view: ClusterView, workerId: string): number[] => (view.tasks().workers[workerId] ?? []).map((info) => info.id);

    it('takes a heartbeat as the truth: counts and tasks replaced, phantoms of lost final events gone', () => {
      const view = new ClusterView(limits(100));
      // Three tasks created; the final events of 1 and 2 were lost on the way.
      for (const id of [1, 2, 3]) feed(view, at(task('w1', 'created', id), 10));
      expect(listed(view, 'w1')).to.deep.equal([1, 2, 3]);

      expect(feed(view, heartbeat('w1', 20, { seq: 99, tasks: [3], counts: { created: 3, completed: 2 } }))).to.deep.equal(BOTH);

      expect(listed(view, 'w1')).to.deep.equal([3]);
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 1, created: 3, completed: 2 });
      expect(view.workers()['w1']).to.deep.include({ status: 'alive', lastSeenAt: 20 });
    });

    it('ignores task events the last heartbeat already reflects (delivered again, or read late), and applies later ones', () => {
      const view = new ClusterView(limits(100));
      feed(view, heartbeat('w1', 20, { seq: 59, tasks: [4], counts: { created: 4, completed: 3 } }));
      // task(…, id) has seqs from (id + 1) * 10: task 4's events up to seq 59 are old news.
      expect(feed(view, at(task('w1', 'created', 4), 21))).to.deep.equal(NONE);
      expect(feed(view, at(task('w1', 'completed', 3), 21))).to.deep.equal(NONE);
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 1, created: 4, completed: 3 });

      feed(view, at(task('w1', 'created', 7), 22));
      feed(view, at(task('w1', 'completed', 7), 22));
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 1, created: 5, completed: 4 });
      expect(listed(view, 'w1')).to.deep.equal([4]);
    });

    it('ignores a copy of a task event applied since the last heartbeat (appended twice after a lost reply), and remembers a bounded number of them', () => {
      const view = new ClusterView(limits(100));
      feed(view, heartbeat('w1', 20, { seq: 0 }));
      for (const type of ['created', 'started', 'completed'] as const) {
        const entry = at(task('w1', type, 1), 21);
        const first = feed(view, entry);
        expect(feed(view, { ...entry, streamId: '22-0' }), `a copy of ${type} under another entry id`).to.deep.equal(NONE);
        expect(first).to.not.deep.equal(NONE);
      }
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, created: 1, completed: 1 });
      // 10,001 more events: the oldest seq is forgotten, the newest still recognised
      for (let id = 2; id <= 10_002; id++) feed(view, at(task('w1', 'dropped', id), 23));
      expect(feed(view, at(task('w1', 'dropped', 10_002), 24))).to.deep.equal(NONE);
      expect(view.counts().total.dropped).to.equal(10_001);
    });

    it('watches at most maxWorkers alive workers: a new one beyond makes the least recently seen one lost, counted', () => {
      const view = new ClusterView({ ...limits(100), maxWorkers: 3 });
      for (const [index, workerId] of ['w1', 'w2', 'w3'].entries()) feed(view, heartbeat(workerId, 10 + index, { tasks: [1] }));
      feed(view, heartbeat('w1', 20, { tasks: [1] })); // w1 seen again: w2 is now the least recently seen
      feed(view, heartbeat('w4', 21, { tasks: [1] }));
      const workers = view.workers();
      expect(Object.entries(workers).map(([id, info]) => `${id}:${info.status}`).sort()).to.deep.equal(['w1:alive', 'w2:lost', 'w3:alive', 'w4:alive']);
      expect(view.evictedWorkers).to.equal(1);
      expect(view.counts().total).to.include({ active: 3, lost: 1 });
      // 100,000 distinct ids later, still at most 3 alive (and the lost ones bounded by maxInactiveWorkers)
      for (let index = 0; index < 100_000; index++) feed(view, heartbeat(`flood-${index}`, 30));
      const statuses = Object.values(view.workers()).map((info) => info.status);
      expect(statuses.filter((status) => status === 'alive')).to.have.length(3);
      expect(statuses.length).to.be.at.most(3 + 1_000);
    });

    it('ignores a copy of the last heartbeat (a batch appended twice): the events applied since it keep counting', () => {
      const view = new ClusterView(limits(100));
      const beat = heartbeat('w1', 20, { seq: 5 });
      feed(view, beat);
      for (const type of ['created', 'started', 'completed'] as const) feed(view, at(task('w1', type, 1), 21));
      expect(feed(view, { ...beat, streamId: '22-0' })).to.deep.equal(NONE);
      for (const type of ['created', 'started', 'completed'] as const) feed(view, at(task('w1', type, 1), 22));
      expect(view.counts().total).to.include({ created: 1, completed: 1, active: 0 });
      // a later heartbeat with the same seq (nothing happened since) still keeps the worker alive
      expect(feed(view, heartbeat('w1', 30_000, { seq: 29, counts: { created: 1, completed: 1 } }))).to.not.deep.equal(NONE);
      expect(view.workers()['w1']?.lastSeenAt).to.equal(30_000);
    });

    it('does not let two mirrors under one workerId retire each other\'s counts back and forth (the first one replaced keeps out)', () => {
      const view = new ClusterView(limits(100));
      for (let round = 0; round < 10; round++) {
        feed(view, heartbeat('w1', 100 + round * 2, { instance: 'a', counts: { created: 2, completed: 2 } }));
        feed(view, heartbeat('w1', 101 + round * 2, { instance: 'b', counts: { created: 3, completed: 3 } }));
      }
      // a's counts retired once when b first appeared; b's counts are the worker's; nothing grows per round
      expect(view.counts().total).to.include({ created: 5, completed: 5 });
    });

    it('takes an entry as seen when Redis took it, if earlier: a late viewer reading an old heartbeat sees the worker lost at once', () => {
      const view = new ClusterView({ ...limits(100), workerTimeoutMs: 1_000 });
      view.apply(heartbeat('crashed', 10_000, { tasks: [1] }), 70_000); // written a minute before this viewer read it
      view.apply(heartbeat('alive', 69_900, { tasks: [2] }), 70_000);
      view.apply(heartbeat('ahead', 99_000, { tasks: [3] }), 70_000); // a stream id in the future counts as now
      view.expire(70_001);
      expect(view.workers()['crashed']?.status).to.equal('lost');
      expect(view.workers()['alive']?.status).to.equal('alive');
      expect(view.workers()['ahead']?.status).to.equal('alive');
      expect(view.expire(71_000)).to.deep.equal(BOTH);
      expect(view.workers()['ahead']?.status).to.equal('lost'); // seen at 70,000 by the viewer's clock, not at 99,000
    });

    it('marks a worker silent for workerTimeoutMs lost: its tasks leave the list, its active tasks move to total.lost', () => {
      const view = new ClusterView({ ...limits(100), workerTimeoutMs: 1_000 });
      feed(view, heartbeat('w1', 10_000, { tasks: [1, 2] }));
      feed(view, heartbeat('w2', 10_500, { tasks: [5] }));

      expect(view.expire(10_999)).to.deep.equal(NONE);
      expect(view.expire(11_000)).to.deep.equal(BOTH);

      expect(view.workers()['w1']?.status).to.equal('lost');
      expect(view.workers()['w2']?.status).to.equal('alive');
      expect(listed(view, 'w1')).to.deep.equal([]);
      expect(listed(view, 'w2')).to.deep.equal([5]);
      expect(view.counts().total).to.deep.include({ active: 1, lost: 2, created: 3 });
      expect(view.tasks().total).to.equal(1);
    });

    it('brings a lost worker back with its next entry, and its next heartbeat restores its tasks', () => {
      const view = new ClusterView({ ...limits(100), workerTimeoutMs: 1_000 });
      feed(view, heartbeat('w1', 10_000, { tasks: [1] }));
      view.expire(20_000);
      expect(view.workers()['w1']?.status).to.equal('lost');

      expect(feed(view, heartbeat('w1', 20_100, { tasks: [1, 2] }))).to.deep.equal(BOTH);
      expect(view.workers()['w1']?.status).to.equal('alive');
      expect(listed(view, 'w1')).to.deep.equal([1, 2]);
      expect(view.counts().total).to.deep.include({ active: 2, lost: 0 });
    });

    it('marks a worker whose mirror stopped as stopped, with its final counts and no task', () => {
      const view = new ClusterView(limits(100));
      feed(view, heartbeat('w1', 10, { tasks: [1] }));
      const stopped: StreamEntry = stoppedEntry('w1', 20, { seq: 0, state: 'shutdown', counts: { ...ZERO, created: 1, completed: 1 } });
      expect(view.apply(stopped)).to.deep.equal(BOTH);
      expect(view.workers()['w1']).to.deep.include({ status: 'stopped' });
      expect(listed(view, 'w1')).to.deep.equal([]);
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, created: 1, completed: 1 });
    });

    it('forgets lost and stopped workers after inactiveWorkerTtlMs and beyond maxInactiveWorkers: a stopped one’s finished tasks stay in the totals, a lost one’s leave them (it may come back and count them again)', () => {
      const view = new ClusterView({ ...limits(100), workerTimeoutMs: 1_000, inactiveWorkerTtlMs: 5_000, maxInactiveWorkers: 2 });
      for (const [index, workerId] of ['w1', 'w2', 'w3'].entries()) {
        view.apply(heartbeat(workerId, 10_000 + index, { tasks: [1], counts: { created: 3, completed: 2 } }), 10_000 + index);
      }
      const stopped: StreamEntry = stoppedEntry('w4', 10_003, { seq: 59, state: 'shutdown', counts: { ...ZERO, created: 4, completed: 4 } });
      view.apply(stopped, 10_003);
      view.expire(12_000); // w1-w3 lost after w4 stopped: of the four inactive, the two oldest (w4, w1) are forgotten at once
      expect(Object.keys(view.workers())).to.deep.equal(['w2', 'w3']);
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, created: 10, completed: 8, lost: 2 });

      view.expire(17_500); // 5 s after they became inactive
      expect(view.workers()).to.deep.equal({});
      expect(view.counts()).to.deep.equal({ total: { ...NO_TOTALS, created: 4, completed: 4 }, workers: {} });
    });

    it('judges liveness on the viewer’s clock: an entry with a stream id far in the future does not keep a worker alive', () => {
      const view = new ClusterView({ ...limits(100), workerTimeoutMs: 1_000 });
      view.apply(heartbeat('w1', 9_999_999_999_999, { tasks: [1] }), 10_000);
      expect(view.expire(11_001)).to.deep.equal(BOTH);
      expect(view.workers()['w1']?.status).to.equal('lost');
    });

    it('counts a stopped worker’s tasks still in flight as lost, not active: their outcome will never be read', () => {
      const view = new ClusterView(limits(100));
      const stopped: StreamEntry = stoppedEntry('w1', 20, { seq: 39, state: 'running', counts: { ...ZERO, active: 3, created: 3 } });
      view.apply(stopped, 20);
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, created: 3, lost: 3 });
    });

    it('ignores a heartbeat read after a newer one or after its instance stopped (claimed late), and brings no stopped worker back', () => {
      const view = new ClusterView(limits(100));
      const old = heartbeat('w1', 10, { seq: 29, tasks: [1, 2] });
      view.apply(heartbeat('w1', 20, { seq: 69, tasks: [], counts: { created: 2, completed: 2 } }), 20);
      expect(view.apply(old, 30)).to.deep.equal(NONE);
      expect(view.counts().workers['w1']).to.deep.equal({ ...ZERO, created: 2, completed: 2 });

      view.apply(
        stoppedEntry('w1', 40, { seq: 69, state: 'shutdown', counts: { ...ZERO, created: 2, completed: 2 } }),
        40,
      );
      expect(view.apply(heartbeat('w1', 35, { seq: 69, tasks: [] }), 50)).to.deep.equal(NONE);
      expect(view.apply(at(task('w1', 'created', 1), 36), 50)).to.deep.equal(NONE);
      expect(view.workers()['w1']?.status).to.equal('stopped');
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, created: 2, completed: 2 });
    });

    it('keeps what an earlier instance finished when the worker restarts under the same workerId', () => {
      const view = new ClusterView(limits(100));
      view.apply(heartbeat('w1', 10, { instance: 'first', seq: 400, tasks: [7], counts: { created: 11, completed: 10 } }), 10);
      view.apply(heartbeat('w1', 20, { instance: 'second', seq: 0, tasks: [] }), 20);
      view.apply(at(task('w1', 'created', 1), 21), 21); // seq 20: counted, though the first instance was at 400
      expect(view.counts().workers['w1']).to.deep.equal({ ...ZERO, active: 1, created: 1 });
      expect(view.counts().total).to.deep.equal({ ...NO_TOTALS, active: 1, created: 12, completed: 10 });
      expect(listed(view, 'w1')).to.deep.equal([1]);
    });

    it('converges to the workers’ own truth after any loss of entries, at their next heartbeats (property)', () => {
      const entryArb = fc.record({ worker: fc.constantFrom('w1', 'w2'), id: fc.integer({ min: 1, max: 8 }), final: fc.boolean(), kept: fc.boolean() });
      fc.assert(
        fc.property(fc.array(entryArb, { maxLength: 40 }), (steps) => {
          const view = new ClusterView(limits(100));
          const truth = new Map<string, { seq: number; inFlight: Set<number>; counts: TaskCounts }>();
          let time = 1;
          for (const step of steps) {
            const worker = truth.get(step.worker) ?? { seq: 0, inFlight: new Set<number>(), counts: { ...ZERO } };
            truth.set(step.worker, worker);
            const creating = !worker.inFlight.has(step.id);
            if (!creating && !step.final) continue;
            const counts = worker.counts as { -readonly [K in keyof TaskCounts]: number };
            if (creating) {
              worker.inFlight.add(step.id);
              counts.created++;
            } else {
              worker.inFlight.delete(step.id);
              counts.completed++;
            }
            counts.active = worker.inFlight.size;
            worker.seq++;
            const event: MirroredTaskEvent = { type: creating ? 'created' : 'completed', seq: worker.seq, timestamp: time, id: step.id, name: `task-${step.id}`, context: {} };
            if (step.kept) view.apply({ kind: 'task', streamId: `${time++}-0`, workerId: step.worker, event });
          }
          for (const [workerId, worker] of truth) {
            feed(view, heartbeat(workerId, time++, { seq: worker.seq, tasks: [...worker.inFlight], counts: worker.counts }));
          }
          for (const [workerId, worker] of truth) {
            expect(view.counts().workers[workerId]).to.deep.equal(worker.counts);
            expect(listed(view, workerId).sort((a, b) => a - b)).to.deep.equal([...worker.inFlight].sort((a, b) => a - b));
          }
        }),
      );
    });
  });
});
