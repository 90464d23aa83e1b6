// @ts-check
// Mock OpenAI upstream: imitates api.openai.com's wire format (including its awkward
// parts) for tests, benchmarks and offline development. Node built-ins only.

import http from 'node:http';
import { ClientGone, forever, sleep } from './sse.mjs';
import { errors, MODEL_IDS, modelList, modelObject } from './wire.mjs';
import { embeddingList } from './embeddings.mjs';
import { GENERATION_ENDPOINTS } from './routes.mjs';
import { createGates, num, planPieces, runSplit, runStream } from './scenarios.mjs';
import { createControl } from './control.mjs';
import { headerRecord, isObject, openaiHeaders, parseJson, readBody } from './http-util.mjs';
import { sendLeak, sendRedirect } from './hostile.mjs';

export { splitScenarioBytes, splitScenarioOffsets } from './scenarios.mjs';

/** @typedef {import('./server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {import('./server.d.mts').MockUpstreamOptions} MockUpstreamOptions */
/** @typedef {import('./server.d.mts').MockUpstream} MockUpstream */
/** @typedef {Record<string, any>} Body */

const SLOW_MODEL_DELAY_MS = 150;

/** @param {MockUpstreamOptions} [options] @returns {Promise<MockUpstream>} */
export async function startMockUpstream(options = {}) {
  const { port = 0, host = '127.0.0.1', apiKey, wordDelayMs = 0, name = 'mock' } = options;
  /** @type {RecordedRequest[]} */
  const requests = [];
  const gates = createGates();
  const shutdown = new AbortController();
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const control = createControl(requests, gates);
  let counter = 0;

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const started = performance.now();
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://mock');
    // Azure OpenAI: /openai/deployments/{deployment}/{route}?api-version=…, key in `api-key`.
    const azure = url.pathname.match(/^\/openai\/deployments\/([^/]+)(\/.*)$/);
    if (azure) url.pathname = `/v1${azure[2]}`;
    if (url.pathname.startsWith('/__mock/')) return control(req.method ?? '', url, res);

    const n = ++counter;
    const json = parseJson(raw);
    const body = json.ok && isObject(json.value) ? json.value : null;
    const x = isObject(body?.x_mock) ? body.x_mock : {};
    const modelPath = url.pathname.match(/^\/v1\/models\/(.+)$/);
    /** @type {RecordedRequest} */
    const record = {
      method: req.method ?? '',
      path: req.url ?? '/',
      headers: headerRecord(req.rawHeaders),
      body: raw,
      tag:
        typeof body?.user === 'string'
          ? body.user
          : typeof x.tag === 'string'
            ? x.tag
            : modelPath && req.method === 'GET'
              ? decodeURIComponent(modelPath[1])
              : null,
      aborted: false,
      finished: false,
      sentAt: [],
    };
    requests.push(record);

    const ac = new AbortController();
    const { signal } = ac;
    let destroyedByMock = false;
    const onShutdown = () => ac.abort();
    shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    res.on('finish', () => (record.finished = true));
    res.on('close', () => {
      if (!res.writableFinished && !destroyedByMock && !shutdown.signal.aborted) record.aborted = true;
      shutdown.signal.removeEventListener('abort', onShutdown);
      ac.abort();
    });
    const destroy = () => {
      destroyedByMock = true;
      res.socket?.destroy();
    };

    /** @param {number} status @param {unknown} obj @param {Record<string, string>} [extra] */
    const sendJson = (status, obj, extra = {}) => {
      // api.openai.com pretty-prints: 2 spaces for results, 4 for errors.
      const text = JSON.stringify(obj, null, status < 400 ? 2 : 4);
      res.writeHead(status, { ...openaiHeaders(n, started, 'application/json'), ...extra });
      res.end(text);
    };
    const startSse = () => {
      res.writeHead(200, {
        ...openaiHeaders(n, started, 'text/event-stream; charset=utf-8'),
        'cache-control': 'no-cache, must-revalidate',
      });
      res.flushHeaders();
    };

    const endpoint = GENERATION_ENDPOINTS[url.pathname];
    const known =
      req.method === 'GET'
        ? url.pathname === '/v1/models' || modelPath
        : req.method === 'POST' && (endpoint || url.pathname === '/v1/embeddings');
    if (!known) return sendJson(404, errors.invalidUrl(req.method ?? '', url.pathname));

    if (apiKey !== undefined) {
      const presented = azure
        ? (req.headers['api-key']?.toString() ?? null)
        : (req.headers.authorization?.match(/^Bearer\s+(.*)$/i)?.[1] ?? null);
      if (presented !== apiKey) return sendJson(401, errors.auth(presented || null));
      if (azure && (req.headers.authorization || !url.searchParams.get('api-version'))) {
        return sendJson(400, errors.forStatus(400));
      }
    }

    if (req.method === 'GET') {
      if (!modelPath) return sendJson(200, modelList());
      const id = decodeURIComponent(modelPath[1]);
      // A hostile catalogue entry: the key it was called with, as its owner.
      if (id === 'leak-key')
        return sendJson(200, { ...modelObject(id), owned_by: req.headers.authorization ?? '' });
      return MODEL_IDS.includes(id)
        ? sendJson(200, modelObject(id))
        : sendJson(404, errors.modelNotFound(id));
    }
    if (!body) return sendJson(400, errors.invalidJson());

    const scenario = typeof x.scenario === 'string' ? x.scenario : 'echo';
    const stream = body.stream === true;
    const ctx = {
      res,
      signal,
      scenario,
      // `chunks` streams are paced by x_mock.intervalMs; everything else by the word delay.
      delayMs:
        scenario === 'chunks' && typeof x.intervalMs === 'number'
          ? num(x.intervalMs, 0)
          : body.model === 'echo-slow'
            ? SLOW_MODEL_DELAY_MS
            : wordDelayMs,
      sentAt: record.sentAt,
      gate: () => gates.wait(record.tag ?? '', signal),
      destroy,
    };

    if (num(x.delayMs, 0) > 0) await sleep(num(x.delayMs, 0), signal);
    // `failOn: { <mock name>: status | { status, times, retryAfterMs } }`: this mock fails the
    // request (the first `times` with this tag), while the same body succeeds on other mocks.
    const failure = isObject(x.failOn) ? x.failOn[name] : undefined;
    if (failure !== undefined) {
      const rule = isObject(failure) ? failure : { status: failure };
      const seen = requests.filter((r) => r.tag === record.tag).length;
      if (rule.times === undefined || seen <= num(rule.times, 0)) {
        if (rule.status === 'drop') return destroy();
        if (rule.status === 'hang') return forever(signal);
        const extra = rule.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(rule.retryAfterMs) };
        return sendJson(num(rule.status, 500), errors.forStatus(num(rule.status, 500)), extra);
      }
    }
    if (scenario === 'status') return sendStatus(x);
    if (scenario === 'leak') {
      const bearer = req.headers.authorization?.match(/^Bearer\s+(.*)$/i)?.[1] ?? '';
      return sendLeak(res, x, bearer, openaiHeaders(n, started, 'application/json'));
    }
    if (scenario === 'redirect') return sendRedirect(res, x, openaiHeaders(n, started, 'application/json'));
    // `fail-first`: the first request with this tag fails with x_mock.status, later ones succeed.
    if (scenario === 'fail-first' && requests.filter((r) => r.tag === record.tag).length === 1) {
      return sendStatus(x);
    }
    if (scenario === 'split') return (startSse(), runSplit(ctx, x));
    // Non-stream variants: lose the connection, hang, or wait for one release.
    if (!stream && scenario === 'break') return destroy();
    if (!stream && scenario === 'stall') return forever(signal);
    if (!stream && scenario === 'gated') await ctx.gate();

    const missing = (endpoint?.required ?? ['model', 'input']).find((k) => body[k] === undefined);
    if (missing) return sendJson(400, errors.missingParam(missing));
    if (!endpoint) return sendJson(200, embeddingList(body));
    if (endpoint.usageOption && body.stream_options != null && !stream)
      return sendJson(400, errors.streamOptionsWithoutStream());

    const echoed = endpoint.read(body);
    const plan = planPieces(scenario, x, echoed.answers);
    const turn = {
      id: `${endpoint.idPrefix}${n}`,
      created: Math.floor(Date.now() / 1000),
      model: String(body.model),
      answers: plan.answers,
      promptTokens: echoed.promptTokens,
      includeUsage: body.stream_options?.include_usage === true,
    };
    if (!stream) return sendJson(200, endpoint.json(turn));
    startSse();
    return runStream(ctx, endpoint.stream(turn), plan.pieces);

    /** @param {Body} x */
    function sendStatus(x) {
      const status = num(x.status, 500);
      /** @type {Record<string, string>} */
      const extra =
        status === 429
          ? { 'retry-after': '1', 'retry-after-ms': '20', 'x-ratelimit-remaining-requests': '0' }
          : {};
      if (typeof x.body !== 'string') return sendJson(status, errors.forStatus(status), extra);
      // A raw body imitates something in front of OpenAI answering, e.g. an HTML 502.
      res.writeHead(status, {
        ...openaiHeaders(n, started, typeof x.contentType === 'string' ? x.contentType : 'text/html'),
        ...extra,
      });
      res.end(x.body);
    }
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
      // Stalled and gated handlers are waiting on this; abort them before dropping sockets.
      shutdown.abort();
      for (const socket of sockets) socket.destroy();
      return /** @type {Promise<void>} */ (closed);
    },
  };
}
