// Byte-level SSE event splitting, for the one place the proxy must look inside a stream.

const decoder = new TextDecoder();

/** Splits `bytes` into complete SSE events and an incomplete tail, by the SSE line rules. */
export function completeEvents(bytes: Uint8Array): { events: Uint8Array[]; rest: Uint8Array } {
  const events: Uint8Array[] = [];
  let eventStart = 0;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x0a && byte !== 0x0d) continue;
    if (byte === 0x0d && i + 1 === bytes.length) break; // CR at the edge: an LF may follow.
    const end = byte === 0x0d && bytes[i + 1] === 0x0a ? i + 1 : i;
    if (lineStart === i) {
      events.push(bytes.subarray(eventStart, end + 1));
      eventStart = end + 1;
    }
    i = end;
    lineStart = end + 1;
  }
  return { events, rest: bytes.subarray(eventStart) };
}

/** The usage of a chat/completions usage-only chunk (`"choices": []`), or `undefined`. */
export function usageOnlyChunk(event: Uint8Array): unknown {
  const text = decoder.decode(event);
  // Once usage is requested every chunk says `"usage":null`; only parse the one with no choices.
  if (!text.includes('"choices":[]') || !text.includes('"usage"')) return undefined;
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

/**
 * Passes stream bytes through unchanged, except a usage-only chunk when `strip` is set. Only in
 * that mode are events reassembled, so an event split across reads waits for its end.
 */
export class UsageFilter {
  private pending: Uint8Array = new Uint8Array(0);
  usage: unknown;

  constructor(private readonly strip: boolean) {}

  push(chunk: Uint8Array): Uint8Array[] {
    if (!this.strip) return [chunk];
    const { events, rest } = completeEvents(concat(this.pending, chunk));
    this.pending = rest;
    // Consecutive kept events are contiguous in memory: send them as one piece, not one each.
    const pieces: Uint8Array[] = [];
    let run: { start: number; end: number } | undefined;
    const whole = events[0] ? new Uint8Array(events[0].buffer, events[0].byteOffset) : undefined;
    for (const event of events) {
      const usage = usageOnlyChunk(event);
      const offset = whole ? event.byteOffset - whole.byteOffset : 0;
      if (usage !== undefined) {
        this.usage = usage;
        if (run && whole) pieces.push(whole.subarray(run.start, run.end));
        run = undefined;
      } else if (run) run.end = offset + event.length;
      else run = { start: offset, end: offset + event.length };
    }
    if (run && whole) pieces.push(whole.subarray(run.start, run.end));
    return pieces.filter((piece) => piece.length > 0);
  }

  flush(): Uint8Array[] {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    return rest.length > 0 ? [rest] : [];
  }
}
