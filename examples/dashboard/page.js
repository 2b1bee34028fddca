// The dashboard page. The library's browser client (served at ./agentflow-client.js, no build step) turns the
// server-sent events of ./events into Observables; this script keeps the latest values and renders them.
//
// Responsiveness: stream callbacks only record what changed and ask for an animation frame (at most ~10 a
// second); each frame renders the parts that changed once, however many events arrived in between (a 500-task
// burst is ~1,500 events). The table reuses one row per task id and shows at most MAX_ROWS rows; the log makes
// one element per event, adds new ones at the top and trims the bottom.
import { connect } from './agentflow-client.js';

const MAX_ROWS = 200;
const MAX_LOG = 150;
const LOG_HISTORY = 2_000;
const AGE_REFRESH_MS = 500;
/** How often the page reads the event stream's figures (viewers, drops) from ./info. */
const STREAM_STATS_INTERVAL_MS = 5_000;
const MIN_FRAME_INTERVAL_MS = 100;
const COUNT_KEYS = ['active', 'completed', 'failed', 'cancelled', 'timedOut', 'dropped'];
const STATUS_LABELS = { pending: 'pending', running: 'running', timed_out: 'timed out' };
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

const byId = (id) => document.getElementById(id);
const ui = {
  connection: byId('connection'),
  managerState: byId('manager-state'),
  cap: byId('cap'),
  viewers: byId('viewers'),
  graphRuns: byId('graph-runs'),
  cancelAll: byId('cancel-all'),
  shutdown: byId('shutdown'),
  samples: [...document.querySelectorAll('button[data-sample]')],
  lastAction: byId('last-action'),
  taskTotal: byId('task-total'),
  rows: byId('task-rows'),
  tableMore: byId('table-more'),
  tableEmpty: byId('table-empty'),
  log: byId('event-log'),
  filters: { tasks: byId('show-tasks'), graph: byId('show-graph'), publish: byId('show-publish') },
  shutdownPanel: byId('shutdown-panel'),
  shutdownStatus: byId('shutdown-status'),
  shutdownStats: byId('shutdown-stats'),
  shutdownRemaining: byId('shutdown-remaining'),
  counts: Object.fromEntries(COUNT_KEYS.map((key) => [key, byId(`count-${key}`)])),
  created: byId('count-created'),
  droppedSub: byId('count-dropped-sub'),
};

/** The latest values from the stream; rendering reads them, nothing else writes the DOM. */
const view = {
  counts: undefined,
  tasks: [],
  state: 'running',
  connection: 'connecting',
  info: undefined,
  stats: undefined,
  graphRunsSeen: 0,
  lastRun: '',
  shutdownRequested: false,
};

// ---- frame scheduling -------------------------------------------------------------------------------------

const dirty = new Set();
let scheduled = false;
let lastRender = -Infinity;

/**
 * Marks part of the page as out of date and asks for a frame. Frames are at most MIN_FRAME_INTERVAL_MS apart:
 * a monitor needs no more than ~10 updates a second, and under a flood of events every frame would otherwise
 * repaint the table and the log.
 */
function invalidate(part) {
  dirty.add(part);
  if (scheduled) return;
  scheduled = true;
  const wait = lastRender + MIN_FRAME_INTERVAL_MS - performance.now();
  if (wait > 0) setTimeout(() => requestAnimationFrame(render), wait);
  else requestAnimationFrame(render);
}

function render() {
  scheduled = false;
  lastRender = performance.now();
  const now = Date.now();
  const parts = new Set(dirty);
  dirty.clear();
  if (parts.has('counts')) renderCounts();
  if (parts.has('tasks') || parts.has('ages')) renderTasks(now);
  if (parts.has('log')) renderLog(false);
  if (parts.has('log-filter')) renderLog(true);
  if (parts.has('header')) renderHeader();
  if (parts.has('stats')) renderStats();
  if (parts.has('cluster')) renderCluster();
}

// ---- the stream ---------------------------------------------------------------------------------------------

