// @ts-check
// The benchmark's HTTP client: node:http over a keep-alive agent. It has fewer layers than fetch,
// so the client's own cost stays small and is the same for every target, and each body read is
// handed over with the time it arrived.
import http from 'node:http';

/**
 * @typedef {object} SendOptions
 * @property {string} method
 * @property {Record<string, string>} headers
 * @property {string | Buffer} body
 * @property {number} timeoutMs socket inactivity limit, so a stuck exchange cannot hang the run
 * @property {AbortSignal} signal aborts everything when the whole run is being torn down
 * @property {(chunk: Buffer, at: number) => void} [onData] called per read with performance.now()
 * @property {boolean} [keepBody] return the whole response body (for byte comparisons)
 */

/**
 * @typedef {object} Exchange
 * @property {number} status
 * @property {number} bytes
 * @property {number} start performance.now() when the request was sent
 * @property {number} firstByte performance.now() when the first body byte arrived (NaN if none)
 * @property {number} end performance.now() when the response had fully arrived
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {Buffer | undefined} body only with `keepBody`
 */

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
  const { method, headers, body, timeoutMs, signal, onData, keepBody = false } = options;
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
      let firstByte = Number.NaN;
      /** @type {Buffer[]} */
      const kept = [];
      res.on('data', (/** @type {Buffer} */ chunk) => {
        const at = performance.now();
        if (bytes === 0) firstByte = at;
        bytes += chunk.length;
        if (status !== 200 || keepBody) kept.push(chunk);
        if (status === 200) onData?.(chunk, at);
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('end', () => {
        const end = performance.now();
        if (status === 200) {
          const whole = keepBody ? Buffer.concat(kept) : undefined;
          return resolve({ status, bytes, start, firstByte, end, headers: res.headers, body: whole });
        }
        const text = Buffer.concat(kept).toString('utf8').slice(0, 200);
        reject(new Error(`HTTP ${status}: ${text}`));
      });
    });
    req.end(body);
  });
}
