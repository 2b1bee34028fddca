/** Turns samples into the rows and target checks that `bench/index.ts` prints. */
import { bytes, duration, ratio } from './format';
import { max, median, min, pairedMedianRatio } from './stats';
import type { Timing } from './timing';
import type { Clock, ResultRow, TargetCheck } from './types';

/** A row of per-task timings: medians of the wall clock (and of CPU time). */
export function timingRow(label: string, timings: readonly Timing[], extra?: string): ResultRow {
  const wall = timings.map((timing) => timing.wallNs);
  return {
    label,
    median: median(wall),
    min: min(wall),
    max: max(wall),
    samples: wall.length,
    unit: 'ns',
    cpuMedian: median(timings.map((timing) => timing.cpuNs)),
    ...(extra !== undefined ? { extra } : {}),
  };
}

/** A row of per-task heap figures. */
export function bytesRow(label: string, values: readonly number[]): ResultRow {
  return { label, median: median(values), min: min(values), max: max(values), samples: values.length, unit: 'bytes' };
}

/** `subject` with its ratio to `base` (ratio of medians) printed on the line. */
export function compared(subject: ResultRow, base: ResultRow, baseName: string): ResultRow {
  const cpu =
    subject.cpuMedian !== undefined && base.cpuMedian !== undefined ? { cpuComparison: ratio(subject.cpuMedian / base.cpuMedian) } : {};
  return { ...subject, comparison: `${ratio(subject.median / base.median)} ${baseName}`, ...cpu };
}

/** A figure with its unit. */
export function figure(value: number, unit: ResultRow['unit']): string {
  return unit === 'ns' ? duration(value) : bytes(value);
}

/**
 * The check "`subject` costs at most `limit` times `base`", judged on the ratio of their medians on `clock`.
 * Given alongside: the median of the round-by-round (paired) ratios, the figure least sensitive to drift, and
 * the ratio on the other clock (CPU time being the figure least sensitive to other processes).
 */
export function ratioCheck(name: string, subject: readonly Timing[], base: readonly Timing[], limit: number, clock: Clock): TargetCheck {
  const read = (timing: Timing, which: Clock): number => (which === 'wall' ? timing.wallNs : timing.cpuNs);
  const medianOf = (timings: readonly Timing[], which: Clock): number => median(timings.map((timing) => read(timing, which)));
  const measured = medianOf(subject, clock) / medianOf(base, clock);
  const other: Clock = clock === 'wall' ? 'cpu' : 'wall';
  const paired = pairedMedianRatio(
    subject.map((timing) => read(timing, clock)),
    base.map((timing) => read(timing, clock)),
  );
  return {
    name,
    measured: ratio(measured),
    target: `<= ${ratio(limit)}`,
    detail: `${clock} ${duration(medianOf(subject, clock))} vs ${duration(medianOf(base, clock))}; paired ${ratio(paired)}`,
    otherClock: `${other} ${ratio(medianOf(subject, other) / medianOf(base, other))}`,
    pass: measured <= limit,
  };
}
