/** A size in bytes as people read it: `'512 B'`, `'64.0 KB'`, `'1.0 MB'` (powers of 1,024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** What replaces a value too large to send: `'[Truncated: 1.0 MB]'`, with its size. */
export function truncatedMarker(bytes: number): string {
  return `[Truncated: ${formatBytes(bytes)}]`;
}
