// The dashboard page: Preact components written with htm (tagged templates, no build step), both from the
// `htm/preact/standalone` module the server serves from node_modules. The state lives in store.js; each area of
// the page is one module. To change the page, edit a module and reload: nothing is compiled.
import { html, render, useEffect, useState } from '../vendor/preact-htm.js';
import { createStore } from './store.js';
import { TopBar, DisconnectedBanner } from './header.js';
import { TaskList } from './task-list.js';
import { TaskDetail } from './task-detail.js';
import { Charts } from './charts.js';
import { Samples } from './samples.js';
import { EventLog } from './event-log.js';
import { ClusterPanel } from './cluster.js';
import { ShutdownStats } from './shutdown.js';

const store = createStore();

/** Re-renders the calling component on every change of the store. */
function useStore() {
  const [, setVersion] = useState(store.state.version);
  useEffect(() => store.subscribe(setVersion), []);
  return store.state;
}

/** The task id in the address (`#/task/<id>`), or undefined. */
function taskIdFromHash() {
  const match = /^#\/task\/(\d{1,15})$/.exec(location.hash);
  return match === null ? undefined : Number(match[1]);
}

function useTaskIdFromHash() {
  const [id, setId] = useState(taskIdFromHash());
  useEffect(() => {
    const update = () => setId(taskIdFromHash());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return id;
}

function App() {
  const state = useStore();
  const detailId = useTaskIdFromHash();
  useEffect(() => {
    document.title = `(${state.inFlight.length}) agentflow-rx · live dashboard`;
  });
  const offline = state.disconnectedAt !== undefined;
  return html`
    <${TopBar} store=${store} state=${state} />
    <${DisconnectedBanner} state=${state} />
    <main class=${offline ? 'offline' : ''} aria-busy=${state.everOpen ? 'false' : 'true'}>
      <${ShutdownStats} state=${state} />
      <${ClusterPanel} store=${store} state=${state} />
      <div class="grid">
        <${TaskList} store=${store} state=${state} />
        <div class="side">
          <${Samples} store=${store} state=${state} />
          <${Charts} state=${state} />
        </div>
      </div>
      <${EventLog} state=${state} />
    </main>
    ${detailId === undefined ? null : html`<${TaskDetail} store=${store} state=${state} id=${detailId} />`}
  `;
}

const container = document.getElementById('app');
container.replaceChildren(); // the "Loading…" placeholder
render(html`<${App} />`, container);
