// The JavaScript relay: every chunk passes through a read loop, so the proxy can end a broken or
// silent stream with an error event and remove a usage chunk it requested. It costs JavaScript
// time on every chunk, which the native relay avoids; see the README's "Streaming" section.
import { UsageFilter, concat } from './sse-events';
import { streamErrorEvent } from './stream-error';
import { readOrTimeout, type WatchOutcome } from './watchdog';

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

async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  options: CheckedRelayOptions,
): Promise<CheckedOutcome> {
  const filter = new UsageFilter(options.stripUsage);
  let sent: Uint8Array | undefined = options.keepBytes > 0 ? new Uint8Array(0) : undefined;
  for (;;) {
    const next = await readOrTimeout(reader, options.idleTimeoutMs).catch(() => 'broken' as const);
    if (next === 'idle' || next === 'broken') {
      void reader.cancel().catch(() => undefined);
      await writer.write(streamErrorEvent(next)).catch(() => undefined);
      await writer.close().catch(() => undefined);
      return next === 'idle' ? { kind: 'idle' } : { kind: 'failed' };
    }
    for (const piece of next.done ? filter.flush() : filter.push(next.value)) {
      if (
        !(await writer.write(piece).then(
          () => true,
          () => false,
        ))
      ) {
        void reader.cancel().catch(() => undefined); // The client went away.
        return { kind: 'failed' };
      }
      if (sent) sent = sent.length + piece.length > options.keepBytes ? undefined : concat(sent, piece);
    }
    if (next.done) {
      await writer.close().catch(() => undefined);
      return { kind: 'complete', bytes: sent, usage: filter.usage };
    }
  }
}
