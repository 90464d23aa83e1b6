// @ts-check
// Control endpoints under /__mock/, so tests in another process (e.g. inside workerd)
// can inspect the mock and drive `gated` streams over plain HTTP. No auth, never logged.

/** @typedef {import('./server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {ReturnType<typeof import('./scenarios.mjs').createGates>} Gates */

/**
 * @param {RecordedRequest[]} requests @param {Gates} gates
 * @returns {(method: string, url: URL, res: import('node:http').ServerResponse) => void}
 */
export function createControl(requests, gates) {
  return (method, url, res) => {
    const tag = url.searchParams.get('tag');
    /** @param {number} status @param {unknown} obj */
    const reply = (status, obj) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (url.pathname === '/__mock/requests' && method === 'GET')
      return reply(200, tag === null ? requests : requests.filter((r) => r.tag === tag));
    if (url.pathname === '/__mock/requests' && method === 'DELETE') {
      const cleared = requests.length;
      requests.length = 0; // in place: callers hold the live array
      gates.clearBanked(); // a stale banked release would let a later gated test skip its gate
      return reply(200, { cleared });
    }
    if (url.pathname === '/__mock/release' && method === 'POST') {
      const released = gates.release(tag ?? '');
      return reply(released ? 200 : 404, { released });
    }
    return reply(404, { error: `unknown mock control endpoint ${method} ${url.pathname}` });
  };
}
