// Reads the tee'd copy of a natively relayed stream, rarely, so that chunks cost no JavaScript:
// it ends silent upstreams, tells a client abort from a broken upstream, and feeds the transcript.
import { idleTimer } from './idle';
import type { StreamEnd, StreamEnding, Transcript } from './transcript';

/** Largest read; a quiet period's worth of SSE is far smaller, so one read usually drains it. */
const READ_BYTES = 64 * 1024;
/** How often the copy is drained: often enough that a broken stream loses little of its count. */
const MAX_TICK_MS = 1000;

interface WatchOptions {
  readonly idleTimeoutMs: number;
  readonly transcript?: Transcript | undefined;
  /** Settles when the pipe to the client has finished: true if it completed, false if it failed. */
  readonly piped: Promise<boolean>;
  readonly stopPipe: () => void;
}

type Read = ReadableStreamReadResult<Uint8Array>;
interface Reader {
  read(): Promise<Read>;
  cancel(): Promise<void>;
}

/**
 * The copy comes from `tee()`: the runtime queues chunks for it while the other branch is piped
 * natively to the client. Reading it once per tick with a large buffer wakes JavaScript a
 * handful of times per stream instead of once per chunk, which on workerd is the difference
 * between ~0.02 ms and ~0.3 ms of CPU per chunk.
 */
export async function watchCopy(
  copy: ReadableStream<Uint8Array>,
  options: WatchOptions,
): Promise<StreamEnding> {
  const { transcript } = options;
  const end = (how: StreamEnd): StreamEnding =>
    transcript?.end(how) ?? { end: how, complete: false, generatedChars: 0 };
  const reader = largeReader(copy);
  const cancel = () => void reader.cancel().catch(() => undefined);
  const idle = idleTimer(options.idleTimeoutMs, () => (options.stopPipe(), cancel()));
  const tickMs = Math.min(MAX_TICK_MS, options.idleTimeoutMs > 0 ? options.idleTimeoutMs / 4 : MAX_TICK_MS);
  // Resolves only if the client went away; a completed pipe leaves the copy to be read to its end.
  const clientGone = options.piped.then((ok) =>
    ok ? new Promise<never>(() => undefined) : ('gone' as const),
  );
  let pipeDone = false;
  void options.piped.then((ok) => (pipeDone = ok));
  try {
    for (;;) {
      const reading = reader.read();
      const next = await Promise.race([reading, clientGone]);
      idle.touch();
      if (next === 'gone') return end(await drain(reader, reading, transcript));
      if (idle.fired) return end('idle');
      if (next.done) return end('done');
      transcript?.addBytes(next.value);
      if (!pipeDone) await pause(tickMs, options.piped);
    }
  } catch {
    return end(idle.fired ? 'idle' : 'broken');
  } finally {
    idle.stop();
  }
}

/**
 * The client went away. What the upstream already sent is queued in the copy: read it (so the
 * quota charges what was delivered), then cancel, which closes the upstream connection at once.
 */
async function drain(reader: Reader, pending: Promise<Read>, transcript?: Transcript): Promise<StreamEnd> {
  for (let reading = pending; transcript; reading = reader.read()) {
    const next = await Promise.race([reading.catch(() => undefined), pause(0)]);
    if (!next || next.done) break;
    transcript.addBytes(next.value);
  }
  await reader.cancel().catch(() => undefined);
  return 'client_aborted';
}

/** Waits `ms`, or less if `until` settles first. Resolves with nothing either way. */
function pause(ms: number, until?: Promise<unknown>): Promise<undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([elapsed, until?.then(() => undefined) ?? elapsed]).finally(() => clearTimeout(timer));
}

function largeReader(stream: ReadableStream<Uint8Array>): Reader {
  try {
    const byob = stream.getReader({ mode: 'byob' });
    return { read: () => byob.readAtLeast(1, new Uint8Array(READ_BYTES)), cancel: () => byob.cancel() };
  } catch {
    return stream.getReader(); // Not a byte stream: fall back to chunk-sized reads.
  }
}
