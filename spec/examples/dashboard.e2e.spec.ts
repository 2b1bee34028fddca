/**
 * The live dashboard in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). Without Chromium the spec skips, saying so, except in CI (`CI` set), where it fails.
 *
 * Screenshots go to test-output/ (gitignored): dashboard.png (a burst over the cap), dashboard-shutdown.png,
 * dashboard-1000.png (1,000 tasks in flight), dashboard-cluster.png (the cluster panel, Redis needed).
 */
import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import log from 'loglevel';
import { chromium, type Browser, type Page } from 'playwright-core';
import sinon from 'sinon';
import { BackgroundTaskManager, DEFAULT_LOGGER_NAME, RedisStreamsPublisher, mirrorTaskEvents } from '../../lib';
import { adminClient, deleteKeys, randomPrefix, requireRedis } from '../support/redis';
import { untilAborted } from '../support/helpers';
import { startDashboard, type Dashboard } from '../../examples/dashboard/server';
import { eventually } from './support/http';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUTPUT = join(__dirname, '..', '..', 'test-output');
const WAIT = { timeout: 10_000 };

/*
 * The page functions below run in the browser; the project's tsconfig has no DOM library, so these
 * module-scoped declarations type the little of the DOM they use.
 */
interface PageElement {
  readonly textContent: string | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};
declare const requestAnimationFrame: (callback: () => void) => number;

