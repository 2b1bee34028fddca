/**
 * The login form of a dashboard that has an access token (`GET /login`, `POST /login`): one field, no script.
 * Its answer sets the session cookie (see `AccessToken`), which the page's requests and event stream then carry.
 */

/** The form's fields, as `POST /login` reads them (`application/x-www-form-urlencoded`). */
export const TOKEN_FIELD = 'token';

/** Where to go after signing in: the page's fragment (`#/task/<id>`), which the login script copies in. */
export const NEXT_FIELD = 'next';

/** The fragments `next` may carry: a route of the page, nothing else (no open redirect). */
export const NEXT_PATTERN = /^#\/[\w/-]{0,64}$/;

/** The most bytes `POST /login` reads: a token, its field name and a little slack. */
export const MAX_LOGIN_BODY_BYTES = 4_096;

/**
 * The login page's HTML. Its links are relative (the dashboard may sit under a proxy's prefix), so a page served
 * for a nested path (`/tasks/history` asked without the token) is told how far up the dashboard's root is.
 *
 * @param failed - whether the last attempt gave a wrong token (the page says so).
 * @param root - the dashboard's root relative to the page: `''`, or `'../'` per level of nesting.
 * @param next - where to go after signing in (a failed attempt keeps it); only a value {@link NEXT_PATTERN} accepts.
 * @returns the document.
 */
export function loginPage(failed: boolean, root = '', next = ''): string {
  const kept = NEXT_PATTERN.test(next) ? next : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>agentflow-rx · sign in</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${root}app.css" />
    <script type="module" src="${root}page/login.js"></script>
  </head>
  <body class="login">
    <main class="login-box">
      <h1>agentflow-rx dashboard</h1>
      <p>This dashboard needs its access token (the server's <code>DASHBOARD_TOKEN</code>). Signing in lasts 12 hours, or until you sign out.</p>
      <form method="post" action="${root}login">
        <label for="token">Access token</label>
        <input id="token" name="${TOKEN_FIELD}" type="password" autocomplete="current-password" required autofocus />
        <input type="hidden" name="${NEXT_FIELD}" value="${kept}" />
        <button type="submit" class="btn">Sign in</button>
      </form>
      ${failed ? '<p class="login-error" role="alert">That token is not the right one.</p>' : ''}
    </main>
  </body>
</html>
`;
}
