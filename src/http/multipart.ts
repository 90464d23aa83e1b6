// Reads the few fields the proxy decides on from a multipart/form-data body (an audio file to
// transcribe, an image to edit) without copying the file: the body is forwarded byte for byte.
import { badRequest } from '../errors';
import { parseHeaderValue, trimOws } from './header-params';

export interface FormFields {
  /** The text fields asked for, decoded as UTF-8. */
  readonly fields: Readonly<Record<string, string>>;
  /** Byte offsets [start, end) of the `model` field's value, for rewriting it in place. */
  readonly modelSpan: readonly [number, number] | undefined;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const MAX_FIELD_BYTES = 4096;

/** RFC 2046's boundary characters: 1 to 70, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;

/** The boundary a `multipart/form-data; boundary=…` content type names (RFC 7578 §4.1). */
export function formBoundary(contentType: string | null): string | undefined {
  const parsed = contentType ? parseHeaderValue(contentType) : undefined;
  const boundary = parsed?.value === 'multipart/form-data' ? parsed.params.get('boundary') : undefined;
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : undefined;
}

/** A 400 saying what about the form could not be read; never quotes the body. */
function malformed(problem = 'send multipart/form-data with one boundary parameter'): never {
  throw badRequest('invalid_multipart', `Could not parse the multipart form: ${problem}.`);
}

const ascii = new TextEncoder();
const CRLF = ascii.encode('\r\n');
const HEADERS_END = ascii.encode('\r\n\r\n');
const DASHES = ascii.encode('--');

/**
 * Where `needle` first occurs in `bytes` at or after `from`, or -1. Boyer-Moore-Horspool: each
 * step looks at one byte and skips up to the needle's length, so a 20 MB file is scanned in a few
 * milliseconds rather than decoded into a string.
 */
function find(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  const last = needle.length - 1;
  const shift = new Uint8Array(256).fill(needle.length);
  for (let i = 0; i < last; i++) shift[needle[i]!] = last - i;
  const tail = needle[last];
  for (let at = from; at + last < bytes.length; at += shift[bytes[at + last]!]!) {
    if (bytes[at + last] === tail && startsWith(bytes, needle, at)) return at;
  }
  return -1;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\0-\x08\n-\x1f\x7f]/;
const MAX_PART_HEADER_BYTES = 16 * 1024;
const PART_HEADERS = new Set([
  'content-disposition',
  'content-type',
  'content-length',
  'content-transfer-encoding',
]);
/** Encodings that leave the bytes as they are (Apache HttpClient names one); base64 and the like would not. */
const IDENTITY_ENCODINGS = /^(7bit|8bit|binary)$/i;

/** A part's headers: Content-Disposition and a few that do not change its meaning, each at most once. */
function partHeaders(block: string): { name: string; isFile: boolean; length: number | undefined } {
  const seen = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    const key =
      colon > 0 && TOKEN.test(line.slice(0, colon)) ? line.slice(0, colon).toLowerCase() : undefined;
    const value = trimOws(line.slice(colon + 1));
    // Anything else (a Content-Transfer-Encoding some parsers decode, a folded line, a second
    // disposition) could make the upstream read a different field than the one checked here.
    // OkHttp (the Java and Kotlin SDKs) sends a Content-Length with each part, which must be
    // true; Apache HttpClient a Content-Transfer-Encoding, which must leave the bytes alone.
    if (key === undefined || !PART_HEADERS.has(key) || seen.has(key) || CONTROL.test(value)) {
      return malformed(
        'each part may have one each of Content-Disposition, Content-Type, Content-Length and Content-Transfer-Encoding, and no other header',
      );
    }
    seen.set(key, value);
  }
  const disposition = parseHeaderValue(seen.get('content-disposition') ?? '');
  const name = disposition?.params.get('name');
  if (disposition?.value !== 'form-data' || name === undefined) {
    return malformed('every part needs a \'Content-Disposition: form-data; name="…"\' header');
  }
  // Some parsers unescape `\x` inside quotes and some do not: a name with one has two readings.
  if (name.includes('\\')) return malformed('a field name may not hold a backslash');
  for (const param of disposition.params.keys()) {
    if (param !== 'name' && param !== 'filename' && param !== 'filename*') {
      return malformed("a part's Content-Disposition may have only name and filename, once each");
    }
  }
  if (seen.has('content-type') && !parseHeaderValue(seen.get('content-type')!)) {
    return malformed("a part's Content-Type could not be read");
  }
  const encoding = seen.get('content-transfer-encoding');
  if (encoding !== undefined && !IDENTITY_ENCODINGS.test(encoding.trim())) {
    return malformed('a part may not be sent in a Content-Transfer-Encoding such as base64');
  }
  const length = seen.get('content-length');
  if (length !== undefined && !/^\d{1,12}$/.test(length))
    return malformed("a part's Content-Length is not a number");
  return {
    name,
    isFile: disposition.params.has('filename') || disposition.params.has('filename*'),
    length: length === undefined ? undefined : Number(length),
  };
}

