// Byte-level JSON helpers for what must not wait for JSON.parse: bounds, keys, in-place edits.

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The offset just past the JSON string that opens at `start`. The closing quote is found with a
 * native search, so a long string costs no JavaScript per byte; a quote preceded by an odd number
 * of backslashes is escaped and skipped.
 */
export function stringEnd(bytes: Uint8Array, start: number): number {
  for (let from = start + 1; ;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1) return bytes.length;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The offset of the value after a key ending at `from`: past white space and the colon. */
export function valueStart(bytes: Uint8Array, from: number): number {
  let index = from;
  while (index < bytes.length && (bytes[index] === 0x3a || isSpace(bytes[index]))) index++;
  return index;
}

const isSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * Whether `bytes` hold one whole JSON object or array, nothing cut off: its brackets close, and
 * only white space follows. Not a validation (JSON.parse is that), but an answer that broke off,
 * or that was not JSON, fails it. One pass: strings are skipped natively, every other byte costs a
 * step (2 M for a 2 MiB array of floats), which is why it runs only when an answer is stored.
 */
export function closesWhole(bytes: Uint8Array): boolean {
  let index = 0;
  while (isSpace(bytes[index])) index++;
  if (bytes[index] !== 0x7b && bytes[index] !== 0x5b) return false;
  let depth = 0;
  for (; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      index = stringEnd(bytes, index) - 1;
      // A string that never closes, or closes on the last byte: either way no bracket closes.
      if (index >= bytes.length - 1) return false;
    } else if (byte === 0x7b || byte === 0x5b) depth++;
    else if ((byte === 0x7d || byte === 0x5d) && --depth === 0) {
      for (index++; index < bytes.length; index++) if (!isSpace(bytes[index])) return false;
      return true;
    }
  }
  return false;
}
