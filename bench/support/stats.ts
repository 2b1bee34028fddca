/** Small statistics over benchmark samples. */

/** The median of `values` (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The smallest of `values`; NaN when empty. */
export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.min(...values);
}

/** The largest of `values`; NaN when empty. */
export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/**
 * The median of the round-by-round ratios `a[i] / b[i]` of two interleaved series: each pair ran back to
 * back, so this ratio is the least sensitive to the machine's state drifting during the run.
 */
export function pairedMedianRatio(a: readonly number[], b: readonly number[]): number {
  const count = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < count; i++) ratios.push((a[i] as number) / (b[i] as number));
  return median(ratios);
}
