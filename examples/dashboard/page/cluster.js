// Cluster mode only (GET info has `cluster`): every worker's counts and tasks in flight, read from Redis by the
// server and streamed at ./cluster/events: `cluster-counts` ({ total, workers }), `cluster-tasks` ({ inFlight,
// total, workers }) and `cluster-workers` ({ [workerId]: { status, lastSeenAt, control } }).
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { post } from './api.js';
import { formatInteger } from './format.js';

const KEYS = ['active', 'completed', 'failed', 'cancelled', 'timedOut', 'dropped'];

function useClusterStream(enabled) {
  const [view, setView] = useState({ connection: 'connecting', counts: undefined, workers: {}, tasks: { inFlight: {}, total: 0, workers: {} } });
  useEffect(() => {
    if (!enabled) return undefined;
    const source = new EventSource('./cluster/events');
    const patch = (part) => setView((previous) => ({ ...previous, ...part }));
    source.addEventListener('open', () => patch({ connection: 'open' }));
    source.addEventListener('error', () => patch({ connection: source.readyState === EventSource.CLOSED ? 'closed' : 'connecting' }));
    source.addEventListener('cluster-counts', (event) => patch({ counts: JSON.parse(event.data) }));
    source.addEventListener('cluster-workers', (event) => patch({ workers: JSON.parse(event.data) }));
    source.addEventListener('cluster-tasks', (event) => patch({ tasks: JSON.parse(event.data) }));
    const close = () => source.close();
    window.addEventListener('pagehide', close);
    return () => {
      window.removeEventListener('pagehide', close);
      source.close();
    };
  }, [enabled]);
  return view;
}

export function ClusterPanel({ store, state }) {
  const info = state.info?.cluster;
  const view = useClusterStream(info !== undefined);
  if (info === undefined) return null;
  const counts = view.counts;
  const ids = counts === undefined ? [] : Object.keys(counts.workers).sort((a, b) => a.localeCompare(b));
  const lost = counts?.total.lost ?? 0;
  const connection = view.connection === 'open' ? 'live' : view.connection === 'closed' ? 'disconnected' : 'reconnecting…';
  return html`<section id="cluster-panel" class="panel cluster-panel" aria-label="Cluster">
    <div class="panel-head">
      <h2>Cluster <span id="cluster-workers" class="pill">${formatInteger(ids.length)}</span></h2>
      <span class="muted hint">stream ${info.stream} on ${info.redis} · <span id="cluster-connection" class="cluster-connection" data-state=${view.connection}>${connection}</span></span>
    </div>
    <div class="cluster-wrap">
      <table class="cluster-table">
        <thead>
          <tr>
            <th scope="col" class="c-worker">Worker</th>
            <th scope="col" class="c-status">Status</th>
            <th scope="col">In flight</th>
            ${KEYS.map((key) => html`<th scope="col" data-kind=${key}>${key === 'timedOut' ? 'Timed out' : key[0].toUpperCase() + key.slice(1)}</th>`)}
          </tr>
        </thead>
        <tbody id="cluster-rows">
          ${ids.map((id) => html`<${ClusterRow} id=${id} self=${id === info.workerId} inFlight=${view.tasks.inFlight?.[id] ?? 0} counts=${counts.workers[id]} status=${view.workers[id]?.status ?? 'alive'} />`)}
        </tbody>
        <tfoot id="cluster-total">
          ${counts && html`<${ClusterRow} id="total" inFlight=${view.tasks.total} counts=${counts.total} status=${lost > 0 ? `${formatInteger(lost)} lost` : ''} />`}
        </tfoot>
      </table>
    </div>
    ${ids.length === 0 && html`<p id="cluster-empty" class="table-empty">No worker seen yet on the stream.</p>`}
    <${ClusterTasks} store=${store} view=${view} />
  </section>`;
}

function ClusterRow({ id, self, inFlight, counts, status }) {
  const name = id === 'total' ? html`<td>Total</td>` : html`<th scope="row" title=${id}>${id}</th>`;
  return html`<tr data-worker=${id} class=${self ? 'self' : ''}>
    ${name}
    <td data-key="status" data-status=${status}>${status}</td>
    <td data-key="inFlight">${formatInteger(inFlight)}</td>
    ${KEYS.map((key) => html`<td data-key=${key}>${formatInteger(counts[key])}</td>`)}
  </tr>`;
}

/** Every worker's tasks in flight, each with Cancel when its worker obeys commands (its mirror has control: true). */
function ClusterTasks({ store, view }) {
  const [cancelling, setCancelling] = useState(() => new Set());
  const rows = [];
  for (const workerId of Object.keys(view.tasks.workers ?? {}).sort((a, b) => a.localeCompare(b))) {
    for (const task of view.tasks.workers[workerId]) rows.push([workerId, task]);
  }
  if (rows.length === 0) return null;
  const cancel = (workerId, id) => {
    const key = `${workerId}/${id}`;
    setCancelling(new Set([...cancelling, key]));
    const done = () => setCancelling((previous) => new Set([...previous].filter((each) => each !== key)));
    post(`./cluster/workers/${encodeURIComponent(workerId)}/tasks/${id}/cancel`).then(
      () => (done(), store.setAction(`asked ${workerId} to cancel task #${id}`)),
      (error) => (done(), store.setAction(error.message, true)),
    );
  };
  return html`<div class="cluster-wrap cluster-tasks-wrap" id="cluster-tasks-wrap">
    <table class="cluster-table cluster-tasks">
      <caption>Tasks in flight on every worker (the oldest 50 of each)</caption>
      <thead>
        <tr><th scope="col" class="c-worker">Worker</th><th scope="col">Task</th><th scope="col" class="c-status">Status</th><th scope="col">Age</th><th scope="col"><span class="sr-only">Cancel</span></th></tr>
      </thead>
      <tbody id="cluster-task-rows">
        ${rows.map(([workerId, task]) => {
          const worker = view.workers[workerId];
          const why = worker === undefined || worker.status !== 'alive' ? `worker ${worker?.status ?? 'unknown'}` : worker.control ? undefined : 'this worker does not take commands (its mirror runs without control: true)';
          const key = `${workerId}/${task.id}`;
          return html`<tr data-worker=${workerId} data-task=${task.id}>
            <td title=${workerId}>${workerId}</td>
            <td>#${task.id} ${task.name}</td>
            <td data-key="status">${task.status}</td>
            <td>${formatAge(Date.now() - task.createdAt)}</td>
            <td>
              <button type="button" class="row-cancel cluster-cancel" data-worker=${workerId} data-id=${task.id} disabled=${why !== undefined || cancelling.has(key)} title=${why ?? `cancel task #${task.id} on ${workerId}`} aria-label=${`Cancel task ${task.id} on ${workerId}`} onClick=${() => cancel(workerId, task.id)}>
                ${cancelling.has(key) ? '…' : 'Cancel'}
              </button>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function formatAge(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}
