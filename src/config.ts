// Reads and validates the Worker's configuration once per environment object.

export interface Config {
  /** Upstream base URL including its version path, without a trailing slash. */
  readonly upstreamBaseUrl: string;
  readonly upstreamApiKey: string | undefined;
  readonly proxyKeys: readonly string[];
  readonly allowAnonymous: boolean;
  /** `'*'` only when written explicitly; an empty set means no CORS headers at all. */
  readonly allowedOrigins: '*' | ReadonlySet<string>;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  /** Serve the chat playground at `/`. */
  readonly playground: boolean;
  /** Seconds a cached response lives; 0 turns the cache off. */
  readonly cacheTtlSeconds: number;
  /** `key`: each client key has its own entries; `shared`: all clients share them. */
  readonly cacheScope: 'key' | 'shared';
}

/** Thrown for a bad setting; the message names the variable and never echoes a secret. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type RawEnv = Readonly<Record<string, unknown>>;

const MIB = 1024 * 1024;
const cache = new WeakMap<object, Config>();

/** Parses `env` into a frozen `Config`, memoised per env object (one per isolate in production). */
export function readConfig(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    // Vars may be missing or of any type in a real deployment: read them as unknown, then narrow.
    config = parseConfig(env as RawEnv);
    cache.set(env, config);
  }
  return config;
}

export function parseConfig(env: RawEnv): Config {
  return Object.freeze({
    upstreamBaseUrl: parseBaseUrl(text(env, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1'),
    upstreamApiKey: text(env, 'OPENAI_API_KEY'),
    proxyKeys: Object.freeze(list(text(env, 'PROXY_KEYS'))),
    allowAnonymous: flag(env, 'ALLOW_ANONYMOUS'),
    allowedOrigins: parseOrigins(text(env, 'ALLOWED_ORIGINS')),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 25 * MIB),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 600_000),
    streamIdleTimeoutMs: integer(env, 'STREAM_IDLE_TIMEOUT_MS', 120_000),
    playground: flag(env, 'PLAYGROUND'),
    cacheTtlSeconds: cacheTtl(env),
    cacheScope: oneOf(env, 'CACHE_SCOPE', ['key', 'shared'] as const),
  });
}

/** A variable's trimmed string value; unset and empty both mean "use the default". */
function text(env: RawEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(`${name} must be a string.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function flag(env: RawEnv, name: string): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(`${name} must be "true" or "false".`);
}

/** A non-negative integer; `0` is meaningful for the timeouts (it turns them off). */
function integer(env: RawEnv, name: string, fallback: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${value}".`);
  }
  return Number(value);
}

/** KV refuses expirations under 60 seconds, so a smaller TTL is a configuration error. */
function cacheTtl(env: RawEnv): number {
  const ttl = integer(env, 'CACHE_TTL', 3600);
  if (ttl !== 0 && ttl < 60) throw new ConfigError('CACHE_TTL must be 0 (off) or at least 60 seconds.');
  return ttl;
}

/** One of a fixed set of words; the first is the default. */
function oneOf<const T extends readonly [string, ...string[]]>(
  env: RawEnv,
  name: string,
  words: T,
): T[number] {
  const value = text(env, name)?.toLowerCase() ?? words[0];
  const match = words.find((word) => word === value);
  if (match === undefined) throw new ConfigError(`${name} must be one of: ${words.join(', ')}.`);
  return match;
}

function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'OPENAI_BASE_URL must be an absolute http(s) URL such as https://api.openai.com/v1.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('OPENAI_BASE_URL must use http or https.');
  }
  // Credentials or a query in the URL would be forwarded on every request and could leak.
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError('OPENAI_BASE_URL must not contain credentials, a query or a fragment.');
  }
  return url.href.replace(/\/+$/, '');
}

function parseOrigins(value: string | undefined): '*' | ReadonlySet<string> {
  const origins = list(value);
  if (origins.includes('*')) return '*';
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `ALLOWED_ORIGINS entries must look like https://app.example.com (no path), got "${origin}".`,
      );
    }
  }
  return new Set(origins.map((origin) => origin.toLowerCase()));
}
