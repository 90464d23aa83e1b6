// `type; name=value; name="quoted value"` (RFC 9110 §5.6.6), parsed strictly: what the proxy
// decides on (a form's boundary, a part's name) must be what every parser downstream reads, so
// anything two parsers could read differently (a repeated parameter, a stray character) is refused.

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_HEADER_CHARS = 8192;

export interface HeaderValue {
  /** The part before the first `;`, lower-cased (`multipart/form-data`, `form-data`). */
  readonly value: string;
  /** Parameters by lower-cased name; values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** The value and its parameters, or undefined when malformed or a parameter is given twice. */
export function parseHeaderValue(header: string): HeaderValue | undefined {
  // Controls (a bare CR or LF above all) would let another parser see a second header line. The
  // length bound keeps every step below linear in a size no header needs to exceed.
  if (header.length > MAX_HEADER_CHARS || /[\0-\x08\n-\x1f\x7f]/.test(header)) return undefined;
  const semicolon = header.indexOf(';');
  const type = trimOws(semicolon === -1 ? header : header.slice(0, semicolon));
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z/-]+$/.test(type)) return undefined;
  const params = new Map<string, string>();
  let at = semicolon === -1 ? header.length : semicolon + 1;
  while (at < header.length) {
    const name = /^[ \t]*([^=;\s]+)=/.exec(header.slice(at));
    if (!name || !TOKEN.test(name[1]!)) return undefined;
    at += name[0].length;
    const key = name[1]!.toLowerCase();
    if (params.has(key)) return undefined;
    let value: string;
    if (header[at] === '"') {
      // Taken literally, up to the next quote: browsers, undici and httpx write a quote inside a
      // name as %22 and never escape one, and a browser sends a backslash as it is.
      const end = header.indexOf('"', at + 1);
      if (end === -1) return undefined;
      value = header.slice(at + 1, end);
      at = end + 1;
    } else {
      value = /^[^;\s]*/.exec(header.slice(at))![0];
      if (!TOKEN.test(value)) return undefined;
      at += value.length;
    }
    params.set(key, value);
    const rest = /^[ \t]*(;|$)/.exec(header.slice(at));
    if (!rest) return undefined;
    at += rest[0].length;
  }
  return { value: type.toLowerCase(), params };
}

/** Without the spaces and tabs around it (HTTP's optional whitespace; no regex to backtrack). */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}
