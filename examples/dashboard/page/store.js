// The page's state: what the event stream says (tasks in flight, the manager's state, task and graph events) and
// what the server kept (finished tasks, totals since start: GET tasks/history). Components read it; only this
// module writes it. Changes are announced at most once per animation frame, and at least 100 ms apart: a burst of
// 500 tasks is ~1,500 events, rendered a few times, not 1,500.
//
// Truth across reloads and reconnections: the history answers with the `seq` of the last task event it had seen.
// Task events from the stream are held until the history arrives, then applied only if newer than that `seq`:
// nothing is counted twice, nothing is missed. When the stream reconnects, the history is read again (a resync).
import { connect } from '../agentflow-client.js';
import { getJson } from './api.js';
import { reasonText } from './format.js';

/** The final statuses, in the order of the page's tabs. */
export const FINAL_STATUSES = ['failed', 'timed_out', 'cancelled', 'dropped', 'completed'];
const MAX_LOG = 300;
const MIN_NOTIFY_INTERVAL_MS = 100;
const HISTORY_PAGE = 1_000;
const INFO_REFRESH_MS = 5_000;

/** Creates the store and connects it to `./events`. */
export function createStore() {
  const state = {
    connection: 'connecting',
    everOpen: false,
    /** When the stream was lost (epoch ms), while it stays lost. */
    disconnectedAt: undefined,
    managerState: 'running',
    info: undefined,
    inFlight: [],
    /** Finished tasks by id, oldest first (Map order). */
    finished: new Map(),
    /** Totals since the server started: { user, internal }, each { created, completed, ... }. */
    totals: undefined,
    historyLoaded: false,
    log: [],
    graphRunsSeen: 0,
    lastRun: '',
    stats: undefined,
    shutdownRequested: false,
    lastAction: undefined,
    version: 0,
  };
  const listeners = new Set();
  /** Created and started times (and the created event's fields) of tasks in flight, from the stream. */
  const starts = new Map();
  let historySeq = -1;
  let held = [];
  let loading = undefined;

  // ---- change notification ----
  let scheduled = false;
  let lastNotify = -Infinity;
  function changed() {
    state.version++;
    if (scheduled) return;
    scheduled = true;
    const wait = lastNotify + MIN_NOTIFY_INTERVAL_MS - performance.now();
    const run = () => {
      scheduled = false;
      lastNotify = performance.now();
      for (const listener of [...listeners]) listener(state.version);
    };
    if (wait > 0) setTimeout(() => requestAnimationFrame(run), wait);
    else requestAnimationFrame(run);
  }

  // ---- the history ----
  function internalNames() {
    return state.info?.history?.internalNames ?? ['publish_event'];
  }

  async function loadHistory() {
    const records = [];
    let page;
    do {
      page = await getJson(`./tasks/history?internal=true&limit=${HISTORY_PAGE}&offset=${records.length}`);
      records.push(...page.records);
    } while (records.length < page.total && page.records.length > 0);
    return { seq: page.seq, totals: page.totals, records };
  }

  /** Reads the history (again, after a reconnection) and applies the stream's events it does not have yet. */
  function resync() {
    if (loading !== undefined) return loading;
    loading = loadHistory()
      .then((history) => {
        historySeq = history.seq;
        state.totals = history.totals;
        state.finished = new Map();
        for (let index = history.records.length - 1; index >= 0; index--) {
          const record = history.records[index];
          state.finished.set(record.id, record);
        }
        state.historyLoaded = true;
        const events = held;
        held = [];
        for (const event of events) applyTaskEvent(event);
      })
      .catch((error) => setAction(`could not read the task history: ${error.message}`, true))
      .finally(() => {
        loading = undefined;
        changed();
      });
    return loading;
  }

  function applyTaskEvent(event) {
    if (event.seq <= historySeq) return; // the history has it
    const group = internalNames().includes(event.name) ? 'internal' : 'user';
    const totals = state.totals?.[group];
    if (event.type === 'created') {
      if (totals) totals.created++;
      starts.set(event.id, { created: event, startedAt: undefined });
      return;
    }
    if (event.type === 'started') {
      const start = starts.get(event.id);
      if (start !== undefined) start.startedAt = event.timestamp;
      return;
    }
    if (totals) totals[event.type]++;
    const start = starts.get(event.id);
    starts.delete(event.id);
    state.finished.delete(event.id);
    state.finished.set(event.id, recordOf(event, start, group === 'internal'));
    trim();
  }

  /** Keeps as many finished tasks as the server does: the newest of each kind (see TaskHistory). */
  function trim() {
    const bounds = state.info?.history ?? { maxCompleted: 1_000, maxProblems: 5_000, maxInternal: 1_000 };
    const kindOf = (record) => (record.status !== 'completed' ? 'maxProblems' : record.internal ? 'maxInternal' : 'maxCompleted');
    const counts = { maxCompleted: 0, maxProblems: 0, maxInternal: 0 };
    for (const record of state.finished.values()) counts[kindOf(record)]++;
    for (const [id, record] of state.finished) {
      const kind = kindOf(record);
      if (counts[kind] > bounds[kind]) {
        state.finished.delete(id);
        counts[kind]--;
      }
      if (Object.keys(counts).every((key) => counts[key] <= bounds[key])) return;
    }
  }

  // ---- the stream ----
  const client = connect('./events');
  client.tasks$.subscribe((tasks) => {
    state.inFlight = tasks;
    changed();
  });
  client.state$.subscribe((managerState) => {
    state.managerState = managerState;
    changed();
  });
  client.connection$.subscribe((connection) => {
    const was = state.connection;
    state.connection = connection;
    if (connection === 'open') {
      if (state.everOpen && was !== 'open') {
        resync();
        refreshInfo();
      }
      state.everOpen = true;
      state.disconnectedAt = undefined;
    } else if (state.everOpen && state.disconnectedAt === undefined) {
      state.disconnectedAt = Date.now();
    }
    changed();
  });
  client.events$.subscribe((event) => {
    addLog(taskEntry(event));
    if (!state.historyLoaded || loading !== undefined) held.push(event);
    else applyTaskEvent(event);
    changed();
  });
  client.graph$.subscribe((event) => {
    if (event.event === 'graph_execution' && event.eventType === 'start') {
      state.graphRunsSeen++;
      state.lastRun = event.threadId ?? '';
    }
    addLog(graphEntry(event));
    changed();
  });
  window.addEventListener('pagehide', () => client.close());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload(); // restored from the back/forward cache, its stream closed: start over
  });

  function refreshInfo() {
    return getJson('./info').then(
      (info) => {
        state.info = info;
        changed();
        return info;
      },
      () => undefined,
    );
  }
  refreshInfo().then(() => resync());
  // The event stream's own figures (clients connected, dropped for not reading) change without an event: read
  // them every few seconds.
  setInterval(() => {
    if (!document.hidden && state.connection === 'open') refreshInfo();
  }, INFO_REFRESH_MS);

  function addLog(entry) {
    state.log.push(entry);
    if (state.log.length > MAX_LOG * 2) state.log.splice(0, state.log.length - MAX_LOG);
  }

  function setAction(text, error = false) {
    state.lastAction = { text, error, at: Date.now() };
    changed();
  }

  return {
    state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setAction,
    refreshInfo,
    /** Marks the manager as shutting down from this page, and records the stats when they come. */
    shutdownRequested(requested) {
      state.shutdownRequested = requested;
      changed();
    },
    setStats(stats) {
      state.stats = stats;
      changed();
    },
    isInternal(name) {
      return internalNames().includes(name);
    },
  };
}