const client = connect('./events');
client.counts$.subscribe((counts) => {
  view.counts = counts;
  invalidate('counts');
});
client.tasks$.subscribe((tasks) => {
  view.tasks = tasks;
  invalidate('tasks');
});
client.state$.subscribe((state) => {
  view.state = state;
  invalidate('header');
});
client.connection$.subscribe((connection) => {
  view.connection = connection;
  invalidate('header');
});
client.events$.subscribe((event) => addLogEntry(taskEntry(event)));
client.graph$.subscribe((event) => {
  if (event.event === 'graph_execution' && event.eventType === 'start') {
    view.graphRunsSeen++;
    view.lastRun = event.threadId ?? '';
    invalidate('header');
  }
  addLogEntry(graphEntry(event));
});
window.addEventListener('pagehide', () => client.close());
// A page restored from the back/forward cache had its stream closed above: start over with a fresh one.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
setInterval(() => {
  if (view.tasks.length > 0) invalidate('ages');
}, AGE_REFRESH_MS);

fetch('./info', { cache: 'no-store' })
  .then((response) => response.json())
  .then((info) => {
    view.info = info;
    invalidate('header');
    if (info.cluster) startCluster(info.cluster);
  })
  .catch((error) => showAction(`could not read ./info: ${error.message}`, true));

// The event stream's own figures (clients connected, dropped for not reading), read every few seconds.
setInterval(() => {
  if (view.info === undefined || document.hidden) return;
  fetch('./info', { cache: 'no-store' })
    .then((response) => response.json())
    .then((info) => {
      view.info = info;
      invalidate('header');
    })
    .catch(() => undefined);
}, STREAM_STATS_INTERVAL_MS);

// ---- counts -------------------------------------------------------------------------------------------------

const shownCounts = {};

function renderCounts() {
  const counts = view.counts;
  if (counts === undefined) return;
  for (const key of COUNT_KEYS) {
    if (shownCounts[key] === counts[key]) continue;
    shownCounts[key] = counts[key];
    ui.counts[key].textContent = formatInteger(counts[key]);
  }
  setText(ui.created, `of ${formatInteger(counts.created)} created`);
  document.title = `(${counts.active}) agentflow-rx · live dashboard`;
}

// ---- the tasks table ----------------------------------------------------------------------------------------

/** One rendered row per task id, reused while the task is in flight. */
const rows = new Map();

function renderTasks(now) {
  const tasks = view.tasks;
  const visible = tasks.length > MAX_ROWS ? tasks.slice(0, MAX_ROWS) : tasks;
  const wanted = new Map();
  for (const task of visible) {
    let row = rows.get(task.id);
    if (row === undefined) {
      row = createRow(task);
      rows.set(task.id, row);
    }
    updateRow(row, task, now);
    wanted.set(task.id, row);
  }
  for (const [id, row] of rows) {
    if (wanted.has(id)) continue;
    rows.delete(id);
    row.element.remove();
  }
  placeRows(visible);

  setText(ui.taskTotal, formatInteger(tasks.length));
  const hidden = tasks.length - visible.length;
  ui.tableMore.hidden = hidden === 0;
  if (hidden > 0) setText(ui.tableMore, `… and ${formatInteger(hidden)} more in flight (showing the oldest ${MAX_ROWS})`);
  ui.tableEmpty.hidden = tasks.length > 0;
}

/**
 * Puts the rows in the order of `tasks`, moving only what is out of place: tasks keep their order (oldest
 * first), so a frame usually just appends the newcomers after the rows already shown.
 */
function placeRows(tasks) {
  let cursor = ui.rows.firstElementChild;
  for (const task of tasks) {
    const element = rows.get(task.id).element;
    if (element === cursor) {
      cursor = cursor.nextElementSibling;
      continue;
    }
    ui.rows.insertBefore(element, cursor);
  }
}

