// @ts-check
// What `npm run dev` runs the Worker against, decided from .dev.vars, wrangler.toml's [vars] and
// the shell, the way the Worker itself will read them: the bundled mock, the UPSTREAMS list, or
// the one upstream OPENAI_BASE_URL names. Also the `--var` settings that go with that choice.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { readDevVars } from './dev-vars.mjs';

export const DEV_KEY = 'dev-key-local';
/** Signs browser tokens with the mock only; printed so `npm run token` can mint with it. */
export const DEV_TOKEN_SECRET = 'dev-token-secret-for-local-use-only-0123456789';
/** Opens the usage dashboard with the mock only; printed in the banner. */
export const DEV_ADMIN_KEY = 'dev-admin-key-for-local-use-only-0123456789';
/** The placeholder in .dev.vars.example: a copied, unedited file still means "no key". */
const PLACEHOLDER_KEY = 'sk-your-provider-key';
/** Settings that may be passed from the shell, e.g. `ALLOW_ANONYMOUS=true npm run dev`. */
const PASSED_THROUGH = [
  'ALLOW_ANONYMOUS',
  'REQUESTS_PER_MINUTE',
  'TOKENS_PER_DAY',
  'ALLOWED_MODELS',
  'CACHE_TTL',
  'CACHE_SCOPE',
  'STREAM_RELAY',
];

