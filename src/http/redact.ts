// Keeps configured secrets out of anything a client can read, in every form a client could turn
// back into the secret: verbatim, JSON `\u0041`-style escapes, URL-encoding, HTML character
// references (`&#65;`, `&#x41;`), and base64 (of the secret alone or inside `Bearer <secret>`, at
// each of base64's three alignments).

export interface Redactor {
  /** True when `text` holds any secret in any of those forms. */
  finds(text: string): boolean;
  /** `text` with every form of every secret replaced by `[redacted]`; unchanged when none. */
  redact(text: string): string;
  /** The longest text one secret can take in any form: what a stream must hold back to see it whole. */
  readonly longestForm: number;
}

/** Shorter secrets cannot be told from ordinary text; config refuses none, so they go unmatched. */
const MIN_SECRET_LENGTH = 8;
const REDACTED = '[redacted]';

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
}

/**
 * The base64 characters that depend only on the secret's own bytes when it starts at byte
 * offset 0, 1 or 2 of whatever is encoded: any base64 text containing the secret contains one
 * of these three runs, whatever precedes or follows it. Both alphabets (`+/` and `-_`).
 */
function base64Runs(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  return [0, 1, 2].flatMap((offset) => {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const run = base64(padded).slice(
      Math.ceil((offset * 8) / 6),
      Math.floor(((offset + bytes.length) * 8) / 6),
    );
    return [run, run.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** JSON's `\u0041`-style and `\/` escapes undone, for looking, not for output. */
const unescapeJson = (text: string) =>
  text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\\//g, '/');

/** URL percent-escapes undone, leniently: any `%XX`, for looking, not for output. */
const unescapeUrl = (text: string) =>
  text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** As browsers read them: any number of leading zeros, the closing semicolon optional. */
const CHARACTER_REFERENCE = /&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));?/g;

/** HTML's numeric character references undone (an error page a browser shows), for looking. */
const unescapeHtml = (text: string) =>
  text.replace(CHARACTER_REFERENCE, (whole, hex: string | undefined, decimal: string | undefined) => {
    const code = hex === undefined ? Number(decimal) : parseInt(hex, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });

const JSON_ESCAPE = /\\u[0-9a-fA-F]{4}|\\\//;
const NONE: readonly string[] = [];
const URL_ESCAPE = /%[0-9a-fA-F]{2}/;

/**
 * The readings of `text` a client could make besides the text itself: JSON-unescaped, then
 * URL-decoded, then with HTML character references undone. Each is made only where such an
 * escape is present, which in answers is rare: most texts are searched as they are and never
 * copied.
 */
function otherReadings(text: string): readonly string[] {
  if (!text.includes('\\') && !text.includes('%') && !text.includes('&#')) return NONE;
  const json = JSON_ESCAPE.test(text) ? unescapeJson(text) : text;
  const url = URL_ESCAPE.test(json) ? unescapeUrl(json) : json;
  const html = url.includes('&#') ? unescapeHtml(url) : url;
  return [json, url, html].filter(
    (reading, index, all) => reading !== text && all.indexOf(reading) === index,
  );
}

/** One character as written, as JSON may escape it, as a URL may encode it, or as HTML may. */
function spelledChar(char: string): string {
  const literal = char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const code = char.charCodeAt(0);
  if (code > 0x7f) return literal;
  const hex = [...code.toString(16).padStart(2, '0')].map((digit) =>
    /[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit,
  );
  const slash = char === '/' ? '|\\\\/' : '';
  const html = `&#0*${code};?|&#[xX]0*${hex.join('').replace(/^0(?=.)/, '')};?`;
  return `(?:${literal}|\\\\u00${hex.join('')}|%${hex.join('')}|${html}${slash})`;
}

/**
 * A redactor for these secrets, built once per configuration. Looking is a few native
 * substring searches per reading; the regular expressions that rewrite escaped forms are built
 * only for a needle that was actually found escaped, which is rare.
 */
export function secretRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const usable = [...new Set(secrets)].filter(
    (secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH,
  );
  const needles = [...new Set(usable.flatMap((secret) => [secret, ...base64Runs(secret)]))];
  const spelled = new Map<string, RegExp>();
  const spelling = (needle: string) => {
    let pattern = spelled.get(needle);
    if (!pattern) {
      pattern = new RegExp(Array.from(needle, spelledChar).join(''), 'g');
      spelled.set(needle, pattern);
    }
    return pattern;
  };
  const holds = (text: string) => needles.some((needle) => text.includes(needle));
  const finds = (text: string) => needles.length > 0 && (holds(text) || otherReadings(text).some(holds));
  return {
    finds,
    redact(text) {
      if (!finds(text)) return text;
      let redacted = text;
      for (const needle of needles) {
        if (redacted.includes(needle)) redacted = redacted.split(needle).join(REDACTED);
        if (otherReadings(redacted).some((reading) => reading.includes(needle))) {
          redacted = redacted.replace(spelling(needle), REDACTED);
        }
      }
      return redacted;
    },
    // Readings chain (JSON, then URL, then HTML), so one character can take 36 (`&#x73;` with
    // each character JSON-escaped); 64 leaves room for padding. Only answers over 2 MiB, redacted
    // through a window, depend on it: a longer spelling split across two windows goes unseen.
    longestForm: 64 * Math.max(0, ...needles.map((needle) => needle.length)),
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
