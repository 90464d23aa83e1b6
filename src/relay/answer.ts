// Turns the upstream's response into the client's: filtered headers, safe errors, relayed streams,
// and a promise of how the answer ended, for the handler to account for.
import type { AnswerEnding } from '../accounting/settle';
import { toolCallsIn, usageInJsonText } from '../accounting/usage';
import { createdIdInJson, createdInJson, type CreatedObject } from '../stored/names';
import type { Config } from '../config/read';
import { ProxyError } from '../errors';
import { clientResponseHeaders } from '../http/headers';
import type { Redactor } from '../http/redact';
import { concatBytes, toArrayBuffer } from '../lib/bytes';
import type { AnswerBody, Route } from '../routes';
import { unexpectedAnswer, upstreamError } from './failed-answer';
import { relayInJs } from './js-relay';
import { relayLargeBody } from './large-body';
import { relayNative } from './native-relay';
import { isEventStream } from './sse';
import { Transcript } from './transcript';

/** How an answer ended, known once the client has it (for a stream: once it is over). */
export interface Ending extends AnswerEnding {
  readonly contentType: string;
  /** A whole, successful answer: 2xx and, for a stream, one that finished normally. */
  readonly complete: boolean;
  /** The bytes the client received, when they were kept (for the cache). */
  readonly body?: ArrayBuffer;
}

export interface Answer {
  readonly response: Response;
  readonly ended: Promise<Ending>;
  /** The id of the stored object the answer created, once known (see `AnswerOptions.creates`). */
  readonly created?: Promise<string | undefined>;
  /** The items and containers it created, once it has ended (read only when asked). */
  readonly createdItems?: () => Promise<readonly CreatedObject[]>;
}

/** What a streamed answer needs from the request: how to see the client leave, how to stop the upstream. */
export interface StreamControl {
  readonly clientGone: AbortSignal;
  readonly stopUpstream: () => void;
  /** Pipe the client's branch (budgeted streams: a disconnect is seen in every runtime). */
  readonly piped: boolean;
}

export interface AnswerOptions {
  readonly route: Route;
  readonly config: Config;
  /** Keep the body's bytes, up to this many (the cache wants them); 0 keeps none. */
  readonly keepBytes: number;
  /** Remove the usage-only chunk that the proxy asked for on the client's behalf. */
  readonly stripUsage: boolean;
  /** Count the built-in tool calls a JSON answer ran (the request named tools billed per call). */
  readonly countTools: boolean;
  /** The answer creates a stored object or items: read its id before the answer goes out. */
  readonly creates?: boolean;
  readonly stream: StreamControl;
}

/**
 * A JSON answer larger than this is relayed as it arrives instead of held whole: memory stays at
 * its size (or a window, past it) rather than several times that, within a Worker's 128 MB.
 */
export const LARGE_BODY_BYTES = 2 * 1024 * 1024;

const decoder = new TextDecoder();

/**
 * How an answer's body is relayed: as events, as text to redact, as bytes passed through (audio
 * only), or not at all: a type the route never returns is refused, not passed on unread.
 */
function bodyKind(contentType: string, answers: AnswerBody): 'events' | 'text' | 'bytes' | 'unexpected' {
  if (isEventStream(contentType)) return 'events';
  const type = contentType.toLowerCase();
  if (type.startsWith('application/json') || type.includes('+json')) return 'text';
  if (answers === 'json') return 'unexpected';
  if (type.startsWith('text/')) return 'text';
  const audio = type.startsWith('audio/') || type.startsWith('application/octet-stream');
  return answers === 'audio' && audio ? 'bytes' : 'unexpected';
}

/** A read of the body that fails (a connection lost, a body that does not decode) is the upstream's fault. */
const unlessBrokenOff = <T>(reading: Promise<T>): Promise<T> =>
  reading.catch((): never => {
    throw new ProxyError(502, 'upstream_incomplete', "The upstream's answer broke off before its end.");
  });