function createRow(task) {
  const element = document.createElement('div');
  element.className = 'task-row';
  element.setAttribute('role', 'row');
  element.dataset.id = String(task.id);
  element.dataset.name = task.name;
  const status = document.createElement('span');
  const statusCell = cell('c-status');
  statusCell.append(status);
  const age = cell('c-age');
  const timeoutCell = cell('c-timeout');
  const timeoutValue = document.createElement('span');
  timeoutValue.className = 'timeout-value';
  timeoutValue.textContent = typeof task.timeoutMs === 'number' ? formatDuration(task.timeoutMs) : '—';
  timeoutCell.append(timeoutValue);
  let bar;
  if (typeof task.timeoutMs === 'number') {
    bar = document.createElement('span');
    bar.className = 'timeout-bar';
    timeoutCell.append(bar);
  }
  const context = cell('c-context', [formatTags(task), formatContext(task.context)].filter(Boolean).join('  '));
  context.title = [formatTags(task, true), safeJson(task.context)].filter(Boolean).join('\n');
  const action = cell('c-action');
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'row-cancel';
  cancel.dataset.id = String(task.id);
  cancel.textContent = 'Cancel';
  cancel.setAttribute('aria-label', `Cancel task ${task.id} (${task.name})`);
  action.append(cancel);
  const name = cell('c-name', task.name);
  name.title = task.name;
  element.append(cell('c-id', String(task.id)), name, statusCell, age, timeoutCell, context, action);
  return { element, status, age, bar, shownStatus: undefined, shownAge: '', shownUsed: '' };
}

function updateRow(row, task, now) {
  if (row.shownStatus !== task.status) {
    row.shownStatus = task.status;
    row.status.className = `status status-${task.status}`;
    row.status.textContent = STATUS_LABELS[task.status] ?? task.status;
  }
  const ageMs = Math.max(0, now - task.createdAt);
  const age = formatDuration(ageMs);
  if (row.shownAge !== age) {
    row.shownAge = age;
    row.age.textContent = age;
  }
  if (row.bar !== undefined) {
    const used = Math.min(1, ageMs / task.timeoutMs).toFixed(2);
    if (row.shownUsed !== used) {
      row.shownUsed = used;
      row.bar.style.setProperty('--used', used);
    }
  }
}

function cell(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.setAttribute('role', 'cell');
  if (text !== undefined) element.textContent = text;
  return element;
}

ui.rows.addEventListener('click', (event) => {
  const button = event.target.closest('button.row-cancel');
  if (button === null || button.disabled) return;
  button.disabled = true;
  button.textContent = '…';
  const id = button.dataset.id;
  post(`./tasks/${id}/cancel`).then(
    (result) => showAction(result.cancelled ? `cancelled task #${id}` : `task #${id} had already finished (${result.status})`),
    (error) => {
      button.disabled = false;
      button.textContent = 'Cancel';
      showAction(error.message, true);
    },
  );
});

// ---- the events log -----------------------------------------------------------------------------------------

const log = [];
let nextSeq = 1;
let renderedSeq = 0;

function addLogEntry(entry) {
  entry.seq = nextSeq++;
  log.push(entry);
  if (log.length > LOG_HISTORY) log.splice(0, log.length - LOG_HISTORY / 2);
  invalidate('log');
}

function taskEntry(event) {
  return {
    group: event.name === 'publish_event' ? 'publish' : 'tasks',
    time: event.timestamp,
    type: event.type,
    tone: event.type === 'created' || event.type === 'started' ? (event.type === 'created' ? 'pending' : 'running') : event.type,
    subject: `${event.name} #${event.id}`,
    detail: taskDetail(event),
  };
}

function taskDetail(event) {
  switch (event.type) {
    case 'created':
      return [event.timeoutMs ? `timeout ${formatDuration(event.timeoutMs)}` : '', formatTags(event), formatContext(event.context)]
        .filter(Boolean)
        .join(' · ');
    case 'completed':
      return `after ${formatDuration(event.durationMs)}`;
    case 'failed':
      return `${errorText(event.error)} · after ${formatDuration(event.durationMs)}`;
    case 'cancelled':
    case 'timed_out':
    case 'dropped':
      return reasonText(event.reason);
    default:
      return '';
  }
}

