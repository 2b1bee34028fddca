/** What the measurements take and give back to `bench/index.ts`. */

/** A clock for per-task time: see `timing.ts`. */
export type Clock = 'wall' | 'cpu';

/** Command-line choices that every measurement sees. */
export interface BenchOptions {
  /** Fewer rounds, for a smoke run. */
  readonly quick: boolean;
  /** Overrides each measurement's number of timed rounds (`--rounds=N`). */
  readonly rounds: number | undefined;
  /** Which clock the time targets are judged on: the wall clock (default) or the process's CPU time (`--cpu`). */
  readonly clock: Clock;
}

/** One line of a measurement's table: a case and its samples. */
export interface ResultRow {
  readonly label: string;
  /** The figure reported: the median of the samples. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
  /** How the figures read: `'ns'` per task (wall clock), or `'bytes'` per task. */
  readonly unit: 'ns' | 'bytes';
  /** For timings: the median CPU time per task (see `timing.ts`). */
  readonly cpuMedian?: number;
  /** Set on rows compared with another row: `"1.17x AC floor"`. */
  readonly comparison?: string;
  /** The same comparison on CPU time: `"1.08x"`. */
  readonly cpuComparison?: string;
  /** Anything else worth printing on the line (an absolute time, say). */
  readonly extra?: string;
}

/** One target of issue 2's "Performance" section, checked against this run's figures. */
export interface TargetCheck {
  /** Short, for the summary: `"1. create+settle vs AC floor"`. */
  readonly name: string;
  /** The measured figure, formatted: `"1.17x"`, `"812 B/task"`. */
  readonly measured: string;
  /** The target, formatted: `"<= 1.25x"`. */
  readonly target: string;
  /** The figures behind it, formatted: `"6.1 us vs 5.2 us"`. */
  readonly detail: string;
  /** For time ratios: the same ratio on the other clock, formatted, for information: `"cpu 1.08x"`. */
  readonly otherClock?: string;
  readonly pass: boolean;
}

/** What one measurement file reports. */
export interface MeasurementResult {
  readonly rows: readonly ResultRow[];
  readonly checks: readonly TargetCheck[];
  /** Free-form lines printed under the table (per-round paired ratios, sanity checks...). */
  readonly notes: readonly string[];
}

/** One measurement file's export. */
export interface Measurement {
  /** The name used on the command line: `scaling`. */
  readonly id: string;
  /** Another name that selects it on the command line, with the measurements it belongs with: `sse`. */
  readonly group?: string;
  readonly title: string;
  run(options: BenchOptions): Promise<MeasurementResult>;
}
