import { expect } from 'chai';
import fc from 'fast-check';
import { TaskTally } from '../../../lib/tasks/internal/task-tally';
import type { FinalTaskStatus } from '../../../lib/tasks/task-status';

/*
 * Pins down TaskTally (lib/tasks/internal/task-tally.ts), the manager's running totals: recordCreated(),
 * recordSettled() per final status ('dropped' is recorded by recordDropped() instead), recordDropped() and the
 * `dropped` getter, snapshot(active), and mark()/since(), which say how many tasks reached each final status
 * since a mark (what shutdown() reports). A property checks snapshot() and since() against plain counters.
 */

describe('TaskTally', () => {
  it('starts at zero', () => {
    const tally = new TaskTally();

    expect(tally.snapshot(0)).to.deep.equal({ active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
    expect(tally.dropped).to.equal(0);
    expect(tally.mark()).to.deep.equal({ completed: 0, failed: 0, cancelled: 0, timedOut: 0 });
  });

  it('counts created tasks and each final status apart, and reports the active count it is given', () => {
    const tally = new TaskTally();
    for (let i = 0; i < 6; i++) tally.recordCreated();
    tally.recordSettled('completed');
    tally.recordSettled('completed');
    tally.recordSettled('failed');
    tally.recordSettled('cancelled');
    tally.recordSettled('timed_out');

    expect(tally.snapshot(1)).to.deep.equal({ active: 1, created: 6, completed: 2, failed: 1, cancelled: 1, timedOut: 1, dropped: 0 });
    expect(tally.snapshot(17).active).to.equal(17);
  });

  it('records a dropped task only through recordDropped(): recordSettled("dropped") counts nothing', () => {
    const tally = new TaskTally();
    tally.recordSettled('dropped');
    expect(tally.snapshot(0)).to.deep.equal({ active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });

    tally.recordDropped();
    tally.recordDropped();
    expect(tally.dropped).to.equal(2);
    expect(tally.snapshot(0).dropped).to.equal(2);
  });

  it('counts a shed task as dropped and, once it settles, as cancelled', () => {
    const tally = new TaskTally();
    tally.recordCreated();
    tally.recordDropped();
    tally.recordSettled('cancelled');

    expect(tally.snapshot(0)).to.deep.equal({ active: 0, created: 1, completed: 0, failed: 0, cancelled: 1, timedOut: 0, dropped: 1 });
  });

  it('gives a fresh snapshot each time, unaffected by later records', () => {
    const tally = new TaskTally();
    const before = tally.snapshot(0);
    tally.recordCreated();
    tally.recordSettled('failed');

    expect(before).to.deep.equal({ active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
    expect(tally.snapshot(0)).not.to.equal(before);
  });

  it('says how many tasks reached each final status since a mark, leaving out created and dropped', () => {
    const tally = new TaskTally();
    tally.recordSettled('completed');
    tally.recordSettled('failed');
    const mark = tally.mark();
    expect(mark).to.deep.equal({ completed: 1, failed: 1, cancelled: 0, timedOut: 0 });

    tally.recordCreated();
    tally.recordDropped();
    tally.recordSettled('completed');
    tally.recordSettled('cancelled');
    tally.recordSettled('cancelled');
    tally.recordSettled('timed_out');

    expect(tally.since(mark)).to.deep.equal({ completed: 1, failed: 0, cancelled: 2, timedOut: 1 });
    expect(mark).to.deep.equal({ completed: 1, failed: 1, cancelled: 0, timedOut: 0 });
    expect(tally.since(tally.mark())).to.deep.equal({ completed: 0, failed: 0, cancelled: 0, timedOut: 0 });
  });

  it('matches plain counters for any sequence of records, and since() any mark (property)', () => {
    /** A FinalTaskStatus stands for recordSettled(status); 'dropped' among them must count nothing. */
    type Step = 'recordCreated' | 'recordDropped' | 'mark' | FinalTaskStatus;
    const stepArb = fc.constantFrom<Step>('recordCreated', 'recordDropped', 'mark', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped');

    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), fc.nat(1_000), (steps, active) => {
        const tally = new TaskTally();
        const counts = { created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };
        let mark = tally.mark();
        let atMark = { completed: 0, failed: 0, cancelled: 0, timedOut: 0 };
        for (const step of steps) {
          if (step === 'recordCreated') {
            tally.recordCreated();
            counts.created++;
          } else if (step === 'recordDropped') {
            tally.recordDropped();
            counts.dropped++;
          } else if (step === 'mark') {
            mark = tally.mark();
            atMark = { completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled, timedOut: counts.timedOut };
          } else {
            tally.recordSettled(step);
            if (step === 'timed_out') counts.timedOut++;
            else if (step !== 'dropped') counts[step]++;
          }
        }

        expect(tally.snapshot(active)).to.deep.equal({ active, ...counts });
        expect(tally.dropped).to.equal(counts.dropped);
        expect(tally.since(mark)).to.deep.equal({
          completed: counts.completed - atMark.completed,
          failed: counts.failed - atMark.failed,
          cancelled: counts.cancelled - atMark.cancelled,
          timedOut: counts.timedOut - atMark.timedOut,
        });
      }),
    );
  });
});
