// How the admin pages write numbers, dollars, times and user-controlled names. Names (caller ids,
// model names, key names, metadata) go into the page as textContent inside <bdi>, with bidi
// control characters shown as what they are, so one holding U+202E cannot reorder the text around it.

export const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1, notation: 'compact' });

export { usd } from './money.js';

/** Bidi controls (U+202E and kin) shown as what they are: a name that holds one should look odd. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
export const revealed = (/** @type {string} */ text) =>
  text.replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`);

/** First strong isolate … pop directional isolate: the plain-text <bdi>, for tooltips CSS cannot reach. */
export const isolate = (/** @type {string} */ text) => `\u2068${text}\u2069`;

/** A user-controlled string as an isolated, revealed <bdi>. */
export function bdi(/** @type {unknown} */ text, className = '') {
  const element = document.createElement('bdi');
  element.textContent = revealed(String(text));
  if (className) element.className = className;
  return element;
}

/** What a caught error says. */
export const text = (/** @type {unknown} */ error) =>
  error instanceof Error ? error.message : String(error);

/** An element with text (never HTML) and an optional class. */
export function el(/** @type {string} */ tag, /** @type {string} */ text = '', className = '') {
  const element = document.createElement(tag);
  if (text) element.textContent = text;
  if (className) element.className = className;
  return element;
}

/** Unix seconds as a UTC time people read: 2026-12-04 18:22 UTC. */
export const utc = (/** @type {number} */ seconds) =>
  `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS = /** @type {const} */ ([
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
]);

/** "3 minutes ago", "in 29 days", "now": unix seconds relative to `now` (seconds). */
export function ago(/** @type {number} */ seconds, /** @type {number} */ now) {
  const delta = seconds - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(delta) >= size) return relative.format(Math.round(delta / size), unit);
  }
  return Math.abs(delta) < 10 ? 'now' : relative.format(Math.round(delta), 'second');
}

/** A <time> showing `ago`, its UTC time as a tooltip; `fallback` when there is no time. */
export function when(
  /** @type {number | null | undefined} */ seconds,
  /** @type {number} */ now,
  fallback = 'never',
) {
  if (typeof seconds !== 'number') return el('span', fallback);
  const time = el('time', ago(seconds, now));
  time.dateTime = new Date(seconds * 1000).toISOString();
  time.title = utc(seconds);
  return time;
}
