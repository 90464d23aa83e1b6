// @ts-check
// `npm run keys`: the way to the proxy's admin API. Which ADMIN_KEY to send (the environment,
// else ./.dev.vars, else, for a loopback URL only, the key `npm run dev` uses offline), and
// failures as one KeysError whose message says what to do.
import { DEV_ADMIN_KEY } from './dev-settings.mjs';
import { readDevVars } from './dev-vars.mjs';

const TIMEOUT_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A failure the user can act on: its message is all `npm run keys` prints. */
export class KeysError extends Error {}

/** @param {URL} url */
const isLoopback = (url) => LOOPBACK.has(url.hostname);

/**
 * The admin keys to try, in order. Offline, `npm run dev` overrides a .dev.vars ADMIN_KEY with its
 * own, so on loopback that one is tried next when the first is refused.
 * @param {URL} url @param {NodeJS.ProcessEnv} env @param {string} devVarsPath
 * @returns {string[]}
 */
export function adminKeys(url, env, devVarsPath) {
  const fromEnv = env['ADMIN_KEY']?.trim();
  if (fromEnv) return [fromEnv];
  const keys = [readDevVars(devVarsPath).get('ADMIN_KEY')?.trim() ?? ''].filter(Boolean);
  if (isLoopback(url) && !keys.includes(DEV_ADMIN_KEY)) keys.push(DEV_ADMIN_KEY);
  if (keys.length === 0) {
    throw new KeysError(
      "ADMIN_KEY is not set: export ADMIN_KEY=<the proxy's admin key>, or add an ADMIN_KEY=... line to ./.dev.vars.",
    );
  }
  return keys;
}

/** The proxy's URL from --url: an origin, http only to this machine (the admin key must not travel in clear). */
export function proxyUrl(/** @type {string} */ value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new KeysError(`--url must be a URL such as https://proxy.example.com, got "${value}".`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new KeysError(
      `--url must use https (http only for 127.0.0.1 or localhost): the admin key must not travel in clear.`,
    );
  }
  return new URL(url.origin);
}

/** @param {unknown} error @param {URL} url */
function unreachable(error, url) {
  const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause;
  if (cause?.code === 'ECONNREFUSED') {
    return new KeysError(
      `the proxy is not running at ${url.origin} (connection refused): start it with \`npm run dev\`, or point --url at it.`,
    );
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new KeysError(`the proxy at ${url.origin} did not answer within ${TIMEOUT_MS / 1000} s.`);
  }
  return new KeysError(
    `could not reach the proxy at ${url.origin} (${cause?.code ?? cause?.message ?? String(error)}).`,
  );
}

/** The API's OpenAI-shaped error as one line: its message, then code, status and the field it names. */
function apiError(/** @type {number} */ status, /** @type {any} */ body) {
  const error = body?.error ?? {};
  const facts = [error.code, `HTTP ${status}`, error.param ? `param ${error.param}` : ''].filter(Boolean);
  let message = `${error.message ?? 'the admin API failed'} (${facts.join(', ')})`;
  if (status === 404 && error.code === 'unknown_url') {
    message += '. The admin API exists only when the proxy has ADMIN_KEY set (and virtual keys).';
  }
  if (status === 401) message += ". Check ADMIN_KEY: it must be the proxy's admin key, not a client key.";
  return new KeysError(message);
}

/**
 * A client for `url`'s /admin/api/keys: `call(method, path, body)` resolves with the JSON answer.
 * @param {{ url: URL, keys: string[] }} options
 */
export function keysClient({ url, keys }) {
  let candidates = keys;
  /**
   * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method @param {string} path after /admin/api/keys
   * @param {unknown} [body] @returns {Promise<any>}
   */
  return async function call(method, path, body) {
    for (;;) {
      const [key = '', ...rest] = candidates;
      let response;
      try {
        response = await fetch(new URL(`/admin/api/keys${path}`, url), {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        throw unreachable(error, url);
      }
      const json = await response.json().catch(() => undefined);
      if (response.status === 401 && rest.length > 0) {
        candidates = rest;
        continue;
      }
      if (!response.ok) throw apiError(response.status, json);
      candidates = [key];
      return json;
    }
  };
}
