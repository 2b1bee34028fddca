/** Turns samples into the rows and target checks that `bench/index.ts` prints. */
import { bytes, duration, preciseRatio, ratio } from './format';
import { max, median, min, pairedRatios, quantile } from './stats';
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
 * The check "`subject` costs at most `limit` times `base`", judged on the median of the round-by-round ratios
 * on `clock`: each round ran the two cases back to back (in alternating order, see `interleave`), so each ratio
 * compares two runs made in the same machine state, and their median is the figure least sensitive to the
 * machine's speed drifting during the run. (The ratio of the two cases' own medians, judged before, pairs a
 * median from one part of the run with one from another: over twelve runs of measurement 15, 61 rounds each,
 * on a 2-core machine, it strayed from 0.99x to 1.13x while their paired medians stayed within 1.01x-1.08x.)
 * The judged figure is printed to three decimals, so that a printed figure never hides which side of the limit
 * it fell on. Given alongside: that ratio of medians, the middle half of the rounds' ratios (how far one round
 * strays), and the paired ratio on the other clock (CPU time being the figure least sensitive to other processes).
 */
export function ratioCheck(name: string, subject: readonly Timing[], base: readonly Timing[], limit: number, clock: Clock): TargetCheck {
  const medianOf = (timings: readonly Timing[], which: Clock): number => median(timings.map((timing) => read(timing, which)));
  const rounds = roundRatios(subject, base, clock);
  const measured = median(rounds);
  const other: Clock = clock === 'wall' ? 'cpu' : 'wall';
  const spread = rounds.length >= 4 ? `; middle half of rounds ${ratio(quantile(rounds, 0.25))}-${ratio(quantile(rounds, 0.75))}` : '';
  return {
    name,
    measured: preciseRatio(measured),
    target: `<= ${ratio(limit)}`,
    detail:
      `median of ${rounds.length === 1 ? "1 round's ratio" : `${rounds.length} rounds' ratios`} on the ${clock} clock; ${clock} ${duration(medianOf(subject, clock))} vs ` +
      `${duration(medianOf(base, clock))}, ratio of medians ${ratio(medianOf(subject, clock) / medianOf(base, clock))}${spread}`,
    otherClock: `${other} ${ratio(pairedMedian(subject, base, other))}`,
    pass: measured <= limit,
  };
}

/** The median of the round-by-round ratios `subject[i] / base[i]` on `clock`: the figure {@link ratioCheck} judges. */
export function pairedMedian(subject: readonly Timing[], base: readonly Timing[], clock: Clock): number {
  return median(roundRatios(subject, base, clock));
}

function roundRatios(subject: readonly Timing[], base: readonly Timing[], clock: Clock): number[] {
  return pairedRatios(
    subject.map((timing) => read(timing, clock)),
    base.map((timing) => read(timing, clock)),
  );
}

function read(timing: Timing, clock: Clock): number {
  return clock === 'wall' ? timing.wallNs : timing.cpuNs;
}
