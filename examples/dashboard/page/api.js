// The dashboard server's JSON endpoints, as the page calls them.

/** GET a JSON endpoint; rejects with the server's error message (or when `signal` aborts). */
export async function getJson(path, signal) {
  const response = await fetch(path, { cache: 'no-store', signal });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${body.error ?? response.statusText}`);
  return body;
}

/** POST to an endpoint (no body); resolves to its JSON answer, rejects with its error message. */
export async function post(path) {
  const response = await fetch(path, { method: 'POST' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${body.error ?? response.statusText}`);
  return body;
}
