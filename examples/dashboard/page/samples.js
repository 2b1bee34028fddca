// The sample tasks' buttons, and the answer of the last action.
import { html } from '../vendor/preact-htm.js';
import { post } from './api.js';
import { formatInteger, formatTime } from './format.js';

const SAMPLES = [
  ['quick', 'Quick', '10 × 0.3–1.5 s'],
  ['slow', 'Slow', '3 × 20–40 s'],
  ['failing', 'Failing', '3 × throw'],
  ['hanging', 'Hanging', '2 × 5 s timeout'],
  ['burst', 'Burst', '500 × 3–8 s'],
];

export function Samples({ store, state }) {
  const accepting = state.managerState === 'running' && !state.shutdownRequested && state.disconnectedAt === undefined;
  const start = (kind) =>
    post(`./samples/${kind}`).then(
      (result) => {
        const dropped = result.dropped > 0 ? `, dropped ${formatInteger(result.dropped)} (over the cap)` : '';
        store.setAction(`${kind}: started ${formatInteger(result.created)}${dropped}`);
      },
      (error) => store.setAction(error.message, true),
    );
  const action = state.lastAction;
  return html`<section class="panel controls" aria-label="Start sample tasks">
    <h2>Start sample tasks</h2>
    <div class="samples">
      ${SAMPLES.map(
        ([kind, label, detail]) => html`<button type="button" class="sample" id=${`start-${kind}`} data-sample=${kind} disabled=${!accepting} onClick=${() => start(kind)}>
          <span class="sample-name">${label}</span><span class="sample-info">${detail}</span>
        </button>`,
      )}
    </div>
    <p id="last-action" class=${`last-action${action?.error ? ' error' : ''}`} aria-live="polite">${action === undefined ? '' : `${formatTime(action.at)}  ${action.text}`}</p>
  </section>`;
}
