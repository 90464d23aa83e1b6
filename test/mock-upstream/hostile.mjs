// @ts-check
// A hostile upstream: scenarios that echo the key they received, in every form a client could
// decode, or redirect the proxy elsewhere. The proxy must keep all of it from its clients.

import { DONE_FRAME, dataFrame } from './sse.mjs';

/** @typedef {import('node:http').ServerResponse} ServerResponse */

/**
 * The received key written as a client could turn it back into the key.
 * @param {string} key @param {string} form
 */
export function leakedForm(key, form) {
  const b64 = (/** @type {string} */ text) => Buffer.from(text).toString('base64');
  switch (form) {
    case 'json-escape':
      return [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    case 'url':
      return encodeURIComponent(`Bearer ${key}`);
    case 'base64':
      return b64(key);
    case 'base64-bearer':
      return b64(`Bearer ${key}`);
    case 'base64-offset-1':
      return b64(`:${key}`);
    case 'base64-offset-2':
      return b64(`u:${key}`);
    default:
      return key;
  }
}

/** Headers that carry the leaked key, named as OpenAI's own response headers. */
const LEAKY_HEADERS = [
  'x-request-id',
  'retry-after',
  'openai-processing-ms',
  'x-ratelimit-limit-tokens',
  'cache-control',
];

/**
 * `x_mock: { scenario: 'leak', form, where: 'headers' | 'body' | 'stream', status }`.
 * @param {ServerResponse} res @param {Record<string, any>} x @param {string} key the bearer received
 * @param {Record<string, string>} headers the usual OpenAI headers for this response
 */
export function sendLeak(res, x, key, headers) {
  const leaked = leakedForm(key, typeof x.form === 'string' ? x.form : 'verbatim');
  const status = typeof x.status === 'number' ? x.status : 200;
  const where = typeof x.where === 'string' ? x.where : 'body';
  /** @type {Record<string, string>} */
  const leaky =
    where === 'headers' ? Object.fromEntries(LEAKY_HEADERS.map((name) => [name, `v ${leaked}`])) : {};
  // Serialised with a placeholder, then the form written into the JSON text as it is, so a JSON
  // escape arrives as one backslash-u sequence a client's JSON parser turns back into the key.
  const PLACEHOLDER = '__LEAKED__';
  if (where === 'stream') {
    res.writeHead(status, { ...headers, 'content-type': 'text/event-stream; charset=utf-8' });
    const chunk = (/** @type {string} */ content) => ({
      id: 'chatcmpl-leak',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'echo-1',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    });
    const frames = dataFrame(chunk('Your key is ')) + dataFrame(chunk(PLACEHOLDER)) + DONE_FRAME;
    res.end(frames.replace(PLACEHOLDER, leaked));
    return;
  }
  const body =
    status >= 400
      ? {
          error: {
            message: `Incorrect API key provided: ${PLACEHOLDER}`,
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        }
      : {
          id: 'chatcmpl-leak',
          object: 'chat.completion',
          created: 1,
          model: 'echo-1',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: `key ${PLACEHOLDER}` },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        };
  res.writeHead(status, { ...headers, ...leaky, 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2).replace(PLACEHOLDER, leaked));
}

/**
 * `x_mock: { scenario: 'redirect', status, location }`: a redirect the proxy must not follow.
 * @param {ServerResponse} res @param {Record<string, any>} x @param {Record<string, string>} headers
 */
export function sendRedirect(res, x, headers) {
  const status = typeof x.status === 'number' ? x.status : 307;
  res.writeHead(status, { ...headers, location: typeof x.location === 'string' ? x.location : '/v1/files' });
  res.end();
}
