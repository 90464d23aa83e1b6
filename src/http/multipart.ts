// Reads the few fields the proxy decides on from a multipart/form-data body (an audio file to
// transcribe, an image to edit) without copying the file: the body is forwarded byte for byte.
import { badRequest } from '../errors';

export interface FormFields {
  /** The text fields asked for, decoded as UTF-8. */
  readonly fields: Readonly<Record<string, string>>;
  /** Byte offsets [start, end) of the `model` field's value, for rewriting it in place. */
  readonly modelSpan: readonly [number, number] | undefined;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const MAX_FIELD_BYTES = 4096;

/** The boundary a `multipart/form-data; boundary=…` content type names (RFC 7578 §4.1). */
export function formBoundary(contentType: string | null): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function malformed(): never {
  throw badRequest(
    'invalid_multipart',
    'Could not parse the multipart form: send multipart/form-data with a boundary.',
  );
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

/**
 * The text fields named in `wanted` and where `model` lies. Throws a 400 for a body that is not
 * well-formed multipart: a missing boundary, a part without headers or a name, or no final
 * delimiter. Every part is found (a second `model` part cannot hide in a file), scanning bytes.
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
  let at = find(bytes, delimiter, 0);
  if (at === -1) return malformed();
  for (;;) {
    at += delimiter.length;
    if (startsWith(bytes, DASHES, at)) return { fields, modelSpan };
    if (!startsWith(bytes, CRLF, at)) return malformed();
    const headersEnd = find(bytes, HEADERS_END, at + 2);
    const next = find(bytes, partEnd, at);
    if (headersEnd === -1 || next === -1 || headersEnd > next) return malformed();
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(
      latin1.decode(bytes.subarray(at + 2, headersEnd)),
    )?.[1];
    const name = disposition && /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || name === null) return malformed();
    const start = headersEnd + 4;
    const isFile = /(?:^|;)\s*filename\*?=/i.test(disposition ?? '');
    // Parsers disagree on which of two `model` parts wins: the one checked must be the one used.
    if (wanted.includes(name) && name in fields) {
      throw badRequest('duplicate_key', `The form has more than one '${name}' field.`, name);
    }
    if (!isFile && wanted.includes(name) && next - start <= MAX_FIELD_BYTES) {
      try {
        fields[name] = utf8.decode(bytes.subarray(start, next));
      } catch {
        return malformed();
      }
      if (name === 'model') modelSpan = [start, next];
    }
    at = next + 2;
  }
}
