// Relays a stream in JavaScript, dropping the usage-only chunk that the proxy asked for on the
// client's behalf. Used only when quotas need real usage and the client did not ask for it:
// every chunk then costs JavaScript time, which the native relay avoids.
import { streamErrorEvent } from './stream-error';
import { readOrTimeout, type WatchOutcome } from './watchdog';

const decoder = new TextDecoder();

/** Splits `bytes` into complete SSE events and an incomplete tail, by the SSE line rules. */
export function completeEvents(bytes: Uint8Array): { events: Uint8Array[]; rest: Uint8Array } {
  const events: Uint8Array[] = [];
  let eventStart = 0;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x0a && byte !== 0x0d) continue;
    const end = byte === 0x0d && bytes[i + 1] === 0x0a ? i + 1 : i;
    if (byte === 0x0d && i + 1 === bytes.length) break; // CR at the edge: wait for a possible LF.
    if (lineStart === i) {
      events.push(bytes.subarray(eventStart, end + 1));
      eventStart = end + 1;
    }
    i = end;
    lineStart = end + 1;
  }
  return { events, rest: bytes.subarray(eventStart) };
}

/** A chat/completions usage-only chunk: `"choices": []` with a usage object. Returns its total. */
export function usageOnlyChunk(event: Uint8Array): unknown {
  const text = decoder.decode(event);
  if (!text.includes('"usage"') || !/^data:/m.test(text)) return undefined;
  try {
    const data = JSON.parse(text.replace(/^data:\s?/m, '').trim()) as { choices?: unknown; usage?: unknown };
    const empty = Array.isArray(data.choices) && data.choices.length === 0;
    return empty && typeof data.usage === 'object' && data.usage !== null ? data.usage : undefined;
  } catch {
    return undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

export interface StrippedRelay {
  readonly body: ReadableStream<Uint8Array>;
  /** The outcome, with the bytes the client got and the usage object that was removed. */
  readonly outcome: Promise<WatchOutcome & { readonly usage?: unknown }>;
}

export function relayStrippingUsage(
  upstream: ReadableStream<Uint8Array>,
  idleTimeoutMs: number,
): StrippedRelay {
  const { readable, writable } = new IdentityTransformStream();
  const reader = upstream.getReader();
  const writer = writable.getWriter();
  const sent: Uint8Array[] = [];
  const outcome = (async (): Promise<WatchOutcome & { usage?: unknown }> => {
    let pending: Uint8Array = new Uint8Array(0);
    let usage: unknown;
    for (;;) {
      const next = await readOrTimeout(reader, idleTimeoutMs).catch(() => 'broken' as const);
      if (next === 'idle' || next === 'broken') {
        void reader.cancel().catch(() => undefined);
        await writer.write(streamErrorEvent(next)).catch(() => undefined);
        await writer.close().catch(() => undefined);
        return next === 'idle' ? { kind: 'idle' } : { kind: 'failed' };
      }
      const { events, rest } = next.done
        ? { events: [pending], rest: pending }
        : completeEvents(concat(pending, next.value));
      pending = next.done ? new Uint8Array(0) : rest;
      for (const event of events) {
        const removed = usageOnlyChunk(event);
        if (removed !== undefined) usage = removed;
        else if (event.length > 0) {
          sent.push(event);
          if (
            !(await writer.write(event).then(
              () => true,
              () => false,
            ))
          ) {
            void reader.cancel().catch(() => undefined);
            return { kind: 'failed' }; // The client went away.
          }
        }
      }
      if (next.done) {
        await writer.close().catch(() => undefined);
        return { kind: 'complete', bytes: sent.reduce(concat, new Uint8Array(0)), usage };
      }
    }
  })();
  return { body: readable, outcome };
}
