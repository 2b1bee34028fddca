// The top bar: the stream's and the manager's state, the manager's cap, agent runs, viewers, the theme toggle,
// and the two actions on every task (cancel all, shut down). And the banner of a page that lost its stream.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { post } from './api.js';
import { formatDuration, formatInteger, formatTime } from './format.js';

const THEMES = ['auto', 'light', 'dark'];

function useTheme() {
  const [theme, setTheme] = useState(() => {
    const saved = localStorage.getItem('agentflow-theme');
    return THEMES.includes(saved) ? saved : 'auto';
  });
  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('agentflow-theme', theme);
  }, [theme]);
  return [theme, () => setTheme(THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length])];
}

export function TopBar({ store, state }) {
  const [theme, nextTheme] = useTheme();
  const { info } = state;
  const connection = state.connection === 'open' ? 'live' : state.disconnectedAt !== undefined ? 'disconnected' : 'connecting…';
  const accepting = state.managerState === 'running' && !state.shutdownRequested && state.disconnectedAt === undefined;
  const cap = info === undefined ? '' : `${info.maxPendingTasks === 0 ? 'no cap' : `cap ${formatInteger(info.maxPendingTasks)}`} · ${info.overflow}`;
  const runs =
    info === undefined || state.managerState !== 'running'
      ? ''
      : (info.agentRunIntervalMs > 0 ? `agent run every ${formatDuration(info.agentRunIntervalMs)}` : 'no agent runs') +
        (state.graphRunsSeen > 0 ? ` · ${state.graphRunsSeen} since this page opened` : '');
  const stream = info?.stream;
  const viewers = stream === undefined ? '' : `${formatInteger(stream.clients)} viewer${stream.clients === 1 ? '' : 's'}${stream.dropped > 0 ? ` · ${formatInteger(stream.dropped)} dropped` : ''}`;
  return html`
    <header class="topbar">
      <div class="brand">
        <span class="logo" aria-hidden="true"></span>
        <span class="name">agentflow-rx</span>
        <span class="subtitle">live dashboard</span>
      </div>
      <div class="badges">
        <span id="connection" class="badge" data-state=${state.disconnectedAt !== undefined ? 'closed' : state.connection}>${connection}</span>
        <span id="manager-state" class="badge" data-state=${state.managerState}>manager ${state.managerState.replace('_', ' ')}</span>
        ${cap && html`<span id="cap" class="badge plain">${cap}</span>`}
        ${runs && html`<span id="graph-runs" class="badge plain">${runs}</span>`}
        ${viewers && html`<span id="viewers" class="badge plain" title="clients of the event stream: connected now, and dropped for not reading">${viewers}</span>`}
      </div>
      <div class="actions">
        <button type="button" id="theme" class="btn btn-plain" onClick=${nextTheme} aria-label=${`Colour theme: ${theme} (change)`} title="Colour theme: auto follows the system">
          ${theme === 'auto' ? '◐ auto' : theme === 'light' ? '☀ light' : '☾ dark'}
        </button>
        <${ArmedButton} id="cancel-all" tone="btn-warn" label="Cancel all" armedLabel="Click again to cancel all" disabled=${!accepting} onConfirm=${() => cancelAll(store)} />
        <${ArmedButton} id="shutdown" tone="btn-danger" label="Shut down" armedLabel="Click again to shut down" disabled=${!accepting} onConfirm=${() => shutDown(store)} />
        ${info?.signInRequired && html`<button type="button" id="sign-out" class="btn btn-plain" onClick=${signOut}>Sign out</button>`}
      </div>
    </header>
  `;
}

function cancelAll(store) {
  post('./tasks/cancel-all').then(
    (result) => store.setAction(`cancel all: ${formatInteger(result.cancelled)} cancelled`),
    (error) => store.setAction(error.message, true),
  );
}

/** An action on every task takes two clicks within 4 s: the first arms it. */
function ArmedButton({ id, tone, label, armedLabel, disabled, onConfirm }) {
  const [armed, setArmed] = useState(false);
  const timer = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  const click = () => {
    if (!armed) {
      setArmed(true);
      timer.current = setTimeout(() => setArmed(false), 4_000);
      return;
    }
    clearTimeout(timer.current);
    setArmed(false);
    onConfirm();
  };
  return html`<button type="button" id=${id} class=${`btn ${tone}${armed ? ' armed' : ''}`} disabled=${disabled} onClick=${click}>${armed ? armedLabel : label}</button>`;
}

function shutDown(store) {
  store.shutdownRequested(true);
  post('./shutdown').then(
    (stats) => {
      store.setStats(stats);
      store.setAction(`shutdown ${stats.status} in ${formatInteger(stats.durationMs)} ms; restart the server to run tasks again`);
    },
    (error) => {
      store.shutdownRequested(false);
      store.setAction(error.message, true);
    },
  );
}

function signOut() {
  post('./logout').finally(() => location.assign('./login'));
}

/** Shown while the stream is lost: the page is greyed and says since when; it resynchronises on reconnection. */
export function DisconnectedBanner({ state }) {
  if (state.disconnectedAt === undefined) return null;
  return html`<div id="disconnected" class="disconnected-banner" role="status">
    <strong>Disconnected</strong> — the server stopped answering at ${formatTime(state.disconnectedAt)}. Showing the last known
    state; the page keeps trying, and resynchronises once the server answers again.
  </div>`;
}
