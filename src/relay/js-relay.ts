// The JavaScript relay: every chunk passes through a read loop, so the proxy can end a broken or
// silent stream with an error event, redact secrets, and remove a usage chunk it requested. It
// costs JavaScript time on every chunk, which the native relay avoids; see docs/streaming-and-cache.md.
import type { Redactor } from '../http/redact';
import { withTimeout } from '../lib/time';
import { watchStream, type StreamLimits, type StreamWatch } from './idle';
import type { Relayed } from './native-relay';
import { EventSplitter, isUsageOnlyChunk, streamErrorEvent } from './sse';
import type { StreamEnd, Transcript } from './transcript';

export interface JsRelayOptions extends StreamLimits {
  /** Remove the usage-only chunk (the proxy asked for it; the client did not). */
  readonly stripUsage: boolean;
  readonly transcript: Transcript;
  /** Removes secrets from each batch of whole events before it is sent. */
  readonly redactor: Redactor;
}

export function relayInJs(upstream: ReadableStream<Uint8Array>, options: JsRelayOptions): Relayed {
  const { readable, writable } = new IdentityTransformStream();
  const reader = upstream.getReader();
  let stop: () => void = () => undefined;
  const stopped = new Promise<'stopped'>((resolve) => (stop = () => resolve('stopped')));
  const watch = watchStream(options, () => {
    stop();
    void reader.cancel().catch(() => undefined);
  });
  const ended = pump(reader, writable.getWriter(), { ...options, watch, stopped }).then((end) => {
    watch.stop();
    return options.transcript.end(end);
  });
  return { body: readable, ended };
}

const encoder = new TextEncoder();

/**
 * The runtime's pass-through stream has no buffer of its own: a write settles once the client's
 * side has taken it, and `writer.ready` never waits. Up to this many bytes may be on their way to
 * a client; past it, reading the upstream waits for the client, as a native relay's would.
 */
const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * Writes that do not wait for the client to take each chunk (a chunk-by-chunk wait would slow
 * every stream) but hold the relay once MAX_QUEUED_BYTES are queued, so a client that reads
 * slowly, or not at all, holds back the upstream rather than fill the isolate's memory.
 */
function boundedWrites(writer: WritableStreamDefaultWriter<Uint8Array>) {
  let queued = 0;
  return {
    async write(bytes: Uint8Array): Promise<void> {
      queued += bytes.byteLength;
      const written = writer.write(bytes).then(
        () => void (queued -= bytes.byteLength),
        () => undefined,
      );
      // Writes settle in order: once this one has, every one before it has too.
      if (queued > MAX_QUEUED_BYTES) await written;
    },
  };
}

/**
 * Events are passed on whole, as soon as their blank line arrives: that is the unit a client acts
 * on, and the unit the proxy may remove.
 */
async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  options: JsRelayOptions & { readonly watch: StreamWatch; readonly stopped: Promise<'stopped'> },
): Promise<StreamEnd> {
  const { watch, transcript } = options;
  /**
   * Waits for the client to take what it was sent, unless the watch ends the stream first: a
   * client that stops reading holds the upstream back (no read means silence), and after
   * STREAM_IDLE_TIMEOUT_MS or STREAM_MAX_DURATION_MS its stream is aborted rather than held open.
   */
  const taken = async (step: Promise<unknown>): Promise<boolean> => {
    const outcome = await Promise.race([step.then(settled, settled), options.stopped]);
    if (outcome === 'settled') return true;
    await writer.abort(new Error('The client stopped reading.')).catch(() => undefined);
    return false;
  };
  const splitter = new EventSplitter();
  const decoder = new TextDecoder();
  const queue = boundedWrites(writer);
  let clientGone = false;
  // A client that disconnects errors the writable side: stop the upstream at once, even mid-read.
  writer.closed.catch(() => {
    clientGone = true;
    void reader.cancel().catch(() => undefined);
  });
  for (;;) {
    const next = await reader.read().catch(() => undefined);
    watch.touch();
    if (clientGone) return 'client_aborted';
    if (watch.fired) return endWithError(writer, watch.fired);
    if (next === undefined || splitter.overflowed) return endWithError(writer, 'broken');
    const events = next.done
      ? [...splitter.push(decoder.decode()), splitter.flush()]
      : splitter.push(decoder.decode(next.value, { stream: true }));
    transcript.addText(events.join(''));
    const kept = options.stripUsage ? events.filter((event) => !isUsageOnlyChunk(event)) : events;
    const text = options.redactor.redact(kept.join(''));
    if (text !== '') {
      const bytes = encoder.encode(text);
      transcript.keep(bytes);
      if (!(await taken(queue.write(bytes)))) return watch.fired ?? 'idle';
    }
    if (next.done) {
      if (!(await taken(writer.close()))) return watch.fired ?? 'idle';
      return clientGone ? 'client_aborted' : 'done';
    }
  }
}

const settled = () => 'settled' as const;

/** How long the error event may wait for a client to take it before its stream is aborted. */
const LAST_WORD_MS = 5_000;

async function endWithError(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  cause: 'idle' | 'too_long' | 'broken',
) {
  const said = writer
    .write(streamErrorEvent(cause))
    .then(() => writer.close())
    .then(settled, settled);
  if ((await withTimeout(said, LAST_WORD_MS, 'late')) === 'late')
    await writer.abort(new Error('The client stopped reading.')).catch(() => undefined);
  return cause;
}
