// The tasks: status tabs with their counts, filters (name, run, thread, internal tasks), a text search, and a
// paged list. Each tab's number is the number of rows it lists under the same filters. A row links to its detail
// (#/task/<id>).
import { html, useEffect, useLayoutEffect, useMemo, useState } from '../vendor/preact-htm.js';
import { post } from './api.js';
import { errorText, formatContext, formatDuration, formatInteger, formatTags, formatTime, STATUS_LABELS } from './format.js';
import { NO_FILTERS, TABS, namesSeen, rowsOf, tabCounts } from './query.js';

const PAGE_SIZE = 50;
const TAB_LABELS = { in_flight: 'In flight', failed: 'Failed', timed_out: 'Timed out', cancelled: 'Cancelled', dropped: 'Dropped', completed: 'Completed' };
const TOTAL_KEYS = { failed: 'failed', timed_out: 'timed_out', cancelled: 'cancelled', dropped: 'dropped', completed: 'completed' };

/** The list's state (tab, filters, page) from the address's query: a reload or a shared link keeps it. */
function readListState() {
  const params = new URLSearchParams(location.search);
  const tab = TABS.includes(params.get('tab')) ? params.get('tab') : 'in_flight';
  const filters = {
    name: params.get('name') ?? '',
    runId: params.get('run') ?? '',
    threadId: params.get('thread') ?? '',
    text: params.get('q') ?? '',
    showInternal: params.get('internal') === '1',
  };
  const page = Math.max(0, Number.parseInt(params.get('page') ?? '1', 10) - 1 || 0);
  return { tab, filters, page };
}

