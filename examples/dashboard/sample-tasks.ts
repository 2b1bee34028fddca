/**
 * The sample tasks the dashboard's buttons start: each kind shows one outcome a real application meets.
 *
 * Every sample honours its `AbortSignal`, so cancelling, a timeout and shutdown stop it at once: none of them
 * leaves detached work behind.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackgroundTaskManager, TaskContext } from '../../lib';

/** The kinds of sample the page offers, in the order of its buttons. */
export const SAMPLE_KINDS = ['quick', 'slow', 'failing', 'hanging', 'burst'] as const;

/** One kind of sample task. */
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** What starting a sample did, as `POST /samples/:kind` answers it. */
export interface SampleStartResult {
  readonly kind: SampleKind;
  /** Tasks the manager accepted. */
  readonly created: number;
  /** Tasks it refused (over `maxPendingTasks`, or after shutdown). */
  readonly dropped: number;
  /** The ids of the accepted tasks. */
  readonly ids: readonly number[];
}

/** One sample task to create: its work and its options. */
interface SampleSpec {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly context: TaskContext;
  readonly work: (signal: AbortSignal) => Promise<unknown>;
}

/** How many tasks one click starts, per kind. */
export const SAMPLE_SIZES: Readonly<Record<SampleKind, number>> = Object.freeze({
  quick: 10,
  slow: 3,
  failing: 3,
  hanging: 2,
  burst: 500,
});

/** The timeout of a `hanging` sample: it waits for nothing and ends as `timed_out`. */
export const HANGING_TIMEOUT_MS = 5_000;

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const UPSTREAM_ERRORS = ['upstream returned 503', 'connection reset by peer', 'invalid JSON in response'];

/** Whether `value` names a sample kind. */
export function isSampleKind(value: string): value is SampleKind {
  return (SAMPLE_KINDS as readonly string[]).includes(value);
}

/**
 * Starts one click's worth of `kind` samples on `manager`.
 *
 * @param manager - where the tasks run.
 * @param kind - which sample.
 * @returns how many tasks were accepted and refused.
 */
export function startSample(manager: BackgroundTaskManager, kind: SampleKind): SampleStartResult {
  const ids: number[] = [];
  let dropped = 0;
  for (let index = 0; index < SAMPLE_SIZES[kind]; index++) {
    const spec = sampleSpec(kind, index);
    const handle = manager.createTask(spec.work, {
      name: spec.name,
      context: spec.context,
      ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
    });
    if (handle.status === 'dropped') dropped++;
    else ids.push(handle.id);
  }
  return { kind, created: ids.length, dropped, ids };
}

/** The sample kind whose tasks are named `name`; `undefined` for a task that is not a sample. */
export function sampleKindOf(name: string): SampleKind | undefined {
  return SAMPLE_KINDS.find((kind) => sampleSpec(kind, 0).name === name);
}

/** The names of the sample tasks (their work is known here: they can be run again). */
export const SAMPLE_NAMES: readonly string[] = Object.freeze(SAMPLE_KINDS.map((kind) => sampleSpec(kind, 0).name));

/**
 * Runs one more task of `kind` ("run again" in a task's detail): the same name, work and timeout as the first
 * task of a click.
 *
 * @returns the new task's id, or `undefined` when the manager refused it.
 */
export function runSampleAgain(manager: BackgroundTaskManager, kind: SampleKind): number | undefined {
  const spec = sampleSpec(kind, 0);
  const handle = manager.createTask(spec.work, { name: spec.name, context: spec.context, ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }) });
  return handle.status === 'dropped' ? undefined : handle.id;
}

function sampleSpec(kind: SampleKind, index: number): SampleSpec {
  const user = USERS[index % USERS.length] as string;
  switch (kind) {
    case 'quick':
      return {
        name: 'send_email',
        timeoutMs: 10_000,
        context: { userId: user, template: 'welcome' },
        work: (signal) => sleep(between(300, 1_500), 'sent', { signal }),
      };
    case 'slow':
      return {
        name: 'build_report',
        timeoutMs: 60_000,
        context: { userId: user, report: `weekly-${index + 1}` },
        work: (signal) => sleep(between(20_000, 40_000), 'report.pdf', { signal }),
      };
    case 'failing':
      return {
        name: 'sync_crm',
        context: { userId: user, attempt: 1 },
        work: async (signal) => {
          await sleep(between(200, 900), undefined, { signal });
          throw new Error(UPSTREAM_ERRORS[index % UPSTREAM_ERRORS.length]);
        },
      };
    case 'hanging':
      return {
        name: 'call_webhook',
        timeoutMs: HANGING_TIMEOUT_MS,
        // The signing secret shows as [REDACTED] on the page, in the logs and in the shutdown statistics.
        context: { url: `https://hooks.example.test/${index + 1}`, signingSecret: `whsec_${index + 1}_k3ep-me-1n-the-process` },
        work: (signal) => untilAborted(signal),
      };
    case 'burst':
      return {
        name: 'index_document',
        timeoutMs: 30_000,
        context: { batch: 'burst', doc: index + 1 },
        work: (signal) => sleep(between(3_000, 8_000), undefined, { signal }),
      };
  }
}

/** Work that never settles on its own and rejects with the signal's reason once it aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function between(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}
