/**
 * The dashboard's guards against other web pages: its POST endpoints cancel tasks and shut the manager down,
 * and its event stream shows task names and contexts, so a page from another site open in the same browser
 * must neither call the one nor read the other.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request's `Host` is acceptable: when the server listens on a loopback address, it must name a
 * loopback host (`localhost`, `127.x.y.z`, `[::1]`), so that a site whose DNS name was rebound to 127.0.0.1
 * cannot read the stream or pass the Origin check as "same origin". Checked on every request.
 *
 * @param req - the request.
 * @param loopbackOnly - whether the server listens on a loopback address.
 * @returns `undefined` when acceptable, else why not (for the 403 body).
 */
export function hostRefusal(req: IncomingMessage, loopbackOnly: boolean): string | undefined {
  const host = req.headers.host;
  if (host === undefined) return 'the request has no Host header';
  if (!loopbackOnly || isLoopbackAddress(hostName(host))) return undefined;
  const port = /:(\d{1,5})$/.exec(host)?.[1];
  const suffix = port === undefined ? '' : `:${port}`;
  return `Host ${JSON.stringify(host)} is not a loopback name; open the dashboard at http://localhost${suffix}/ or http://127.0.0.1${suffix}/`;
}

/**
 * Whether a state-changing request comes from the dashboard's own page.
 *
 * A request with an `Origin` header (every browser sends one on a cross-origin POST, and Chromium and Firefox
 * on a same-origin one too) must come from the server's own origin, `http://` + the `Host` it was sent to;
 * `Origin: null` (sandboxed frames, `file:` pages) is refused. A request without `Origin` (curl, scripts,
 * Node's `http`) is not a browser acting for another site, and passes.
 *
 * @param req - the request.
 * @returns `undefined` when allowed, else why not (for the 403 body).
 */
export function crossOriginRefusal(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const own = `http://${req.headers.host ?? ''}`;
  if (origin.toLowerCase() === own.toLowerCase()) return undefined;
  return `cross-origin request refused: Origin ${JSON.stringify(origin)} is not ${own}`;
}

/** Whether a listen address or host name is a loopback one. */
export function isLoopbackAddress(address: string): boolean {
  const name = address.toLowerCase();
  return name === 'localhost' || name === '::1' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** `Host` without its port: `localhost:3000` → `localhost`, `[::1]:3000` → `[::1]`. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? '';
}
