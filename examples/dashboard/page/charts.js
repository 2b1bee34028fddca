// Throughput (tasks created, completed and failed per second) and durations (p50 and p95 of the tasks finishing
// each second) over the last five minutes, drawn with uPlot (served from node_modules: small, fast, canvas-based)
// from GET tasks/rates, read every second while the page is visible and connected.
import { html, useEffect, useRef } from '../vendor/preact-htm.js';
import uPlot from '../vendor/uplot.js';
import { getJson } from './api.js';

const REFRESH_MS = 1_000;
const HEIGHT = 150;
const COLORS = { created: '#5b8def', completed: '#4c9a2a', failed: '#d64550', p50: '#2a9d8f', p95: '#b5651d' };

function options(title, series, width, unit, least) {
  return {
    title,
    width,
    height: HEIGHT,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    // from zero, and at least to `least` (an empty chart keeps a readable axis)
    scales: { x: { time: true }, y: { range: (_, _min, max) => [0, Math.max(least, max ?? 0)] } },
    axes: [
      { stroke: 'currentColor', grid: { stroke: 'rgba(127,127,127,0.15)' }, ticks: { stroke: 'rgba(127,127,127,0.3)' } },
      { stroke: 'currentColor', grid: { stroke: 'rgba(127,127,127,0.15)' }, ticks: { stroke: 'rgba(127,127,127,0.3)' }, size: 56, values: (_, ticks) => ticks.map(unit) },
    ],
    padding: [8, 18, 0, 0],
    series: [{}, ...series.map(([label, color]) => ({ label, stroke: color, width: 1.5, spanGaps: true, points: { show: false } }))],
  };
}

/** An axis count: 1200 → '1.2k'. */
function shortCount(value) {
  return value >= 1_000 ? `${(value / 1_000).toFixed(value >= 10_000 ? 0 : 1)}k` : String(value);
}

/** An axis duration in milliseconds: 850 → '850ms', 40000 → '40s', 150000 → '2.5m'. */
function shortDuration(ms) {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round((ms / 1_000) * 10) / 10}s`;
  return `${Math.round((ms / 60_000) * 10) / 10}m`;
}

export function Charts({ state }) {
  const box = useRef(null);
  const charts = useRef(undefined);
  const live = state.connection === 'open';
  useEffect(() => {
    const element = box.current;
    const width = Math.max(200, element.clientWidth - 4);
    const throughput = new uPlot(
      options('Tasks per second', [['created', COLORS.created], ['completed', COLORS.completed], ['failed', COLORS.failed]], width, shortCount, 10),
      [[], [], [], []],
      element.querySelector('#chart-throughput'),
    );
    const durations = new uPlot(options('Duration', [['p50', COLORS.p50], ['p95', COLORS.p95]], width, shortDuration, 1_000), [[], [], []], element.querySelector('#chart-durations'));
    charts.current = { throughput, durations };
    const resize = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth - 4);
      throughput.setSize({ width: next, height: HEIGHT });
      durations.setSize({ width: next, height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      throughput.destroy();
      durations.destroy();
    };
  }, []);
  useEffect(() => {
    if (!live) return undefined;
    let stopped = false;
    const refresh = () => {
      if (document.hidden) return;
      getJson('./tasks/rates').then(
        (rates) => {
          if (stopped || charts.current === undefined) return;
          charts.current.throughput.setData([rates.t, rates.created, rates.completed, rates.failed]);
          charts.current.durations.setData([rates.t, rates.p50Ms, rates.p95Ms]);
          box.current.dataset.updated = String(rates.t[rates.t.length - 1]);
        },
        () => undefined,
      );
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [live]);
  return html`<section class="panel charts" aria-label="Charts" ref=${box}>
    <div id="chart-throughput" role="img" aria-label="Tasks created, completed and failed per second, last five minutes"></div>
    <div id="chart-durations" role="img" aria-label="p50 and p95 task duration, last five minutes"></div>
  </section>`;
}
