// Parses UPSTREAMS and MODEL_ALIASES: the providers this proxy fronts, and the names that fail
// over between them. Errors name the entry and the field, never a key.
import { isObject } from '../lib/json';
import { isSafeModelId } from '../routes';
import { parseBaseUrl } from './base-url';
import { ConfigError, jsonSetting, type RawEnv } from './values';

export interface Upstream {
  /** `[a-z0-9-]+`, unique; what `x-upstream` and the logs say. */
  readonly name: string;
  readonly kind: 'openai' | 'azure';
  /** Base URL without a trailing slash: with its version path, or Azure's resource URL. */
  readonly baseUrl: string;
  /** Read from the secret that `keyVar` names; `undefined` sends no key (e.g. a local Ollama). */
  readonly apiKey: string | undefined;
  /** Model patterns this upstream serves; `undefined` serves every model no other entry claims. */
  readonly models: readonly string[] | undefined;
  readonly weight: number;
  /** Extra request headers the owner sets, e.g. `OpenAI-Organization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Azure only: the `api-version` query parameter and the model → deployment map. */
  readonly apiVersion: string | undefined;
  readonly deployments: Readonly<Record<string, string>>;
}

/** One place a model can be served: an upstream, and the model name that upstream knows. */
export interface Target {
  readonly upstream: Upstream;
  readonly model: string;
}

const NAME = /^[a-z0-9-]+$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The proxy sets these itself; an owner's header must not replace the key or the framing. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'api-key',
  'host',
  'content-type',
  'content-length',
  'cookie',
]);

const isStringMap = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.values(value).every((item) => typeof item === 'string');

/** The single upstream of a deployment without UPSTREAMS: today's OPENAI_BASE_URL and OPENAI_API_KEY. */
export function defaultUpstream(baseUrl: string, apiKey: string | undefined): Upstream {
  return {
    name: 'openai',
    kind: 'openai',
    baseUrl,
    apiKey,
    models: undefined,
    weight: 1,
    headers: {},
    apiVersion: undefined,
    deployments: {},
  };
}

export function parseUpstreams(env: RawEnv): readonly Upstream[] | undefined {
  const value = jsonSetting(env, 'UPSTREAMS');
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError('UPSTREAMS', 'UPSTREAMS must be a non-empty JSON array of upstream entries.');
  }
  const upstreams = value.map((entry: unknown, index) => parseEntry(entry, index, env));
  const names = upstreams.map((upstream) => upstream.name);
  const repeated = names.findIndex((name, index) => names.indexOf(name) !== index);
  if (repeated !== -1) {
    const first = names.indexOf(names[repeated]!) + 1;
    throw new ConfigError('UPSTREAMS', `UPSTREAMS entry ${repeated + 1} repeats the name of entry ${first}.`);
  }
  if (upstreams.filter((upstream) => upstream.models === undefined).length > 1) {
    throw new ConfigError(
      'UPSTREAMS',
      'UPSTREAMS: at most one entry may leave out "models" (the catch-all).',
    );
  }
  return Object.freeze(upstreams);
}

type Fail = (field: string, rule: string) => never;

/**
 * The key held by the secret that `keyVar` names; no `keyVar` means no key (a local server).
 * The name itself is never repeated in an error: many real keys fit a name's pattern, and one
 * pasted here by mistake must not be shown to whoever reads the error.
 */
function secretNamed(keyVar: unknown, env: RawEnv, bad: Fail): string | undefined {
  if (keyVar === undefined) return undefined;
  if (typeof keyVar !== 'string' || !VAR_NAME.test(keyVar)) {
    return bad('keyVar', 'must be the name of a secret, such as GROQ_API_KEY (never the key itself).');
  }
  const key = env[keyVar];
  if (typeof key !== 'string' || key.trim() === '') {
    return bad(
      'keyVar',
      'names a secret that is not set: `wrangler secret put <that name>`, or add it to .dev.vars. If the value of "keyVar" is a key itself, move it into a secret and put the secret\'s name here.',
    );
  }
  return key.trim();
}

function modelPatterns(models: unknown, bad: Fail): readonly string[] | undefined {
  if (models === undefined) return undefined;
  const valid =
    Array.isArray(models) && models.length > 0 && models.every((m) => typeof m === 'string' && m !== '');
  return valid
    ? Object.freeze([...(models as string[])])
    : bad('models', 'must be a non-empty array of model patterns such as "gpt-*".');
}

function ownerHeaders(headers: unknown, bad: Fail): Readonly<Record<string, string>> {
  if (!isStringMap(headers)) return bad('headers', 'must map header names to string values.');
  for (const header of Object.keys(headers)) {
    if (!HEADER_NAME.test(header) || RESERVED_HEADERS.has(header.toLowerCase())) {
      return bad(
        'headers',
        `may only set valid header names other than ${[...RESERVED_HEADERS].join(', ')}.`,
      );
    }
  }
  return Object.freeze({ ...headers });
}

function parseEntry(entry: unknown, index: number, env: RawEnv): Upstream {
  const where = `UPSTREAMS entry ${index + 1}`;
  if (!isObject(entry)) throw new ConfigError('UPSTREAMS', `${where}: must be a JSON object.`);
  const {
    name,
    baseUrl,
    keyVar,
    kind = 'openai',
    models,
    weight = 1,
    headers = {},
    apiVersion,
    deployments = {},
  } = entry;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ConfigError('UPSTREAMS', `${where}: "name" must be lower-case letters, digits and -.`);
  }
  // Errors name the entry by position only: every string in the configuration may be a secret.
  const at = where;
  const bad: Fail = (field, rule) => {
    throw new ConfigError('UPSTREAMS', `${at}: "${field}" ${rule}`);
  };
  if (kind !== 'openai' && kind !== 'azure') return bad('kind', 'must be "openai" or "azure".');
  if (typeof baseUrl !== 'string')
    return bad('baseUrl', 'must be a URL such as https://api.groq.com/openai/v1.');
  if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight))
    return bad('weight', 'must be a positive number.');
  if (kind === 'azure' && (typeof apiVersion !== 'string' || apiVersion === '')) {
    return bad('apiVersion', 'is required for kind "azure", e.g. "2024-10-21".');
  }
  if (!isStringMap(deployments) || !Object.values(deployments).every(isSafeModelId)) {
    // A deployment name goes into the URL path, so it passes the same check as a model id.
    return bad('deployments', 'must map model names to deployment names (letters, digits, . _ : @ + -).');
  }
  return Object.freeze({
    name,
    kind,
    baseUrl: parseBaseUrl(baseUrl, { variable: 'UPSTREAMS', label: `${at}: "baseUrl"` }),
    apiKey: secretNamed(keyVar, env, bad),
    models: modelPatterns(models, bad),
    weight,
    headers: ownerHeaders(headers, bad),
    apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
    deployments: Object.freeze({ ...deployments }),
  });
}
