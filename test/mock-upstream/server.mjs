// @ts-check
// Mock OpenAI upstream: imitates api.openai.com's wire format (including its awkward
// parts) for tests, benchmarks and offline development. Node built-ins only.
// A request goes: record it, match a route (else 404), check the key, read the body the route
// needs, run the x_mock scenario if it answers, then the route's handler.

import http from 'node:http';
import { ClientGone } from './sse.mjs';
import { errors } from './errors.mjs';
import { readBytes } from './http-util.mjs';
import { createControl } from './control.mjs';
import { createExchange } from './exchange.mjs';
import { matchRoute } from './router.mjs';
import { createState } from './state.mjs';
import { runCommonScenario } from './x-mock.mjs';

export { splitScenarioBytes, splitScenarioOffsets } from './scenarios.mjs';

/** @typedef {import('./server.d.mts').MockUpstreamOptions} MockUpstreamOptions */
/** @typedef {import('./server.d.mts').MockUpstream} MockUpstream */
/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./router.mjs').Route} Route */

/**
 * The key check: Bearer auth, or Azure's `api-key` header with an api-version and no
 * Authorization. Returns whether it answered (refused).
 * @param {Exchange} ex @param {string | undefined} apiKey
 */
function refused(ex, apiKey) {
  if (apiKey === undefined) return false;
  const { headers } = ex.req;
  const presented = ex.azure
    ? (headers['api-key']?.toString() ?? null)
    : (headers.authorization?.match(/^Bearer\s+(.*)$/i)?.[1] ?? null);
  if (presented !== apiKey) return (ex.sendJson(401, errors.auth(presented || null)), true);
  if (ex.azure && (headers.authorization || !ex.url.searchParams.get('api-version')))
    return (ex.sendJson(400, errors.forStatus(400)), true);
  return false;
}

/** The body the route needs, or OpenAI's 400 (answered) when it is not there. @param {Exchange} ex @param {Route} route */
function bodyRefused(ex, route) {
  if (route.body === 'multipart' && !ex.form?.ok) return (ex.sendJson(400, errors.invalidMultipart()), true);
  const empty = ex.record.bodyBytes.length === 0;
  if (route.body === 'json' || (route.body === 'json?' && !empty))
    if (!ex.body) return (ex.sendJson(400, errors.invalidJson()), true);
  return false;
}

/** @param {MockUpstreamOptions} [options] @returns {Promise<MockUpstream>} */
export async function startMockUpstream(options = {}) {
  const { port = 0, host = '127.0.0.1', apiKey } = options;
  const shutdown = new AbortController();
  const state = createState(options, shutdown.signal);
  const { requests } = state;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const control = createControl(requests, state.gates);
  let counter = 0;

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const started = performance.now();
    const bytes = await readBytes(req);
    const url = new URL(req.url ?? '/', 'http://mock');
    // Azure OpenAI: /openai/deployments/{deployment}/{route}?api-version=…, key in `api-key`.
    const azure = url.pathname.match(/^\/openai\/deployments\/([^/]+)(\/.*)$/);
    if (azure) url.pathname = `/v1${azure[2]}`;
    if (url.pathname.startsWith('/__mock/')) return control(req.method ?? '', url, res);

    const arrival = { req, res, url, bytes, started, shutdown: shutdown.signal, azure: Boolean(azure) };
    const ex = createExchange({ ...arrival, n: ++counter });
    requests.push(ex.record);
    const found = matchRoute(ex.method, url.pathname);
    if (!found) return ex.sendJson(404, errors.invalidUrl(ex.method, url.pathname));
    if (refused(ex, apiKey) || bodyRefused(ex, found.route)) return;
    ex.params = found.params;
    if (await runCommonScenario(ex, state)) return;
    await found.route.handle(ex, state);
  }

  const server = http.createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof ClientGone) return;
      console.error('[mock-upstream]', err);
      if (res.headersSent) return res.destroy();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errors.forStatus(500)));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${actualPort}/v1`,
    port: actualPort,
    requests,
    close() {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      // Stalled and gated handlers (and background responses) wait on this; abort them before dropping sockets.
      shutdown.abort();
      for (const socket of sockets) socket.destroy();
      return /** @type {Promise<void>} */ (closed);
    },
  };
}