function graphEntry(event) {
  const what = event.event === 'graph_execution' ? 'run' : (event.nodeName ?? event.event);
  const detail = [event.threadId, event.content].filter(Boolean).join(' · ');
  return {
    group: 'graph',
    time: event.timestamp,
    type: 'graph',
    tone: event.isError ? 'failed' : 'graph',
    subject: `${what} ${event.eventType}`,
    detail,
  };
}

function renderLog(rebuild) {
  const shown = (entry) => ui.filters[entry.group].checked;
  if (rebuild) {
    const visible = [];
    for (let index = log.length - 1; index >= 0 && visible.length < MAX_LOG; index--) {
      const entry = log[index];
      if (shown(entry)) visible.push(logItem(entry));
    }
    ui.log.replaceChildren(...visible);
  } else {
    const newEntries = [];
    for (let index = log.length - 1; index >= 0 && newEntries.length < MAX_LOG; index--) {
      const entry = log[index];
      if (entry.seq <= renderedSeq) break;
      if (shown(entry)) newEntries.push(entry);
    }
    const fresh = newEntries.map(logItem);
    if (fresh.length > 0) {
      const fragment = document.createDocumentFragment();
      fragment.append(...fresh);
      ui.log.prepend(fragment);
    }
    while (ui.log.childElementCount > MAX_LOG) ui.log.lastElementChild.remove();
  }
  renderedSeq = log.length > 0 ? log[log.length - 1].seq : renderedSeq;
}

function logItem(entry) {
  const li = document.createElement('li');
  li.dataset.type = entry.type;
  const time = span('time', formatTime(entry.time));
  const type = span(`type status-${entry.tone}`, entry.type === 'timed_out' ? 'timed out' : entry.type);
  const text = span('text');
  text.append(span('subject', entry.subject));
  if (entry.detail) text.append(span('detail', `  ${entry.detail}`));
  text.title = `${entry.subject}  ${entry.detail}`;
  li.append(time, type, text);
  return li;
}

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

for (const input of Object.values(ui.filters)) input.addEventListener('change', () => invalidate('log-filter'));

// ---- header, buttons, shutdown ------------------------------------------------------------------------------

function renderHeader() {
  const connection = view.connection;
  ui.connection.dataset.state = connection;
  setText(ui.connection, connection === 'open' ? 'live' : connection === 'closed' ? 'disconnected' : 'reconnecting…');
  ui.managerState.dataset.state = view.state;
  setText(ui.managerState, `manager ${view.state.replace('_', ' ')}`);
  const info = view.info;
  if (info !== undefined) {
    const cap = info.maxPendingTasks === 0 ? 'no cap' : `cap ${formatInteger(info.maxPendingTasks)}`;
    setText(ui.cap, `${cap} · ${info.overflow}`);
    setText(ui.droppedSub, info.maxPendingTasks === 0 ? 'refused after shutdown' : `refused over the cap of ${info.maxPendingTasks}`);
    const every = info.agentRunIntervalMs > 0 ? `agent run every ${formatDuration(info.agentRunIntervalMs)}` : 'no agent runs';
    const seen = view.graphRunsSeen > 0 ? ` · ${view.graphRunsSeen} seen, last ${view.lastRun}` : '';
    setText(ui.graphRuns, every + seen);
    const stream = info.stream;
    if (stream !== undefined) {
      const viewers = `${formatInteger(stream.clients)} viewer${stream.clients === 1 ? '' : 's'}`;
      setText(ui.viewers, stream.dropped > 0 ? `${viewers} · ${formatInteger(stream.dropped)} dropped` : viewers);
    }
  }
  const accepting = view.state === 'running' && !view.shutdownRequested;
  for (const button of ui.samples) button.disabled = !accepting;
  ui.cancelAll.disabled = !accepting;
  if (!accepting) {
    ui.shutdown.disabled = true;
    ui.shutdown.classList.remove('armed');
  }
}

