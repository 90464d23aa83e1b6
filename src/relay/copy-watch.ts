// Reads the tee'd copy of a natively relayed stream in batches, so that chunks cost no JavaScript:
// it ends silent or overlong upstreams, tells a client's disconnect from a broken upstream, and
// feeds the transcript.
import { watchStream, type StreamLimits } from './idle';
import type { StreamEnd, StreamEnding, Transcript } from './transcript';

/** Largest read; a quiet period's worth of SSE is far smaller, so one read usually drains it. */
const READ_BYTES = 64 * 1024;
/** A read smaller than this means the stream is trickling: wait for more before reading again. */
const BATCH_BYTES = 8 * 1024;
/** How long a trickling stream's chunks gather before the next read. */
const TICK_MS = 250;

interface WatchOptions extends StreamLimits {
  readonly transcript: Transcript;
  /** Aborts when the client has gone away. */
  readonly gone: AbortSignal;
  readonly stopUpstream: () => void;
}

type Read = ReadableStreamReadResult<Uint8Array>;
interface Reader {
  read(): Promise<Read>;
  cancel(): Promise<void>;
}

/**
 * The copy comes from `tee()`: the runtime queues chunks for it while the other branch goes to the
 * client natively. A stream that arrives in bursts is read as fast as it comes, a large buffer at
 * a time; a trickling one is read once per tick, so JavaScript wakes a few times per second per
 * stream rather than once per chunk (reading each chunk as it comes costs about ten times the
 * CPU). Once the stream shows its finishing event it is read to its end at once; otherwise its end
 * is seen at most a tick late, which delays only its accounting. Two stretches are read as they
 * come: until a stored response's id has been read (its first event, which may arrive in pieces),
 * since the answer waits for it and a tick would hold back the client's first token; and, when the
 * cache keeps the stream, from the sign that the end is near, so that the entry lands at once.
 */
export async function watchCopy(
  copy: ReadableStream<Uint8Array>,
  options: WatchOptions,
): Promise<StreamEnding> {
  const { transcript, gone } = options;
  const reader = largeReader(copy);
  const watch = watchStream(options, () => options.stopUpstream());
  const tickMs = options.idleTimeoutMs > 0 ? Math.min(TICK_MS, options.idleTimeoutMs / 4) : TICK_MS;
  const clientGone = abortOf(gone);
  const end = (how: StreamEnd) => transcript.end(how);
  try {
    for (;;) {
      const reading = reader.read();
      const next = await Promise.race([reading, clientGone]);
      watch.touch();
      if (watch.fired) return end(watch.fired);
      if (next === 'gone') return end(await drain(reader, reading, options));
      if (next.done) return end('done');
      transcript.addBytes(next.value);
      const trickling = next.value.byteLength < BATCH_BYTES;
      const eager = transcript.finished || transcript.awaitingId || transcript.endingSoon;
      if (trickling && !eager) await pause(tickMs, clientGone);
    }
  } catch {
    return end(watch.fired ?? (gone.aborted ? 'client_aborted' : 'broken'));
  } finally {
    watch.stop();
  }
}

/** How long a read of what is already queued may take while draining; queued data comes sooner. */
const DRAIN_READ_MS = 10;
/** The longest a drain goes on, for an upstream that keeps sending while it is stopped. */
const DRAIN_MS = 100;

/**
 * The client went away. What the upstream already sent is queued in the copy: read it (so the
 * quota charges what was delivered), then stop the upstream, which closes its connection at once.
 */
async function drain(reader: Reader, pending: Promise<Read>, options: WatchOptions): Promise<StreamEnd> {
  const until = Date.now() + DRAIN_MS;
  let reading = pending;
  for (;;) {
    const next = await Promise.race([reading.catch(() => undefined), pause(DRAIN_READ_MS)]);
    if (!next || next.done) break;
    options.transcript.addBytes(next.value);
    if (Date.now() >= until) break;
    reading = reader.read();
  }
  options.stopUpstream();
  await reader.cancel().catch(() => undefined);
  return 'client_aborted';
}

/** Resolves with 'gone' once `signal` aborts (never, if it never does). */
function abortOf(signal: AbortSignal): Promise<'gone'> {
  if (signal.aborted) return Promise.resolve('gone');
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve('gone'), { once: true }));
}

/** Waits `ms`, or less if `until` settles first. Resolves with nothing either way. */
function pause(ms: number, until?: Promise<unknown>): Promise<undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([elapsed, until?.then(() => undefined) ?? elapsed]).finally(() => clearTimeout(timer));
}

/**
 * At least one byte per read, never more. In workerd, while a read of one tee branch waits for
 * more bytes than have arrived, the other branch (the client's) gets nothing either: a read of
 * 64 KiB at least, or `arrayBuffer()`, would hold the whole stream back from the client.
 */
function largeReader(stream: ReadableStream<Uint8Array>): Reader {
  try {
    const byob = stream.getReader({ mode: 'byob' });
    return { read: () => byob.readAtLeast(1, new Uint8Array(READ_BYTES)), cancel: () => byob.cancel() };
  } catch {
    return stream.getReader(); // Not a byte stream: fall back to chunk-sized reads.
  }
}
