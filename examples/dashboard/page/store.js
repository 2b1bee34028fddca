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
/** The whole history in one answer (the server keeps at most 3,500 by default): one consistent snapshot. */
const HISTORY_LIMIT = 5_000;
/** How often the page asks the server for its settings and figures; an answer missing for longer means trouble. */
const INFO_REFRESH_MS = 2_000;
const INFO_TIMEOUT_MS = 4_000;
/** Events held while the history loads; beyond, they are dropped (the history read after has them). */
const MAX_HELD = 20_000;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000];

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
    const page = await getJson(`./tasks/history?internal=true&limit=${HISTORY_LIMIT}`);
    return { seq: page.seq, totals: page.totals, records: page.records };
  }
  let historyFailures = 0;

  /** Reads the history (again, after a reconnection) and applies the stream's events it does not have yet. */
  function resync() {
    if (loading !== undefined) return loading;
    const readFor = reconnections;
    loading = loadHistory()
      .then((history) => {
        historySeq = history.seq;
        state.totals = history.totals;
        state.finished = new Map();
        kept = { maxCompleted: 0, maxProblems: 0, maxInternal: 0 };
        for (let index = history.records.length - 1; index >= 0; index--) keep(history.records[index]);
        state.historyLoaded = true;
        const events = held;
        held = [];
        for (const event of events) applyTaskEvent(event);
      })
      .then(
        () => {
          historyFailures = 0;
          if (resynchronising && readFor === reconnections && state.connection === 'open') {
            resynchronising = false;
            state.disconnectedAt = undefined;
          }
        },
        (error) => {
          // tried again, later and later, until it answers; the events meanwhile stay held (bounded)
          const wait = RETRY_MS[Math.min(historyFailures++, RETRY_MS.length - 1)];
          setAction(`could not read the task history (${error.message}); trying again in ${wait / 1000} s`, true);
          setTimeout(resync, wait);
        },
      )
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
    keep(recordOf(event, start, group === 'internal'));
    trim();
  }

  /** Which bound a finished task counts against (see TaskHistory). */
  function boundOf(record) {
    return record.status !== 'completed' ? 'maxProblems' : record.internal ? 'maxInternal' : 'maxCompleted';
  }

  /** How many finished tasks each bound holds now: counted on every change, not recounted on each event. */
  let kept = { maxCompleted: 0, maxProblems: 0, maxInternal: 0 };

  function keep(record) {
    const previous = state.finished.get(record.id);
    if (previous !== undefined) {
      state.finished.delete(record.id);
      kept[boundOf(previous)]--;
    }
    state.finished.set(record.id, record);
    kept[boundOf(record)]++;
  }

  /** Keeps as many finished tasks as the server does: the newest of each kind, the oldest go first. */
  function trim() {
    const bounds = state.info?.history ?? { maxCompleted: 1_000, maxProblems: 2_000, maxInternal: 500 };
    const over = () => Object.keys(kept).some((key) => kept[key] > bounds[key]);
    if (!over()) return;
    for (const [id, record] of state.finished) {
      const bound = boundOf(record);
      if (kept[bound] > bounds[bound]) {
        state.finished.delete(id);
        kept[bound]--;
      }
      if (!over()) return;
    }
  }

  // ---- the stream ----
  // One client at a time. EventSource gives up for good on an answer that is not 200 (a proxy's 502 while the
  // server restarts, say): then the page opens a new one, later and later, until the server answers again.
  let client;
  let reopenFailures = 0;
  /** Set from a reconnection until the history was read again: the page stays marked disconnected meanwhile. */
  let resynchronising = false;
  /** How many times the stream came back: a history read counts for the reconnection it started after. */
  let reconnections = 0;
  function openStream() {
    client = connect('./events');
    const current = client;
    current.tasks$.subscribe((tasks) => {
      state.inFlight = tasks;
      changed();
    });
    current.state$.subscribe((managerState) => {
      state.managerState = managerState;
      changed();
    });
    current.connection$.subscribe((connection) => {
      if (current !== client) return;
      const was = state.connection;
      state.connection = connection;
      if (connection === 'open') {
        reopenFailures = 0;
        if (state.everOpen && was !== 'open') {
          // still shown as disconnected until the history is read again: the stream's snapshot alone would show
          // the new server's tasks beside the old server's history and totals
          resynchronising = true;
          reconnections++;
          // a read that started before this reconnection answers for the old stream: read again after it
          if (loading !== undefined) loading.then(() => resync());
          else resync();
          refreshInfo();
        }
        state.everOpen = true;
        if (!resynchronising) state.disconnectedAt = undefined;
      } else if (state.everOpen && state.disconnectedAt === undefined) {
        state.disconnectedAt = Date.now();
      }
      if (connection === 'closed') {
        const wait = RETRY_MS[Math.min(reopenFailures++, RETRY_MS.length - 1)];
        setTimeout(() => {
          if (current !== client) return;
          current.close();
          openStream();
        }, wait);
      }
      changed();
    });
    current.events$.subscribe((event) => {
      addLog(taskEntry(event));
      if (!state.historyLoaded || loading !== undefined) {
        held.push(event);
        if (held.length > MAX_HELD) held = [];
      } else applyTaskEvent(event);
      changed();
    });
    current.graph$.subscribe((event) => {
      if (event.event === 'graph_execution' && event.eventType === 'start') {
        state.graphRunsSeen++;
        state.lastRun = event.threadId ?? '';
      }
      addLog(graphEntry(event));
      changed();
    });
  }
  openStream();
  window.addEventListener('pagehide', () => client.close());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload(); // restored from the back/forward cache, its stream closed: start over
  });

  // The server's settings and figures, read every 2 s: also how the page notices a server that hangs without
  // closing its stream (an answer missing for 4 s marks the page disconnected until one comes).
  let startedAt;
  function refreshInfo() {
    return getJson('./info', AbortSignal.timeout(INFO_TIMEOUT_MS)).then(
      (info) => {
        if (startedAt !== undefined && info.startedAt !== startedAt) {
          setAction(`the server restarted at ${new Date(info.startedAt).toLocaleTimeString()}: its history and task ids start again`, true);
        }
        startedAt = info.startedAt;
        state.info = info;
        state.unresponsiveSince = undefined;
        if (state.connection === 'open' && !resynchronising) state.disconnectedAt = undefined;
        changed();
        return info;
      },
      () => {
        if (state.everOpen && state.disconnectedAt === undefined) {
          state.unresponsiveSince = Date.now();
          state.disconnectedAt = Date.now();
          changed();
        }
        return undefined;
      },
    );
  }
  refreshInfo().then(() => resync());
  setInterval(() => {
    if (!document.hidden) refreshInfo();
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
