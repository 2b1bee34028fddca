// What the task list shows: the rows of a tab (in flight, or one final status) under the filters, and the count of
// every tab under the same filters, so that each tab's number is the number of rows it lists. Pure functions.
import { FINAL_STATUSES } from './store.js';
import { safeJson } from './format.js';

/** The tabs, in order: tasks in flight, then each final status. */
export const TABS = ['in_flight', ...FINAL_STATUSES];

/** The filters the page starts with: nothing filtered, internal tasks hidden. */
export const NO_FILTERS = Object.freeze({ name: '', runId: '', threadId: '', text: '', showInternal: false });

/** Whether `task` (in flight or finished) passes `filters`; `isInternal(name)` tells the internal tasks. */
export function passes(task, filters, isInternal) {
  if (!filters.showInternal && isInternal(task.name)) return false;
  if (filters.name !== '' && task.name !== filters.name) return false;
  // a run or thread matches from its start: the rows show run ids cut short ("run=86dd8d5e…")
  if (filters.runId !== '' && !(task.runId ?? '').startsWith(filters.runId.replace(/…$/, ''))) return false;
  if (filters.threadId !== '' && !(task.threadId ?? '').startsWith(filters.threadId.replace(/…$/, ''))) return false;
  const text = filters.text.trim().toLowerCase();
  if (text === '') return true;
  return searchText(task).includes(text);
}

function searchText(task) {
  const error = task.error ? `${task.error.name} ${task.error.message}` : '';
  return [String(task.id), task.name, task.runId ?? '', task.threadId ?? '', task.nodeName ?? '', safeJson(task.context), error, task.reason ?? '']
    .join('\n')
    .toLowerCase();
}

/** The rows of `tab`, newest first for finished tasks, oldest first for tasks in flight (as the manager lists them). */
export function rowsOf(state, tab, filters, isInternal) {
  if (tab === 'in_flight') return state.inFlight.filter((task) => passes(task, filters, isInternal));
  const rows = [];
  const records = [...state.finished.values()];
  for (let index = records.length - 1; index >= 0; index--) {
    const record = records[index];
    if (record.status === tab && passes(record, filters, isInternal)) rows.push(record);
  }
  return rows;
}

/** How many rows each tab lists under `filters`. */
export function tabCounts(state, filters, isInternal) {
  const counts = Object.fromEntries(TABS.map((tab) => [tab, 0]));
  for (const task of state.inFlight) if (passes(task, filters, isInternal)) counts.in_flight++;
  for (const record of state.finished.values()) if (passes(record, filters, isInternal)) counts[record.status]++;
  return counts;
}

/** The task names the page has seen (for the name filter), sorted. */
export function namesSeen(state, showInternal, isInternal) {
  const names = new Set();
  for (const task of state.inFlight) names.add(task.name);
  for (const record of state.finished.values()) names.add(record.name);
  return [...names].filter((name) => showInternal || !isInternal(name)).sort((a, b) => a.localeCompare(b));
}
