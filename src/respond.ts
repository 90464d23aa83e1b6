// Turns the upstream's response into the client's: filtered headers, relayed streams, safe errors.
import type { Capture } from './cache/session';
import { isCompleteEventStream } from './cache/complete';
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
  const type = upstream.status >= 500 ? 'server_error' : 'invalid_request_error';
  const error = { message, type, param: null, code: 'upstream_error' };
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

/** Only whole, successful answers are stored: never errors, never partial or aborted streams. */
export async function clientResponse(
  upstream: Response,
  config: Config,
  capture?: Capture,
): Promise<Response> {
  if (upstream.status < 200 || upstream.status >= 300 || !upstream.body) {
    capture?.settle(undefined);
    return upstream.status >= 400 ? upstreamError(upstream, config) : passThrough(upstream);
  }
  const headers = clientResponseHeaders(upstream.headers);
  const init = { status: upstream.status, headers };
  const storedAt = Date.now();
  const contentType = upstream.headers.get('content-type') ?? 'application/json';
  if (isEventStream(upstream.headers)) {
    const relay = relayEventStream(upstream.body, {
      idleTimeoutMs: config.streamIdleTimeoutMs,
      keepBytes: capture?.keepBytes ?? 0,
    });
    if (capture) {
      capture.track(
        relay.outcome.then((outcome) => {
          const bytes = outcome?.kind === 'complete' ? outcome.bytes : undefined;
          const whole = bytes && isCompleteEventStream(bytes, capture.route) ? bytes : undefined;
          capture.settle(
            whole && { body: toArrayBuffer(whole), status: upstream.status, contentType, storedAt },
          );
        }),
      );
    }
    return new Response(relay.body, init);
  }
  if (!capture) return new Response(upstream.body, init);
  // A JSON answer is only useful whole, so reading it before answering costs the client nothing.
  const body = await upstream.arrayBuffer();
  capture.settle({ body, status: upstream.status, contentType, storedAt });
  return new Response(body, init);
}

function passThrough(upstream: Response): Response {
  return new Response(upstream.body, {
    status: upstream.status,
    headers: clientResponseHeaders(upstream.headers),
  });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}
