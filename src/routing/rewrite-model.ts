// Rewrites the top-level `"model"` of a JSON body in place, so an attempt re-sends the client's
// bytes verbatim but for the model name an alias or prefix resolved to.

import { QUOTE, closesScope, opensScope, stringEnd } from '../http/json-bytes';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where the string value of the top-level `"model"` key lies, as byte offsets [start, end). */
function modelValueSpan(bytes: Uint8Array): [number, number] | undefined {
  let depth = 0;
  let expectKey = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (opensScope(byte)) {
      depth++;
      expectKey = byte === 0x7b && depth === 1;
    } else if (closesScope(byte)) depth--;
    else if (byte === 0x2c && depth === 1) expectKey = true;
    else if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      if (expectKey && JSON.parse(decoder.decode(bytes.subarray(index, end))) === 'model') {
        const value = nextValue(bytes, end);
        if (value !== undefined && bytes[value] === QUOTE) return [value, stringEnd(bytes, value)];
      }
      expectKey = false;
      index = end - 1;
    }
  }
  return undefined;
}

/** The offset of the value after a key ending at `from`: past white space and the colon. */
function nextValue(bytes: Uint8Array, from: number): number | undefined {
  for (let index = from; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x3a) return index;
  }
  return undefined;
}

/** `bytes` with the top-level model replaced; the same bytes when it already is `model`. */
export function withModel(bytes: Uint8Array, model: string): Uint8Array {
  const span = modelValueSpan(bytes);
  if (!span) return bytes;
  const value = encoder.encode(JSON.stringify(model));
  const [start, end] = span;
  if (decoder.decode(bytes.subarray(start, end)) === JSON.stringify(model)) return bytes;
  const rewritten = new Uint8Array(bytes.length - (end - start) + value.length);
  rewritten.set(bytes.subarray(0, start));
  rewritten.set(value, start);
  rewritten.set(bytes.subarray(end), start + value.length);
  return rewritten;
}
