/**
 * Who may use the dashboard when it listens beyond loopback: the holders of one access token
 * (`DASHBOARD_TOKEN`), sent as `Authorization: Bearer <token>` (scripts, `curl`) or carried by a session cookie
 * that the login form (`GET /login`) sets (browsers: an `EventSource` cannot send headers).
 *
 * Comparisons take constant time: both sides are hashed to 32 bytes with SHA-256 first, then compared with
 * `crypto.timingSafeEqual`, so neither the token's length nor its first differing byte shows in the timing. The
 * cookie holds an HMAC of the token, never the token itself: a leaked cookie does not reveal the token, and
 * changing the token ends every session.
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
  throw new InvalidArgumentError(
    'token',
    `a string of at least ${MIN_TOKEN_LENGTH} printable ASCII characters without spaces (e.g. from \`openssl rand -hex 32\`)`,
    typeof token === 'string' ? `${token.length} characters` : token,
  );
}

/** The dashboard's access token, as the server checks it. */
export class AccessToken {
  readonly #digest: Buffer;
  readonly #session: string;
  readonly #sessionDigest: Buffer;

  /**
   * @param token - the token; see {@link checkAccessToken}.
   * @throws {@link InvalidArgumentError} when the token is not acceptable.
   */
  constructor(token: string) {
    checkAccessToken(token);
    this.#digest = sha256(token);
    this.#session = createHmac('sha256', token).update('agentflow-rx dashboard session').digest('base64url');
    this.#sessionDigest = sha256(this.#session);
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
    return session !== undefined && timingSafeEqual(sha256(session), this.#sessionDigest);
  }

  /** The `Set-Cookie` value of a new session: HTTP-only, same-site only, for the whole dashboard. */
  sessionCookie(): string {
    return `${SESSION_COOKIE}=${this.#session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_AGE_S}`;
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
