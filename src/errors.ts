// One error type for everything the proxy rejects, rendered once in OpenAI's shape.
import { ConfigError } from './config';

/** OpenAI's `error.type` values that the proxy itself produces (`requests`/`tokens` for 429s). */
export type ErrorType = 'invalid_request_error' | 'server_error' | 'requests' | 'tokens';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

interface ErrorDetails {
  param?: string;
  headers?: HeadersInit;
  /** Overrides the type derived from the status, as OpenAI does for rate limits. */
  type?: ErrorType;
}

/**
 * An error a client should see. `code` is machine-readable (`invalid_api_key`, `unknown_url`…);
 * the message is for people and must never contain a secret.
 */
export class ProxyError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'ProxyError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The 404 for any path outside the route allow-list, worded as OpenAI words it. */
export function unknownUrl(request: Request): ProxyError {
  const path = new URL(request.url).pathname;
  return new ProxyError(404, 'unknown_url', `Invalid URL (${request.method} ${path}).`);
}

/** OpenAI reports authentication failures as `invalid_request_error`; the SDKs key off status. */
function errorTypeFor(status: number): ErrorType {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function errorBody(error: ProxyError): ErrorBody {
  return {
    error: {
      message: error.message,
      type: error.details.type ?? errorTypeFor(error.status),
      param: error.details.param ?? null,
      code: error.code,
    },
  };
}

/** Converts anything thrown into a ProxyError; unknown errors become a 500 that reveals nothing. */
function toProxyError(thrown: unknown): ProxyError {
  if (thrown instanceof ProxyError) return thrown;
  // Configuration messages name the variable and never carry a secret value.
  if (thrown instanceof ConfigError) {
    return new ProxyError(500, 'proxy_misconfigured', `Proxy misconfigured: ${thrown.message}`);
  }
  return new ProxyError(500, 'internal_error', 'The proxy failed to handle this request.');
}

export function errorResponse(thrown: unknown): Response {
  const error = toProxyError(thrown);
  const headers = new Headers(error.details.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(errorBody(error)), { status: error.status, headers });
}
