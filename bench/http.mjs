// @ts-check
// The benchmark's HTTP client: node:http over a keep-alive agent. It has fewer layers than fetch,
// so the client's own cost stays small and is the same for every target, and each body read is
// handed over with the time it arrived.
import http from 'node:http';

/**
 * @typedef {object} SendOptions
 * @property {string} method
 * @property {Record<string, string>} headers
 * @property {string} body
 * @property {number} timeoutMs socket inactivity limit, so a stuck exchange cannot hang the run
 * @property {AbortSignal} signal aborts everything when the whole run is being torn down
 * @property {(chunk: Buffer, at: number) => void} [onData] called per read with performance.now()
 */

/** @typedef {{ status: number, bytes: number, start: number, end: number }} Exchange */

/** One agent per target, so targets never share or inherit each other's connections. */
export function keepAliveAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 512 });
}

/**
 * Sends one request and resolves when the response has fully arrived. Non-2xx is an error.
 * @param {http.Agent} agent @param {URL} url @param {SendOptions} options
 * @returns {Promise<Exchange>}
 */
export function send(agent, url, options) {
  const { method, headers, body, timeoutMs, signal, onData } = options;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request(url, {
      agent,
      method,
      signal,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no activity for ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      let bytes = 0;
      /** @type {Buffer[]} */
      const failure = [];
      res.on('data', (/** @type {Buffer} */ chunk) => {
        const at = performance.now();
        bytes += chunk.length;
        if (status !== 200) failure.push(chunk);
        else onData?.(chunk, at);
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('end', () => {
        if (status === 200) return resolve({ status, bytes, start, end: performance.now() });
        const text = Buffer.concat(failure).toString('utf8').slice(0, 200);
        reject(new Error(`HTTP ${status}: ${text}`));
      });
    });
    req.end(body);
  });
}
