/**
 * The benchmark suite of issue 2's "Performance" section:
 * `npm run bench [-- [names...] [--quick] [--strict] [--cpu] [--rounds=N]]`.
 *
 * - names: run only these measurements (`create-settle`, `create-settle-timeout`, `scaling`, `shutdown`,
 *   `memory`, `subscribers`, `common-case`, `redaction`, `sse`, `sse-steady`, `redis-mirror`, `redis-ingest`,
 *   `open-telemetry`, `run-filters`, `run-tagging`, or their numbers 1-15; `sse` also selects `sse-steady`, the
 *   third part of its benchmark, `redis` selects 11 and 12, which need Redis at `REDIS_URL`, `otel` selects 13, and
 *   `runs` selects 14 and 15); all by default, in that order.
 * - `--quick`: one timed round each (a smoke run, well under a minute); the figures are indicative only.
 * - `--strict`: exit 1 if a target is missed (or a measurement fails); without it the exit code is 0 either way.
 * - `--cpu`: judge the time targets on the process's CPU time instead of the wall clock (both are always
 *   printed): on a machine busy with other processes, the CPU-time ratio is the steadier one.
 * - `--rounds=N`: N timed rounds for every measurement, overriding the defaults.
 *
 * Every measurement compares interleaved cases measured in this same run (A, B, then B, A, round after round), a
 * full GC before each run, and reports medians; a time target is judged on the median of the rounds' ratios.
 * Needs `node --expose-gc` (the npm script passes it).
 */
import os from 'node:os';
import { commonCase } from './common-case';
import { createSettle } from './create-settle';
import { createSettleTimeout } from './create-settle-timeout';
import { memory } from './memory';
import { openTelemetry } from './open-telemetry';
import { redaction } from './redaction';
import { runFilters } from './run-filters';
import { runTagging } from './run-tagging';
import { redisIngest } from './redis-ingest';
import { redisMirror } from './redis-mirror';
import { scaling } from './scaling';
import { shutdown } from './shutdown';
import { sse } from './sse';
import { sseSteady } from './sse-steady';
import { subscribers } from './subscribers';
import { duration, indent, table, type Align } from './support/format';
import { figure } from './support/report';
import type { BenchOptions, Clock, Measurement, MeasurementResult, TargetCheck } from './support/types';

const MEASUREMENTS: readonly Measurement[] = [
  createSettle,
  createSettleTimeout,
  scaling,
  shutdown,
  memory,
  subscribers,
  commonCase,
  redaction,
  sse,
  sseSteady,
  redisMirror,
  redisIngest,
  openTelemetry,
  runFilters,
  runTagging,
];

interface Cli {
  readonly options: BenchOptions;
  readonly strict: boolean;
  readonly selected: readonly Measurement[];
}

function usage(): string {
  return (
    'usage: npm run bench -- [names...] [--quick] [--strict] [--cpu] [--rounds=N]\n' +
    `  names: ${MEASUREMENTS.map((measurement, index) => `${measurement.id} (${index + 1})`).join(', ')};\n` +
    '  a group name (sse) selects every measurement of the group'
  );
}

/** Whether a command-line name selects a measurement: its id, its group or its number. */
function selects(name: string, measurement: Measurement, index: number): boolean {
  return name === measurement.id || name === measurement.group || name === String(index + 1);
}

