// `type; name=value; name="quoted value"` (RFC 9110 §5.6.6), parsed strictly: what the proxy
// decides on (a form's boundary, a part's name) must be what every parser downstream reads, so
// anything two parsers could read differently (a repeated parameter, a stray character) is refused.

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface HeaderValue {
  /** The part before the first `;`, lower-cased (`multipart/form-data`, `form-data`). */
  readonly value: string;
  /** Parameters by lower-cased name; values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** The value and its parameters, or undefined when malformed or a parameter is given twice. */
export function parseHeaderValue(header: string): HeaderValue | undefined {
  // Controls (a bare CR or LF above all) would let another parser see a second header line.
  if (/[\0-\x08\n-\x1f\x7f]/.test(header)) return undefined;
  const head = /^[ \t]*([^;]*?)[ \t]*(;|$)/.exec(header);
  if (!head || !/^[!#$%&'*+.^_`|~0-9A-Za-z/-]+$/.test(head[1]!)) return undefined;
  const params = new Map<string, string>();
  let at = head[0].length;
  while (at < header.length) {
    const name = /^[ \t]*([^=;\s]+)=/.exec(header.slice(at));
    if (!name || !TOKEN.test(name[1]!)) return undefined;
    at += name[0].length;
    const key = name[1]!.toLowerCase();
    if (params.has(key)) return undefined;
    let value: string;
    if (header[at] === '"') {
      const end = closingQuote(header, at + 1);
      if (end === -1) return undefined;
      value = header.slice(at + 1, end).replace(/\\(.)/g, '$1');
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
  return { value: head[1]!.toLowerCase(), params };
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
