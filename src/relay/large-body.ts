// A JSON answer too large to hold in memory, relayed as it arrives and still redacted: the text
// passes through a window as long as the longest form a secret can take, so a secret split
// across chunks is seen whole before any of it is sent.
import { usageInJsonText, type Usage } from '../accounting/usage';
import type { Redactor } from '../http/redact';
import { concatBytes } from '../lib/bytes';

export interface LargeBodyEnding {
  /** The whole body arrived and was relayed. */
  readonly complete: boolean;
  readonly usage?: Usage;
  /** The bytes sent, when they fit in `keepBytes` (for the cache). */
  readonly bytes?: Uint8Array;
}

/** Enough of the end of the text to hold the answer's `usage` object. */
const TAIL_CHARS = 16 * 1024;
const encoder = new TextEncoder();

/**
 * Relays `head` (bytes already read) then the rest of `reader`. Memory stays at one chunk plus
 * the window, whatever the answer's size.
 */
export function relayLargeBody(
  head: readonly Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: { readonly redactor: Redactor; readonly keepBytes: number },
): { body: ReadableStream<Uint8Array>; ended: Promise<LargeBodyEnding> } {
  const { readable, writable } = new IdentityTransformStream();
  const ended = pump(head, reader, writable.getWriter(), options);
  return { body: readable, ended };
}

async function pump(
  head: readonly Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  { redactor, keepBytes }: { readonly redactor: Redactor; readonly keepBytes: number },
): Promise<LargeBodyEnding> {
  const decoder = new TextDecoder();
  const kept: Uint8Array[] = [];
  let keptSize = 0;
  let held = '';
  let tail = '';
  const send = async (text: string) => {
    if (text === '') return;
    tail = (tail + text).slice(-TAIL_CHARS);
    const bytes = encoder.encode(text);
    if (keptSize <= keepBytes) {
      keptSize += bytes.byteLength;
      kept.push(bytes);
    }
    await writer.ready;
    await writer.write(bytes);
  };
  /** Redacts what is held plus `text`, sends all but the window, and holds the window back. */
  const pass = async (text: string, last: boolean) => {
    const redacted = redactor.redact(held + text);
    if (redactor.finds(redacted)) throw new Error('a secret could not be redacted');
    const cut = last ? redacted.length : Math.max(0, redacted.length - redactor.longestForm);
    held = redacted.slice(cut);
    await send(redacted.slice(0, cut));
  };
  try {
    for (const chunk of head) await pass(decoder.decode(chunk, { stream: true }), false);
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      await pass(decoder.decode(next.value, { stream: true }), false);
    }
    await pass(decoder.decode(), true);
    await writer.close();
  } catch {
    // The client left, the upstream broke, or a secret resisted redaction: end here, incomplete.
    await reader.cancel().catch(() => undefined);
    // A reason, so the runtime's log of the broken response says why rather than `undefined`.
    await writer.abort(new Error('The answer was cut off before its end.')).catch(() => undefined);
    return { complete: false };
  }
  const usage = usageInJsonText(tail);
  return {
    complete: true,
    ...(usage ? { usage } : {}),
    ...(keptSize <= keepBytes && keepBytes > 0 ? { bytes: concatBytes(kept, keptSize) } : {}),
  };
}
