import { expect } from 'chai';
import { firstValueFrom, from, Observable as RxObservable, skip, take, toArray, type ObservableInput } from 'rxjs';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  browserClientScript,
  serveBrowserClient,
  toServerSentEvents,
  type TaskCounts,
} from '../../lib';
import { capturingLogger, deferred } from '../support/helpers';
import { eventually, httpGet, NodeEventSource, startServer, type TestServer } from './support/sse';

/** The served module, imported exactly as a browser would get it. */
interface BrowserClientModule {
  connect(url?: string, options?: Record<string, unknown>): BrowserClient;
  toExternalStore<T>(source: unknown, initial: T): { subscribe(listener: (value: T) => void): () => void; getSnapshot(): T };
  Observable: new <T>(subscribe: (subscriber: { next(value: T): void; complete(): void }) => unknown) => Subscribable<T>;
}

interface Subscription {
  unsubscribe(): void;
  readonly closed: boolean;
}

interface Subscribable<T> {
  subscribe(observer?: ((value: T) => void) | { next?(value: T): void; complete?(): void }): Subscription;
}

interface TaskRow {
  id: number;
  name: string;
  status: string;
  createdAt: number;
  timeoutMs?: number;
  context: unknown;
}

interface BrowserClient {
  readonly events$: Subscribable<{ type: string; name: string; id: number }>;
  readonly counts$: Subscribable<TaskCounts>;
  readonly tasks$: Subscribable<readonly TaskRow[]>;
  readonly graph$: Subscribable<unknown>;
  readonly state$: Subscribable<string>;
  readonly connection$: Subscribable<string>;
  close(): void;
}

