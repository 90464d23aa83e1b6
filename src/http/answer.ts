// Turns the upstream's response into the client's: filtered headers, safe errors, relayed streams,
// and a promise of how the answer ended, for the handler to account for.
import type { Config } from '../config/read';
import { ProxyError, errorTypeFor, jsonResponse, openAiError } from '../errors';
import { usageInJson, type Usage } from '../quota/usage';
import type { RouteName } from '../routes';
import { relayInJs } from '../stream/js-relay';
import { relayNative } from '../stream/native-relay';
import { Transcript, type StreamEnd } from '../stream/transcript';
import { clientResponseHeaders } from './headers';
import { redactErrorText, type Redactor } from './redact';

/** How an answer ended, known once the client has it (for a stream: once it is over). */
export interface Ending {
  readonly status: number;
  readonly contentType: string;
  readonly end: StreamEnd;
  /** A whole, successful answer: 2xx and, for a stream, one that finished normally. */
  readonly complete: boolean;
  /** The bytes the client received, when they were kept. */
  readonly body?: ArrayBuffer;
  readonly usage?: Usage;
  /** Characters of generated text a stream relayed. */
  readonly generatedChars?: number;
}

export interface Answer {
  readonly response: Response;
  readonly ended: Promise<Ending>;
}

export interface AnswerOptions {
  readonly route: RouteName;
  readonly config: Config;
  /** Keep the body's bytes, up to this many (the cache wants them); 0 keeps none. */
  readonly keepBytes: number;
  /** Read the answer for usage and completeness (the cache or the quota needs it). */
  readonly observe: boolean;
  /** Remove the usage-only chunk that the proxy asked for on the client's behalf. */
  readonly stripUsage: boolean;
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

/** Upstream error bodies pass through (status, retry headers, body) with secrets redacted. */
async function upstreamError(upstream: Response, redactor: Redactor): Promise<Response> {
  const headers = clientResponseHeaders(upstream.headers, redactor);
  const text = redactErrorText(await upstream.text(), redactor);
  if (isOpenAiError(text)) return new Response(text, { status: upstream.status, headers });
  // A load balancer's HTML page is not something an SDK can show; wrap it in OpenAI's shape.
  const message = `The upstream answered ${upstream.status} without an OpenAI error body: ${text.slice(0, 200)}`;
  const type = errorTypeFor(upstream.status);
  return jsonResponse(openAiError(message, 'upstream_error', { type }), { status: upstream.status, headers });
}

export async function answerFromUpstream(upstream: Response, options: AnswerOptions): Promise<Answer> {
  const { status } = upstream;
  const { redactor } = options.config;
  const contentType = upstream.headers.get('content-type') ?? 'application/json';
  const init = { status, headers: clientResponseHeaders(upstream.headers, redactor) };
  const ending = (rest: Omit<Ending, 'status' | 'contentType'>) =>
    Promise.resolve({ status, contentType, ...rest });
  if (status < 200 || status >= 300 || !upstream.body) {
    const response =
      status >= 400 ? await upstreamError(upstream, redactor) : new Response(upstream.body, init);
    return { response, ended: ending({ end: 'done', complete: false }) };
  }
  if (isEventStream(upstream.headers))
    return relayStream(upstream.body, { ...options, status, contentType, init });
  // A JSON answer is only useful whole, so reading it before answering costs the client nothing.
  const body = redactBody(await upstream.arrayBuffer(), redactor);
  const usage = options.observe ? usageInJson(body) : undefined;
  return {
    response: new Response(body, init),
    ended: ending({ end: 'done', complete: true, body, ...(usage ? { usage } : {}) }),
  };
}

/**
 * The body with every secret redacted; the very same bytes when it holds none. A secret hidden
 * in a mix of encodings that redaction cannot rewrite fails the request rather than leak.
 */
function redactBody(body: ArrayBuffer, redactor: Redactor): ArrayBuffer {
  const text = new TextDecoder().decode(body);
  if (!redactor.finds(text)) return body;
  const redacted = redactor.redact(text);
  if (redactor.finds(redacted)) {
    throw new ProxyError(
      502,
      'upstream_leaked_secret',
      'The upstream answer contained a secret of this proxy.',
    );
  }
  return toArrayBuffer(new TextEncoder().encode(redacted));
}

interface StreamAnswer extends AnswerOptions {
  readonly status: number;
  readonly contentType: string;
  readonly init: ResponseInit;
}

/**
 * The native relay cannot look inside a live stream, so a stream it relayed is cached only if
 * it holds no secret; the JavaScript relay redacts as it goes.
 */
function relayStream(body: ReadableStream<Uint8Array>, options: StreamAnswer): Answer {
  const { config, status, contentType } = options;
  const transcript = options.observe
    ? new Transcript({ route: options.route, maxBytes: options.keepBytes })
    : undefined;
  const relayOptions = { idleTimeoutMs: config.streamIdleTimeoutMs, transcript };
  const javascript = options.stripUsage || config.streamRelay === 'checked';
  const relay = javascript
    ? relayInJs(body, { ...relayOptions, stripUsage: options.stripUsage, redactor: config.redactor })
    : relayNative(body, relayOptions);
  const ended = relay.ended.then(({ bytes, ...stream }) => {
    const storable = bytes && stream.complete && !config.redactor.finds(new TextDecoder().decode(bytes));
    return { status, contentType, ...stream, ...(storable ? { body: toArrayBuffer(bytes) } : {}) };
  });
  return { response: new Response(relay.body, options.init), ended };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}
