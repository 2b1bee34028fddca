import { fullGc } from './env';

/** One contender of an interleaved comparison: `run()` performs one round and returns its sample. */
export interface BenchCase<T> {
  readonly label: string;
  /** One timed round; returns its sample (a per-task timing, a heap reading...). */
  run(): Promise<T>;
  /** An untimed, smaller round to warm the JIT up before the timed rounds (optional). */
  warmup?(): Promise<unknown>;
}

export interface InterleaveOptions {
  /** Timed rounds per case. */
  readonly rounds: number;
  /** Shown in the progress line. */
  readonly title: string;
}

/**
 * Runs the cases interleaved, a full GC before every run, so that every case sees the same heap and machine
 * state over the run. The order alternates from round to round, A, B, then B, A (A, B, C, then C, B, A for
 * three), so that no case always runs first, or always right after another: whatever one run leaves behind
 * for the next (work the collector still has to do, a cooling JIT, the machine's other load) falls on each
 * case alike. Warm-ups first, one per case.
 *
 * @returns the samples of each case, in round order, by label.
 */
export async function interleave<T>(cases: readonly BenchCase<T>[], options: InterleaveOptions): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(cases.map((benchCase) => [benchCase.label, []]));
  for (const benchCase of cases) {
    if (benchCase.warmup === undefined) continue;
    await fullGc(1);
    await benchCase.warmup();
  }
  for (let round = 0; round < options.rounds; round++) {
    progress(`${options.title}: round ${round + 1}/${options.rounds}`);
    for (const benchCase of round % 2 === 0 ? cases : [...cases].reverse()) {
      await fullGc(1);
      samples.get(benchCase.label)?.push(await benchCase.run());
    }
  }
  progress('');
  return samples;
}

/** The samples of `label`, which {@link interleave} ran. */
export function samplesOf<T>(samples: ReadonlyMap<string, T[]>, label: string): T[] {
  const found = samples.get(label);
  if (found === undefined) throw new Error(`no samples for case '${label}'`);
  return found;
}

/** How many tasks a warm-up round runs: a tenth of a timed round's, a fiftieth with `--quick`. */
export function warmupTasks(quick: boolean, tasks: number): number {
  return Math.round(tasks / (quick ? 50 : 10));
}

/** A progress line on stderr, only when it is a terminal (so that captured output stays clean). */
export function progress(text: string): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r\x1b[K${text}`);
}
