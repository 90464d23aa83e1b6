// @ts-check
// multipart/form-data (RFC 7578 over RFC 2046) as the openai SDK, curl and browsers send it:
// the boundary from Content-Type (quoted or not), CRLF line ends, an optional preamble, a
// closing `--boundary--`. Anything else is a malformed body, which OpenAI answers with a 400.

/** @typedef {{ name: string, filename: string | null, contentType: string | null, data: Buffer }} Part */
/** @typedef {{ ok: true, parts: Part[] } | { ok: false, reason: string }} Form */

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** @param {string | undefined} contentType */
export const isMultipart = (contentType) => /^multipart\/form-data\s*(;|$)/i.test(contentType ?? '');

/**
 * `name=value` and `name="quoted \"value\""` parameters of a header, names lower-cased.
 * @param {string} header
 */
function headerParams(header) {
  /** @type {Record<string, string>} */
  const params = {};
  for (const m of header.matchAll(/;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    params[(m[1] ?? '').toLowerCase()] =
      m[2] === undefined ? (m[3] ?? '').trim() : m[2].replace(/\\(.)/g, '$1');
  }
  return params;
}

/** RFC 2046: 1 to 70 characters. @param {string} contentType */
export function boundaryOf(contentType) {
  const boundary = headerParams(contentType).boundary;
  return boundary && boundary.length <= 70 ? boundary : undefined;
}

/** @param {Buffer} raw one part, from after its delimiter line to before the next @returns {Part | string} */
function readPart(raw) {
  const end = raw.indexOf(HEADER_END);
  if (end === -1) return 'part without a blank line after its headers';
  /** @type {Record<string, string>} */
  const headers = {};
  for (const line of raw.subarray(0, end).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed part header line ${JSON.stringify(line)}`;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const disposition = headers['content-disposition'] ?? '';
  const params = headerParams(disposition);
  if (!/^form-data\s*(;|$)/i.test(disposition) || params.name === undefined)
    return 'part without Content-Disposition: form-data; name=…';
  const star = params['filename*']?.match(/^utf-8''(.*)$/i)?.[1];
  return {
    name: params.name,
    filename: star === undefined ? (params.filename ?? null) : decodeURIComponent(star),
    contentType: headers['content-type'] ?? null,
    data: raw.subarray(end + HEADER_END.length),
  };
}

/**
 * @param {Buffer} body @param {string} contentType
 * @returns {Form}
 */
export function parseMultipart(body, contentType) {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return { ok: false, reason: 'no boundary in Content-Type' };
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.concat([CRLF, delimiter]);
  // The first delimiter opens the body or ends a preamble line; later ones follow a CRLF.
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(next);
  if (at === -1) return { ok: false, reason: 'no opening boundary' };
  if (at > 0) at += CRLF.length;
  /** @type {Part[]} */
  const parts = [];
  for (;;) {
    let after = at + delimiter.length;
    if (body.subarray(after, after + 2).toString() === '--') return { ok: true, parts };
    while (body[after] === 0x20 || body[after] === 0x09) after++; // transport padding
    if (!body.subarray(after, after + 2).equals(CRLF))
      return { ok: false, reason: 'boundary line not ended by CRLF' };
    const end = body.indexOf(next, after);
    if (end === -1) return { ok: false, reason: 'no closing boundary' };
    const part = readPart(body.subarray(after + CRLF.length, end));
    if (typeof part === 'string') return { ok: false, reason: part };
    parts.push(part);
    at = end + CRLF.length;
  }
}

/** The first text field called `name` (`name[]` too, as SDKs send arrays). @param {Part[]} parts @param {string} name */
export function field(parts, name) {
  const part = parts.find((p) => p.filename === null && (p.name === name || p.name === `${name}[]`));
  return part?.data.toString('utf8');
}

/** Every file part called `name` or `name[]`. @param {Part[]} parts @param {string} name */
export const files = (parts, name) =>
  parts.filter((p) => p.filename !== null && (p.name === name || p.name === `${name}[]`));

/** All text fields called `name` or `name[]`. @param {Part[]} parts @param {string} name */
export const fieldValues = (parts, name) =>
  parts
    .filter((p) => p.filename === null && (p.name === name || p.name === `${name}[]`))
    .map((p) => p.data.toString('utf8'));