/** A finished task's record, built from its final event (the stack comes with the detail, from the server). */
function recordOf(event, start, internal) {
  const createdAt = start?.created.timestamp ?? event.timestamp - event.durationMs;
  const timeline = [{ type: 'created', at: createdAt }];
  if (start?.startedAt !== undefined) timeline.push({ type: 'started', at: start.startedAt });
  timeline.push({ type: event.type, at: event.timestamp });
  const error = event.type === 'failed' ? errorOf(event.error) : undefined;
  return {
    id: event.id,
    name: event.name,
    status: event.type,
    internal,
    timeoutMs: start?.created.timeoutMs,
    context: event.context,
    runId: event.runId,
    threadId: event.threadId,
    nodeName: event.nodeName,
    timeline,
    durationMs: event.durationMs,
    error,
    reason: event.type === 'failed' || event.type === 'completed' ? undefined : reasonText(event.reason),
  };
}

function errorOf(error) {
  if (error !== null && typeof error === 'object') return { name: String(error.name ?? 'Error'), message: String(error.message ?? ''), stack: undefined };
  return { name: 'Error', message: String(error), stack: undefined };
}

function taskEntry(event) {
  return {
    group: event.name === 'publish_event' ? 'publish' : 'tasks',
    time: event.timestamp,
    type: event.type,
    id: event.id,
    subject: `${event.name} #${event.id}`,
    event,
  };
}

function graphEntry(event) {
  const what = event.event === 'graph_execution' ? 'run' : (event.nodeName ?? event.event);
  return {
    group: 'graph',
    time: event.timestamp,
    type: 'graph',
    tone: event.isError ? 'failed' : 'graph',
    subject: `${what} ${event.eventType}`,
    detail: [event.threadId, event.content].filter(Boolean).join(' · '),
  };
}
