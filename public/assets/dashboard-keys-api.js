// The Keys view's one way to the admin API: JSON in and out with the admin key, and every failure
// as an ApiError whose text a person can act on: the API's own message, then its code and status.
import { adminKey } from './dashboard-shell.js';

export class ApiError extends Error {
  /**
   * @param {string} message @param {{ status: number, code: string | null, param: string | null }} details
   */
  constructor(message, { status, code, param }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** The field the API names as wrong (`name`, `limits.rpm`…), if any. */
    this.param = param;
  }
}

/** The message a person reads for a failed answer: what went wrong, then (code, HTTP status). */
function explain(/** @type {number} */ status, /** @type {any} */ error) {
  const code = typeof error?.code === 'string' ? error.code : null;
  const said = typeof error?.message === 'string' ? error.message : '';
  const tail = `(${[code, `HTTP ${status}`].filter(Boolean).join(', ')})`;
  if (status === 401) {
    return `The admin key was refused ${tail}: paste the ADMIN_KEY secret, not a client key. ${said}`.trim();
  }
  if (status === 404 && code === 'unknown_url') {
    return `This proxy has no key API ${tail}: it needs ADMIN_KEY set and a version with virtual keys.`;
  }
  return `${said || 'The key API failed'} ${tail}`;
}

/**
 * Calls the admin API; resolves with its JSON, or throws an ApiError.
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method @param {string} path under /admin/api/keys
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function keysApi(method, path, body) {
  const key = adminKey();
  if (!key) throw new ApiError('Paste the admin key first.', { status: 0, code: null, param: null });
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/admin/api/keys${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ApiError(`The proxy did not answer (${detail}).`, { status: 0, code: null, param: null });
  }
  const json = await response.json().catch(() => undefined);
  if (response.ok) return json;
  const error = json?.error;
  throw new ApiError(explain(response.status, error), {
    status: response.status,
    code: typeof error?.code === 'string' ? error.code : null,
    param: typeof error?.param === 'string' ? error.param : null,
  });
}

/** The path segment for a key id (ids come from the API, but are still escaped). */
export const keyPath = (/** @type {string} */ id) => `/${encodeURIComponent(id)}`;