function parseArgs(args: readonly string[]): Cli {
  let quick = false;
  let strict = false;
  let rounds: number | undefined;
  let clock: Clock = 'wall';
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--quick') quick = true;
    else if (arg === '--strict') strict = true;
    else if (arg === '--cpu') clock = 'cpu';
    else if (arg.startsWith('--rounds=')) {
      rounds = Number(arg.slice('--rounds='.length));
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a positive integer, got ${arg}\n${usage()}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n${usage()}`);
    else names.push(arg);
  }
  const selected =
    names.length === 0
      ? MEASUREMENTS
      : MEASUREMENTS.filter((measurement, index) => names.some((name) => selects(name, measurement, index)));
  const unknown = names.filter((name) => !MEASUREMENTS.some((measurement, index) => selects(name, measurement, index)));
  if (unknown.length > 0) throw new Error(`unknown measurement ${unknown.join(', ')}\n${usage()}`);
  return { options: { quick, rounds, clock }, strict, selected };
}

function printResult(result: MeasurementResult): void {
  const timed = result.rows.some((row) => row.unit === 'ns');
  const header = timed
    ? ['case', 'median wall/task', 'min', 'max', 'rounds', 'median cpu/task', 'ratio (medians)', 'cpu ratio', '']
    : ['case', 'median heap/task', 'min', 'max', 'rounds', 'ratio (medians)', ''];
  const rows = result.rows.map((row) => {
    const figures = [row.label, figure(row.median, row.unit), figure(row.min, row.unit), figure(row.max, row.unit), String(row.samples)];
    if (!timed) return [...figures, row.comparison ?? '', row.extra ?? ''];
    const cpu = row.cpuMedian !== undefined ? figure(row.cpuMedian, row.unit) : '';
    return [...figures, cpu, row.comparison ?? '', row.cpuComparison ?? '', row.extra ?? ''];
  });
  const align: Align[] = ['left', 'right', 'right', 'right', 'right', ...(timed ? (['right', 'left', 'right'] as const) : (['left'] as const))];
  console.log(indent(table(header, rows, align)));
  for (const check of result.checks) {
    const cpu = check.otherClock !== undefined ? `; ${check.otherClock}` : '';
    console.log(indent(`=> ${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.measured} (target ${check.target}; ${check.detail}${cpu})`));
  }
  for (const note of result.notes) console.log(indent(`note: ${note}`));
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (globalThis.gc === undefined) throw new Error('run with `node --expose-gc` (npm run bench does)');
  const cpus = os.cpus();
  console.log('agentflow-rx benchmark (issue 2, "Performance")');
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`,
  );
  console.log(
    `mode: ${cli.options.quick ? 'quick (smoke run: 1 round each, figures indicative only)' : 'full'}` +
      `${cli.options.rounds !== undefined ? `, ${cli.options.rounds} rounds each` : ''}; ` +
      `time targets judged on ${cli.options.clock === 'wall' ? 'the wall clock' : 'CPU time'}; ` +
      'medians over interleaved rounds (order alternating), full GC before every run; per-task cost in ns; table ratios are ' +
      'ratios of medians, targets are judged on the median of the rounds\' ratios\n',
  );

  const startedAt = performance.now();
  const summary: { measurement: Measurement; checks: readonly TargetCheck[]; error?: unknown }[] = [];
  for (const measurement of cli.selected) {
    console.log(measurement.title);
    const measurementStart = performance.now();
    try {
      const result = await measurement.run(cli.options);
      printResult(result);
      console.log(indent(`(${duration((performance.now() - measurementStart) * 1e6)})\n`));
      summary.push({ measurement, checks: result.checks });
    } catch (error) {
      console.log(indent(`ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
      summary.push({ measurement, checks: [], error });
    }
  }

  // A measurement that threw counts as one missed target.
  const rows: string[][] = [];
  let total = 0;
  let failed = 0;
  for (const entry of summary) {
    if (entry.error !== undefined) {
      const message = entry.error instanceof Error ? entry.error.message : String(entry.error);
      rows.push([entry.measurement.id, 'ERROR', '', '', '', message.split('\n')[0] ?? '']);
      total++;
      failed++;
      continue;
    }
    for (const check of entry.checks) {
      rows.push([check.name, check.pass ? 'PASS' : 'FAIL', check.measured, check.target, check.otherClock ?? '', check.detail]);
      total++;
      if (!check.pass) failed++;
    }
  }
  console.log(
    `Summary (node ${process.version}, ${os.cpus().length} cores, ${duration((performance.now() - startedAt) * 1e6)} in all, ` +
      `load average now ${os.loadavg().map((load) => load.toFixed(2)).join(' ')})`,
  );
  console.log(indent(table(['target', 'result', 'measured', 'target', 'other clock', 'detail'], rows, ['left', 'left', 'right', 'left', 'right'])));
  console.log(
    cli.options.clock === 'wall'
      ? '\nTime targets are judged on the median of the rounds\' wall-clock ratios. "other clock" is the same ratio on the process\'s CPU time, which\n' +
          'the machine\'s other load hardly touches: when the two disagree, the machine was busy (rerun, or judge with --cpu).'
      : '\nTime targets are judged on the median of the rounds\' CPU-time ratios (--cpu); "other clock" is the same ratio on the wall clock.',
  );
  console.log(`\n${total - failed} of ${total} targets met${failed > 0 ? `, ${failed} missed` : ''}.`);
  if (cli.strict && failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
