// Turns the upstream's response into the client's: filtered headers, relayed streams, safe errors,
// and a report of how the answer ended for the cache and the quota.
import type { Config } from './config';
import { clientResponseHeaders } from './headers';
import { totalTokens, usageFromEventStream, usageFromJson } from './quota/usage';
import { redactSecret } from './redact';
import { relayEventStream } from './relay';
import { relayChecked } from './relay-checked';
import type { WatchOutcome } from './watchdog';

/** How an answer ended, reported once after the client has it. */
export interface Finished {
  /** A whole, successful answer: 2xx and, for a stream, completed normally. */
  readonly whole: boolean;
  readonly status: number;
  readonly contentType: string;
  /** The bytes the client received, when they were kept. */
  readonly body?: ArrayBuffer;
  /** Tokens the upstream reported using, when it said. */
  readonly usedTokens?: number;
}

export interface Observer {
  /** Keep up to this many bytes of the answer (0: none needed). */
  readonly keepBytes: number;
  /** Remove the usage-only chunk the proxy requested on the client's behalf. */
  readonly stripUsage: boolean;
  /** Judges whether captured stream bytes are a finished answer. */
  isComplete(bytes: Uint8Array): boolean;
  finished(result: Finished): void;
  /** Keeps the request alive until `work` is done: a stream's ending outlives the response. */
  track(work: Promise<unknown>): void;
}

function isEventStream(headers: Headers): boolean {
  return headers.get('content-type')?.toLowerCase().startsWith('text/event-stream') ?? false;
}

function isOpenAiError(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed;
  } catch {
    return false;
  }
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

export async function clientResponse(
  upstream: Response,
  config: Config,
  observer?: Observer,
): Promise<Response> {
  const status = upstream.status;
  const contentType = upstream.headers.get('content-type') ?? 'application/json';
  if (status < 200 || status >= 300 || !upstream.body) {
    // An upstream error generated nothing: release the whole token reservation.
    observer?.finished({ whole: false, status, contentType, usedTokens: 0 });
    if (status >= 400) return upstreamError(upstream, config);
    return new Response(upstream.body, { status, headers: clientResponseHeaders(upstream.headers) });
  }
  const init = { status, headers: clientResponseHeaders(upstream.headers) };
  if (isEventStream(upstream.headers))
    return streamResponse(upstream.body, { init, config, observer, contentType });
  if (!observer) return new Response(upstream.body, init);
  // A JSON answer is only useful whole, so reading it before answering costs the client nothing.
  const body = await upstream.arrayBuffer();
  const usedTokens = usageFromJson(body);
  observer.finished({
    whole: true,
    status,
    contentType,
    body,
    ...(usedTokens !== undefined ? { usedTokens } : {}),
  });
  return new Response(body, init);
}

interface StreamContext {
  readonly init: ResponseInit & { status: number };
  readonly config: Config;
  readonly observer: Observer | undefined;
  readonly contentType: string;
}

function streamResponse(body: ReadableStream<Uint8Array>, context: StreamContext): Response {
  const { init, config, observer, contentType } = context;
  const idleTimeoutMs = config.streamIdleTimeoutMs;
  const keepBytes = observer?.keepBytes ?? 0;
  const stripUsage = observer?.stripUsage ?? false;
  const relay =
    stripUsage || config.streamRelay === 'checked'
      ? relayChecked(body, { idleTimeoutMs, stripUsage, keepBytes })
      : relayEventStream(body, { idleTimeoutMs, keepBytes });
  if (observer) {
    const report = (outcome: (WatchOutcome & { usage?: unknown }) | undefined) => {
      const bytes = outcome?.kind === 'complete' ? outcome.bytes : undefined;
      const whole = bytes !== undefined && observer.isComplete(bytes);
      // A stripped usage chunk is reported by the relay; otherwise it is in the stream itself.
      const usedTokens = totalTokens(outcome?.usage) ?? (bytes && usageFromEventStream(bytes));
      observer.finished({
        whole,
        status: init.status,
        contentType,
        ...(bytes && whole ? { body: toArrayBuffer(bytes) } : {}),
        ...(usedTokens !== undefined ? { usedTokens } : {}),
      });
    };
    observer.track(relay.outcome.then(report));
  }
  return new Response(relay.body, init);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}
