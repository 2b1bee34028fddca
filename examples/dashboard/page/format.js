// Text for the page: numbers, durations, times, a task's tags and context. Pure functions, no DOM.

const integerFormat = new Intl.NumberFormat('en-US');

/** 1234 → '1,234'; anything but a number → '–'. */
export function formatInteger(value) {
  return typeof value === 'number' && Number.isFinite(value) ? integerFormat.format(value) : '–';
}

/** Milliseconds as '850 ms', '4.2 s' or '3m 07s'. */
export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1_000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** An epoch time as 'hh:mm:ss' (local), with milliseconds when `precise`. */
export function formatTime(timestamp, precise = false) {
  const date = new Date(timestamp);
  const pad = (value, size = 2) => String(value).padStart(size, '0');
  const base = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return precise ? `${base}.${pad(date.getMilliseconds(), 3)}` : base;
}

/** Where a task was created: its node, thread and run (the run's id cut short unless `whole`). */
export function formatTags(task, whole = false) {
  const run = typeof task.runId === 'string' ? (whole || task.runId.length <= 12 ? task.runId : `${task.runId.slice(0, 8)}…`) : '';
  return [
    typeof task.nodeName === 'string' ? `node=${task.nodeName}` : '',
    typeof task.threadId === 'string' ? `thread=${task.threadId}` : '',
    run === '' ? '' : `run=${run}`,
  ]
    .filter(Boolean)
    .join('  ');
}

/** A context on one line: `key=value` pairs. */
export function formatContext(context) {
  if (context === null || typeof context !== 'object') return '';
  return Object.entries(context)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : safeJson(value)}`)
    .join('  ');
}

/** An error as 'Name: message'. */
export function errorText(error) {
  if (error === null || error === undefined) return '';
  if (typeof error === 'object') return error.message ? `${error.name ?? 'Error'}: ${error.message}` : safeJson(error);
  return String(error);
}

/**
 * A cancellation, timeout or drop reason. The row already names the task and the outcome, so the library's
 * "Background task 'name' was cancelled: why" keeps only "why".
 */
export function reasonText(reason) {
  const text = typeof reason === 'string' ? reason : reason !== null && typeof reason === 'object' && reason.message ? String(reason.message) : errorText(reason);
  // "Background task 'x' was cancelled: why", "Background tasks were cancelled: why" → "why"
  const message = text.replace(/^(?:\w*Error: )?Background tasks? (?:'[^']*' )?/, '');
  const why = /^(?:was|were) (?:cancelled|dropped)(?: \([^)]*\))?: (.+)$/.exec(message);
  return why === null ? message : why[1];
}

/** JSON text, or String() of what JSON refuses. */
export function safeJson(value, indent) {
  try {
    return JSON.stringify(value, null, indent) ?? '';
  } catch {
    return String(value);
  }
}

/** Status labels as the page shows them. */
export const STATUS_LABELS = {
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'timed out',
  dropped: 'dropped',
};
