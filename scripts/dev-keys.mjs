// @ts-check
// Offline, `npm run dev` starts with one virtual key, so that /admin → Keys is not empty: "dev",
// created through the admin API once the Worker answers. Its limits are in tokens and requests:
// the mock's models have no price, and the proxy refuses an unpriced model to a key with a dollar
// budget. Keys live in wrangler's local state (.wrangler/state, or --persist-to), which outlives a
// restart: a "dev" key that is there already is named again, never a second one made, and none is
// made once the owner has keys of their own.
import { DEV_ADMIN_KEY } from './dev-settings.mjs';

const NAME = 'dev';
const TIMEOUT_MS = 10_000;

/**
 * @typedef {{ id: string, key?: string } | { others: number } | { problem: string }} DevKey
 * id: the "dev" key, with its secret (`key`) when it was created now (a secret is shown only when
 * made); others: how many keys the owner has instead; problem: why there is none
 */

/**
 * @param {string} origin where the Worker answers
 * @param {import('./dev-output.mjs').WranglerOutput} output whose echo of these requests is left out
 * @returns {Promise<DevKey>}
 */
export async function seedDevKey(origin, output) {
  /** @param {'GET' | 'POST'} method @param {unknown} [body] @returns {Promise<any>} */
  const call = async (method, body) => {
    const status = method === 'GET' ? 200 : 201;
    // The log line may come after the next request is made: one pattern for each.
    output.expectEcho(new RegExp(` ${method} /admin/api/keys ${status} `));
    output.expectEcho(new RegExp(`"event":"request".*"route":"/admin/api/keys".*"status":${status}`));
    const response = await fetch(`${origin}/admin/api/keys`, {
      method,
      headers: { authorization: `Bearer ${DEV_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(`${json?.error?.message ?? 'no answer'} (HTTP ${response.status})`);
    return json;
  };
  try {
    const keys = /** @type {Array<{ id: string, name: string }>} */ ((await call('GET')).data ?? []);
    const existing = keys.find((key) => key.name === NAME);
    if (existing) return { id: existing.id };
    if (keys.length > 0) return { others: keys.length };
    const body = { name: NAME, limits: { tpd: 100_000, rpm: 60 }, metadata: { created_by: 'npm run dev' } };
    const created = await call('POST', body);
    return { id: created.id, key: created.key };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** The banner's line for the key, or '' when there is none to name. @param {DevKey | undefined} key */
export function devKeyLine(key) {
  if (key === undefined || 'problem' in key) return '';
  if ('others' in key) return `  Virtual keys     ${key.others}   (see /admin \u2192 Keys)`;
  if (key.key !== undefined)
    return `  Virtual key      ${key.key}   (made at start, 60 requests a minute, 100,000 tokens a day; shown once; see /admin \u2192 Keys)`;
  return `  Virtual key      ${key.id}   (its id; the secret was shown when it was made, rotate it in /admin \u2192 Keys for a new one)`;
}