for (const button of ui.samples) {
  button.addEventListener('click', () => {
    const kind = button.dataset.sample;
    post(`./samples/${kind}`).then(
      (result) => {
        const dropped = result.dropped > 0 ? `, dropped ${formatInteger(result.dropped)} (over the cap)` : '';
        showAction(`${kind}: started ${formatInteger(result.created)}${dropped}`);
      },
      (error) => showAction(error.message, true),
    );
  });
}

ui.cancelAll.addEventListener('click', () => {
  post('./tasks/cancel-all').then(
    (result) => showAction(`cancel all: ${formatInteger(result.cancelled)} cancelled`),
    (error) => showAction(error.message, true),
  );
});

let disarm = 0;
ui.shutdown.addEventListener('click', () => {
  if (!ui.shutdown.classList.contains('armed')) {
    ui.shutdown.classList.add('armed');
    ui.shutdown.textContent = 'Click again to shut down';
    disarm = setTimeout(() => {
      ui.shutdown.classList.remove('armed');
      ui.shutdown.textContent = 'Shut down';
    }, 4_000);
    return;
  }
  clearTimeout(disarm);
  ui.shutdown.classList.remove('armed');
  ui.shutdown.textContent = 'Shutting down…';
  view.shutdownRequested = true;
  invalidate('header');
  post('./shutdown').then(
    (stats) => {
      view.stats = stats;
      ui.shutdown.textContent = 'Shut down';
      showAction(`shutdown ${stats.status} in ${formatInteger(stats.durationMs)} ms`);
      invalidate('stats');
    },
    (error) => {
      view.shutdownRequested = false;
      ui.shutdown.textContent = 'Shut down';
      ui.shutdown.disabled = false;
      showAction(error.message, true);
      invalidate('header');
    },
  );
});

function renderStats() {
  const stats = view.stats;
  if (stats === undefined) return;
  ui.shutdownPanel.hidden = false;
  ui.shutdownStatus.textContent = stats.status;
  const items = STAT_FIELDS.map(([key, label]) => {
    const item = document.createElement('div');
    item.dataset.stat = key;
    const term = document.createElement('dt');
    term.textContent = label;
    const value = document.createElement('dd');
    value.textContent = formatInteger(stats[key]);
    item.append(term, value);
    return item;
  });
  ui.shutdownStats.replaceChildren(...items);
  const remaining = stats.remaining ?? [];
  ui.shutdownRemaining.textContent =
    remaining.length === 0
      ? 'Every task stopped in time: nothing was left running.'
      : `Still running when shutdown gave up: ${remaining.map((task) => `${task.name} #${task.id}`).join(', ')}`;
}

// ---- the cluster panel (cluster mode only) ------------------------------------------------------------------

// In cluster mode (GET /info has `cluster`) the server reads every worker's task events from Redis and streams
// its view at ./cluster/events: `cluster-counts` ({ total, workers: { [workerId]: counts } }), `cluster-tasks`
// ({ inFlight: { [workerId]: n }, ... }) and `cluster-workers` ({ [workerId]: { status, lastSeenAt } }). One row
// per worker (its status: alive, lost or stopped), then the total (with the tasks of lost workers).

const CLUSTER_KEYS = ['active', 'completed', 'failed', 'cancelled', 'timedOut', 'dropped'];
const cluster = {
  info: undefined,
  counts: undefined,
  inFlight: {},
  inFlightTotal: 0,
  workers: {},
  tasks: {},
  connection: 'connecting',
  rows: new Map(),
};

function startCluster(info) {
  cluster.info = info;
  byId('cluster-panel').hidden = false;
  setText(byId('cluster-source'), `stream ${info.stream} on ${info.redis}`);
  const source = new EventSource('./cluster/events');
  source.addEventListener('open', () => {
    cluster.connection = 'open';
    invalidate('cluster');
  });
  source.addEventListener('error', () => {
    cluster.connection = source.readyState === EventSource.CLOSED ? 'closed' : 'connecting';
    invalidate('cluster');
  });
  source.addEventListener('cluster-counts', (event) => {
    cluster.counts = JSON.parse(event.data);
    invalidate('cluster');
  });
  source.addEventListener('cluster-workers', (event) => {
    cluster.workers = JSON.parse(event.data);
    invalidate('cluster');
  });
  source.addEventListener('cluster-tasks', (event) => {
    const tasks = JSON.parse(event.data);
    cluster.inFlight = tasks.inFlight ?? {};
    cluster.inFlightTotal = tasks.total;
    cluster.tasks = tasks.workers ?? {};
    invalidate('cluster');
  });
  window.addEventListener('pagehide', () => source.close());
}

