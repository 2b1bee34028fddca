/**
 * Measurement 8: the cost of redaction where data leaves the process. Create + settle of 20,000 tasks on a
 * manager with a subscribed server-sent-events stream (one client; every task event becomes a frame), each task
 * with a context of 10 fields, one of them nested, one of them secret. The floor is the same run with
 * `redact: false` (the frames are still JSON-safe copies, bounded; no rule runs). Target: at most 1.3x.
 *
 * The client is an in-memory response that takes every write at once, so the figure is the library's own cost,
 * not a socket's (a real socket would add the same cost to both cases and lower the ratio).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackgroundTaskManager, toServerSentEvents, type RedactOption, type TaskHandle } from '../lib';
import { silentLogger, verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { tenFieldContext } from './support/workloads';

const TASKS = 20_000;
const TARGET = 1.3;
const WITHOUT = 'SSE stream, redact: false';
const WITH = 'SSE stream, default redaction';
const SECRET = 'sk-proj-abc123def456ghi789jkl0mn';

/** An SSE client in memory: it counts what the handler writes. */
function memoryClient(): { readonly res: ServerResponse; readonly req: IncomingMessage; bytes(): number; secrets(): number } {
  let bytes = 0;
  let secrets = 0;
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    writeHead: (): unknown => res,
    write: (chunk: string): boolean => {
      bytes += chunk.length;
      if (chunk.includes(SECRET)) secrets++;
      return true;
    },
    end: (): unknown => {
      res.writableEnded = true;
      res.emit('close');
      return res;
    },
  });
  const req = Object.assign(new EventEmitter(), { method: 'GET', url: '/', httpVersionMajor: 1, headers: {} });
  return { res: res as unknown as ServerResponse, req: req as unknown as IncomingMessage, bytes: () => bytes, secrets: () => secrets };
}

/** One round: `tasks` tasks with contexts, every event written to one SSE client. */
async function sseCreateSettle(tasks: number, redact: RedactOption | undefined): Promise<Timing> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger, ...(redact === undefined ? {} : { redact }) });
  const handler = toServerSentEvents(manager, { lingerMs: 0, bufferSize: 16 });
  const client = memoryClient();
  handler(client.req, client.res);
  const contexts = Array.from({ length: tasks }, (_, index) => tenFieldContext(index, ['apiKey', SECRET]));
  const work = async (): Promise<void> => {
    await null;
  };

  const stopTiming = startTiming();
  let last: TaskHandle<void> | undefined;
  for (let index = 0; index < tasks; index++) last = manager.createTask(work, { name: 'sync', context: contexts[index] });
  await (last as TaskHandle<void>).done;
  // The handler writes each turn's frames when the turn ends: wait for that write, which is part of the cost.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const timing = stopTiming(tasks);

  verify(manager.getTaskCount() === 0, `${manager.getTaskCount()} tasks still in flight`);
  verify(client.bytes() > tasks * 3 * 300, `the stream got ${client.bytes()} bytes for ${tasks} tasks`);
  // The floor writes the secret in its frames; redaction in none (frames of one turn are written together).
  verify(redact === false ? client.secrets() > 0 : client.secrets() === 0, `the secret was written ${client.secrets()} times`);
  handler.close();
  await manager.shutdown();
  return timing;
}

export const redaction: Measurement = {
  id: 'redaction',
  title: `8. create + settle of ${TASKS.toLocaleString('en-US')} tasks with 10-field contexts on a subscribed SSE stream, redacted`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const samples = await interleave(
      [
        { label: WITHOUT, run: () => sseCreateSettle(TASKS, false), warmup: () => sseCreateSettle(warm, false) },
        { label: WITH, run: () => sseCreateSettle(TASKS, undefined), warmup: () => sseCreateSettle(warm, undefined) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'redaction' },
    );
    const withoutRow = timingRow(WITHOUT, samplesOf(samples, WITHOUT));
    const withRow = timingRow(WITH, samplesOf(samples, WITH));
    return {
      rows: [withoutRow, compared(withRow, withoutRow, 'redact: false')],
      checks: [ratioCheck('8. redaction vs none', samplesOf(samples, WITH), samplesOf(samples, WITHOUT), TARGET, options.clock)],
      notes: [],
    };
  },
};