function writeListState(tab, filters, page) {
  const params = new URLSearchParams();
  if (tab !== 'in_flight') params.set('tab', tab);
  if (filters.name !== '') params.set('name', filters.name);
  if (filters.runId !== '') params.set('run', filters.runId);
  if (filters.threadId !== '') params.set('thread', filters.threadId);
  if (filters.text !== '') params.set('q', filters.text);
  if (filters.showInternal) params.set('internal', '1');
  if (page > 0) params.set('page', String(page + 1));
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${query === '' ? '' : `?${query}`}${location.hash}`);
}

/** Applies filters from elsewhere on the page (a detail's "filter by this run"): the list listens for it. */
export function applyFilters(patch) {
  window.dispatchEvent(new CustomEvent('agentflow-filters', { detail: patch }));
}

export function TaskList({ store, state }) {
  const initial = useMemo(readListState, []);
  const [tab, setTab] = useState(initial.tab);
  const [filters, setFilters] = useState({ ...NO_FILTERS, ...initial.filters });
  const [pageIndex, setPageIndex] = useState(initial.page);
  // a layout effect: the address follows a click at once, not after the next paint (a reload meanwhile lost it)
  useLayoutEffect(() => writeListState(tab, filters, pageIndex), [tab, filters, pageIndex]);
  useEffect(() => {
    const onFilters = (event) => {
      setFilters((previous) => ({ ...previous, ...event.detail }));
      setPageIndex(0);
    };
    window.addEventListener('agentflow-filters', onFilters);
    return () => window.removeEventListener('agentflow-filters', onFilters);
  }, []);
  const isInternal = store.isInternal;
  const counts = tabCounts(state, filters, isInternal);
  const rows = rowsOf(state, tab, filters, isInternal);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(pageIndex, pages - 1);
  const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const update = (patch) => {
    setFilters({ ...filters, ...patch });
    setPageIndex(0);
  };
  const now = Date.now();
  return html`
    <section class="panel tasks-panel" aria-label="Tasks">
      <div class="tabs" role="tablist" aria-label="Tasks by status">
        ${TABS.map(
          (key) => html`<button
            type="button"
            role="tab"
            id=${`tab-${key}`}
            class="tab"
            data-status=${key}
            aria-selected=${tab === key ? 'true' : 'false'}
            onClick=${() => {
              setTab(key);
              setPageIndex(0);
            }}
          >
            <span class="tab-label">${TAB_LABELS[key]}</span>
            <span class="tab-count" data-count=${counts[key]}>${formatInteger(counts[key])}</span>
            ${key !== 'in_flight' && html`<${SinceStart} state=${state} status=${TOTAL_KEYS[key]} showInternal=${filters.showInternal} kept=${counts[key]} filtered=${filtersActive(filters)} />`}
          </button>`,
        )}
      </div>
      <${Filters} state=${state} filters=${filters} update=${update} isInternal=${isInternal} />
      <div class="task-list" role="table" aria-label=${`${TAB_LABELS[tab]} tasks`}>
        <div class="task-row task-head" role="row">
          <span class="c-id" role="columnheader">ID</span>
          <span class="c-name" role="columnheader">Name</span>
          <span class="c-status" role="columnheader">Status</span>
          <span class="c-time" role="columnheader">${tab === 'in_flight' ? 'Age' : 'Ended · took'}</span>
          <span class="c-context" role="columnheader">Context / outcome</span>
          <span class="c-action" role="columnheader"><span class="sr-only">Actions</span></span>
        </div>
        <div id="task-rows" role="rowgroup">
          ${shown.map((task) => html`<${TaskRow} key=${task.id} task=${task} inFlight=${tab === 'in_flight'} now=${now} store=${store} />`)}
        </div>
      </div>
      ${rows.length === 0 && html`<p id="table-empty" class="table-empty">${emptyText(tab, filters)}</p>`}
      ${rows.length > PAGE_SIZE &&
      html`<nav class="pager" aria-label="Pages">
        <button type="button" class="btn btn-plain" disabled=${page === 0} onClick=${() => setPageIndex(page - 1)}>‹ Newer</button>
        <span id="page-range">${formatInteger(page * PAGE_SIZE + 1)}–${formatInteger(page * PAGE_SIZE + shown.length)} of ${formatInteger(rows.length)}</span>
        <button type="button" class="btn btn-plain" disabled=${page >= pages - 1} onClick=${() => setPageIndex(page + 1)}>Older ›</button>
      </nav>`}
    </section>
  `;
}

function filtersActive(filters) {
  return filters.name !== '' || filters.runId !== '' || filters.threadId !== '' || filters.text.trim() !== '';
}

/** Under a tab: how many such tasks since the server started, when the list holds fewer (the rest were not kept). */
function SinceStart({ state, status, showInternal, kept, filtered }) {
  const totals = state.totals;
  if (totals === undefined || filtered) return null;
  const total = totals.user[status] + (showInternal ? totals.internal[status] : 0);
  if (total === kept) return null;
  return html`<span class="tab-total" title="since the server started; the oldest are no longer kept">of ${formatInteger(total)}</span>`;
}

function emptyText(tab, filters) {
  if (filtersActive(filters)) return 'No task matches these filters.';
  return tab === 'in_flight' ? 'No task in flight. Start some samples.' : `No ${STATUS_LABELS[tab]} task kept.`;
}

function Filters({ state, filters, update, isInternal }) {
  const names = namesSeen(state, filters.showInternal, isInternal);
  return html`<div class="filters-bar">
    <label class="field grow">
      <span class="sr-only">Search</span>
      <input id="search" type="search" placeholder="Search id, name, context, error…" value=${filters.text} onInput=${(event) => update({ text: event.currentTarget.value })} />
    </label>
    <label class="field">
      <span class="field-label">Name</span>
      <select id="filter-name" value=${filters.name} onChange=${(event) => update({ name: event.currentTarget.value })}>
        <option value="">all</option>
        ${names.map((name) => html`<option value=${name}>${name}</option>`)}
      </select>
    </label>
    <label class="field">
      <span class="field-label">Run</span>
      <input id="filter-run" type="text" placeholder="run id (or its start)" value=${filters.runId} onInput=${(event) => update({ runId: event.currentTarget.value.trim() })} />
    </label>
    <label class="field">
      <span class="field-label">Thread</span>
      <input id="filter-thread" type="text" placeholder="thread id (or its start)" value=${filters.threadId} onInput=${(event) => update({ threadId: event.currentTarget.value.trim() })} />
    </label>
    <label class="check" title="the background tasks that deliver graph events to the publisher">
      <input id="show-internal" type="checkbox" checked=${filters.showInternal} onChange=${(event) => update({ showInternal: event.currentTarget.checked })} />
      publish_event
    </label>
  </div>`;
}

function TaskRow({ task, inFlight, now, store }) {
  const time = inFlight ? formatDuration(Math.max(0, now - task.createdAt)) : formatDuration(task.durationMs);
  const outcome = task.error ? errorText(task.error) : task.reason ?? '';
  const context = [formatTags(task), formatContext(task.context)].filter(Boolean).join('  ');
  const used = inFlight && typeof task.timeoutMs === 'number' ? Math.min(1, Math.max(0, now - task.createdAt) / task.timeoutMs) : undefined;
  const ended = inFlight ? undefined : task.timeline?.[task.timeline.length - 1]?.at;
  return html`<div class="task-row" role="row" data-id=${task.id} data-name=${task.name} data-status=${task.status}>
    <span class="c-id" role="cell"><a href=${`#/task/${task.id}`} aria-label=${`Task ${task.id} (${task.name}): details`}>#${task.id}</a></span>
    <span class="c-name" role="cell" title=${task.name}>${task.name}</span>
    <span class="c-status" role="cell"><span class=${`status status-${task.status}`}>${STATUS_LABELS[task.status] ?? task.status}</span></span>
    <span class="c-time" role="cell" title=${ended === undefined ? '' : `ended ${formatTime(ended, true)}, after ${time}`}>
      ${ended !== undefined && html`<span class="ended">${formatTime(ended)}</span>`}
      <span class="duration">${time}</span>
      ${used !== undefined && html`<span class="timeout-bar" style=${`--used:${used.toFixed(2)}`} title=${`timeout ${formatDuration(task.timeoutMs)}`}></span>`}
    </span>
    <span class="c-context" role="cell" title=${[outcome, context].filter(Boolean).join('\n')}>
      ${outcome && html`<span class=${`outcome status-${task.status}`}>${outcome}</span>`} ${context}
    </span>
    <span class="c-action" role="cell">
      ${inFlight && html`<${CancelButton} task=${task} store=${store} />`}
    </span>
  </div>`;
}

export function CancelButton({ task, store }) {
  const [busy, setBusy] = useState(false);
  const click = () => {
    setBusy(true);
    post(`./tasks/${task.id}/cancel`).then(
      (result) => store.setAction(result.cancelled ? `cancelled task #${task.id}` : `task #${task.id} had already finished (${result.status})`),
      (error) => {
        setBusy(false);
        store.setAction(error.message, true);
      },
    );
  };
  return html`<button type="button" class="row-cancel" disabled=${busy} onClick=${click} aria-label=${`Cancel task ${task.id} (${task.name})`}>${busy ? '…' : 'Cancel'}</button>`;
}
