// Which headers cross the proxy, in each direction. Both directions are allow-lists.
import type { Redactor } from './redact';

/**
 * Request headers the upstream needs to serve the request. The client's `authorization`,
 * cookies, `cf-*`, `x-forwarded-*` and every other identity header stay behind; `accept-encoding`
 * is left to the runtime, which negotiates and decodes compression on its own.
 */
const REQUEST_HEADERS = ['accept', 'openai-beta'] as const;
/**
 * The forwarded headers that can change the answer, so the cache key includes them:
 * `openai-beta` opts into other behaviour; `accept` does not (OpenAI answers JSON or SSE by the
 * body's `stream` whatever it says), and keying on it would split curl's entries from the SDK's.
 */
const ANSWER_CHANGING = ['openai-beta'] as const;

/** The forwarded headers that change the answer, as `name: value` lines for the cache key. */
export function answerChangingHeaders(client: Headers): string[] {
  return ANSWER_CHANGING.flatMap((name) => {
    const value = client.get(name);
    return value === null ? [] : [`${name}: ${value}`];
  });
}

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

export interface UpstreamAuth {
  /** The upstream's own key, as its kind wants it: `authorization` or Azure's `api-key`. */
  readonly auth: readonly [name: string, value: string] | undefined;
  /** Headers the owner configured for this upstream (e.g. `OpenAI-Organization`). */
  readonly extra: Readonly<Record<string, string>>;
  /**
   * A JSON body always goes up as `application/json`: it was parsed as JSON whatever the client
   * labelled it, and a browser's `text/plain` "simple request" must not reach the upstream as
   * text. A multipart form goes up with its own type (its boundary). Absent: no body.
   */
  readonly contentType: string | undefined;
}

export function upstreamRequestHeaders(client: Headers, upstream: UpstreamAuth): Headers {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = client.get(name);
    if (value !== null) headers.set(name, value);
  }
  for (const [name, value] of Object.entries(upstream.extra)) headers.set(name, value);
  if (upstream.contentType) headers.set('content-type', upstream.contentType);
  if (upstream.auth) headers.set(upstream.auth[0], upstream.auth[1]);
  return headers;
}

/** `name` must be lower-case, as iterating a Headers object yields it. */
function isForwardedResponseHeader(name: string): boolean {
  return RESPONSE_HEADERS.has(name) || RESPONSE_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * An answer is one caller's: the upstream's `cache-control` crosses only when it keeps shared
 * caches out (OpenAI's streams say `no-cache, must-revalidate`), never a `public, max-age`.
 */
function keepsSharedCachesOut(value: string): boolean {
  const directives = value.split(',').map((directive) => directive.trim().toLowerCase());
  // A directive with a value (`no-cache="set-cookie"`) applies to some headers only.
  const closed = directives.some((name) => name === 'no-store' || name === 'no-cache' || name === 'private');
  return closed && !directives.some((name) => name === 'public' || name.startsWith('s-maxage'));
}

/**
 * An allow-listed header whose value holds a secret in any form is dropped, not rewritten. A plain
 * record, not a Headers object: the Response is built from it directly, where a Headers in
 * between costs a runtime call per header twice (37 against 48 µs for ~20 upstream headers, timed
 * alone). Iteration already joins repeated names (the one exception, `set-cookie`, is never
 * forwarded).
 */
export function clientResponseHeaders(upstream: Headers, redactor: Redactor): Record<string, string> {
  // No prototype: an allow-listed name can never reach an inherited property.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  upstream.forEach((value, name) => {
    if (!isForwardedResponseHeader(name) || redactor.finds(value)) return;
    if (name !== 'cache-control' || keepsSharedCachesOut(value)) headers[name] = value;
  });
  return headers;
}