/**
 * The text fields named in `wanted` and where `model` lies. Throws a 400 for a body that is not
 * strictly well-formed multipart: no boundary, anything before the first delimiter, a part with
 * other headers than a disposition and a type, a repeated header or parameter, a part without a
 * name, no final delimiter. Every part is found (a second `model` part cannot hide in a file),
 * scanning bytes. A decision field sent as a file or longer than 4 KiB is refused, not skipped.
 */
export function readFormFields(
  bytes: Uint8Array,
  contentType: string | null,
  wanted: readonly string[],
): FormFields {
  const boundary = formBoundary(contentType);
  if (!boundary) return malformed();
  const delimiter = ascii.encode(`--${boundary}`);
  const partEnd = ascii.encode(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  let modelSpan: [number, number] | undefined;
  // No preamble: parsers differ on where a delimiter inside one begins.
  if (!startsWith(bytes, delimiter, 0)) return malformed('the body must begin with the boundary');
  let at = 0;
  for (;;) {
    at += delimiter.length;
    if (startsWith(bytes, DASHES, at)) {
      const epilogue = latin1.decode(bytes.subarray(at + 2));
      return /^[\r\n\t ]*$/.test(epilogue)
        ? { fields, modelSpan }
        : malformed('nothing may follow the closing boundary');
    }
    if (!startsWith(bytes, CRLF, at)) return malformed('a boundary must end its line');
    const headersEnd = find(bytes, HEADERS_END, at + 2);
    const next = find(bytes, partEnd, at);
    if (headersEnd === -1 || next === -1 || headersEnd > next) {
      return malformed('every part needs headers and the form a closing boundary');
    }
    // A part's headers are a few short lines; a long block is no form a client sends.
    if (headersEnd - at > MAX_PART_HEADER_BYTES) return malformed("a part's headers are too long");
    const { name, isFile, length } = partHeaders(latin1.decode(bytes.subarray(at + 2, headersEnd)));
    const start = headersEnd + 4;
    if (length !== undefined && length !== next - start) {
      return malformed("a part's Content-Length must be the length of its body");
    }
    if (wanted.includes(name)) {
      // Parsers disagree on which of two `model` parts wins: the one checked must be the one used.
      if (name in fields) {
        throw badRequest('duplicate_key', `The form has more than one '${name}' field.`, name);
      }
      if (isFile || next - start > MAX_FIELD_BYTES) {
        throw badRequest(
          'invalid_multipart',
          `The form's '${name}' field must be a text field of at most ${MAX_FIELD_BYTES} bytes.`,
          name,
        );
      }
      try {
        fields[name] = utf8.decode(bytes.subarray(start, next));
      } catch {
        return malformed(`the '${name}' field is not UTF-8`);
      }
      if (name === 'model') modelSpan = [start, next];
    }
    at = next + 2;
  }
}
