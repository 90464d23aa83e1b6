// @ts-check
// `npm run keys` output for people: a table of keys, one key's details, its audit trail. Names,
// models and metadata come from whoever created the key: control and bidi characters in them are
// shown as [U+XXXX], never sent to the terminal, where they could rewrite what is on screen.
import { usd } from '../public/assets/money.js';

const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** @param {unknown} value */
export const safe = (value) =>
  String(value ?? '').replace(
    UNSAFE,
    (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`,
  );

/** Unix seconds as UTC: 2026-12-04 18:26:03 UTC. @param {number} seconds */
const utc = (seconds) => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** "5m ago", "in 29d": short relative times. @param {number} seconds @param {number} now */
function ago(seconds, now) {
  const delta = Math.round(now - seconds);
  const size = Math.abs(delta);
  const [amount, unit] =
    size < 60
      ? [size, 's']
      : size < 3600
        ? [size / 60, 'm']
        : size < 86_400
          ? [size / 3600, 'h']
          : [size / 86_400, 'd'];
  const text = `${Math.floor(amount)}${unit}`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** @param {any} key @param {number} now */
function statusOf(key, now) {
  if (key.disabled) return 'disabled';
  return typeof key.expires_at === 'number' && key.expires_at <= now ? 'expired' : 'active';
}

/** "$0.12/$1" against a limit, "$0.12" without one. @param {number} used @param {number | undefined} limit @param {(n: number) => string} format */
const against = (used, limit, format) => (limit ? `${format(used)}/${format(limit)}` : format(used));
const count = (/** @type {number} */ n) => n.toLocaleString('en');

/** @param {any[]} keys @param {number} now */
export function keyTable(keys, now) {
  if (keys.length === 0) return 'No keys yet: `npm run keys -- create --name <name>` makes one.';
  const header = ['ID', 'NAME', 'STATUS', 'TODAY', 'MONTH', 'TOTAL', 'TOKENS TODAY', 'LAST USED'];
  const rows = keys.map((key) => {
    const spend = key.spend ?? {};
    const limits = key.limits ?? {};
    const name = safe(key.name);
    return [
      safe(key.id),
      name.length > 24 ? `${name.slice(0, 23)}…` : name,
      statusOf(key, now),
      against(spend.usd_today ?? 0, limits.usd_per_day, usd),
      against(spend.usd_month ?? 0, limits.usd_per_month, usd),
      against(spend.usd_total ?? 0, limits.usd_total, usd),
      against(spend.tokens_today ?? 0, limits.tpd, count),
      typeof key.last_used_at === 'number' ? ago(key.last_used_at, now) : 'never',
    ];
  });
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** @param {Record<string, number> | undefined} limits */
function limitsText(limits = {}) {
  const parts = [
    limits['usd_per_day'] ? `${usd(limits['usd_per_day'])}/day` : '',
    limits['usd_per_month'] ? `${usd(limits['usd_per_month'])}/month` : '',
    limits['usd_total'] ? `${usd(limits['usd_total'])} in total` : '',
    limits['tpd'] ? `${count(limits['tpd'])} tokens/day` : '',
    limits['tpm'] ? `${count(limits['tpm'])} tokens/min` : '',
    limits['rpm'] ? `${count(limits['rpm'])} requests/min` : '',
    limits['max_parallel'] ? `${count(limits['max_parallel'])} in parallel` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** One key, a field a line. @param {any} key @param {number} now */
export function keyDetails(key, now) {
  const spend = key.spend ?? {};
  const at = (/** @type {number | null | undefined} */ s) =>
    typeof s === 'number' ? `${utc(s)} (${ago(s, now)})` : 'never';
  const lines = [
    ['models', key.models?.length ? key.models.map(safe).join(', ') : "the server's (ALLOWED_MODELS)"],
    ['limits', limitsText(key.limits)],
    [
      'spend',
      `${usd(spend.usd_today ?? 0)} today, ${usd(spend.usd_month ?? 0)} this month, ${usd(spend.usd_total ?? 0)} in total, ${count(spend.tokens_today ?? 0)} tokens today`,
    ],
    ['expires', at(key.expires_at)],
    ['created', at(key.created_at)],
    ['last used', at(key.last_used_at)],
    [
      'metadata',
      Object.entries(key.metadata ?? {})
        .map(([k, v]) => `${safe(k)}=${safe(v)}`)
        .join(', ') || 'none',
    ],
  ];
  return [
    `${safe(key.id)}  "${safe(key.name)}"  ${statusOf(key, now)}`,
    ...lines.map(([label, value]) => `  ${label.padEnd(10)}  ${value}`),
  ].join('\n');
}

/** The audit trail, newest first. @param {any[]} events */
export function eventLines(events) {
  if (events.length === 0) return 'No events.';
  return events
    .map((event) => {
      const fields =
        Array.isArray(event.fields) && event.fields.length > 0
          ? `  ${event.fields.map(safe).join(', ')}`
          : '';
      return `${typeof event.at === 'number' ? utc(event.at) : '?'}  ${safe(event.type).padEnd(8)}${fields}`.trimEnd();
    })
    .join('\n');
}