describe('examples/dashboard in Chromium (e2e)', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  let dashboard: Dashboard | undefined;
  let page: Page | undefined;
  let pageErrors: string[];
  let warn: sinon.SinonStub;
  let error: sinon.SinonStub;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const message = `Chromium is not installed at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
      if (process.env.CI) throw new Error(`${message}; in CI the browser test must run`);
      console.warn(`      skipping the browser test: ${message}`);
      this.skip();
    }
    // playwright's launch() runs Chromium with a fresh temporary profile (user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
    mkdirSync(OUTPUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(() => {
    // The burst's dropped tasks log a warning on the library's logger: keep the output clean, and check errors.
    const logger = log.getLogger(DEFAULT_LOGGER_NAME);
    warn = sinon.stub(logger, 'warn');
    error = sinon.stub(logger, 'error');
    pageErrors = [];
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    await dashboard?.close();
    dashboard = undefined;
    warn.restore();
    error.restore();
  });

  async function open(target: Dashboard): Promise<Page> {
    page = await (browser as Browser).newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (thrown) => pageErrors.push(`pageerror: ${thrown.message}`));
    // A Content-Security-Policy violation (an asset from elsewhere) is reported as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    await page.goto(target.url);
    await page.locator('#connection[data-state="open"]').waitFor(WAIT);
    return page;
  }

  async function count(current: Page, id: string): Promise<number> {
    return Number(((await current.locator(`#${id}`).textContent()) ?? '').replace(/,/g, ''));
  }

  it('shows live counts, cancels a task, shows drops over the cap, shuts down, and releases every subscription', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 1_000 });
    const current = await open(dashboard);

    // Quick tasks: ten send_email tasks appear in the counts and the log.
    await current.waitForFunction(() => document.getElementById('count-created')?.textContent !== '– created');
    // The header shows the event stream's own figures: this page is its one viewer.
    await current.waitForFunction(() => document.getElementById('viewers')?.textContent === '1 viewer', undefined, WAIT);
    const completedBefore = await count(current, 'count-completed');
    await current.click('#start-quick');
    await current.waitForFunction(
      (before) => {
        const completed = Number((document.getElementById('count-completed')?.textContent ?? '').replace(/,/g, ''));
        const lines = Array.from(document.querySelectorAll('#event-log li[data-type="completed"]'));
        const emails = lines.filter((line) => (line.textContent ?? '').includes('send_email #')).length;
        return completed >= before + 10 && emails === 10;
      },
      completedBefore,
      WAIT,
    );
    expect(await current.locator('#last-action').textContent()).to.match(/quick: started 10$/);

    // The sample agent's graph events reach the log too.
    await current.locator('#event-log li[data-type="graph"]').first().waitFor(WAIT);

    // Cancel one slow task from its row: it leaves the table and the log says it was cancelled.
    await current.click('#start-slow');
    const row = current.locator('#task-rows .task-row[data-name="build_report"]').first();
    await row.waitFor(WAIT);
    const id = await row.getAttribute('data-id');
    expect(await count(current, 'count-cancelled')).to.equal(0);
    await row.locator('button.row-cancel').click();
    await current.locator(`#task-rows .task-row[data-id="${id}"]`).waitFor({ state: 'detached', ...WAIT });
    await current
      .locator('#event-log li[data-type="cancelled"]', { hasText: `build_report #${id}` })
      .waitFor(WAIT);
    await current.waitForFunction(() => document.getElementById('count-cancelled')?.textContent === '1', undefined, WAIT);
    expect(dashboard.manager.getTaskInfo().map((task) => task.id)).to.not.include(Number(id));

    // A burst of 500 over the cap of 300: the page shows the drops, and at most 200 rows.
    await current.click('#start-burst');
    await current.waitForFunction(
      () => Number((document.getElementById('count-dropped')?.textContent ?? '').replace(/,/g, '')) > 0,
      undefined,
      WAIT,
    );
    await current.locator('#table-more', { hasText: 'more in flight' }).waitFor(WAIT);
    expect(await current.locator('#task-rows .task-row').count()).to.equal(200);
    const burst = /burst: started (\d+), dropped (\d+) \(over the cap\)$/.exec(
      (await current.locator('#last-action').textContent()) ?? '',
    );
    expect(burst, 'the burst result shown').to.not.equal(null);
    expect(Number(burst?.[1]) + Number(burst?.[2])).to.equal(500);
    // The sample agent's own tasks may be dropped too while the manager is full: at least the burst's are shown.
    await current.waitForFunction(
      (dropped) => Number((document.getElementById('count-dropped')?.textContent ?? '').replace(/,/g, '')) >= dropped,
      Number(burst?.[2]),
      WAIT,
    );
    await current.screenshot({ path: join(OUTPUT, 'dashboard.png') });

    // Shutdown (the button asks for a second click) shows the stats the server returned.
    await current.click('#shutdown');
    await current.click('#shutdown');
    await current.locator('#shutdown-panel').waitFor({ state: 'visible', ...WAIT });
    await current.locator('#manager-state[data-state="shutdown"]').waitFor(WAIT);
    const stats = await dashboard.shutdown();
    expect(stats.status).to.equal('completed');
    expect(stats.initialTasks).to.be.greaterThan(0);
    expect(await current.locator('#shutdown-status').textContent()).to.equal('completed');
    for (const key of ['initialTasks', 'completedTasks', 'remainingTasks', 'cancelled'] as const) {
      const shown = await current.locator(`#shutdown-stats [data-stat="${key}"] dd`).textContent();
      expect(Number((shown ?? '').replace(/,/g, '')), key).to.equal(stats[key]);
    }
    expect(await current.locator('#start-quick').isDisabled()).to.equal(true);
    await current.waitForFunction(() => document.getElementById('count-active')?.textContent === '0', undefined, WAIT);
    await current.screenshot({ path: join(OUTPUT, 'dashboard-shutdown.png') });

    // Closing the page releases the stream's client and every subscription on the server.
    expect(dashboard.events.connections).to.equal(1);
    expect(dashboard.events.activeSubscriptions).to.be.greaterThan(0);
    await current.close();
    page = undefined;
    const { events } = dashboard;
    await eventually('the page left the event stream', () => events.connections === 0, 5_000);
    await eventually('the stream released its subscriptions', () => events.activeSubscriptions === 0, 5_000);

    expect(pageErrors).to.deep.equal([]);
    expect(error.called, 'nothing was logged at ERROR').to.equal(false);
  });

  it('shows each worker of the cluster with its status, cancels a remote task from its Cancel button, and shows the worker stopped once its mirror stops (Redis)', async function () {
    await requireRedis(this);
    const prefix = randomPrefix('dashboard-e2e');
    const stream = `${prefix}:events`;
    const workerManager = new BackgroundTaskManager({ logger: log.getLogger('dashboard-e2e-worker') });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'worker-e2e' });
    const mirror = mirrorTaskEvents(workerManager, publisher, { heartbeatMs: 500, batchMs: 5, control: true });
    const admin = await adminClient();
    try {
      dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, cluster: { stream } });
      const current = await open(dashboard);
      await workerManager.createTask(async () => 1, { name: 'one' }).done;
      const status = current.locator('#cluster-rows tr[data-worker="worker-e2e"] td[data-key="status"]');
      await status.filter({ hasText: /^alive$/ }).waitFor(WAIT);
      await current.locator('#cluster-rows tr.self td[data-key="status"]').filter({ hasText: /^alive$/ }).waitFor(WAIT);

      // A task hanging on the other worker, cancelled from this page: the command travels through Redis.
      const hanging = workerManager.createTask((signal) => untilAborted(signal), { name: 'remote-hang' });
      const button = current.locator(`#cluster-task-rows tr[data-worker="worker-e2e"][data-task="${hanging.id}"] button.cluster-cancel`);
      await button.and(current.locator(':enabled')).waitFor(WAIT);
      await current.screenshot({ path: join(OUTPUT, 'dashboard-cluster.png') });
      await button.click();
      const outcome = await hanging.done;
      expect(outcome.status).to.equal('cancelled');
      expect(String((outcome as { reason?: Error }).reason?.message)).to.contain('cancelled from the dashboard');
      await current.locator('#last-action', { hasText: `asked worker-e2e to cancel task #${hanging.id}` }).waitFor(WAIT);
      await current.locator(`#cluster-task-rows tr[data-task="${hanging.id}"]`).waitFor({ state: 'detached', ...WAIT });

      await workerManager.shutdown();
      await mirror.stop();
      await status.filter({ hasText: /^stopped$/ }).waitFor(WAIT);
      expect(pageErrors).to.deep.equal([]);
    } finally {
      await workerManager.shutdown();
      await mirror.stop();
      await publisher.close();
      // the dashboard's own mirror writes its last entry when it closes: close it before the keys go
      await page?.close();
      page = undefined;
      await dashboard?.close();
      dashboard = undefined;
      await deleteKeys(admin, prefix);
      await admin.close();
    }
  });

  it('stays responsive with 1,000 tasks in flight, rendering at most 200 rows', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, maxPendingTasks: 0 });
    const current = await open(dashboard);

    const clicked = Date.now();
    await current.click('#start-burst');
    await current.click('#start-burst');
    await current.waitForFunction(
      () => Number((document.getElementById('task-total')?.textContent ?? '').replace(/,/g, '')) >= 1_000,
      undefined,
      WAIT,
    );
    const shownAfterMs = Date.now() - clicked;

    // While they are in flight (each lasts 3 s at least), the page still answers within a frame or so.
    const frameTimes: number[] = [];
    for (let index = 0; index < 5; index++) {
      const started = Date.now();
      await current.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
      frameTimes.push(Date.now() - started);
    }
    const { total, rows, more } = await current.evaluate(() => ({
      total: Number((document.getElementById('task-total')?.textContent ?? '').replace(/,/g, '')),
      rows: document.querySelectorAll('#task-rows .task-row').length,
      more: document.getElementById('table-more')?.textContent ?? '',
    }));
    await current.screenshot({ path: join(OUTPUT, 'dashboard-1000.png') });

    expect(shownAfterMs, 'ms until the page showed 1,000 tasks in flight').to.be.below(5_000);
    expect(Math.max(...frameTimes), `animation frame round trips: ${frameTimes.join(', ')} ms`).to.be.below(1_000);
    expect(rows).to.equal(200);
    expect(more).to.equal(`… and ${(total - 200).toLocaleString('en-US')} more in flight (showing the oldest 200)`);
    expect(pageErrors).to.deep.equal([]);
  });
});
