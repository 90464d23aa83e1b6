// Browser CORS for the origins listed in ALLOWED_ORIGINS; every other origin gets nothing.
import type { Config } from '../config/read';

/** Headers a browser client must be able to read: request ids, rate limits, cache status. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'openai-processing-ms',
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  // Dollar budgets, and a virtual key's other limits.
  'x-ratelimit-limit-usd',
  'x-ratelimit-remaining-usd',
  'x-ratelimit-reset-usd',
  'x-ratelimit-limit-usd-month',
  'x-ratelimit-remaining-usd-month',
  'x-ratelimit-reset-usd-month',
  'x-ratelimit-limit-usd-total',
  'x-ratelimit-remaining-usd-total',
  'x-ratelimit-limit-tokens-minute',
  'x-ratelimit-remaining-tokens-minute',
  'x-ratelimit-reset-tokens-minute',
  'x-ratelimit-limit-parallel',
  'x-ratelimit-remaining-parallel',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'x-cache',
  'x-cache-source',
  'x-upstream',
  'x-upstream-attempts',
  'age',
].join(', ');

/** The value for Access-Control-Allow-Origin, or undefined when the origin is not allowed. */
function allowedOrigin(origin: string | null, config: Config): string | undefined {
  if (origin === null) return undefined;
  if (config.allowedOrigins === '*') return '*';
  return config.allowedOrigins.has(origin.toLowerCase()) ? origin : undefined;
}

/**
 * Answers a preflight. The requested headers are echoed rather than listed: the openai browser
 * SDK sends a changing set of `x-stainless-*` headers, and a fixed list breaks it.
 */
export function preflightResponse(request: Request, methods: string, config: Config): Response {
  const headers = new Headers({ vary: 'Origin, Access-Control-Request-Headers' });
  const origin = allowedOrigin(request.headers.get('origin'), config);
  if (origin !== undefined) {
    headers.set('access-control-allow-origin', origin);
    headers.set('access-control-allow-methods', methods);
    const requested = request.headers.get('access-control-request-headers');
    if (requested) headers.set('access-control-allow-headers', requested);
    headers.set('access-control-max-age', '86400');
  }
  return new Response(null, { status: 204, headers });
}

/** Adds CORS headers to an actual response; returns a copy because fetched headers are immutable. */
export function withCors(response: Response, request: Request, config: Config): Response {
  const origin = allowedOrigin(request.headers.get('origin'), config);
  if (origin === undefined) return response;
  const cors = new Response(response.body, response);
  cors.headers.set('access-control-allow-origin', origin);
  cors.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
  if (!/(^|,)\s*origin\s*(,|$)/i.test(cors.headers.get('vary') ?? '')) cors.headers.append('vary', 'Origin');
  return cors;
}
