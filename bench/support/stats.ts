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
 * The `q` quantile of `values` (0 <= q <= 1), interpolated between the two nearest ranks; NaN when empty.
 * Throws a `RangeError` for a `q` outside [0, 1].
 * `quantile(values, 0.5)` is the {@link median}.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Expected \`q\` to be between 0 and 1, got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (position - below);
}

/**
 * The round-by-round ratios `a[i] / b[i]` of two interleaved series (each pair ran back to back). Throws a
 * `RangeError` when the series differ in length or a ratio is not a finite number: a round that is missing or
 * measured nothing is not a sample to judge by.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`Expected two series of the same length, got ${a.length} and ${b.length} rounds`);
  const ratios: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const value = (a[i] as number) / (b[i] as number);
    if (!Number.isFinite(value)) throw new RangeError(`Expected round ${i + 1} to give a finite ratio, got ${a[i]} / ${b[i]}`);
    ratios.push(value);
  }
  return ratios;
}
