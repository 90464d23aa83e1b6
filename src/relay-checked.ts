// The JavaScript relay: every chunk passes through a read loop, so the proxy can end a broken or
// silent stream with an error event and remove a usage chunk it requested. It costs JavaScript
// time on every chunk, which the native relay avoids; see the README's "Streaming" section.
import { Collector } from './collector';
import { UsageFilter } from './sse-events';
import { streamErrorEvent } from './stream-error';
import type { WatchOutcome } from './watchdog';

export interface CheckedRelayOptions {
  readonly idleTimeoutMs: number;
  /** Remove the usage-only chunk (the client did not ask for it). */
  readonly stripUsage: boolean;
  /** Keep up to this many of the bytes sent, for the cache and accounting; 0 keeps none. */
  readonly keepBytes: number;
}

export type CheckedOutcome = WatchOutcome & { readonly usage?: unknown };

export function relayChecked(
  upstream: ReadableStream<Uint8Array>,
  options: CheckedRelayOptions,
): { body: ReadableStream<Uint8Array>; outcome: Promise<CheckedOutcome> } {
  const { readable, writable } = new IdentityTransformStream();
  return { body: readable, outcome: pump(upstream.getReader(), writable.getWriter(), options) };
}

type Reader = { read(): Promise<ReadableStreamReadResult<Uint8Array>>; cancel(): Promise<void> };

/**
 * One timer per stream rather than one per chunk: it cancels the upstream once nothing has
 * arrived for the idle timeout, which ends the pending read.
 */
function idleGuard(reader: Reader, idleTimeoutMs: number) {
  const guard = { idle: false, lastRead: Date.now(), stop: () => undefined as void };
  if (idleTimeoutMs <= 0) return guard;
  const timer = setInterval(() => {
    if (Date.now() - guard.lastRead < idleTimeoutMs) return;
    guard.idle = true;
    void reader.cancel().catch(() => undefined);
  }, idleTimeoutMs / 4);
  guard.stop = () => clearInterval(timer);
  return guard;
}

async function pump(
  reader: Reader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  options: CheckedRelayOptions,
): Promise<CheckedOutcome> {
  const filter = new UsageFilter(options.stripUsage);
  const kept = new Collector(options.keepBytes);
  const guard = idleGuard(reader, options.idleTimeoutMs);
  let clientGone = false;
  try {
    for (;;) {
      const next = await reader.read().catch(() => undefined);
      guard.lastRead = Date.now();
      if (next === undefined || guard.idle) return await endBroken(writer, guard.idle ? 'idle' : 'broken');
      for (const piece of next.done ? filter.flush() : filter.push(next.value)) {
        // Wait only for room in the stream, not for the client to read each chunk.
        await writer.ready;
        writer.write(piece).catch(() => (clientGone = true));
        kept.add(piece);
      }
      if (clientGone) throw new Error('client gone');
      if (next.done) {
        await writer.close();
        return { kind: 'complete', bytes: kept.bytes(), usage: filter.usage };
      }
    }
  } catch {
    void reader.cancel().catch(() => undefined); // The client went away: stop the upstream.
    return { kind: 'failed' };
  } finally {
    guard.stop();
  }
}

async function endBroken(writer: WritableStreamDefaultWriter<Uint8Array>, cause: 'idle' | 'broken') {
  await writer.write(streamErrorEvent(cause)).catch(() => undefined);
  await writer.close().catch(() => undefined);
  return cause === 'idle' ? ({ kind: 'idle' } as const) : ({ kind: 'failed' } as const);
}
