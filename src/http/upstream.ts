// Calls the upstream API, turning network failures and header timeouts into OpenAI-shaped errors.
import { ProxyError } from '../errors';

export interface UpstreamCall {
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly headers: Headers;
  readonly body?: Uint8Array | undefined;
  /** Time allowed until the response headers arrive; 0 waits forever. */
  readonly timeoutMs: number;
  /** Ends the call later, body included: the relay uses it for idle and abandoned streams. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The timeout covers only the wait for headers: a long stream is healthy as long as it keeps
 * talking, which the relay's idle timeout watches instead.
 */
export async function fetchUpstream(call: UpstreamCall): Promise<Response> {
  const controller = new AbortController();
  const timer = call.timeoutMs > 0 ? setTimeout(() => controller.abort(), call.timeoutMs) : 0;
  const signal = call.signal ? AbortSignal.any([controller.signal, call.signal]) : controller.signal;
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body ?? null,
      signal,
      // A redirect would resend the prompt, or the key, wherever the upstream points.
      redirect: 'manual',
    });
  } catch {
    // The runtime's error text can include the upstream URL; say only what happened.
    if (controller.signal.aborted) {
      throw new ProxyError(
        504,
        'upstream_timeout',
        `The upstream did not answer within ${call.timeoutMs} ms, the time left of UPSTREAM_TIMEOUT_MS (one deadline for every attempt together).`,
      );
    }
    throw new ProxyError(502, 'upstream_unreachable', 'The proxy could not reach the upstream API.');
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new ProxyError(
      502,
      'upstream_redirect',
      `The upstream answered with a redirect (${response.status}), which the proxy never follows.`,
    );
  }
  return response;
}
