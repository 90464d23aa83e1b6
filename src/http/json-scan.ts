// One pass over a request body's bytes that finds what JSON.parse hides: nesting too deep for
// anyone's parser, a top-level key (or a `stream_options` key) given twice, and where the
// top-level `model` value lies. Strings are skipped by a native search for their closing quote,
// so the JavaScript here runs per bracket, comma and key, not per byte.
import { ProxyError, badRequest } from '../errors';
import { QUOTE, stringEnd, valueStart } from './json-bytes';

/** Far deeper than any real request; deeper input only exists to exhaust a parser's stack. */
export const MAX_DEPTH = 64;

export interface BodyScan {
  /** Byte offsets [start, end) of the top-level `model` value, when it is a string. */
  readonly modelSpan: readonly [number, number] | undefined;
}

const decoder = new TextDecoder();
/** The object whose keys are checked below the top level too: its duplicates change what streams. */
const CHECKED_OBJECT = 'stream_options';

/** A key's text, with JSON escapes undone (`"mod\u0065l"` is `model`). */
function keyText(bytes: Uint8Array, start: number, end: number): string {
  const raw = bytes.subarray(start, end);
  if (!raw.includes(0x5c)) return decoder.decode(raw.subarray(1, -1));
  try {
    return String(JSON.parse(decoder.decode(raw)));
  } catch {
    throw new ProxyError(400, 'invalid_json', 'Request body is not valid UTF-8 JSON.');
  }
}

function duplicate(key: string, where: string): ProxyError {
  return badRequest(
    'duplicate_key',
    `The request body names ${where}"${key.slice(0, 64)}" more than once; each key may appear once.`,
    key.slice(0, 64),
  );
}

/**
 * Scans a body that is about to be parsed. Throws a 400 for nesting deeper than MAX_DEPTH and for
 * duplicate keys where they matter: parsers disagree on which of two `model`s wins, and the proxy
 * must check, price and forward the one the upstream will read.
 */
export function scanJsonBody(bytes: Uint8Array, options: { everyObject?: boolean } = {}): BodyScan {
  const objects: boolean[] = []; // per open bracket: is it an object?
  let expectKey = false;
  let topKeys: Set<string> | undefined;
  let checkedKeys: Set<string> | undefined;
  // With `everyObject`, each open object's keys so far (the admin API's small bodies).
  const everyObject = options.everyObject === true;
  const nested: (Set<string> | undefined)[] = [];
  let lastTopKey = '';
  let modelSpan: [number, number] | undefined;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      const depth = objects.length;
      if (expectKey && depth > 1 && everyObject) {
        const key = keyText(bytes, index, end);
        const seen = (nested[depth - 1] ??= new Set());
        if (seen.has(key)) throw duplicate(key, '');
        seen.add(key);
      }
      if (expectKey && (depth === 1 || (depth === 2 && checkedKeys))) {
        const key = keyText(bytes, index, end);
        const seen = depth === 1 ? (topKeys ??= new Set()) : checkedKeys!;
        if (seen.has(key)) throw duplicate(key, depth === 1 ? '' : `${CHECKED_OBJECT}.`);
        seen.add(key);
        if (depth === 1) lastTopKey = key;
        const value = valueStart(bytes, end);
        if (depth === 1 && key === 'model' && bytes[value] === QUOTE)
          modelSpan = [value, stringEnd(bytes, value)];
      }
      expectKey = false;
      index = end - 1;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (objects.length === MAX_DEPTH) {
        throw new ProxyError(400, 'invalid_json', `Request body nests deeper than ${MAX_DEPTH} levels.`);
      }
      objects.push(byte === 0x7b);
      if (everyObject) nested[objects.length - 1] = undefined;
      expectKey = byte === 0x7b;
      if (objects.length === 2 && byte === 0x7b && lastTopKey === CHECKED_OBJECT) checkedKeys = new Set();
    } else if (byte === 0x7d || byte === 0x5d) {
      objects.pop();
      if (objects.length < 2) checkedKeys = undefined;
      expectKey = false;
    } else if (byte === 0x2c) {
      expectKey = objects.at(-1) === true;
    }
  }
  return { modelSpan };
}
