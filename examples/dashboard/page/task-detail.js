// A task's detail (#/task/<id>): every field, its lifecycle timeline with times, its error and stack, and its
// actions (cancel in flight; "run again" for the dashboard's sample tasks). The server's record (GET tasks/<id>)
// is read on opening and again when the task's status changes: it has the stack, which the stream does not carry.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../vendor/preact-htm.js';
import { getJson, post } from './api.js';
import { formatDuration, formatTime, safeJson, STATUS_LABELS } from './format.js';
import { CancelButton, applyFilters } from './task-list.js';

export function TaskDetail({ store, state, id }) {
  const live = state.inFlight.find((task) => task.id === id) ?? state.finished.get(id);
  const status = live?.status;
  const [record, setRecord] = useState(undefined);
  const [missing, setMissing] = useState(false);
  const heading = useRef(null);
  useEffect(() => {
    let current = true;
    getJson(`./tasks/${id}`).then(
      (answer) => current && (setRecord(answer), setMissing(false)),
      () => current && setMissing(true),
    );
    return () => {
      current = false;
    };
  }, [id, status]);
  // a layout effect: focus moves as the panel appears, not a frame later (a key pressed meanwhile went elsewhere)
  useLayoutEffect(() => {
    heading.current?.focus();
    const onKey = (event) => event.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id]);
  const task = record?.id === id && (status === undefined || record.status === status || !['pending', 'running'].includes(record.status)) ? record : live ?? record;
  return html`<div class="detail-backdrop" onClick=${(event) => event.target === event.currentTarget && close()}>
    <aside id="task-detail" class="panel detail" role="dialog" aria-modal="true" aria-labelledby="detail-title">
      <div class="panel-head">
        <h2 id="detail-title" tabindex="-1" ref=${heading}>Task #${id}${task ? ` · ${task.name}` : ''}</h2>
        <button type="button" class="btn btn-plain" id="detail-close" onClick=${close} aria-label="Close the task detail">✕</button>
      </div>
      ${task === undefined
        ? html`<p class="muted">${missing ? `Task #${id} is neither in flight nor kept in the history.` : 'Loading…'}</p>`
        : html`<${DetailBody} task=${task} store=${store} state=${state} />`}
    </aside>
  </div>`;
}

function close() {
  location.hash = '#/';
}

function DetailBody({ task, store, state }) {
  const inFlight = task.status === 'pending' || task.status === 'running';
  const sample = (state.info?.sampleNames ?? []).includes(task.name);
  const timeline = task.timeline ?? (task.createdAt === undefined ? [] : [{ type: 'created', at: task.createdAt }]);
  const start = timeline[0]?.at;
  const fields = [
    ['Status', html`<span class=${`status status-${task.status}`}>${STATUS_LABELS[task.status] ?? task.status}</span>`],
    ['Duration', inFlight ? `${formatDuration(Date.now() - (start ?? Date.now()))} so far` : formatDuration(task.durationMs)],
    ['Timeout', typeof task.timeoutMs === 'number' ? formatDuration(task.timeoutMs) : 'none'],
    ['Run', filterLink(task.runId, { runId: task.runId }, 'run')],
    ['Thread', filterLink(task.threadId, { threadId: task.threadId }, 'thread')],
    ['Node', task.nodeName ?? '—'],
    ['Name', filterLink(task.name, { name: task.name }, 'name')],
  ];
  return html`
    <dl class="fields">
      ${fields.map(([label, value]) => html`<div><dt>${label}</dt><dd data-field=${label.toLowerCase()}>${value}</dd></div>`)}
    </dl>
    <h3>Timeline</h3>
    <ol class="timeline" id="detail-timeline">
      ${timeline.map(
        (step) => html`<li data-type=${step.type}>
          <span class=${`status status-${step.type}`}>${STATUS_LABELS[step.type] ?? step.type}</span>
          <time datetime=${new Date(step.at).toISOString()}>${formatTime(step.at, true)}</time>
          ${start !== undefined && step.at !== start && html`<span class="muted">+${formatDuration(step.at - start)}</span>`}
        </li>`,
      )}
    </ol>
    ${task.error &&
    html`<h3>Error</h3>
      <p class="error-line" id="detail-error">${task.error.name}: ${task.error.message}</p>
      ${task.error.stack ? html`<pre class="stack" id="detail-stack">${task.error.stack}</pre>` : html`<p class="muted">Loading the stack…</p>`}`}
    ${task.reason && html`<h3>Reason</h3><p class="error-line" id="detail-reason">${task.reason}</p>`}
    <h3>Context</h3>
    <pre class="context" id="detail-context">${safeJson(task.context, 2)}</pre>
    <div class="detail-actions">
      ${inFlight && state.disconnectedAt === undefined && html`<${CancelButton} task=${task} store=${store} />`}
      ${!inFlight && sample && state.managerState === 'running' && html`<${RunAgain} task=${task} store=${store} />`}
      <a class="btn btn-plain" href=${`#/task/${task.id}`} id="detail-link">Link to this task</a>
    </div>
  `;
}

/** A value that, clicked, filters the list by it (and closes the detail to show it). */
function filterLink(value, patch, what) {
  if (value === undefined) return '—';
  const click = () => {
    applyFilters(patch);
    close();
  };
  return html`<button type="button" class="link" onClick=${click} title=${`list the tasks of this ${what}`}>${value}</button>`;
}

function RunAgain({ task, store }) {
  const [busy, setBusy] = useState(false);
  const click = () => {
    setBusy(true);
    post(`./tasks/${task.id}/retry`).then(
      (result) => {
        setBusy(false);
        store.setAction(`ran ${task.name} again: task #${result.id}`);
        location.hash = `#/task/${result.id}`;
      },
      (error) => {
        setBusy(false);
        store.setAction(error.message, true);
      },
    );
  };
  return html`<button type="button" class="btn" id="detail-retry" disabled=${busy} onClick=${click}>Run again</button>`;
}
