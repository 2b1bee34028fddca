/**
 * Who may use the dashboard when it listens beyond loopback: the holders of one access token
 * (`DASHBOARD_TOKEN`), sent as `Authorization: Bearer <token>` (scripts, `curl`) or carried by a session cookie
 * that the login form (`GET /login`) sets (browsers: an `EventSource` cannot send headers).
 *
 * Comparisons take constant time: both sides are hashed to 32 bytes with SHA-256 first, then compared with
 * `crypto.timingSafeEqual`, so neither the token's length nor its first differing byte shows in the timing. The
 * cookie holds its expiry, a random session id and an HMAC of both keyed by the token, never the token itself: a
 * leaked cookie does not reveal the token, the server refuses it after 12 hours whatever the browser kept,
 * changing the token ends every session, and signing out (`POST /logout`) ends that session on the server too.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../../lib';

/** The session cookie's name. */
export const SESSION_COOKIE = 'agentflow_dashboard_session';

/** The shortest token accepted: 16 characters (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;

/** How long a login lasts, in seconds (the cookie's `Max-Age`): 12 hours. */
export const SESSION_MAX_AGE_S = 12 * 60 * 60;

/**
 * Checks a token given to the dashboard.
 *
 * @param token - the token (the `token` option, or `DASHBOARD_TOKEN`).
 * @throws {@link InvalidArgumentError} (argument `token`) when it is not a string of at least
 *   {@link MIN_TOKEN_LENGTH} printable ASCII characters without spaces.
 */
export function checkAccessToken(token: unknown): asserts token is string {
  if (typeof token === 'string' && token.length >= MIN_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(token)) return;
  const expected = `a string of at least ${MIN_TOKEN_LENGTH} printable ASCII characters without spaces (DASHBOARD_TOKEN for npm start; e.g. from \`openssl rand -hex 32\`)`;
  // never the value itself: only what kind of value it was
  const got = typeof token === 'string' ? `a string of ${token.length} characters` : token === null ? 'null' : Array.isArray(token) ? 'an array' : `a ${typeof token}`;
  throw new InvalidArgumentError('token', expected, got, `Expected \`token\` to be ${expected}, got ${got}`);
}

/** The dashboard's access token, as the server checks it. */
export class AccessToken {
  readonly #digest: Buffer;
  readonly #token: string;
  readonly #now: () => number;
  /** Sessions signed out before their expiry: their id, and when they would have expired (then they are forgotten). */
  readonly #signedOut = new Map<string, number>();

  /**
   * @param token - the token; see {@link checkAccessToken}.
   * @param now - the clock, in epoch milliseconds (tests). Default `Date.now`.
   * @throws {@link InvalidArgumentError} when the token is not acceptable.
   */
  constructor(token: string, now: () => number = Date.now) {
    checkAccessToken(token);
    this.#digest = sha256(token);
    this.#token = token;
    this.#now = now;
  }

  /** Whether `candidate` is the token (constant time). */
  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.#digest);
  }

  /** Whether `req` carries the token: a bearer header with it, or the session cookie the login form set. */
  allows(req: IncomingMessage): boolean {
    const authorization = req.headers.authorization;
    if (typeof authorization === 'string') {
      const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      if (bearer !== null && this.matches(bearer[1] as string)) return true;
    }
    const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (session === undefined) return false;
    const id = this.#sessionId(session);
    return id !== undefined && !this.#signedOut.has(id);
  }

  /**
   * The session id of a cookie value `<expires>.<id>.<HMAC of both>` that is signed and not expired; `undefined`
   * otherwise. The server checks the expiry itself, whatever the browser kept.
   */
  #sessionId(session: string): string | undefined {
    const match = /^(\d{1,15})\.([\w-]{16,32})\.([\w-]{1,100})$/.exec(session);
    if (match === null || Number(match[1]) <= this.#now()) return undefined;
    const [, expires, id, signature] = match as unknown as [string, string, string, string];
    return timingSafeEqual(sha256(signature), sha256(this.#signature(expires, id))) ? id : undefined;
  }

  #signature(expires: string, id: string): string {
    return createHmac('sha256', this.#token).update(`agentflow-rx dashboard session ${id} until ${expires}`).digest('base64url');
  }

  /**
   * Ends the session `req` carries, on the server too: a copy of its cookie is refused from now on. (Sessions
   * signed out are remembered until they would have expired.)
   */
  signOut(req: IncomingMessage): void {
    const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const id = session === undefined ? undefined : this.#sessionId(session);
    const now = this.#now();
    for (const [each, expires] of this.#signedOut) if (expires <= now) this.#signedOut.delete(each);
    if (id !== undefined) this.#signedOut.set(id, Number((session as string).split('.')[0]));
  }

  /** The `Set-Cookie` value that ends a session (sign out). */
  expiredCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** The `Set-Cookie` value of a new session: HTTP-only, same-site only, for the whole dashboard. */
  sessionCookie(): string {
    const expires = String(this.#now() + SESSION_MAX_AGE_S * 1000);
    const id = randomBytes(16).toString('base64url');
    return `${SESSION_COOKIE}=${expires}.${id}.${this.#signature(expires, id)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_AGE_S}`;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The value of cookie `name` in a `Cookie` header; `undefined` when absent. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
