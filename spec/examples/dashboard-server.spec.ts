import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import log from 'loglevel';
import sinon from 'sinon';
import { DEFAULT_LOGGER_NAME, InvalidArgumentError } from '../../lib';
import { startDashboard, type Dashboard } from '../../examples/dashboard/server';
import { SAMPLE_SIZES } from '../../examples/dashboard/sample-tasks';
import { eventually, openEventStream, request, type EventStream } from './support/http';

describe('examples/dashboard server', () => {
  let dashboard: Dashboard | undefined;
  const streams: EventStream[] = [];
  let warn: sinon.SinonStub;
  let error: sinon.SinonStub;

  beforeEach(() => {
    // Failing, timed-out and dropped samples log on the library's logger: keep the test output clean.
    const logger = log.getLogger(DEFAULT_LOGGER_NAME);
    warn = sinon.stub(logger, 'warn');
    error = sinon.stub(logger, 'error');
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await dashboard?.close();
    dashboard = undefined;
    warn.restore();
    error.restore();
  });

  /** A dashboard on a free port, without the timer's agent runs (the tests count tasks exactly). */
  async function start(options: { shutdownTimeoutMs?: number } = {}): Promise<Dashboard> {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, ...options });
    return dashboard;
  }

  function url(path: string): string {
    return new URL(path, (dashboard as Dashboard).url).toString();
  }

  async function post(path: string, headers: Record<string, string> = {}) {
    return request(url(path), 'POST', headers);
  }

  describe('GET', () => {
    it('serves the page, its script and stylesheet, and the browser client, with a policy that allows no other origin', async () => {
      const { url: base } = await start();
      expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);

      const page = await request(url('/'));
      expect(page.status).to.equal(200);
      expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(page.body).to.include('<div id="app">');
      expect(page.body).to.include('<script type="module" src="page/app.js"></script>');
      expect(page.body).to.not.match(/https?:\/\//);
      expect(page.headers['content-security-policy']).to.include("default-src 'none'");

      const script = await request(url('/page/app.js'));
      expect(script.status).to.equal(200);
      expect(script.headers['content-type']).to.equal('text/javascript; charset=utf-8');
      expect(script.body).to.include("from '../vendor/preact-htm.js'");
      const store = await request(url('/page/store.js'));
      expect(store.body).to.include("from '../agentflow-client.js'");
      expect(store.body).to.include('requestAnimationFrame');

      // The third-party modules come from node_modules, as published, and import nothing from elsewhere.
      for (const [path, marker] of [['/vendor/preact-htm.js', 'useState'], ['/vendor/uplot.js', 'export { uPlot as default }']] as const) {
        const vendor = await request(url(path));
        expect(vendor.status, path).to.equal(200);
        expect(vendor.headers['content-type']).to.equal('text/javascript; charset=utf-8');
        expect(vendor.body).to.include(marker);
        expect(vendor.body, `${path} imports nothing`).to.not.match(/^\s*import\b|\bimport\s*\(|\}\s*from\s*["']/m);
      }
      expect((await request(url('/vendor/uplot.css'))).headers['content-type']).to.equal('text/css; charset=utf-8');
      expect((await request(url('/page/nope.js'))).status).to.equal(404);

      const css = await request(url('/app.css'));
      expect(css.headers['content-type']).to.equal('text/css; charset=utf-8');

      const client = await request(url('/agentflow-client.js'));
      expect(client.status).to.equal(200);
      expect(client.body).to.include('export const connect');
    });

    it('answers its settings on /info and 404 on an unknown path', async () => {
      await start();
      const info = await request(url('/info'));
      expect(info.json()).to.deep.include({ maxPendingTasks: 300, overflow: 'drop-newest', state: 'running' });
      // The event stream's figures, which the page shows (viewers, dropped).
      expect(info.json().stream).to.include({ clients: 0, dropped: 0, refused: 0 });

      const missing = await request(url('/nothing-here'));
      expect(missing.status).to.equal(404);
      expect(missing.json().error).to.equal('no page at /nothing-here');
    });

    it('routes only paths in normal form: //x/shutdown, /a/../shutdown and the like get 400 and reach nothing', async () => {
      const { manager } = await start();
      for (const rawPath of ['//x/shutdown', '/a/../shutdown', '/./shutdown', '/tasks/../shutdown', '/a\\..\\shutdown', '/samples/./quick']) {
        const response = await request(url('/'), 'POST', {}, rawPath);
        expect(response.status, rawPath).to.equal(400);
        expect(response.headers['x-content-type-options'], rawPath).to.equal('nosniff');
      }
      expect(manager.state).to.equal('running');
      expect(manager.getTaskCount()).to.equal(0);
      expect((await request(url('/'), 'GET', {}, '/info?x=1')).status).to.equal(200);
    });

    it('sends nosniff and no-store on every answer: JSON, the page, the browser client and the event stream', async () => {
      await start();
      for (const path of ['/', '/app.js', '/info', '/agentflow-client.js', '/nothing-here']) {
        const response = await request(url(path));
        expect(response.headers['x-content-type-options'], path).to.equal('nosniff');
      }
      for (const path of ['/info', '/nothing-here']) expect((await request(url(path))).headers['cache-control'], path).to.equal('no-store');
      const head = await request(url('/events'), 'HEAD');
      expect(head.headers['x-content-type-options']).to.equal('nosniff');
      expect(head.headers['cache-control']).to.equal('no-store, no-transform');
    });

    it('refuses a Host that is not a loopback name (DNS rebinding) with 403', async () => {
      const { server } = await start();
      const { port } = server.address() as AddressInfo;

      const rebound = await request(url('/'), 'GET', { Host: `evil.example:${port}` });
      expect(rebound.status).to.equal(403);
      expect(rebound.json().error).to.match(/not a loopback name/);

      const localhost = await request(url('/'), 'GET', { Host: `localhost:${port}` });
      expect(localhost.status).to.equal(200);
    });

    it('answers 405 to a method it does not support', async () => {
      await start();
      const response = await request(url('/info'), 'PUT');
      expect(response.status).to.equal(405);
      expect(response.headers.allow).to.equal('GET, HEAD, POST');
    });
  });

  describe('POST /samples/:kind', () => {
    it('starts one click’s worth of tasks of each kind on the manager', async () => {
      const { manager } = await start();
      const response = await post('/samples/quick');
      expect(response.status).to.equal(200);
      const result = response.json();
      expect(result).to.deep.include({ kind: 'quick', created: SAMPLE_SIZES.quick, dropped: 0 });
      expect(result.ids).to.have.length(SAMPLE_SIZES.quick);
      expect(manager.getTask(result.ids[0])?.name).to.equal('send_email');

      for (const kind of ['slow', 'failing', 'hanging'] as const) {
        expect((await post(`/samples/${kind}`)).json().created).to.equal(SAMPLE_SIZES[kind]);
      }
      const hanging = manager.getTaskInfo().filter((task) => task.name === 'call_webhook');
      expect(hanging.map((task) => task.timeoutMs)).to.deep.equal([5_000, 5_000]);
    });

    it('drops what a burst of 500 brings beyond the cap of 300', async () => {
      const { manager } = await start();
      await post('/samples/quick');

      const result = (await post('/samples/burst')).json();

      expect(result.created).to.equal(300 - SAMPLE_SIZES.quick);
      expect(result.dropped).to.equal(500 - result.created);
      expect(manager.getTaskCount()).to.equal(300);
      expect(manager.droppedCount).to.equal(result.dropped);
    });

    it('answers 404 for an unknown kind', async () => {
      const { manager } = await start();
      const response = await post('/samples/huge');
      expect(response.status).to.equal(404);
      expect(response.json().error).to.match(/no sample 'huge'; try one of quick, slow, failing, hanging, burst/);
      expect(manager.getTaskCount()).to.equal(0);
    });
  });

  describe('POST /tasks/:id/cancel and /tasks/cancel-all', () => {
    it('cancels one task by id through manager.getTask(id)?.cancel()', async () => {
      const { manager } = await start();
      const [first, second] = (await post('/samples/slow')).json().ids as number[];
      const handle = manager.getTask(first as number);

      const response = await post(`/tasks/${first}/cancel`);

      expect(response.status).to.equal(200);
      expect(response.json()).to.deep.equal({ id: first, cancelled: true, status: 'cancelled' });
      expect(handle?.status).to.equal('cancelled');
      expect(manager.getTask(second as number)?.status).to.equal('running');
    });

    it('answers 404 for a task that is not tracked', async () => {
      await start();
      const response = await post('/tasks/424242/cancel');
      expect(response.status).to.equal(404);
      expect(response.json().error).to.equal('no task 424242 in flight');
    });

    it('cancels every task in flight and says how many', async () => {
      const { manager } = await start();
      await post('/samples/slow');
      await post('/samples/hanging');

      const response = await post('/tasks/cancel-all');

      expect(response.json()).to.deep.equal({ cancelled: SAMPLE_SIZES.slow + SAMPLE_SIZES.hanging });
      expect(manager.getTaskCount()).to.equal(0);
    });
  });

  describe('GET /tasks/history, GET /tasks/:id, POST /tasks/:id/retry', () => {
    it('keeps failures server-side: listed by status with their stack, in a task detail, and after 300 other tasks', async () => {
      const { manager } = await start();
      const failing = (await post('/samples/failing')).json().ids as number[];
      await manager.waitForAll({ returnExceptions: true });
      const burst = Array.from({ length: 300 }, (_, index) => manager.createTask(async () => index, { name: 'filler' }));
      await Promise.all(burst.map((handle) => handle.done));

      const failures = (await request(url('/tasks/history?status=failed'))).json();
      expect(failures.total).to.equal(SAMPLE_SIZES.failing);
      expect(failures.records.map((record: { id: number }) => record.id).sort()).to.deep.equal([...failing].sort());
      expect(failures.totals.user).to.include({ failed: SAMPLE_SIZES.failing, completed: 300 });

      const detail = (await request(url(`/tasks/${failing[0]}`))).json();
      expect(detail).to.include({ id: failing[0], name: 'sync_crm', status: 'failed' });
      expect(detail.error.stack).to.match(/^Error: .+\n\s+at /);
      expect(detail.timeline.map((step: { type: string }) => step.type)).to.deep.equal(['created', 'started', 'failed']);

      const page = (await request(url('/tasks/history?status=completed&name=filler&offset=10&limit=5'))).json();
      expect(page.total).to.equal(300);
      expect(page.records.map((record: { id: number }) => record.id)).to.deep.equal(burst.slice(-15, -10).reverse().map((handle) => handle.id));
    });

    it('answers 400 to a query it does not understand, and 404 to a task it does not know', async () => {
      await start();
      for (const query of ['status=running', 'status=nope', 'limit=5001', 'offset=-1', 'internal=yes', 'colour=red', 'limit=1&limit=9', 'status=failed&status=bogus']) {
        const response = await request(url(`/tasks/history?${query}`));
        expect(response.status, query).to.equal(400);
        expect(response.json().error).to.be.a('string');
      }
      expect((await request(url('/tasks/424242'))).status).to.equal(404);
    });

    it('runs a sample task again, and refuses tasks whose work it does not know', async () => {
      const { manager } = await start();
      const [failed] = (await post('/samples/failing')).json().ids as number[];
      await manager.waitForAll({ returnExceptions: true });
      const again = await post(`/tasks/${failed}/retry`);
      expect(again.status).to.equal(200);
      expect(again.json()).to.include({ kind: 'failing' });
      expect(manager.getTask(again.json().id)?.name).to.equal('sync_crm');
      const other = manager.createTask(async () => 1, { name: 'not_a_sample' });
      await other.done;
      const refused = await post(`/tasks/${other.id}/retry`);
      expect(refused.status).to.equal(409);
      expect(refused.json().error).to.include("'not_a_sample'");
      expect((await post('/tasks/424242/retry')).status).to.equal(404);
    });
  });

  describe('POST /shutdown', () => {
    it('shuts the manager down and answers its ShutdownStats; later calls answer the same, and samples get 409', async () => {
      const { manager, graph } = await start();
      await post('/samples/slow');

      const response = await post('/shutdown');

      expect(response.status).to.equal(200);
      const stats = response.json();
      expect(stats).to.deep.include({
        status: 'completed',
        initialTasks: SAMPLE_SIZES.slow,
        completedTasks: SAMPLE_SIZES.slow,
        remainingTasks: 0,
        cancelled: SAMPLE_SIZES.slow,
        remaining: [],
      });
      expect(stats.durationMs).to.be.a('number');
      expect(manager.state).to.equal('shutdown');
      expect(graph.closed).to.equal(true);

      expect((await post('/shutdown')).json()).to.deep.equal(stats);
      const refused = await post('/samples/quick');
      expect(refused.status).to.equal(409);
      expect(refused.json().error).to.equal('the manager is shutdown: it accepts no new tasks');
    });

    it('answers the tasks still running with their secrets as [REDACTED]', async () => {
      const { manager } = await start({ shutdownTimeoutMs: 50 });
      const secrets = ['pa55-w0rd-value', 'sk-proj-abcdefghijklmnop1234', 'c00kie-value-1', 'rtok-abcdef-0987'];
      const stuck = new Promise<void>(() => undefined); // ignores its signal: still running when shutdown gives up
      manager.createTask(() => stuck, {
        name: `sync ${secrets[1]}`,
        context: {
          userId: 'visible-user',
          password: secrets[0],
          db: `postgres://app:${secrets[0]}@db.internal/app`,
          headers: [{ name: 'Cookie', value: secrets[2] }],
          oauth: new Map([['refresh_token', secrets[3]]]),
        },
      });

      const response = await post('/shutdown');

      expect(response.status).to.equal(200);
      const stats = response.json();
      expect(stats.remainingTasks).to.equal(1);
      expect(response.body).to.contain('[REDACTED]').and.contain('visible-user').and.contain('db.internal/app');
      for (const secret of secrets) expect(response.body).not.to.contain(secret);
    });
  });

  describe('cross-origin POST', () => {
    it('refuses another origin and Origin: null with 403, and does nothing', async () => {
      const { manager, server } = await start();
      await post('/samples/slow');
      const { port } = server.address() as AddressInfo;

      for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null']) {
        for (const path of ['/samples/burst', '/tasks/cancel-all', '/shutdown', '/tasks/1/cancel']) {
          const response = await post(path, { Origin: origin });
          expect(response.status, `${origin} POST ${path}`).to.equal(403);
          expect(response.json().error).to.match(/^cross-origin request refused/);
        }
      }
      expect(manager.getTaskCount()).to.equal(SAMPLE_SIZES.slow);
      expect(manager.state).to.equal('running');
    });

    it('accepts the page’s own origin, and a request without Origin (curl)', async () => {
      const { server } = await start();
      const { port } = server.address() as AddressInfo;

      expect((await post('/samples/quick', { Origin: `http://127.0.0.1:${port}` })).status).to.equal(200);
      const viaLocalhost = await post('/samples/quick', { Origin: `http://localhost:${port}`, Host: `localhost:${port}` });
      expect(viaLocalhost.status).to.equal(200);
      expect((await post('/samples/quick')).status).to.equal(200);
    });
  });

  describe('GET /events', () => {
    it('streams a snapshot, task and graph events, and releases its subscriptions when the client leaves', async () => {
      dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 50 });
      const { events } = dashboard;
      const stream = await openEventStream(url('/events'));
      streams.push(stream);

      await stream.waitFor('snapshot');
      await stream.waitFor('graph');
      await post('/samples/quick');
      await stream.waitFor('task.created');
      expect(events.connections).to.equal(1);
      expect(events.activeSubscriptions).to.equal(4); // counts$, state$, events$ and the publisher's events$

      stream.close();
      await eventually('the stream released its client', () => events.connections === 0);
      await eventually('the stream released its subscriptions', () => events.activeSubscriptions === 0);
    });
  });

  describe('startDashboard()', () => {
    it('validates its options, naming the one out of range', async () => {
      let caught: unknown;
      try {
        await startDashboard({ port: 70_000 });
      } catch (thrown) {
        caught = thrown;
      }
      expect(caught).to.be.instanceOf(InvalidArgumentError);
      expect((caught as Error).message).to.equal('Expected `port` to be an integer from 0 to 65535, got 70000');
    });

    it('rejects when the port is taken, and closes what it had started', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as AddressInfo;
      try {
        let caught: unknown;
        try {
          await startDashboard({ port, agentRunIntervalMs: 10 });
        } catch (thrown) {
          caught = thrown;
        }
        expect((caught as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });
  });

  describe('close()', () => {
    it('shuts down, ends open streams, releases every subscription and closes the server', async () => {
      dashboard = await startDashboard({ port: 0, agentRunIntervalMs: 20 }); // the default 30 s linger
      const { events, server, manager, graph } = dashboard;
      const stream = await openEventStream(url('/events'));
      streams.push(stream);
      await stream.waitFor('snapshot');
      await post('/samples/slow');

      const stats = await dashboard.close();

      expect(stats.status).to.equal('completed');
      expect(stats.remainingTasks).to.equal(0);
      await stream.ended;
      expect(events.closed).to.equal(true);
      expect(events.connections).to.equal(0);
      expect(events.activeSubscriptions).to.equal(0);
      expect(server.listening).to.equal(false);
      expect(manager.state).to.equal('shutdown');
      expect(manager.getTaskInfo()).to.deep.equal([]);
      expect(graph.closed).to.equal(true);
      expect(await dashboard.close()).to.equal(stats);
      expect(error.called, 'nothing was logged at ERROR').to.equal(false);
    });
  });
});