function renderCluster() {
  const state = cluster.connection;
  const connection = byId('cluster-connection');
  connection.dataset.state = state;
  setText(connection, state === 'open' ? 'live' : state === 'closed' ? 'disconnected' : 'reconnecting…');
  const counts = cluster.counts;
  if (counts === undefined) return;
  const ids = Object.keys(counts.workers).sort((a, b) => a.localeCompare(b));
  const body = byId('cluster-rows');
  for (const [id, row] of cluster.rows) {
    if (counts.workers[id] !== undefined) continue;
    cluster.rows.delete(id);
    row.element.remove();
  }
  for (const id of ids) {
    let row = cluster.rows.get(id);
    if (row === undefined) {
      row = clusterRow(id);
      cluster.rows.set(id, row);
    }
    fillClusterRow(row, cluster.inFlight[id] ?? 0, counts.workers[id], cluster.workers[id]?.status ?? 'alive');
    body.append(row.element); // keeps them sorted; appending a row already in place moves nothing visible
  }
  const foot = byId('cluster-total');
  if (cluster.totalRow === undefined) {
    cluster.totalRow = clusterRow('total');
    foot.append(cluster.totalRow.element);
  }
  const lost = counts.total.lost ?? 0;
  fillClusterRow(cluster.totalRow, cluster.inFlightTotal, counts.total, lost > 0 ? `${formatInteger(lost)} lost` : '');
  setText(byId('cluster-workers'), formatInteger(ids.length));
  byId('cluster-empty').hidden = ids.length > 0;
  renderClusterTasks();
}

// Every worker's tasks in flight, each with a Cancel button when its worker obeys commands (control: true): the
// button asks the server, which appends a cancel command to the stream's control stream for that worker.
function renderClusterTasks() {
  const body = byId('cluster-task-rows');
  const rows = [];
  for (const workerId of Object.keys(cluster.tasks).sort((a, b) => a.localeCompare(b))) {
    const worker = cluster.workers[workerId];
    for (const task of cluster.tasks[workerId]) rows.push(clusterTaskRow(workerId, worker, task));
  }
  body.replaceChildren(...rows);
  byId('cluster-tasks-wrap').hidden = rows.length === 0;
}

function clusterTaskRow(workerId, worker, task) {
  const element = document.createElement('tr');
  element.dataset.worker = workerId;
  element.dataset.task = String(task.id);
  const cells = [workerId, `#${task.id} ${task.name}`, task.status, formatAge(Date.now() - task.createdAt)].map((text) => {
    const td = document.createElement('td');
    td.textContent = text;
    td.title = text;
    return td;
  });
  cells[2].dataset.key = 'status';
  const action = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'row-cancel cluster-cancel';
  button.textContent = 'Cancel';
  button.dataset.worker = workerId;
  button.dataset.id = String(task.id);
  const why =
    worker === undefined || worker.status !== 'alive'
      ? `worker ${worker?.status ?? 'unknown'}`
      : worker.control
        ? undefined
        : 'this worker does not take commands (its mirror runs without control: true)';
  button.disabled = why !== undefined || cluster.cancelling.has(`${workerId}/${task.id}`);
  button.title = why ?? `cancel task #${task.id} on ${workerId}`;
  button.setAttribute('aria-label', `Cancel task ${task.id} on ${workerId}`);
  action.append(button);
  element.append(...cells, action);
  return element;
}

