/**
 * Measurement 12: the cluster view's cost per entry read, with 1,000 and with 10,000 workers (issue 14: "flat
 * per-entry cost, 1k vs 10k workers within 1.5x"). The view first learns every worker from a heartbeat (untimed:
 * the steady state of a viewer that has been reading). Then each round decodes and applies 100,000 entries, as the
 * subscriber does after a read (`decodeStreamEntry()`, then the view's `apply()`, and its liveness check after
 * every 100 entries): task events (created, started, completed) spread over the workers round-robin, with a
 * heartbeat in place of every 50th entry, the same mix whatever the number of workers. The floor is the
 * 1,000-worker round; the figure is the 10,000-worker round's time per entry against it. No Redis is involved:
 * reading an entry costs the same whatever the number of workers.
 */
import { ClusterView } from '../lib/redis/internal/cluster-view';
import type { RawStreamEntry } from '../lib/redis/internal/redis-stream-replies';
import { decodeStreamEntry, encodeHeartbeatEntry, encodeTaskEventEntry } from '../lib/redis/internal/stream-entry-codec';
import { Redactor } from '../lib/redaction/redactor';
import { verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';

const ENTRIES = 100_000;
const TARGET = 1.5;
const ZERO = { active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };

function raw(id: string, fields: readonly string[]): RawStreamEntry {
  const map = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) map.set(fields[index] as string, fields[index + 1] as string);
  return { id, fields: map };
}

/** The raw entries of one round with `workers` workers, built before timing: first heartbeats, then the timed ones. */
function entriesFor(workers: number): { readonly setup: RawStreamEntry[]; readonly timed: RawStreamEntry[] } {
  const now = Date.now();
  let streamSeq = 0;
  const heartbeat = (worker: number, seq: number): RawStreamEntry =>
    raw(
      `${now}-${streamSeq++}`,
      encodeHeartbeatEntry(
        { timestamp: now + streamSeq, heartbeatMs: 5_000, instance: 'i', seq, state: 'running', counts: ZERO, tasks: [], tasksOmitted: 0, control: false },
        `worker-${worker}`,
        Redactor.DEFAULT,
      ),
    );
  const setup = Array.from({ length: workers }, (_, worker) => heartbeat(worker, 0));
  const timed: RawStreamEntry[] = [];
  const seqs = new Array<number>(workers).fill(0);
  const types = ['created', 'started', 'completed'] as const;
  for (let index = 0; timed.length < ENTRIES; index++) {
    const worker = index % workers;
    if (index % 50 === 49) {
      timed.push(heartbeat(worker, seqs[worker]!));
      continue;
    }
    const seq = ++seqs[worker]!;
    const id = Math.ceil(seq / 3);
    const event = { type: types[(seq - 1) % 3]!, seq, timestamp: now, id, name: 'bench', context: {}, timeoutMs: undefined };
    timed.push(raw(`${now}-${streamSeq++}`, encodeTaskEventEntry(event as never, `worker-${worker}`, Redactor.DEFAULT)));
  }
  return { setup, timed };
}

function ingestRound(entries: { readonly setup: RawStreamEntry[]; readonly timed: RawStreamEntry[] }, workers: number): Timing {
  const view = new ClusterView({ maxTrackedTasks: 10_000, workerTimeoutMs: 15_000, inactiveWorkerTtlMs: 600_000, maxInactiveWorkers: 1_000, maxWorkers: 10_000 });
  let now = Date.now();
  const apply = (entry: RawStreamEntry): void => {
    const decoded = decodeStreamEntry(entry);
    if ('entry' in decoded) view.apply(decoded.entry, now);
  };
  entries.setup.forEach(apply);
  const stop = startTiming();
  const { timed } = entries;
  for (let index = 0; index < timed.length; index++) {
    apply(timed[index] as RawStreamEntry);
    if (index % 100 === 99) view.expire((now = Date.now()));
  }
  const timing = stop(timed.length);
  verify(Object.keys(view.workers()).length === workers, `the view knows ${Object.keys(view.workers()).length} of ${workers} workers`);
  return timing;
}

export const redisIngest: Measurement = {
  id: 'redis-ingest',
  group: 'redis',
  title: `12. cluster view ingest of ${ENTRIES.toLocaleString('en-US')} entries: 10,000 workers vs 1,000 (per entry)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const few = entriesFor(1_000);
    const many = entriesFor(10_000);
    const FEW = '1,000 workers';
    const MANY = '10,000 workers';
    const samples = await interleave(
      [
        { label: FEW, run: async () => ingestRound(few, 1_000), warmup: async () => ingestRound({ setup: few.setup, timed: few.timed.slice(0, 20_000) }, 1_000) },
        { label: MANY, run: async () => ingestRound(many, 10_000), warmup: async () => ingestRound({ setup: many.setup, timed: many.timed.slice(0, 20_000) }, 10_000) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'cluster view ingest' },
    );
    const fewRow = timingRow(FEW, samplesOf(samples, FEW));
    const manyRow = timingRow(MANY, samplesOf(samples, MANY));
    return {
      rows: [fewRow, compared(manyRow, fewRow, '1,000 workers')],
      checks: [ratioCheck('12. view ingest, 10k vs 1k workers', samplesOf(samples, MANY), samplesOf(samples, FEW), TARGET, options.clock)],
      notes: [],
    };
  },
};
