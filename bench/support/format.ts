/** Number and table formatting for the benchmark's output. */

/** `1234567.8` → `"1,234,568"`. */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

/** A duration given in nanoseconds, in the unit that reads best: `"850 ns"`, `"5.43 us"`, `"1.20 ms"`, `"2.31 s"`. */
export function duration(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} us`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

/** A size in bytes: `"812 B"`, `"1.53 KB"`, `"12.4 MB"` (1 KB = 1024 B). */
export function bytes(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const sign = value < 0 ? '-' : '';
  const size = Math.abs(value);
  if (size < 1024) return `${sign}${size.toFixed(0)} B`;
  if (size < 1024 * 1024) return `${sign}${(size / 1024).toFixed(2)} KB`;
  return `${sign}${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** A ratio: `"1.17x"`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : String(value);
}

/** A ratio to three decimals, for a figure judged against a target: `1.0994` → `"1.099x"` (never a rounded "1.10x"). */
export function preciseRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(3)}x` : String(value);
}

/** A percentage given as a fraction: `0.012` → `"+1.2%"`. */
export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
}

export type Align = 'left' | 'right';

/**
 * A plain-text table: a header row, a rule, then the rows; columns padded to their widest cell.
 *
 * @param align - per column; columns not given are left-aligned.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (align[column] === 'right' ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Indents every line of `text` by `spaces`. */
export function indent(text: string, spaces = 2): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? pad + line : line))
    .join('\n');
}
