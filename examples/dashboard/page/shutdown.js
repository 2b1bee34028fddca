// The manager's ShutdownStats, once the page shut it down.
import { html } from '../vendor/preact-htm.js';
import { formatInteger } from './format.js';

const STAT_FIELDS = [
  ['initialTasks', 'initial tasks'],
  ['completedTasks', 'stopped in time'],
  ['remainingTasks', 'remaining'],
  ['durationMs', 'duration (ms)'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['timedOut', 'timed out'],
];

export function ShutdownStats({ state }) {
  const stats = state.stats;
  if (stats === undefined) return null;
  const remaining = stats.remaining ?? [];
  return html`<section id="shutdown-panel" class="panel shutdown-panel" aria-live="polite">
    <div class="panel-head">
      <h2>Shutdown stats</h2>
      <span id="shutdown-status" class="pill">${stats.status}</span>
    </div>
    <dl id="shutdown-stats" class="stats">
      ${STAT_FIELDS.map(([key, label]) => html`<div data-stat=${key}><dt>${label}</dt><dd>${formatInteger(stats[key])}</dd></div>`)}
    </dl>
    <p id="shutdown-remaining" class="muted">
      ${remaining.length === 0
        ? 'Every task stopped in time: nothing was left running.'
        : `Still running when shutdown gave up: ${remaining.map((task) => `${task.name} #${task.id}`).join(', ')}`}
    </p>
  </section>`;
}