/**
 * @typedef {{ name: string, baseUrl: string, keyVar: string | undefined }} UpstreamEntry
 * @typedef {object} DevSettings
 * @property {'mock' | 'upstreams' | 'single'} mode
 * @property {string} reason why the mock runs (mode `mock` only)
 * @property {UpstreamEntry[]} upstreams UPSTREAMS as far as it reads (mode `upstreams`)
 * @property {string[]} aliases the MODEL_ALIASES names
 * @property {string} baseUrl the one upstream's base URL (mode `single`)
 * @property {string[]} ownKeys client keys from PROXY_KEYS (the part of each entry before its options)
 * @property {boolean} adminKey ADMIN_KEY is set
 * @property {string[]} fromShell the PASSED_THROUGH names set in the shell
 * @property {string[]} vars `NAME:value` settings for `wrangler dev --var`, except the mock's URL
 */

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A [vars] value as the Worker sees it: JSON values stay JSON, also in .dev.vars as a string. */
function parseJson(/** @type {unknown} */ value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** @param {string} devVarsPath @param {string} configPath @param {NodeJS.ProcessEnv} env */
export function readDevSettings(devVarsPath, configPath, env) {
  /** @type {Record<string, unknown>} */
  let tomlVars = {};
  try {
    const vars = parse(readFileSync(configPath, 'utf8'))['vars'];
    if (isObject(vars)) tomlVars = vars;
  } catch {
    // wrangler reports a broken wrangler.toml itself
  }
  return decideDevSettings(readDevVars(devVarsPath), tomlVars, env);
}

/**
 * The mock unless something real is configured; OFFLINE=1 forces it even then.
 * @param {(name: string) => unknown} setting @param {Map<string, string>} devVars @param {NodeJS.ProcessEnv} env
 * @returns {{ mode: DevSettings['mode'], reason: string }}
 */
function decideMode(setting, devVars, env) {
  const providerKey = devVars.get('OPENAI_API_KEY') ?? '';
  if (env['OFFLINE'] === '1') return { mode: 'mock', reason: 'OFFLINE=1' };
  // A malformed UPSTREAMS still means "not the mock": the Worker then names the rule it breaks.
  if (setting('UPSTREAMS') !== undefined) return { mode: 'upstreams', reason: '' };
  if (providerKey === PLACEHOLDER_KEY)
    return { mode: 'mock', reason: '.dev.vars still has the example OPENAI_API_KEY' };
  if (providerKey !== '') return { mode: 'single', reason: '' };
  return { mode: 'mock', reason: 'no OPENAI_API_KEY in .dev.vars' };
}

const MOCK_PRICES = {
  'echo-1': { input: 0.15, output: 0.6, maxOutput: 16_384 },
  'echo-slow': { input: 0.15, output: 0.6, maxOutput: 16_384 },
  'text-embedding-echo': { input: 0.02, output: 0, maxOutput: 0 },
};

/**
 * `--var` settings, which override .dev.vars and [vars]. PLAYGROUND_DEV_KEY lets the playground
 * fill in a client key (and offline, DASHBOARD_DEV_KEY the dashboard its admin key), only for
 * pages opened on this machine's loopback address.
 * @param {boolean} mock @param {string[]} ownKeys @param {string[]} fromShell @param {NodeJS.ProcessEnv} env
 * @param {{ prices: boolean, origins: boolean }} set configured in .dev.vars or wrangler.toml:
 *   MODEL_PRICES (the mock's models keep those), ALLOWED_ORIGINS (kept, to try a CORS set-up)
 */
function wranglerVars(mock, ownKeys, fromShell, env, set) {
  const vars = ['PLAYGROUND:true', `PLAYGROUND_DEV_KEY:${ownKeys[0] ?? DEV_KEY}`];
  if (ownKeys.length === 0) vars.push(`PROXY_KEYS:${DEV_KEY}`);
  if (mock) {
    // The mock is the one upstream: configured ones are set aside, and no real key leaves.
    vars.push('UPSTREAMS:', 'MODEL_ALIASES:', 'OPENAI_API_KEY:');
    // Lets examples/browser.html work from a file or any local server. Only with the mock: a
    // well-known key plus `*` in front of a real provider key would let any web page spend it.
    // An owner's own ALLOWED_ORIGINS in .dev.vars is kept, so a CORS set-up can be tried offline.
    if (!set.origins) vars.push('ALLOWED_ORIGINS:*');
    vars.push(`TOKEN_SECRET:${DEV_TOKEN_SECRET}`, `ADMIN_KEY:${DEV_ADMIN_KEY}`);
    // The dashboard fills in the development admin key, for loopback pages only.
    vars.push(`DASHBOARD_DEV_KEY:${DEV_ADMIN_KEY}`);
    // The mock's models priced as gpt-4o-mini, so a dollar budget (a key's `usd=`, a virtual key's
    // `--usd-per-month`) works offline instead of refusing an unpriced model.
    if (!set.prices) vars.push(`MODEL_PRICES:${JSON.stringify(MOCK_PRICES)}`);
  }
  return [...vars, ...fromShell.map((name) => `${name}:${env[name]}`)];
}

/**
 * @param {Map<string, string>} devVars
 * @param {Record<string, unknown>} tomlVars
 * @param {NodeJS.ProcessEnv} env
 * @returns {DevSettings}
 */
export function decideDevSettings(devVars, tomlVars, env) {
  // .dev.vars overrides [vars], also with ''; '' means unset, as in the Worker.
  /** @param {string} name @returns {unknown} */
  const setting = (name) => {
    const value = devVars.has(name) ? devVars.get(name) : tomlVars[name];
    return value === '' || value === null ? undefined : value;
  };
  const { mode, reason } = decideMode(setting, devVars, env);
  const upstreams = parseJson(setting('UPSTREAMS'));
  const aliases = parseJson(setting('MODEL_ALIASES'));
  const ownKeys = (devVars.get('PROXY_KEYS') ?? '')
    .split(',')
    .map((entry) => entry.trim().split(/\s+/)[0] ?? '')
    .filter((key) => key !== '');
  const fromShell = PASSED_THROUGH.filter((name) => (env[name] ?? '') !== '');
  return {
    mode,
    reason,
    upstreams: (Array.isArray(upstreams) ? upstreams.filter(isObject) : []).map((entry) => ({
      name: String(entry['name'] ?? '?'),
      baseUrl: String(entry['baseUrl'] ?? '?'),
      keyVar: typeof entry['keyVar'] === 'string' ? entry['keyVar'] : undefined,
    })),
    aliases: mode !== 'mock' && isObject(aliases) ? Object.keys(aliases) : [],
    baseUrl: String(setting('OPENAI_BASE_URL') ?? 'https://api.openai.com/v1'),
    ownKeys,
    adminKey: mode === 'mock' || setting('ADMIN_KEY') !== undefined,
    fromShell,
    vars: wranglerVars(mode === 'mock', ownKeys, fromShell, env, {
      prices: setting('MODEL_PRICES') !== undefined,
      origins: devVars.has('ALLOWED_ORIGINS') && setting('ALLOWED_ORIGINS') !== undefined,
    }),
  };
}