function formatAge(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

cluster.cancelling = new Set();
byId('cluster-task-rows').addEventListener('click', (event) => {
  const button = event.target.closest('button.cluster-cancel');
  if (button === null || button.disabled) return;
  const { worker, id } = button.dataset;
  const key = `${worker}/${id}`;
  cluster.cancelling.add(key);
  button.disabled = true;
  button.textContent = '…';
  post(`./cluster/workers/${encodeURIComponent(worker)}/tasks/${id}/cancel`).then(
    () => {
      // the row goes when the task's end is read; if it stays (the worker restarted, the command expired), the
      // button works again at the next render
      cluster.cancelling.delete(key);
      showAction(`asked ${worker} to cancel task #${id}`);
    },
    (error) => {
      cluster.cancelling.delete(key);
      button.disabled = false;
      button.textContent = 'Cancel';
      showAction(error.message, true);
    },
  );
});

function clusterRow(id) {
  const element = document.createElement('tr');
  element.dataset.worker = id;
  if (cluster.info !== undefined && id === cluster.info.workerId) element.classList.add('self');
  const name = document.createElement(id === 'total' ? 'td' : 'th');
  if (id !== 'total') name.scope = 'row';
  name.textContent = id === 'total' ? 'Total' : id;
  name.title = id;
  const cells = ['status', 'inFlight', ...CLUSTER_KEYS].map((key) => {
    const td = document.createElement('td');
    td.dataset.key = key;
    return td;
  });
  element.append(name, ...cells);
  return { element, cells };
}

function fillClusterRow(row, inFlight, counts, status) {
  const [statusCell, ...numbers] = row.cells;
  setText(statusCell, status);
  statusCell.dataset.status = status;
  const values = [inFlight, ...CLUSTER_KEYS.map((key) => counts[key])];
  values.forEach((value, index) => setText(numbers[index], formatInteger(value)));
}

// ---- helpers ------------------------------------------------------------------------------------------------

async function post(path) {
  const response = await fetch(path, { method: 'POST' });
  let body;
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (!response.ok) throw new Error(`POST ${path.slice(1)}: ${response.status} ${body.error ?? response.statusText}`);
  return body;
}

function showAction(text, isError = false) {
  ui.lastAction.textContent = `${formatTime(Date.now())}  ${text}`;
  ui.lastAction.classList.toggle('error', isError);
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

const integerFormat = new Intl.NumberFormat('en-US');

function formatInteger(value) {
  return typeof value === 'number' ? integerFormat.format(value) : '–';
}

function formatDuration(ms) {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1_000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

function formatTime(timestamp) {
  const date = new Date(timestamp);
  const pad = (value, size = 2) => String(value).padStart(size, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Where a task was created: its node, thread and run (the run's id cut short unless `whole`). */
function formatTags(task, whole = false) {
  const run = typeof task.runId === 'string' ? (whole || task.runId.length <= 12 ? task.runId : `${task.runId.slice(0, 8)}…`) : '';
  return [
    typeof task.nodeName === 'string' ? `node=${task.nodeName}` : '',
    typeof task.threadId === 'string' ? `thread=${task.threadId}` : '',
    run === '' ? '' : `run=${run}`,
  ]
    .filter(Boolean)
    .join('  ');
}

function formatContext(context) {
  if (context === null || typeof context !== 'object') return '';
  return Object.entries(context)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : safeJson(value)}`)
    .join('  ');
}

function errorText(error) {
  if (error === null || error === undefined) return '';
  if (typeof error === 'object') return error.message ? `${error.name ?? 'Error'}: ${error.message}` : safeJson(error);
  return String(error);
}

/**
 * A cancellation, timeout or drop reason. The line already names the task and the outcome, so the library's
 * "Background task 'name' was cancelled: why" keeps only "why" (or "was cancelled" when no why was given).
 */
function reasonText(reason) {
  if (reason === null || typeof reason !== 'object' || !reason.message) return errorText(reason);
  const message = String(reason.message).replace(/^Background task '[^']*' /, '');
  const why = /^was (?:cancelled|dropped): (.+)$/.exec(message);
  return why === null ? message : why[1];
}

function safeJson(value) {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}
