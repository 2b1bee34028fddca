/**
 * The live dashboard in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). Without Chromium the spec skips, saying so, except in CI (`CI` set), where it fails.
 *
 * Screenshots go to test-output/ (gitignored): dashboard.png (a burst over the cap), dashboard-shutdown.png,
 * dashboard-detail.png (a failure and its stack), dashboard-390.png and dashboard-390-detail.png (a phone, light
 * scheme), dashboard-disconnected.png, dashboard-login.png, dashboard-1000.png (1,000 tasks in flight),
 * dashboard-cluster.png (the cluster panel, Redis needed).
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
  readonly id: string;
  readonly tagName: string;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  readonly activeElement: PageElement | null;
  readonly documentElement: { readonly scrollWidth: number; readonly dataset: Record<string, string | undefined> };
  readonly body: object;
};
declare const location: { readonly hash: string };
declare const getComputedStyle: (element: object) => { readonly backgroundColor: string };
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

  /** The number a tab shows (`in_flight`, `failed`, ...). */
  async function tabCount(current: Page, tab: string): Promise<number> {
    return Number((await current.locator(`#tab-${tab} .tab-count`).getAttribute('data-count')) ?? 'NaN');
  }

  /** Resolves once tab `tab` shows at least `minimum`. */
  async function untilTabCount(current: Page, tab: string, minimum: number): Promise<void> {
    await current.waitForFunction(
      ([key, least]) => Number(document.querySelector(`#tab-${key} .tab-count`)?.getAttribute('data-count')) >= least,
      [tab, minimum] as const,
      WAIT,
    );
  }

  it('shows live counts, cancels a task, shows drops over the cap, shuts down, and releases every subscription', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 1_000 });
    const current = await open(dashboard);

    // The header shows the event stream's own figures: this page is its one viewer.
    await current.waitForFunction(() => document.getElementById('viewers')?.textContent === '1 viewer', undefined, WAIT);
    const completedBefore = await tabCount(current, 'completed');
    await current.click('#start-quick');
    await untilTabCount(current, 'completed', completedBefore + 10);
    await current.waitForFunction(
      () => Array.from(document.querySelectorAll('#event-log li[data-type="completed"]')).filter((line) => (line.textContent ?? '').includes('send_email #')).length === 10,
      undefined,
      WAIT,
    );
    expect(await current.locator('#last-action').textContent()).to.match(/quick: started 10$/);

    // The sample agent's graph events reach the log too.
    await current.locator('#event-log li[data-type="graph"]').first().waitFor(WAIT);

    // Cancel one slow task from its row: it leaves the list, the log says it was cancelled, the Cancelled tab has it.
    await current.click('#start-slow');
    const row = current.locator('#task-rows .task-row[data-name="build_report"]').first();
    await row.waitFor(WAIT);
    const id = await row.getAttribute('data-id');
    expect(await tabCount(current, 'cancelled')).to.equal(0);
    await row.locator('button.row-cancel').click();
    await current.locator(`#task-rows .task-row[data-id="${id}"]`).waitFor({ state: 'detached', ...WAIT });
    await current.locator('#event-log li[data-type="cancelled"]', { hasText: `build_report #${id}` }).waitFor(WAIT);
    await untilTabCount(current, 'cancelled', 1);
    await current.click('#tab-cancelled');
    await current.locator(`#task-rows .task-row[data-id="${id}"][data-status="cancelled"]`).waitFor(WAIT);
    expect(dashboard.manager.getTaskInfo().map((task) => task.id)).to.not.include(Number(id));

    // A burst of 500 over the cap of 300: the page shows the drops, and pages the tasks in flight 50 at a time.
    await current.click('#start-burst');
    await untilTabCount(current, 'dropped', 1);
    await current.click('#tab-in_flight');
    await current.locator('#page-range').waitFor(WAIT);
    expect(await current.locator('#task-rows .task-row').count()).to.equal(50);
    const burst = /burst: started (\d+), dropped (\d+) \(over the cap\)$/.exec((await current.locator('#last-action').textContent()) ?? '');
    expect(burst, 'the burst result shown').to.not.equal(null);
    expect(Number(burst?.[1]) + Number(burst?.[2])).to.equal(500);
    // The sample agent's own tasks may be dropped too while the manager is full: at least the burst's are shown.
    await untilTabCount(current, 'dropped', Number(burst?.[2]));
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
    await untilTabCount(current, 'in_flight', 0);
    expect(await tabCount(current, 'in_flight')).to.equal(0);
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

  it('keeps a failing task findable after 1,000 other tasks and after a reload, with its stack in the detail, and opens it from a deep link', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, maxPendingTasks: 0 });
    const current = await open(dashboard);
    const failing = (await current.evaluate(() => fetch('./samples/failing', { method: 'POST' }).then((response) => response.json()))) as { ids: number[] };
    await untilTabCount(current, 'failed', 3);
    const others = Array.from({ length: 1_000 }, (_, index) => dashboard?.manager.createTask(async () => index, { name: 'filler' }));
    await Promise.all(others.map((handle) => handle?.done));
    await untilTabCount(current, 'completed', 1_000);

    await current.click('#tab-failed');
    await current.reload();
    await current.locator('#connection[data-state="open"]').waitFor(WAIT);
    await untilTabCount(current, 'failed', 3);
    expect(await tabCount(current, 'completed')).to.equal(1_000);
    expect(await current.locator('#tab-failed').getAttribute('aria-selected'), 'the tab survives the reload (it is in the address)').to.equal('true');
    const ids = await current.locator('#task-rows .task-row').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-id'))));
    expect([...ids].sort()).to.deep.equal([...failing.ids].sort());

    // The row's link opens the detail: fields, timeline, error and stack.
    const target = failing.ids[0] as number;
    await current.click(`#task-rows .task-row[data-id="${target}"] .c-id a`);
    await current.locator('#task-detail').waitFor(WAIT);
    expect(await current.evaluate(() => location.hash)).to.equal(`#/task/${target}`);
    await current.locator('#detail-stack').waitFor(WAIT);
    expect(await current.locator('#detail-stack').textContent()).to.match(/^Error: .+\n\s+at /);
    expect(await current.locator('#detail-timeline li').evaluateAll((steps) => steps.map((step) => step.getAttribute('data-type')))).to.deep.equal(['created', 'started', 'failed']);
    expect(await current.locator('#detail-context').textContent()).to.include('"userId"');
    await current.screenshot({ path: join(OUTPUT, 'dashboard-detail.png') });

    // Escape closes it; a deep link in a fresh page opens it again.
    await current.keyboard.press('Escape');
    await current.locator('#task-detail').waitFor({ state: 'detached', ...WAIT });
    const other = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await other.goto(`${dashboard.url}#/task/${target}`);
      await other.locator('#detail-stack').waitFor(WAIT);
      expect(await other.locator('#detail-title').textContent()).to.equal(`Task #${target} · sync_crm`);
      // Run again (a sample task): a new task, and the detail follows it.
      await other.click('#detail-retry');
      await other.waitForFunction((id) => /^#\/task\/\d+$/.test(location.hash) && location.hash !== `#/task/${id}`, target, WAIT);
    } finally {
      await other.close();
    }
    expect(pageErrors).to.deep.equal([]);
  });

  it('filters by status, name, run and text; every tab counts exactly the rows it lists, with or without the internal publish_event tasks', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 200 });
    const current = await open(dashboard);
    await current.click('#start-failing');
    await current.click('#start-quick');
    await untilTabCount(current, 'failed', 3);
    await dashboard.manager.waitForAll({ name: 'send_email', returnExceptions: true });
    await untilTabCount(current, 'completed', 10);
    await dashboard.shutdown(); // a still picture: nothing changes while the tabs are read
    // the stream's state event comes after every task event before it: then the page has them all
    await current.locator('#manager-state[data-state="shutdown"]').waitFor(WAIT);

    const readTabs = async (): Promise<void> => {
      for (const tab of ['in_flight', 'failed', 'timed_out', 'cancelled', 'dropped', 'completed']) {
        await current.click(`#tab-${tab}`);
        const shown = await tabCount(current, tab);
        const range = current.locator('#page-range');
        const listed = (await range.count()) > 0 ? Number(/of ([\d,]+)$/.exec((await range.textContent()) ?? '')?.[1]?.replace(/,/g, '')) : await current.locator('#task-rows .task-row').count();
        expect(listed, `tab ${tab}: rows listed vs its count ${shown}`).to.equal(shown);
      }
    };
    await readTabs();
    const withoutInternal = await tabCount(current, 'completed');
    await current.check('#show-internal');
    const withInternal = await tabCount(current, 'completed');
    expect(withInternal, 'the agent runs published events through publish_event tasks').to.be.greaterThan(withoutInternal);
    await readTabs();
    await current.uncheck('#show-internal');

    // Search and name filter.
    await current.click('#tab-failed');
    await current.fill('#search', 'upstream returned 503');
    await current.waitForFunction(() => document.querySelectorAll('#task-rows .task-row').length === 1, undefined, WAIT);
    expect(await tabCount(current, 'failed')).to.equal(1);
    expect(await tabCount(current, 'completed')).to.equal(0);
    await current.fill('#search', '');
    await current.selectOption('#filter-name', 'send_email');
    await current.click('#tab-completed');
    await current.waitForFunction(() => Array.from(document.querySelectorAll('#task-rows .task-row')).every((row) => row.getAttribute('data-name') === 'send_email'), undefined, WAIT);
    expect(await tabCount(current, 'completed')).to.equal(10);
    expect(await tabCount(current, 'failed')).to.equal(0);

    // A run: the agent's tasks carry their run id; filtering by one lists that run's tasks only.
    await current.selectOption('#filter-name', '');
    type Kept = { records: { runId?: string; status: string }[] };
    const kept = (await current.evaluate(() => fetch('./tasks/history?status=completed&limit=1000').then((response) => response.json()))) as Kept;
    const runId = kept.records.find((record) => record.runId !== undefined)?.runId;
    expect(runId, 'an agent run id').to.be.a('string');
    const ofRun = kept.records.filter((record) => record.runId === runId).length;
    await current.fill('#filter-run', runId as string);
    await current.waitForFunction((count) => Number(document.querySelector('#tab-completed .tab-count')?.getAttribute('data-count')) === count, ofRun, WAIT);
    expect(await current.locator('#task-rows .task-row').count()).to.equal(ofRun);
    expect(pageErrors).to.deep.equal([]);
  });

  it('draws live charts with uPlot', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const current = await open(dashboard);
    await current.locator('#chart-throughput canvas').waitFor(WAIT);
    await current.locator('#chart-durations canvas').waitFor(WAIT);
    const first = await current.locator('.charts').getAttribute('data-updated');
    await current.click('#start-quick');
    await current.waitForFunction((before) => document.querySelector('.charts')?.getAttribute('data-updated') !== before, first, WAIT);
    const rates = await current.evaluate(() => fetch('./tasks/rates').then((response) => response.json()));
    expect((rates as { created: number[] }).created.reduce((sum, value) => sum + value, 0)).to.be.at.least(10);
    expect(pageErrors).to.deep.equal([]);
  });

  it('fits a 390 px phone: no horizontal scroll, every action reachable; follows the light colour scheme', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 500 });
    page = await (browser as Browser).newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    page.on('pageerror', (thrown) => pageErrors.push(`pageerror: ${thrown.message}`));
    const current = page;
    await current.goto(dashboard.url);
    await current.locator('#connection[data-state="open"]').waitFor(WAIT);
    await current.click('#start-failing');
    await current.click('#start-slow');
    await untilTabCount(current, 'failed', 3);
    const scrollWidth = await current.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth, 'document width at 390 px').to.be.at.most(390);
    for (const selector of ['#cancel-all', '#shutdown', '#theme', '#start-burst', '#tab-completed']) {
      const box = await current.locator(selector).boundingBox();
      expect(box, selector).to.not.equal(null);
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390, `${selector} within the screen`).to.equal(true);
    }
    const background = await current.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background, 'the light theme').to.equal('rgb(245, 246, 250)');
    await current.screenshot({ path: join(OUTPUT, 'dashboard-390.png'), fullPage: true });
    await current.click('#tab-failed');
    await current.locator('#task-rows .task-row .c-id a').first().click();
    await current.locator('#detail-stack').waitFor(WAIT);
    expect(await current.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    await current.screenshot({ path: join(OUTPUT, 'dashboard-390-detail.png') });

    // The toggle overrides the system's scheme, and is remembered.
    await current.keyboard.press('Escape');
    await current.locator('#task-detail').waitFor({ state: 'detached', ...WAIT });
    await current.click('#theme'); // auto -> light
    await current.locator('#theme', { hasText: 'light' }).waitFor(WAIT);
    await current.click('#theme'); // light -> dark
    // the theme is applied by an effect, after the render: wait for it rather than read at once
    await current.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(13, 16, 23)', undefined, WAIT);
    await current.reload();
    await current.locator('#connection[data-state="open"]').waitFor(WAIT);
    expect(await current.evaluate(() => document.documentElement.dataset.theme)).to.equal('dark');
    expect(pageErrors).to.deep.equal([]);
  });

  it('is keyboard reachable: Tab reaches the actions and a task link, Enter opens its detail', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const current = await open(dashboard);
    await current.click('#start-slow');
    await current.locator('#task-rows .task-row').first().waitFor(WAIT);
    await current.evaluate(() => (document.activeElement as { blur?: () => void } | null)?.blur?.());
    const reached = new Set<string>();
    const wanted = ['cancel-all', 'shutdown', 'tab-failed', 'search', 'task-link', 'start-quick'];
    for (let press = 0; press < 80 && !wanted.every((id) => reached.has(id)); press++) {
      await current.keyboard.press('Tab');
      const focused = await current.evaluate(() => {
        const element = document.activeElement;
        if (element === null) return '';
        if (element.closest('#task-rows') !== null && element.tagName === 'A') return 'task-link';
        return element.id;
      });
      reached.add(focused);
    }
    for (const id of wanted) expect(reached.has(id), `Tab reaches ${id}`).to.equal(true);
    await current.locator('#task-rows .task-row .c-id a').first().focus();
    await current.keyboard.press('Enter');
    await current.locator('#task-detail').waitFor(WAIT);
    expect(await current.evaluate(() => document.activeElement?.id)).to.equal('detail-title');
  });

  it('marks itself disconnected within 2 s of the server stopping, and resynchronises when a server is back', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const port = Number(new URL(dashboard.url).port);
    const current = await open(dashboard);
    await current.click('#start-slow');
    await untilTabCount(current, 'in_flight', 3);
    const stopped = Date.now();
    await dashboard.close();
    dashboard = undefined;
    await current.locator('#disconnected').waitFor({ timeout: 2_000 });
    expect(Date.now() - stopped, 'ms until the page said so').to.be.below(2_000);
    await current.locator('#connection[data-state="closed"]').waitFor({ timeout: 1_000 });
    expect(await current.locator('main').getAttribute('class')).to.equal('offline');
    expect(await tabCount(current, 'in_flight'), 'the last known state stays').to.equal(0);
    await current.screenshot({ path: join(OUTPUT, 'dashboard-disconnected.png') });

    // A new server on the same port: the page reconnects and reads the new state (its history, its tasks).
    dashboard = await startDashboard({ port, lingerMs: 0, agentRunIntervalMs: 0 });
    dashboard.manager.createTask(() => new Promise(() => undefined), { name: 'after_restart' });
    await current.locator('#disconnected').waitFor({ state: 'detached', timeout: 15_000 });
    await current.locator('#task-rows .task-row[data-name="after_restart"]').waitFor(WAIT);
    expect(await tabCount(current, 'cancelled'), 'the old server\'s history is gone with it').to.equal(0);
    pageErrors = pageErrors.filter((message) => !message.includes('ERR_CONNECTION_REFUSED') && !message.includes('Failed to load resource'));
    expect(pageErrors).to.deep.equal([]);
  });

  it('reads the history again until it answers, when the first read fails', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const failing = dashboard.manager.createTask(async () => Promise.reject(new Error('before the page')), { name: 'early' });
    await failing.done;
    page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
    const current = page;
    let refused = 0;
    await current.route('**/tasks/history*', (route) => (refused++ < 2 ? route.fulfill({ status: 503, body: '{"error":"busy"}' }) : route.continue()));
    await current.goto(dashboard.url);
    await untilTabCount(current, 'failed', 1);
    expect(refused, 'two refusals, then an answer').to.be.at.least(3);
  });

  it('with an access token: the login form lets the browser in, keeping the task link it was opened with, and the page goes live', async () => {
    const token = 'e2e-token-0123456789abcdef';
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, token });
    const task = dashboard.manager.createTask(async () => 1, { name: 'linked' });
    await task.done;
    page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
    const current = page;
    const response = await current.goto(`${dashboard.url}#/task/${task.id}`);
    expect(response?.status()).to.equal(401);
    await current.locator('form[action="login"]').waitFor(WAIT);
    await current.fill('#token', 'wrong-token-0123456789');
    await current.click('button[type="submit"]');
    await current.locator('.login-error').waitFor(WAIT);
    await current.fill('#token', token);
    await current.screenshot({ path: join(OUTPUT, 'dashboard-login.png') });
    await current.click('button[type="submit"]');
    await current.locator('#connection[data-state="open"]').waitFor(WAIT);
    await current.locator('#detail-title', { hasText: `Task #${task.id} · linked` }).waitFor(WAIT);
    await current.keyboard.press('Escape');
    await current.click('#start-quick');
    await untilTabCount(current, 'in_flight', 1);
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

  it('stays responsive with 1,000 tasks in flight, listing 50 a page', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, maxPendingTasks: 0 });
    const current = await open(dashboard);

    const clicked = Date.now();
    await current.click('#start-burst');
    await current.click('#start-burst');
    await untilTabCount(current, 'in_flight', 1_000);
    const shownAfterMs = Date.now() - clicked;

    // While they are in flight (each lasts 3 s at least), the page still answers within a frame or so.
    const frameTimes: number[] = [];
    for (let index = 0; index < 5; index++) {
      const started = Date.now();
      await current.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
      frameTimes.push(Date.now() - started);
    }
    const rows = await current.locator('#task-rows .task-row').count();
    const range = (await current.locator('#page-range').textContent()) ?? '';
    await current.screenshot({ path: join(OUTPUT, 'dashboard-1000.png') });

    expect(shownAfterMs, 'ms until the page showed 1,000 tasks in flight').to.be.below(5_000);
    expect(Math.max(...frameTimes), `animation frame round trips: ${frameTimes.join(', ')} ms`).to.be.below(1_000);
    expect(rows).to.equal(50);
    expect(range).to.match(/^1–50 of 1,0\d\d$/);
    await current.click('.pager button:last-child');
    expect(await current.locator('#page-range').textContent()).to.match(/^51–100 of /);
    expect(pageErrors).to.deep.equal([]);
  });
});
