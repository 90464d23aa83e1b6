// @ts-check
// The `x_mock` scenarios every route honours, before it validates anything: a delay before the
// headers, failing on one named mock, a fixed status, a hostile answer. Stream-shaping
// scenarios (split, break, stall, gated, chunks) belong to the generation routes.

import { forever, sleep } from './sse.mjs';
import { errors } from './errors.mjs';
import { isObject } from './http-util.mjs';
import { num } from './scenarios.mjs';
import { sendLeak, sendRedirect } from './hostile.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

/**
 * Answers the request if its x_mock says how; returns whether it did.
 * @param {Exchange} ex @param {MockState} state @returns {Promise<boolean>}
 */
export async function runCommonScenario(ex, state) {
  const { x } = ex;
  // A background response answers at once; its delay is how long it stays queued.
  if (num(x.delayMs, 0) > 0 && ex.body?.background !== true) await sleep(num(x.delayMs, 0), ex.signal);
  const seen = () => state.requests.filter((r) => r.tag === ex.record.tag).length;
  // `failOn: { <mock name>: status | { status, times, retryAfterMs } }`: this mock fails the
  // request (the first `times` with this tag), while the same body succeeds on other mocks.
  const failure = isObject(x.failOn) ? x.failOn[state.name] : undefined;
  if (failure !== undefined) {
    const rule = isObject(failure) ? failure : { status: failure };
    if (rule.times === undefined || seen() <= num(rule.times, 0)) {
      if (rule.status === 'drop') return (ex.destroy(), true);
      if (rule.status === 'hang') return forever(ex.signal);
      const extra = rule.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(rule.retryAfterMs) };
      ex.sendJson(num(rule.status, 500), errors.forStatus(num(rule.status, 500)), extra);
      return true;
    }
  }
  const scenario = x.scenario;
  // `fail-first`: the first request with this tag fails with x_mock.status, later ones succeed.
  if (scenario === 'status' || (scenario === 'fail-first' && seen() === 1)) return (sendStatus(ex), true);
  if (scenario === 'leak') {
    const bearer = ex.req.headers.authorization?.match(/^Bearer\s+(.*)$/i)?.[1] ?? '';
    return (sendLeak(ex.res, x, bearer, ex.headers('application/json')), true);
  }
  if (scenario === 'redirect') return (sendRedirect(ex.res, x, ex.headers('application/json')), true);
  return false;
}

/** @param {Exchange} ex */
function sendStatus({ x, res, headers, sendJson }) {
  const status = num(x.status, 500);
  /** @type {Record<string, string>} */
  const extra =
    status === 429
      ? { 'retry-after': '1', 'retry-after-ms': '20', 'x-ratelimit-remaining-requests': '0' }
      : {};
  if (typeof x.body !== 'string') return sendJson(status, errors.forStatus(status), extra);
  // A raw body imitates something in front of OpenAI answering, e.g. an HTML 502, with any
  // `headers`; `cutAfter` declares the whole body's length but loses the connection after that
  // many bytes.
  const body = Buffer.from(x.body);
  const cutAfter = typeof x.cutAfter === 'number' ? x.cutAfter : undefined;
  res.writeHead(status, {
    ...headers(typeof x.contentType === 'string' ? x.contentType : 'text/html'),
    ...extra,
    ...(typeof x.headers === 'object' && x.headers !== null ? x.headers : {}),
    ...(cutAfter === undefined ? {} : { 'content-length': String(body.length) }),
  });
  if (cutAfter === undefined) return res.end(body);
  res.write(body.subarray(0, cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
}