/** A scripted EventSource: the test dispatches the server's events itself. */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  readonly listeners = new Map<string, ((message: { type: string; data: string }) => void)[]>();

  constructor(
    readonly url: string,
    readonly init?: { withCredentials?: boolean },
  ) {
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: (message: { type: string; data: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  emit(type: string, data: unknown): void {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    for (const listener of this.listeners.get(type) ?? []) listener({ type, data: text });
  }
}

const COUNTS: TaskCounts = { active: 1, created: 2, completed: 1, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };

function latest<T>(source: Subscribable<T>): T | undefined {
  let value: T | undefined;
  source.subscribe((next) => (value = next)).unsubscribe();
  return value;
}

describe('browser client', () => {
  let client: BrowserClientModule;

  before(async () => {
    const url = `data:text/javascript;base64,${Buffer.from(browserClientScript()).toString('base64')}`;
    client = (await import(url)) as BrowserClientModule;
  });

  let opened: BrowserClient[] = [];

  beforeEach(() => {
    FakeEventSource.instances = [];
    opened = [];
  });
  afterEach(() => {
    // Connections are shared per URL across connect() calls (and module reloads): release this test's.
    for (const browser of opened) browser.close();
    sinon.restore();
  });

  /** A client whose connection is open: the first subscription opens it. */
  function connect(options: Record<string, unknown> = {}): { browser: BrowserClient; source: FakeEventSource } {
    const browser = client.connect('/events', { EventSource: FakeEventSource, ...options });
    opened.push(browser);
    browser.connection$.subscribe(() => undefined);
    return { browser, source: FakeEventSource.instances.at(-1) as FakeEventSource };
  }

  describe('browserClientScript()', () => {
    it('is a self-contained ES module exporting connect, toExternalStore and Observable', () => {
      const script = browserClientScript();

      expect(script).to.equal(browserClientScript());
      // no import statement and no require(): it runs in a browser from this text alone
      expect(script).to.not.match(/^\s*import[\s{]|\brequire\(/m);
      expect(script).to.match(/export const connect = /);
      expect(client.connect).to.be.a('function');
      expect(client.toExternalStore).to.be.a('function');
      expect(client.Observable).to.be.a('function');
    });
  });

  describe('connect()', () => {
    it('opens an EventSource on the URL and reports the connection state', () => {
      const { browser, source } = connect({ withCredentials: true });

      expect(source.url).to.equal('/events');
      expect(source.init).to.deep.equal({ withCredentials: true });
      expect(latest(browser.connection$)).to.equal('connecting');
      source.emit('open', '');
      expect(latest(browser.connection$)).to.equal('open');
      source.readyState = 0;
      source.emit('error', '');
      expect(latest(browser.connection$)).to.equal('connecting');
    });

    it('builds counts$, tasks$ and state$ from the snapshot, leaving out finished tasks and ageMs', () => {
      const { browser, source } = connect();
      source.emit('snapshot', {
        tasks: [
          { id: 1, name: 'a', status: 'running', createdAt: 100, ageMs: 5, context: { k: 1 }, runId: 'r1', threadId: 't1', nodeName: 'n1', done: false, cancelled: false },
          { id: 2, name: 'detached', status: 'cancelled', createdAt: 90, ageMs: 15, context: {}, done: false, cancelled: true },
        ],
        counts: COUNTS,
        state: 'running',
        lastEventId: 4,
      });

      expect(latest(browser.counts$)).to.deep.equal(COUNTS);
      expect(latest(browser.state$)).to.equal('running');
      expect(latest(browser.tasks$)).to.deep.equal([
        { id: 1, name: 'a', status: 'running', createdAt: 100, timeoutMs: undefined, context: { k: 1 }, runId: 'r1', threadId: 't1', nodeName: 'n1', done: false, cancelled: false },
      ]);
    });

    it('keeps tasks$ up to date from task events and emits each event on events$', () => {
      const { browser, source } = connect();
      const events: string[] = [];
      browser.events$.subscribe((event) => events.push(`${event.type} ${event.name}`));
      const lists: (readonly TaskRow[])[] = [];
      browser.tasks$.subscribe((tasks) => lists.push(tasks));
      source.emit('snapshot', { tasks: [], counts: COUNTS, state: 'running' });

      source.emit('task.created', { type: 'created', id: 7, name: 'job', timestamp: 1_000, timeoutMs: 50, context: { u: 1 } });
      source.emit('task.started', { type: 'started', id: 7, name: 'job', timestamp: 1_001, context: { u: 1 } });
      const running = lists[lists.length - 1];
      source.emit('task.dropped', { type: 'dropped', id: 8, name: 'refused', timestamp: 1_002, context: {} });
      source.emit('task.completed', { type: 'completed', id: 7, name: 'job', timestamp: 1_003, context: { u: 1 }, durationMs: 3 });

      expect(events).to.deep.equal(['created job', 'started job', 'dropped refused', 'completed job']);
      expect(lists.map((list) => list.map((task) => `${task.id} ${task.status}`))).to.deep.equal([
        [],
        ['7 pending'],
        ['7 running'],
        [],
      ]);
      expect(running?.[0]).to.include({ createdAt: 1_000, timeoutMs: 50 });
    });

    it('replaces its task list with each new snapshot', () => {
      const { browser, source } = connect();
      source.emit('snapshot', { tasks: [], counts: COUNTS, state: 'running' });
      source.emit('task.created', { type: 'created', id: 1, name: 'old', timestamp: 1, context: {} });

      source.emit('snapshot', {
        tasks: [{ id: 5, name: 'new', status: 'pending', createdAt: 2, context: {}, done: false, cancelled: false }],
        counts: COUNTS,
        state: 'running',
      });

      expect(latest(browser.tasks$)?.map((task) => task.name)).to.deep.equal(['new']);
    });

    it('emits counts, state and graph events', () => {
      const { browser, source } = connect();
      const graph: unknown[] = [];
      browser.graph$.subscribe((event) => graph.push(event));

      source.emit('counts', { ...COUNTS, active: 9 });
      source.emit('state', { state: 'shutting_down' });
      source.emit('graph', { event: 'graph_execution', eventType: 'start', runId: 'r' });

      expect(latest(browser.counts$)?.active).to.equal(9);
      expect(latest(browser.state$)).to.equal('shutting_down');
      expect(graph).to.deep.equal([{ event: 'graph_execution', eventType: 'start', runId: 'r' }]);
    });

    it('reports an unreadable event and goes on', () => {
      const report = sinon.stub(console, 'error');
      const { browser, source } = connect();

      source.emit('counts', '{not json');
      source.emit('counts', COUNTS);

      expect(report.callCount).to.equal(1);
      expect(String(report.firstCall.args[0])).to.contain("'counts'");
      expect(latest(browser.counts$)).to.deep.equal(COUNTS);
    });

    it('close() closes the EventSource, completes every stream and ignores later events', () => {
      const { browser, source } = connect();
      const completed: string[] = [];
      for (const name of ['events$', 'counts$', 'tasks$', 'graph$', 'state$', 'connection$'] as const) {
        browser[name].subscribe({ complete: () => completed.push(name) });
      }
      const seen: unknown[] = [];
      browser.counts$.subscribe((value) => seen.push(value));

      browser.close();
      source.emit('counts', COUNTS);
      browser.close();

      expect(source.closed).to.equal(true);
      expect(completed).to.have.members(['events$', 'counts$', 'tasks$', 'graph$', 'state$', 'connection$']);
      expect(seen).to.deep.equal([]);
    });

    it('connects nothing before the first subscription', () => {
      const browser = client.connect('/events', { EventSource: FakeEventSource });
      opened.push(browser);
      expect(FakeEventSource.instances).to.have.length(0);
      expect(latest(browser.connection$)).to.equal('connecting'); // this subscription opened it
      expect(FakeEventSource.instances).to.have.length(1);
    });

    it("connects nothing and says 'unavailable' where there is no EventSource (server-side rendering), without throwing", () => {
      const browser = client.connect('/ssr-events');
      opened.push(browser);
      const states: string[] = [];
      browser.connection$.subscribe((state) => states.push(state));
      browser.counts$.subscribe(() => undefined);
      expect(states).to.deep.equal(['unavailable']);
    });

    it('shares one connection between every connect() to the same URL; the last close() closes it', () => {
      const first = connect();
      const second = connect();
      expect(FakeEventSource.instances).to.have.length(1);
      const counts: unknown[] = [];
      second.browser.counts$.subscribe((value) => counts.push(value));
      first.source.emit('counts', COUNTS);
      expect(counts).to.deep.equal([COUNTS]);
      first.browser.close();
      expect(first.source.closed).to.equal(false);
      second.browser.close();
      expect(first.source.closed).to.equal(true);
      const third = connect();
      expect(FakeEventSource.instances).to.have.length(2);
      expect(third.source).to.not.equal(first.source);
    });

    it('keeps one connection across a module reload (hot-module replacement): the new module finds the open one', async () => {
      const first = connect();
      const reloaded = `data:text/javascript;base64,${Buffer.from(`${browserClientScript()}\n// reload ${Date.now()}`).toString('base64')}`;
      const again = (await import(reloaded)) as BrowserClientModule;
      const browser = again.connect('/events', { EventSource: FakeEventSource });
      opened.push(browser);
      const counts: unknown[] = [];
      browser.counts$.subscribe((value) => counts.push(value));
      first.source.emit('counts', COUNTS);
      expect(FakeEventSource.instances).to.have.length(1);
      expect(counts).to.deep.equal([COUNTS]);
    });
  });

  describe('its Observables', () => {
    it('hand a late subscriber the latest counts and tasks, but not past events', () => {
      const { browser, source } = connect();
      source.emit('snapshot', { tasks: [], counts: COUNTS, state: 'running' });
      source.emit('task.created', { type: 'created', id: 1, name: 'x', timestamp: 1, context: {} });

      const events: unknown[] = [];
      browser.events$.subscribe((event) => events.push(event));

      expect(latest(browser.counts$)).to.deep.equal(COUNTS);
      expect(latest(browser.tasks$)).to.have.length(1);
      expect(events).to.deep.equal([]);
    });

    it('stop delivering after unsubscribe', () => {
      const { browser, source } = connect();
      const seen: number[] = [];
      const subscription = browser.counts$.subscribe((counts) => seen.push(counts.active));
      source.emit('counts', COUNTS);

      subscription.unsubscribe();
      source.emit('counts', { ...COUNTS, active: 2 });

      expect(seen).to.deep.equal([1]);
      expect(subscription.closed).to.equal(true);
    });

    it('are accepted by RxJS from()', async () => {
      const { browser, source } = connect();
      const firstTwo = firstValueFrom(from(browser.counts$ as unknown as ObservableInput<TaskCounts>).pipe(take(2), toArray()));

      source.emit('counts', COUNTS);
      source.emit('counts', { ...COUNTS, active: 3 });

      expect((await firstTwo).map((counts) => counts.active)).to.deep.equal([1, 3]);
    });

    it('are real RxJS Observables when the page passes RxJS Observable constructor', async () => {
      const { browser, source } = connect({ Observable: RxObservable });
      expect(browser.counts$).to.be.instanceOf(RxObservable);
      const second = firstValueFrom((browser.counts$ as unknown as RxObservable<TaskCounts>).pipe(skip(1)));

      source.emit('counts', COUNTS);
      source.emit('counts', { ...COUNTS, active: 4 });

      expect((await second).active).to.equal(4);
    });

    it('report an observer that throws without breaking the others', () => {
      const report = sinon.stub(console, 'error');
      const { browser, source } = connect();
      const seen: number[] = [];
      browser.counts$.subscribe(() => {
        throw new Error('observer broke');
      });
      browser.counts$.subscribe((counts) => seen.push(counts.active));

      source.emit('counts', COUNTS);

      expect(seen).to.deep.equal([1]);
      expect(report.callCount).to.equal(1);
    });

    it('run the teardown a subscribe function returns even when it completed synchronously', () => {
      let tornDown = 0;
      const observable = new client.Observable<number>((subscriber) => {
        subscriber.next(1);
        subscriber.complete();
        return () => tornDown++;
      });
      const seen: number[] = [];

      const subscription = observable.subscribe((value) => seen.push(value));
      subscription.unsubscribe();

      expect(seen).to.deep.equal([1]);
      expect(tornDown).to.equal(1);
    });
  });

  describe('toExternalStore()', () => {
    it('follows the Svelte contract: calls run at once, returns an unsubscribe function, subscribes lazily', () => {
      const { browser, source } = connect();
      source.emit('counts', COUNTS);
      const store = client.toExternalStore<TaskCounts | null>(browser.counts$, null);
      expect(store.getSnapshot()).to.equal(null);

      const seen: (TaskCounts | null)[] = [];
      const unsubscribe = store.subscribe((value) => seen.push(value));
      const first = store.getSnapshot();
      source.emit('counts', { ...COUNTS, active: 5 });
      unsubscribe();
      source.emit('counts', { ...COUNTS, active: 6 });

      expect(seen.map((value) => value?.active)).to.deep.equal([1, 5]);
      expect(first).to.deep.equal(COUNTS);
      expect(store.getSnapshot()?.active).to.equal(5);
    });
  });

  describe('end to end, over a real server', () => {
    let server: TestServer;
    let manager: BackgroundTaskManager;
    let handler: ReturnType<typeof toServerSentEvents>;

    beforeEach(async () => {
      manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      handler = toServerSentEvents(manager, { lingerMs: 0 });
      server = await startServer((req, res) => {
        if (req.url === '/agentflow-client.js') return serveBrowserClient(req, res);
        if (req.url === '/events') return handler(req, res);
        res.writeHead(404).end();
      });
    });

    afterEach(async () => {
      handler.close();
      await server.close();
      await manager.shutdown({ timeoutMs: 1_000 });
    });

    it('serves the script as JavaScript with an ETag, and 304 when it matches', async () => {
      const first = await httpGet(`${server.url}/agentflow-client.js`);
      const again = await httpGet(`${server.url}/agentflow-client.js`, { 'If-None-Match': String(first.headers.etag) });

      expect(first.status).to.equal(200);
      expect(first.headers['content-type']).to.equal('text/javascript; charset=utf-8');
      expect(first.body).to.equal(browserClientScript());
      expect(again.status).to.equal(304);
      expect(again.body).to.equal('');
    });

    it('turns the stream back into counts$, tasks$ and events$, and the server releases everything on close()', async () => {
      const gate = deferred<string>();
      manager.createTask(() => gate.promise, { name: 'already-running', context: { big: 1n } });
      const browser = client.connect(`${server.url}/events`, { EventSource: NodeEventSource });
      const tasks = client.toExternalStore<readonly TaskRow[]>(browser.tasks$, []);
      tasks.subscribe(() => undefined);
      const events: string[] = [];
      browser.events$.subscribe((event) => events.push(`${event.type} ${event.name}`));

      await eventually(() => tasks.getSnapshot().length === 1);
      expect(tasks.getSnapshot()[0]).to.include({ name: 'already-running', status: 'running' });
      expect(tasks.getSnapshot()[0]?.context).to.deep.equal({ big: '1n' });

      manager.createTask(async () => 'quick', { name: 'quick' });
      gate.resolve('done');
      await eventually(() => latest(browser.counts$)?.completed === 2 && tasks.getSnapshot().length === 0);
      expect(events).to.deep.equal(['created quick', 'started quick', 'completed already-running', 'completed quick']);
      expect(latest(browser.connection$)).to.equal('open');

      browser.close();
      await eventually(() => handler.connections === 0 && handler.activeSubscriptions === 0);
    });
  });
});
