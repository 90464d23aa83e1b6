// @ts-check
// One request and its answer as every route sees them: the body read once (JSON or multipart),
// the record tests assert on, and writers that put OpenAI's headers on every answer.

import { headerRecord, isObject, openaiHeaders, parseJson } from './http-util.mjs';
import { field, isMultipart, parseMultipart } from './multipart.mjs';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('./server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {import('./multipart.mjs').Form} Form */
/** @typedef {Record<string, any>} Body */

/**
 * @typedef {{ req: IncomingMessage, res: ServerResponse, url: URL, bytes: Buffer,
 *   n: number, started: number, shutdown: AbortSignal, azure: boolean }} Arrival
 */

/**
 * x_mock travels as a JSON object in JSON bodies, and as a JSON text field in multipart ones.
 * @param {Arrival} arrival @param {string} text the body, decoded once
 */
function readBody({ req, bytes }, text) {
  const form = isMultipart(req.headers['content-type'])
    ? parseMultipart(bytes, req.headers['content-type'] ?? '')
    : null;
  const json = form ? null : parseJson(text);
  /** @type {Body | null} */
  const body = json?.ok && isObject(json.value) ? json.value : null;
  const parts = form?.ok ? form.parts : [];
  const xText = field(parts, 'x_mock');
  const xForm = xText === undefined ? null : parseJson(xText);
  /** @type {Body} */
  const x = isObject(body?.x_mock) ? body.x_mock : xForm?.ok && isObject(xForm.value) ? xForm.value : {};
  return { form, body, x, user: typeof body?.user === 'string' ? body.user : field(parts, 'user') };
}

/** @param {Arrival} arrival */
export function createExchange(arrival) {
  const { req, res, url, bytes, n, started, shutdown, azure } = arrival;
  const method = req.method ?? '';
  const text = bytes.toString('utf8');
  const { form, body, x, user } = readBody(arrival, text);
  const modelPath = url.pathname.match(/^\/v1\/models\/(.+)$/);
  /** @type {RecordedRequest} */
  const record = {
    method,
    path: req.url ?? '/',
    headers: headerRecord(req.rawHeaders),
    body: text,
    bodyBytes: bytes,
    tag:
      user ??
      (typeof x.tag === 'string'
        ? x.tag
        : modelPath && method === 'GET'
          ? decodeURIComponent(modelPath[1] ?? '')
          : null),
    aborted: false,
    finished: false,
    sentAt: [],
  };

  const ac = new AbortController();
  let destroyedByMock = false;
  const onShutdown = () => ac.abort();
  shutdown.addEventListener('abort', onShutdown, { once: true });
  res.on('finish', () => (record.finished = true));
  res.on('close', () => {
    if (!res.writableFinished && !destroyedByMock && !shutdown.aborted) record.aborted = true;
    shutdown.removeEventListener('abort', onShutdown);
    ac.abort();
  });

  /** @param {string} contentType */
  const headers = (contentType) => openaiHeaders(n, started, contentType);
  return {
    req,
    res,
    url,
    n,
    method,
    /** Azure OpenAI's path form: the deployment in the path stands for the model. */
    azure,
    record,
    /** The JSON body when it is an object, else null. */
    body,
    /** The parsed multipart body, or null when the request was not multipart. */
    form,
    x,
    signal: ac.signal,
    shutdown,
    /** Path parameters of the matched route. @type {Record<string, string>} */
    params: {},
    headers,
    destroy() {
      destroyedByMock = true;
      res.socket?.destroy();
    },
    /** @param {number} status @param {unknown} obj @param {Record<string, string>} [extra] */
    sendJson(status, obj, extra = {}) {
      // api.openai.com pretty-prints: 2 spaces for results, 4 for errors.
      const text = JSON.stringify(obj, null, status < 400 ? 2 : 4);
      res.writeHead(status, { ...headers('application/json'), ...extra });
      res.end(text);
    },
    startSse() {
      res.writeHead(200, {
        ...headers('text/event-stream; charset=utf-8'),
        'cache-control': 'no-cache, must-revalidate',
      });
      res.flushHeaders();
    },
  };
}

/** @typedef {ReturnType<typeof createExchange>} Exchange */
