// Turns the upstream's response into the client's: filtered headers, relayed streams, safe errors.
import type { Config } from './config';
import { clientResponseHeaders } from './headers';
import { redactSecret } from './redact';
import { relayEventStream } from './relay';

function isEventStream(headers: Headers): boolean {
  return headers.get('content-type')?.toLowerCase().startsWith('text/event-stream') ?? false;
}

/** Upstream error bodies pass through (status, retry headers, body) with the key redacted. */
async function upstreamError(upstream: Response, config: Config): Promise<Response> {
  const headers = clientResponseHeaders(upstream.headers);
  const text = redactSecret(await upstream.text(), config.upstreamApiKey);
  if (isOpenAiError(text)) return new Response(text, { status: upstream.status, headers });
  // A load balancer's HTML page is not something an SDK can show; wrap it in OpenAI's shape.
  headers.set('content-type', 'application/json');
  const message = `The upstream answered ${upstream.status} without an OpenAI error body: ${text.slice(0, 200)}`;
  const error = {
    message,
    type: upstream.status >= 500 ? 'server_error' : 'invalid_request_error',
    param: null,
    code: 'upstream_error',
  };
  return new Response(JSON.stringify({ error }), { status: upstream.status, headers });
}

function isOpenAiError(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed;
  } catch {
    return false;
  }
}

export async function clientResponse(upstream: Response, config: Config): Promise<Response> {
  if (upstream.status >= 400) return upstreamError(upstream, config);
  const headers = clientResponseHeaders(upstream.headers);
  const init = { status: upstream.status, headers };
  if (!upstream.body || !isEventStream(upstream.headers)) return new Response(upstream.body, init);
  const relay = relayEventStream(upstream.body, { idleTimeoutMs: config.streamIdleTimeoutMs });
  return new Response(relay.body, init);
}
