// @ts-check
// Request parsing and the response headers api.openai.com sends.

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */

/** @param {unknown} v @returns {v is Record<string, any>} */
export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The raw body bytes, kept in the request record so tests can check a proxy forwarded them
 * byte for byte. Copied into memory of their own: a socket chunk (or a pooled Buffer) is a
 * view of a larger block, which a record kept for the whole run would keep alive.
 * @param {IncomingMessage} req
 */
export async function readBytes(req) {
  /** @type {Buffer[]} */
  const parts = [];
  let length = 0;
  for await (const part of req) {
    parts.push(part);
    length += part.length;
  }
  const bytes = Buffer.allocUnsafeSlow(length);
  parts.reduce((at, part) => at + part.copy(bytes, at), 0);
  return bytes;
}

/**
 * Lower-cased names, repeated headers joined with ", " the way fetch's Headers does.
 * @param {string[]} raw IncomingMessage.rawHeaders
 */
export function headerRecord(raw) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** @param {string} raw @returns {{ ok: true, value: unknown } | { ok: false }} */
export function parseJson(raw) {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

/** @param {number} n request number @param {number} started performance.now() at arrival @param {string} contentType */
export const openaiHeaders = (n, started, contentType) => ({
  'content-type': contentType,
  'x-request-id': `req_mock_${n}`,
  'openai-processing-ms': String(Math.round(performance.now() - started)),
  'openai-version': '2020-10-01',
  'openai-organization': 'mock-org',
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-limit-tokens': '200000',
  'x-ratelimit-remaining-tokens': '199950',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-reset-tokens': '15ms',
  // Like api.openai.com (behind Cloudflare): cookies and edge headers a proxy must not forward.
  'set-cookie': ['__cf_bm=mock; path=/; HttpOnly', '_cfuvid=mock; path=/; HttpOnly'],
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'access-control-expose-headers': 'X-Request-ID',
  server: 'cloudflare',
  'cf-ray': `mock${n}-SJC`,
  'alt-svc': 'h3=":443"; ma=86400',
});
