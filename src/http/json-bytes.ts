// Byte-level JSON helpers for what must not wait for JSON.parse: bounds, and in-place edits.

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The offset just past the JSON string that opens at `start` (a backslash escapes any byte). */
export function stringEnd(bytes: Uint8Array, start: number): number {
  for (let index = start + 1; index < bytes.length; index++) {
    if (bytes[index] === BACKSLASH) index++;
    else if (bytes[index] === QUOTE) return index + 1;
  }
  return bytes.length;
}

export const opensScope = (byte: number | undefined) => byte === 0x7b || byte === 0x5b;
export const closesScope = (byte: number | undefined) => byte === 0x7d || byte === 0x5d;