export async function answerFromUpstream(upstream: Response, options: AnswerOptions): Promise<Answer> {
  const { status } = upstream;
  const { redactor } = options.config;
  const contentType = upstream.headers.get('content-type') ?? 'application/json';
  const init = { status, headers: clientResponseHeaders(upstream.headers, redactor) };
  const ended = (rest: Omit<Ending, 'status' | 'contentType'>) =>
    Promise.resolve({ status, contentType, ...rest });
  if (status < 200 || status >= 300 || !upstream.body) {
    const response =
      status >= 400 ? await upstreamError(upstream, redactor) : new Response(upstream.body, init);
    return { response, ended: ended({ complete: false }) };
  }
  const kind = bodyKind(contentType, options.route.answerBody);
  if (kind === 'unexpected') throw await unexpectedAnswer(upstream, redactor);
  if (kind === 'events') return relayStream(upstream.body, { ...options, status, contentType, init });
  // Audio and images are bytes a client plays or shows, relayed as they come on the native path.
  if (kind === 'bytes')
    return { response: new Response(upstream.body, init), ended: ended({ complete: true }) };
  const read = await unlessBrokenOff(readUpTo(upstream, LARGE_BODY_BYTES));
  if (read.rest) {
    // A stored response this large still leads with its id, which is recorded before it goes out.
    const head = options.creates ? await unlessBrokenOff(readHead(read.head, read.rest)) : read.head;
    const large = relayLargeBody(head, read.rest, { redactor, keepBytes: options.keepBytes });
    const ending = large.ended.then(({ bytes, ...rest }) => ({
      status,
      contentType,
      ...rest,
      ...(bytes ? { body: toArrayBuffer(bytes) } : {}),
    }));
    return {
      response: new Response(large.body, init),
      ended: ending,
      ...(options.creates ? { created: Promise.resolve(createdIdInJson(leadingText(head))) } : {}),
    };
  }
  // A JSON answer is only useful whole, so reading it before answering costs the client nothing.
  const text = decoder.decode(read.whole);
  const body = redactor.finds(text) ? redactedBody(text, redactor) : toArrayBuffer(read.whole);
  const reported = usageInJsonText(text);
  const toolCalls = reported && options.countTools ? toolCallsIn(text) : undefined;
  const usage = reported && toolCalls ? { ...reported, toolCalls } : reported;
  return {
    response: new Response(body, init),
    ended: ended({ complete: true, ...(usage ? { usage } : {}), ...(options.keepBytes > 0 ? { body } : {}) }),
    ...(options.creates
      ? { created: Promise.resolve(createdIdInJson(text)), createdItems: async () => createdInJson(text) }
      : {}),
  };
}

/** The first 512 bytes of `chunks` as text: where a JSON answer's leading `id` is. */
function leadingText(chunks: readonly Uint8Array[]): string {
  const lead = new Uint8Array(512);
  let size = 0;
  for (const chunk of chunks) {
    if (size === lead.length) break;
    const part = chunk.subarray(0, lead.length - size);
    lead.set(part, size);
    size += part.byteLength;
  }
  return decoder.decode(lead.subarray(0, size));
}

/** Enough of a large body's start (512 bytes) to read the id it leads with. */
async function readHead(
  head: readonly Uint8Array[],
  rest: ReadableStreamDefaultReader<Uint8Array>,
): Promise<Uint8Array[]> {
  const read = [...head];
  let size = read.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  while (size < 512) {
    const next = await rest.read();
    if (next.done) break;
    read.push(next.value);
    size += next.value.byteLength;
  }
  return read;
}

/**
 * The body whole when it is at most `limit` bytes; else what was read so far and the rest. A
 * declared length decides at once; an undeclared one is read until it passes the limit.
 */
async function readUpTo(
  upstream: Response,
  limit: number,
): Promise<
  | { whole: Uint8Array; rest?: undefined }
  | { head: Uint8Array[]; rest: ReadableStreamDefaultReader<Uint8Array> }
> {
  const declared = Number(upstream.headers.get('content-length') ?? Number.NaN);
  if (declared <= limit) return { whole: new Uint8Array(await upstream.arrayBuffer()) };
  const reader = upstream.body!.getReader();
  if (declared > limit) return { head: [], rest: reader };
  const head: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    head.push(next.value);
    size += next.value.byteLength;
    if (size > limit) return { head, rest: reader };
  }
  return { whole: concatBytes(head, size) };
}

/** A secret hidden in a mix of encodings that redaction cannot rewrite fails the request rather than leak. */
function redactedBody(text: string, redactor: Redactor): ArrayBuffer {
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
  const { config, status, contentType, stream } = options;
  const transcript = new Transcript({
    finish: options.route.streamFinish ?? 'done-marker',
    maxBytes: options.keepBytes,
    watchForId: options.creates ?? false,
  });
  const limits = { idleTimeoutMs: config.streamIdleTimeoutMs, maxDurationMs: config.streamMaxDurationMs };
  const relay =
    options.stripUsage || config.streamRelay === 'checked'
      ? relayInJs(body, { ...limits, transcript, stripUsage: options.stripUsage, redactor: config.redactor })
      : relayNative(body, { ...limits, transcript, ...stream });
  const ended = relay.ended.then(({ bytes, end, ...rest }): Ending => {
    const storable = bytes && rest.complete && !config.redactor.finds(decoder.decode(bytes));
    return {
      status,
      contentType,
      streamEnd: end,
      ...rest,
      ...(storable ? { body: toArrayBuffer(bytes) } : {}),
    };
  });
  return {
    response: new Response(relay.body, options.init),
    ended,
    ...(options.creates
      ? { created: transcript.createdId, createdItems: () => relay.ended.then(() => transcript.createdItems) }
      : {}),
  };
}
