// The one error type the proxy throws, the one place OpenAI's error JSON is built, and the one
// place failures are logged.
import { ConfigError } from './config/values';
import { jsonResponse } from './http/json-response';
import { routeWithoutV1 } from './routes';

/** OpenAI's `error.type` values the proxy itself produces (`requests`/`tokens` for 429s). */
export type ErrorType = 'invalid_request_error' | 'server_error' | 'requests' | 'tokens' | 'dollars';

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface ErrorDetails {
  readonly param?: string;
  readonly headers?: HeadersInit;
  /** Overrides the type derived from the status, as OpenAI does for rate limits. */
  readonly type?: ErrorType;
}

/** OpenAI reports authentication failures as `invalid_request_error`; the SDKs key off status. */
export function errorTypeFor(status: number): ErrorType {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** OpenAI's error JSON, for responses and for the error event inside a stream alike. */
export function openAiError(
  message: string,
  code: string | null,
  options: { readonly type: string; readonly param?: string | null },
): ErrorBody {
  return { error: { message, type: options.type, param: options.param ?? null, code } };
}

/**
 * An error a client should see. `code` is machine-readable (`invalid_api_key`, `unknown_url`…);
 * the message is for people and must never contain a secret.
 */
export class ProxyError extends Error {
  override name = 'ProxyError';

  constructor(
    readonly status: number,
    /** `null` only where OpenAI itself sends none (a stored object that is not found). */
    readonly code: string | null,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    const type = this.details.type ?? errorTypeFor(this.status);
    return openAiError(this.message, this.code, { type, param: this.details.param ?? null });
  }
}

/** Throws the 401 every authentication failure is: the code says which check failed. */
export function denyAccess(code: string, message: string): never {
  throw new ProxyError(401, code, message);
}

export const badRequest = (code: string, message: string, param?: string) =>
  new ProxyError(400, code, message, param === undefined ? {} : { param });

/**
 * The 404 for any path outside the route allow-list, worded as OpenAI words it, with a hint when
 * the client left out `/v1` from its base URL (the most common set-up mistake).
 */
export function unknownUrl(request: Request): ProxyError {
  const path = new URL(request.url).pathname;
  const hint = routeWithoutV1(request.method, path)
    ? ` Did you mean ${request.method} /v1${path}? The base URL your client uses must end in /v1.`
    : '';
  return new ProxyError(404, 'unknown_url', `Invalid URL (${request.method} ${path}).${hint}`);
}

/**
 * One JSON line on stderr for a failure the client cannot see in full: an unknown error, a KV
 * or Durable Object failure. Only the error's name and message are written, never a request.
 */
export function logFailure(event: string, error: unknown, fields: Record<string, unknown> = {}): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(JSON.stringify({ level: 'error', event, error: detail, ...fields }));
}

/** Converts anything thrown into a ProxyError; unknown errors are logged, then become a bare 500. */
export function toProxyError(thrown: unknown, requestId: string | undefined): ProxyError {
  if (thrown instanceof ProxyError) return thrown;
  // Configuration messages name the variable and the rule, never a value.
  if (thrown instanceof ConfigError) {
    return new ProxyError(500, 'proxy_misconfigured', `Proxy misconfigured: ${thrown.message}`);
  }
  logFailure('internal_error', thrown, { request_id: requestId });
  return new ProxyError(500, 'internal_error', 'The proxy failed to handle this request.');
}

export function errorResponse(error: ProxyError): Response {
  return jsonResponse(error.toBody(), { status: error.status, headers: error.details.headers ?? {} });
}
