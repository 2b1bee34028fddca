import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import log from 'loglevel';
import sinon from 'sinon';
import { DEFAULT_LOGGER_NAME, InvalidArgumentError } from '../../lib';
import { AccessToken, SESSION_COOKIE } from '../../examples/dashboard/access-token';
import { exposureFromEnv } from '../../examples/dashboard/main';
import { startDashboard, type Dashboard } from '../../examples/dashboard/server';
import { eventually, openEventStream, request } from './support/http';

const TOKEN = 'a3f1c9e07b2d4f6a8c0e1b3d5f7a9c2e';

describe('examples/dashboard exposure: access token, slow and excess connections', function () {
  this.timeout(15_000);
  let dashboard: Dashboard | undefined;
  const sockets: Socket[] = [];

  beforeEach(() => {
    const logger = log.getLogger(DEFAULT_LOGGER_NAME);
    sinon.stub(logger, 'warn');
    sinon.stub(logger, 'error');
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await dashboard?.close();
    dashboard = undefined;
    sinon.restore();
  });

  async function refusal(options: Parameters<typeof startDashboard>[0]): Promise<InvalidArgumentError> {
    let caught: unknown;
    try {
      dashboard = await startDashboard(options);
    } catch (thrown) {
      caught = thrown;
    }
    expect(caught, 'startDashboard() rejected').to.be.instanceOf(InvalidArgumentError);
    return caught as InvalidArgumentError;
  }

  function url(path: string): string {
    return new URL(path, (dashboard as Dashboard).url.replace('0.0.0.0', '127.0.0.1')).toString();
  }

  describe('binding beyond loopback', () => {
    it('refuses to start on 0.0.0.0 and :: without a token, saying how to set one', async () => {
      for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
        const error = await refusal({ port: 0, host, agentRunIntervalMs: 0 });
        expect(error.argument).to.equal('token');
        expect(error.message).to.include('DASHBOARD_TOKEN').and.include(JSON.stringify(host)).and.include('127.0.0.1');
      }
    });

    it('refuses a short or spaced token, or one that is no string, without ever printing it', async () => {
      for (const token of [12345678901234567890, ['s3cr3t-t0ken-value-123456'], Buffer.from('s3cr3t-t0ken-value-123456'), new String('s3cr3t-t0ken-value-123456')]) {
        const error = await refusal({ port: 0, host: '0.0.0.0', token: token as never, agentRunIntervalMs: 0 });
        expect(error.message).not.to.include('s3cr3t').and.not.include('1234567890');
      }
      for (const token of ['short-secret', 'has a space in the middle ok', '\u00e9'.repeat(20), '']) {
        const error = await refusal({ port: 0, host: '0.0.0.0', token, agentRunIntervalMs: 0 });
        expect(error.argument).to.equal('token');
        if (token !== '') expect(error.message).not.to.include(token);
      }
    });

    it('refuses an unknown option key, naming it, in the cluster and history options too; a throwing getter; an array', async () => {
      const error = await refusal({ port: 0, tokne: TOKEN } as never);
      expect(error.argument).to.equal('options.tokne');
      expect(error.message).to.include("'tokne'");
      expect((await refusal({ port: 0, cluster: { redisURL: 'redis://10.0.0.1:6379' } } as never)).argument).to.equal('cluster.redisURL');
      expect((await refusal({ port: 0, history: { maxFailed: 3 } } as never)).argument).to.equal('history.maxFailed');
      const throwing = Object.defineProperty({}, 'port', { enumerable: true, get: (): never => { throw new Error('getter'); } });
      expect((await refusal(throwing as never)).argument).to.equal('options');
      expect((await refusal([] as never)).argument).to.equal('options');
      expect((await refusal(new Map() as never)).argument).to.equal('options');
      const url = await refusal({ port: 0, cluster: { redisUrl: 'http://user:hunter2pass@x' } });
      expect(url.message).not.to.include('hunter2pass');
    });

    it('reads HOST and DASHBOARD_TOKEN, an empty one counting as unset', () => {
      expect(exposureFromEnv({})).to.deep.equal({ host: '127.0.0.1', token: undefined });
      expect(exposureFromEnv({ HOST: ' 0.0.0.0 ', DASHBOARD_TOKEN: TOKEN })).to.deep.equal({ host: '0.0.0.0', token: TOKEN });
      expect(exposureFromEnv({ HOST: '', DASHBOARD_TOKEN: '' })).to.deep.equal({ host: '127.0.0.1', token: undefined });
    });
  });

  describe('with a token', () => {
    beforeEach(async () => {
      dashboard = await startDashboard({ port: 0, host: '0.0.0.0', token: TOKEN, agentRunIntervalMs: 0, lingerMs: 0 });
    });

    it('answers 401 without it, on every route but the login form and its stylesheet', async () => {
      const refused = await request(url('/info'));
      expect(refused.json().error, 'the server’s own advice, not redacted').to.equal(
        'this dashboard needs its access token: send Authorization: Bearer <token>, or sign in at /login',
      );
      for (const [method, path] of [['GET', '/info'], ['GET', '/events'], ['GET', '/app.js'], ['GET', '/metrics'], ['POST', '/tasks/cancel-all'], ['POST', '/shutdown'], ['POST', '/samples/quick']] as const) {
        const response = await request(url(path), method);
        expect(response.status, `${method} ${path}`).to.equal(401);
        expect(response.headers['www-authenticate']).to.match(/^Bearer /);
      }
      expect(dashboard?.manager.state, 'nothing was shut down').to.equal('running');
      expect(dashboard?.manager.getTaskCount()).to.equal(0);
      expect((await request(url('/login'))).status).to.equal(200);
      expect((await request(url('/app.css'))).status).to.equal(200);
    });

    it('gives a browser asking for the page the login form, with 401', async () => {
      const response = await request(url('/'), 'GET', { Accept: 'text/html,application/xhtml+xml' });
      expect(response.status).to.equal(401);
      expect(response.headers['content-type']).to.match(/^text\/html/);
      expect(response.body).to.include('<form method="post" action="login">');
      expect(response.headers['content-security-policy']).to.include("form-action 'self'");
      // asked at a nested path, its links still reach the dashboard's root
      const nested = await request(url('/tasks/history'), 'GET', { Accept: 'text/html' });
      expect(nested.body).to.include('<form method="post" action="../login">').and.include('href="../app.css"');
    });

    it('accepts the token as a bearer header, and refuses a wrong one or another scheme', async () => {
      expect((await request(url('/info'), 'GET', { Authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
      expect((await request(url('/info'), 'GET', { Authorization: `bearer   ${TOKEN}` })).status).to.equal(200);
      expect((await request(url('/info'), 'GET', { Authorization: `Bearer ${TOKEN}x` })).status).to.equal(401);
      expect((await request(url('/info'), 'GET', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).to.equal(401);
      expect((await request(url('/info'), 'GET', { Authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).status).to.equal(401);
    });

    it('signs a browser in with the form: a wrong token gets the form again, the right one a session cookie that opens everything', async () => {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const wrong = await request(url('/login'), 'POST', form, undefined, 'token=nope');
      expect(wrong.status).to.equal(401);
      expect(wrong.body).to.include('not the right one');
      expect(wrong.headers['set-cookie']).to.equal(undefined);

      const right = await request(url('/login'), 'POST', form, undefined, `token=${encodeURIComponent(TOKEN)}`);
      expect(right.status).to.equal(303);
      expect(right.headers.location).to.equal('./');
      // the page's fragment (a task link) comes through; anything else does not (no open redirect)
      const linked = await request(url('/login'), 'POST', form, undefined, `token=${encodeURIComponent(TOKEN)}&next=${encodeURIComponent('#/task/42')}`);
      expect(linked.headers.location).to.equal('./#/task/42');
      for (const next of ['//evil.example', 'https://evil.example/', '#/task/1\r\nSet-Cookie: x=1', '/../shutdown']) {
        const refusedNext = await request(url('/login'), 'POST', form, undefined, `token=${encodeURIComponent(TOKEN)}&next=${encodeURIComponent(next)}`);
        expect(refusedNext.headers.location, next).to.equal('./');
      }
      const cookie = (right.headers['set-cookie'] ?? [])[0] ?? '';
      expect(cookie).to.match(new RegExp(`^${SESSION_COOKIE}=`)).and.include('HttpOnly').and.include('SameSite=Strict');
      expect(cookie, 'the cookie is not the token').not.to.include(TOKEN);

      const session = cookie.split(';')[0] as string;
      expect((await request(url('/info'), 'GET', { Cookie: session })).status).to.equal(200);
      expect((await request(url('/'), 'GET', { Cookie: `other=1; ${session}` })).status).to.equal(200);
      expect((await request(url('/info'), 'GET', { Cookie: `${session}x` })).status).to.equal(401);
      // signing out clears the cookie, and ends the session on the server: a kept copy of it is refused
      const signedOut = await request(url('/logout'), 'POST', { Cookie: session });
      expect(signedOut.status).to.equal(303);
      expect((signedOut.headers['set-cookie'] ?? [])[0]).to.match(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
      expect((await request(url('/info'), 'GET', { Cookie: session })).status, 'the signed-out session').to.equal(401);
      const another = await request(url('/login'), 'POST', form, undefined, `token=${encodeURIComponent(TOKEN)}`);
      const other = ((another.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0] as string;
      expect((await request(url('/info'), 'GET', { Cookie: other })).status, 'another session stays').to.equal(200);
      const stream = await openEventStream(url('/events'));
      try {
        expect(stream.response.statusCode, 'no cookie: no stream').to.equal(401);
      } finally {
        stream.close();
      }
    });

    it('refuses a login posted from another origin, and a body over 4 KB', async () => {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const crossOrigin = await request(url('/login'), 'POST', { ...form, Origin: 'http://evil.example' }, undefined, `token=${TOKEN}`);
      expect(crossOrigin.status).to.equal(403);
      expect(crossOrigin.headers['set-cookie']).to.equal(undefined);
      const large = await request(url('/login'), 'POST', form, undefined, `token=${'x'.repeat(5_000)}`);
      expect(large.status).to.equal(413);
    });
  });

  it('a token on loopback is required too', async () => {
    dashboard = await startDashboard({ port: 0, token: TOKEN, agentRunIntervalMs: 0, lingerMs: 0 });
    expect((await request(url('/info'))).status).to.equal(401);
    expect((await request(url('/info'), 'GET', { Authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
  });

  it('refuses a session cookie once it has expired, or whose expiry was changed', () => {
    let now = 1_700_000_000_000;
    const access = new AccessToken(TOKEN, () => now);
    const cookie = access.sessionCookie().split(';')[0] as string;
    const asRequest = (header: string) => ({ headers: { cookie: header } }) as never;
    expect(access.allows(asRequest(cookie))).to.equal(true);
    const [name, value] = cookie.split('=') as [string, string];
    const [expires, id, signature] = value.split('.') as [string, string, string];
    expect(access.allows(asRequest(`${name}=${Number(expires) + 1_000_000}.${id}.${signature}`)), 'a longer expiry, same signature').to.equal(false);
    now += 12 * 60 * 60 * 1000 + 1;
    expect(access.allows(asRequest(cookie)), 'after 12 hours').to.equal(false);
  });

  it('compares tokens whatever their length, and only equal ones match', () => {
    const access = new AccessToken(TOKEN);
    expect(access.matches(TOKEN)).to.equal(true);
    for (const candidate of ['', 'a', TOKEN.toUpperCase(), `${TOKEN} `, TOKEN.repeat(100), '\u0000'.repeat(32)]) {
      expect(access.matches(candidate), JSON.stringify(candidate.slice(0, 40))).to.equal(false);
    }
  });

  describe('slow and excess connections', () => {
    /** A socket to the dashboard; resolves once connected. */
    function open(): Promise<Socket> {
      const { port } = new URL((dashboard as Dashboard).url);
      return new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
        socket.once('error', reject);
        sockets.push(socket);
      });
    }

    function closed(socket: Socket): () => boolean {
      let done = false;
      socket.once('close', () => (done = true));
      return () => done;
    }

    /** How many connections the server holds open now (its own sockets: what a slow client costs it). */
    function serverSockets(target: Dashboard): () => number {
      let open = 0;
      target.server.on('connection', (socket) => {
        open++;
        socket.once('close', () => open--);
      });
      return () => open;
    }

    it('closes a connection that drips its headers slower than headersTimeoutMs, one that sends nothing, and one whose body never comes', async () => {
      dashboard = await startDashboard({ port: 0, agentRunIntervalMs: 0, lingerMs: 0, headersTimeoutMs: 500 });
      const held = serverSockets(dashboard);
      const dripping = await open();
      await open(); // silent
      const halfBody = await open();
      await eventually('the server has the three connections', () => held() === 3);
      dripping.write('GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      halfBody.write('POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=');
      const drip = setInterval(() => dripping.writable && dripping.write('X-Drip: 1\r\n'), 200);
      try {
        await eventually('the server closed the three slow connections', () => held() === 0, 4_000);
      } finally {
        clearInterval(drip);
      }
      // and the server still answers
      expect((await request(url('/info'))).status).to.equal(200);
    });

    it('cuts off a connection that pipelines more than 16 requests without reading the answers', async () => {
      dashboard = await startDashboard({ port: 0, agentRunIntervalMs: 0, lingerMs: 0 });
      const held = serverSockets(dashboard);
      const greedy = await open();
      greedy.pause(); // never reads
      greedy.write('GET /tasks/history?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(200));
      await eventually('the server closed it', () => held() === 0, 3_000);
      const polite = await open();
      let answer = '';
      polite.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      polite.write('GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(3));
      await eventually('three pipelined requests are answered', () => (answer.match(/HTTP\/1\.1 200/g) ?? []).length === 3);
    });

    it('closes connections beyond maxConnections at once, and takes new ones when there is room', async () => {
      dashboard = await startDashboard({ port: 0, agentRunIntervalMs: 0, lingerMs: 0, maxConnections: 3 });
      const held = [await open(), await open(), await open()];
      for (const socket of held) socket.write('GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // headers never finished
      const extra = await open();
      const extraClosed = closed(extra);
      await eventually('the fourth connection is closed', extraClosed, 2_000);
      for (const socket of held) socket.destroy();
      // The server counts a connection gone once it has seen it close: ask until it has.
      let status = 0;
      for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
        status = await request(url('/info')).then((response) => response.status, () => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status, 'answered once the held connections closed').to.equal(200);
    });
  });
});
