// The recent events: task and graph events as they arrive, newest first, with a toggle per kind.
import { html, useState } from '../vendor/preact-htm.js';
import { errorText, formatContext, formatDuration, formatTags, formatTime, reasonText } from './format.js';

const MAX_SHOWN = 150;

export function EventLog({ state }) {
  const [shown, setShown] = useState({ tasks: true, graph: true, publish: false });
  const entries = [];
  for (let index = state.log.length - 1; index >= 0 && entries.length < MAX_SHOWN; index--) {
    const entry = state.log[index];
    if (shown[entry.group]) entries.push(entry);
  }
  const toggle = (group) => (event) => setShown({ ...shown, [group]: event.currentTarget.checked });
  return html`<section class="panel log-panel" aria-label="Recent events">
    <div class="panel-head">
      <h2>Recent events</h2>
      <div class="filters">
        <label class="check"><input type="checkbox" id="show-tasks" checked=${shown.tasks} onChange=${toggle('tasks')} /> tasks</label>
        <label class="check"><input type="checkbox" id="show-graph" checked=${shown.graph} onChange=${toggle('graph')} /> graph</label>
        <label class="check" title="the background tasks that deliver graph events to the publisher"
          ><input type="checkbox" id="show-publish" checked=${shown.publish} onChange=${toggle('publish')} /> publish_event</label
        >
      </div>
    </div>
    <ol id="event-log" class="event-log">
      ${entries.map((entry) => html`<${LogItem} entry=${entry} />`)}
    </ol>
  </section>`;
}

function LogItem({ entry }) {
  const tone = entry.tone ?? (entry.type === 'created' ? 'pending' : entry.type === 'started' ? 'running' : entry.type);
  const detail = entry.detail ?? taskDetail(entry.event);
  const subject = entry.id === undefined ? entry.subject : html`<a href=${`#/task/${entry.id}`}>${entry.subject}</a>`;
  return html`<li data-type=${entry.type}>
    <span class="time">${formatTime(entry.time, true)}</span>
    <span class=${`type status-${tone}`}>${entry.type === 'timed_out' ? 'timed out' : entry.type}</span>
    <span class="text" title=${`${entry.subject}  ${detail}`}><span class="subject">${subject}</span>${detail && html`<span class="detail">  ${detail}</span>`}</span>
  </li>`;
}

function taskDetail(event) {
  switch (event.type) {
    case 'created':
      return [event.timeoutMs ? `timeout ${formatDuration(event.timeoutMs)}` : '', formatTags(event), formatContext(event.context)].filter(Boolean).join(' · ');
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
