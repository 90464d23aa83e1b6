// Keeps configured secrets out of anything a client can read, in every form a client could turn
// back into the secret: verbatim, JSON `\uXXXX` escapes, URL-encoding, and base64 (of the
// secret alone or inside `Bearer <secret>`, at each of base64's three alignments).

export interface Redactor {
  /** True when `text` holds any secret in any of those forms. */
  finds(text: string): boolean;
  /** `text` with every form of every secret replaced by `[redacted]`; unchanged when none. */
  redact(text: string): string;
}

/** Shorter secrets cannot be told from ordinary text; config refuses none, so they go unmatched. */
const MIN_SECRET_LENGTH = 8;
const REDACTED = '[redacted]';

/** One character as JSON may escape it or a URL may encode it, matched case-insensitively. */
function charPattern(char: string): string {
  const code = char.charCodeAt(0);
  const literal = char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (code > 0x7f) return literal;
  const hex = code.toString(16).padStart(2, '0');
  const slash = char === '/' ? '|\\\\/' : ''; // JSON may write `/` as `\/`.
  return `(?:${literal}|\\\\u00${hex}|%${hex}${slash})`;
}

function spelled(text: string): string {
  return Array.from(text, charPattern).join('');
}

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
}

/**
 * The base64 characters that depend only on the secret's own bytes when it starts at byte
 * offset 0, 1 or 2 of whatever is encoded: any base64 text containing the secret contains one
 * of these three runs, whatever precedes or follows it.
 */
function base64Runs(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  return [0, 1, 2].flatMap((offset) => {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    const run = base64(padded).slice(first, last);
    return [run, run.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** A redactor for these secrets, compiled once per configuration. */
export function secretRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const usable = [...new Set(secrets)].filter(
    (secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH,
  );
  if (usable.length === 0) return { finds: () => false, redact: (text) => text };
  const forms = usable.flatMap((secret) => [secret, ...base64Runs(secret)]);
  const pattern = new RegExp([...new Set(forms)].map(spelled).join('|'), 'gi');
  return {
    finds: (text) => {
      pattern.lastIndex = 0;
      return pattern.test(text);
    },
    redact: (text) => text.replace(pattern, REDACTED),
  };
}

/**
 * Some upstreams echo a key in a 401 ("Incorrect API key provided: sk-…"), masked or whole, even
 * one this proxy never sent. Error bodies also lose anything shaped like a provider key.
 */
const KEY_SHAPED = /\bsk-[A-Za-z0-9_*.\-]{6,}/g;

export function redactErrorText(text: string, redactor: Redactor): string {
  return redactor.redact(text).replace(KEY_SHAPED, REDACTED);
}
