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

/**
 * The text fields named in `wanted` and where `model` lies. Throws a 400 for a body that is not
 * well-formed multipart: a missing boundary, a part without headers or a name, or no final
 * delimiter. Positions are found in a Latin-1 view of the bytes, one character per byte.
 */
export function readFormFields(
  bytes: Uint8Array,
  contentType: string | null,
  wanted: readonly string[],
): FormFields {
  const boundary = formBoundary(contentType);
  if (!boundary) return malformed();
  const text = latin1.decode(bytes);
  const delimiter = `--${boundary}`;
  const fields: Record<string, string> = {};
  let modelSpan: [number, number] | undefined;
  let at = text.indexOf(delimiter);
  if (at === -1) return malformed();
  for (;;) {
    at += delimiter.length;
    if (text.startsWith('--', at)) return { fields, modelSpan };
    if (!text.startsWith('\r\n', at)) return malformed();
    const headersEnd = text.indexOf('\r\n\r\n', at + 2);
    const next = text.indexOf(`\r\n${delimiter}`, at);
    if (headersEnd === -1 || next === -1 || headersEnd > next) return malformed();
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(
      text.slice(at + 2, headersEnd),
    )?.[1];
    const name = disposition && /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || name === null) return malformed();
    const start = headersEnd + 4;
    const isFile = /(?:^|;)\s*filename\*?=/i.test(disposition ?? '');
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
