// Which headers cross the proxy, in each direction. Both directions are allow-lists.

/**
 * Request headers the upstream needs to serve the request. The client's `authorization`,
 * cookies, `cf-*`, `x-forwarded-*` and every other identity header stay behind; `accept-encoding`
 * is left to the runtime, which negotiates and decodes compression on its own.
 */
const REQUEST_HEADERS = ['content-type', 'accept', 'openai-beta'] as const;

/** Response headers a client (and the SDKs' retry logic) relies on. */
const RESPONSE_HEADERS = new Set([
  'content-type',
  'cache-control',
  'x-request-id',
  'openai-processing-ms',
  'openai-version',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
]);
const RESPONSE_HEADER_PREFIXES = ['x-ratelimit-'];

export function upstreamRequestHeaders(client: Headers, apiKey: string | undefined): Headers {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = client.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (apiKey !== undefined) headers.set('authorization', `Bearer ${apiKey}`);
  return headers;
}

function isForwardedResponseHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESPONSE_HEADERS.has(lower) || RESPONSE_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

export function clientResponseHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (isForwardedResponseHeader(name)) headers.set(name, value);
  }
  return headers;
}
