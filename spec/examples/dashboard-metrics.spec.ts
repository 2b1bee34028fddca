import { expect } from 'chai';
import log from 'loglevel';
import { createRequire } from 'node:module';
import sinon from 'sinon';
import { DEFAULT_LOGGER_NAME } from '../../lib';
import { startDashboard, type Dashboard } from '../../examples/dashboard/server';
import { SAMPLE_SIZES } from '../../examples/dashboard/sample-tasks';
import { request } from './support/http';

/** One metric family as the Prometheus text parser gives it. */
interface Family {
  readonly name: string;
  readonly type: string;
  readonly metrics: readonly { readonly labels?: Record<string, string>; readonly value?: string }[];
}

/** The Prometheus text-format parser (an untyped CommonJS package). */
const parsePrometheusTextFormat = createRequire(__filename)('parse-prometheus-text-format') as (text: string) => Family[];

describe('examples/dashboard GET /metrics (Prometheus)', () => {
  let dashboard: Dashboard | undefined;
  let stubs: sinon.SinonStub[] = [];

  beforeEach(() => {
    const logger = log.getLogger(DEFAULT_LOGGER_NAME);
    stubs = [sinon.stub(logger, 'warn'), sinon.stub(logger, 'error')];
  });
  afterEach(async () => {
    await dashboard?.close();
    dashboard = undefined;
    for (const stub of stubs) stub.restore();
  });

  async function scrape(): Promise<Map<string, Family>> {
    const response = await request(new URL('/metrics', (dashboard as Dashboard).url).toString());
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.match(/^text\/plain/);
    const families = parsePrometheusTextFormat(response.body);
    return new Map(families.map((family) => [family.name, family]));
  }

  function value(family: Family | undefined, labels: Record<string, string>): number {
    const metric = family?.metrics.find((each) => Object.entries(labels).every(([key, wanted]) => each.labels?.[key] === wanted));
    return Number(metric?.value ?? NaN);
  }

  /** Scrapes until `done(families)` holds (the samples settle on their own timers). */
  async function scrapeUntil(what: string, done: (families: Map<string, Family>) => boolean): Promise<Map<string, Family>> {
    const deadline = Date.now() + 15_000;
    let families = await scrape();
    while (!done(families)) {
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify([...families.values()].filter((family) => family.name.startsWith('agentflow')))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      families = await scrape();
    }
    return families;
  }

  it('exposes the task metrics in the text format: created, settled by status, durations in seconds, tasks in flight', async function () {
    this.timeout(30_000);
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const post = (path: string) => request(new URL(path, (dashboard as Dashboard).url).toString(), 'POST');
    const settled = (families: Map<string, Family>, name: string, status: string): number =>
      value(families.get('agentflow_tasks_settled_total'), { agentflow_task_name: name, agentflow_task_status: status });

    await post('/samples/quick');
    let families = await scrapeUntil('the quick samples did not settle', (scraped) => settled(scraped, 'send_email', 'completed') === SAMPLE_SIZES.quick);
    const created = families.get('agentflow_tasks_created_total');
    expect(created?.type).to.equal('COUNTER');
    expect(value(created, { agentflow_task_name: 'send_email' })).to.equal(SAMPLE_SIZES.quick);
    // The histogram, while it has one series (the parser merges a family's series into one bucket map): the quick
    // sample sleeps 0.3 to 1.5 s, so in seconds none is under 0.25 and all are under 2.5.
    const duration = families.get('agentflow_task_duration');
    expect(duration?.type).to.equal('HISTOGRAM');
    const buckets = (duration?.metrics[0] as { buckets?: Record<string, string> } | undefined)?.buckets ?? {};
    expect([buckets['0.25'], buckets['2.5'], buckets['+Inf']].map(Number)).to.deep.equal([0, SAMPLE_SIZES.quick, SAMPLE_SIZES.quick]);

    await post('/samples/failing');
    await post('/samples/hanging');
    families = await scrapeUntil('the failing samples did not settle', (scraped) => settled(scraped, 'sync_crm', 'failed') === SAMPLE_SIZES.failing);
    expect(families.get('agentflow_tasks_active')?.type).to.equal('GAUGE');
    expect(value(families.get('agentflow_tasks_active'), { agentflow_task_name: 'call_webhook' })).to.equal(SAMPLE_SIZES.hanging);
    expect(value(families.get('agentflow_tasks_active'), { agentflow_task_name: 'send_email' })).to.equal(0);
  });
});
