/**
 * Who may use the dashboard when it listens beyond loopback: the holders of one access token
 * (`DASHBOARD_TOKEN`), sent as `Authorization: Bearer <token>` (scripts, `curl`) or carried by a session cookie
 * that the login form (`GET /login`) sets (browsers: an `EventSource` cannot send headers).
 *
 * Comparisons take constant time: both sides are hashed to 32 bytes with SHA-256 first, then compared with
 * `crypto.timingSafeEqual`, so neither the token's length nor its first differing byte shows in the timing. The
 * cookie holds its expiry and an HMAC of it keyed by the token, never the token itself: a leaked cookie does not
 * reveal the token, the server refuses it after 12 hours whatever the browser kept, and changing the token ends
 * every session. Sign out (`POST /logout`) clears it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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
    // `<expires>.<HMAC of expires>`: the server checks the expiry itself, whatever the browser kept
    const match = /^(\d{1,15})\.([\w-]{1,100})$/.exec(session);
    if (match === null || Number(match[1]) <= this.#now()) return false;
    return timingSafeEqual(sha256(match[2] as string), sha256(this.#signature(match[1] as string)));
  }

  #signature(expires: string): string {
    return createHmac('sha256', this.#token).update(`agentflow-rx dashboard session until ${expires}`).digest('base64url');
  }

  /** The `Set-Cookie` value that ends a session (sign out). */
  expiredCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** The `Set-Cookie` value of a new session: HTTP-only, same-site only, for the whole dashboard. */
  sessionCookie(): string {
    const expires = String(this.#now() + SESSION_MAX_AGE_S * 1000);
    return `${SESSION_COOKIE}=${expires}.${this.#signature(expires)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_AGE_S}`;
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
