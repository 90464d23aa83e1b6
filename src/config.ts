// Reads and validates the Worker's configuration once per environment object.
import { ConfigError, flag, integer, list, oneOf, text, type RawEnv } from './config-values';
import { parseProxyKeys, type ProxyKey } from './proxy-keys';

export { ConfigError } from './config-values';

export interface Config {
  /** Upstream base URL including its version path, without a trailing slash. */
  readonly upstreamBaseUrl: string;
  readonly upstreamApiKey: string | undefined;
  readonly proxyKeys: readonly ProxyKey[];
  readonly allowAnonymous: boolean;
  /** `'*'` only when written explicitly; an empty set means no CORS headers at all. */
  readonly allowedOrigins: '*' | ReadonlySet<string>;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  /** `native`: no JavaScript per chunk; `checked`: a JS relay that can signal broken streams. */
  readonly streamRelay: 'native' | 'checked';
  /** Serve the chat playground at `/`. */
  readonly playground: boolean;
  /** Seconds a cached response lives; 0 turns the cache off. */
  readonly cacheTtlSeconds: number;
  /** `key`: each client key has its own entries; `shared`: all clients share them. */
  readonly cacheScope: 'key' | 'shared';
  /** Secret for verifying client tokens (HS256 JWTs); unset turns tokens off. */
  readonly tokenSecret: string | undefined;
  /** Per-caller defaults; 0 means no limit. */
  readonly requestsPerMinute: number;
  readonly tokensPerDay: number;
  /** Server-wide model allow-list; `undefined` allows every model. */
  readonly allowedModels: readonly string[] | undefined;
}

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
    proxyKeys: Object.freeze(parseProxyKeys(text(env, 'PROXY_KEYS'))),
    allowAnonymous: flag(env, 'ALLOW_ANONYMOUS'),
    allowedOrigins: parseOrigins(text(env, 'ALLOWED_ORIGINS')),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 25 * MIB),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 600_000),
    streamIdleTimeoutMs: integer(env, 'STREAM_IDLE_TIMEOUT_MS', 120_000),
    streamRelay: oneOf(env, 'STREAM_RELAY', ['native', 'checked'] as const),
    playground: flag(env, 'PLAYGROUND'),
    cacheTtlSeconds: cacheTtl(env),
    cacheScope: oneOf(env, 'CACHE_SCOPE', ['key', 'shared'] as const),
    tokenSecret: tokenSecret(env),
    requestsPerMinute: integer(env, 'REQUESTS_PER_MINUTE', 60),
    tokensPerDay: integer(env, 'TOKENS_PER_DAY', 0),
    allowedModels: modelList(text(env, 'ALLOWED_MODELS')),
  });
}

/** KV refuses expirations under 60 seconds, so a smaller TTL is a configuration error. */
function cacheTtl(env: RawEnv): number {
  const ttl = integer(env, 'CACHE_TTL', 3600);
  if (ttl !== 0 && ttl < 60) throw new ConfigError('CACHE_TTL must be 0 (off) or at least 60 seconds.');
  return ttl;
}

/** HMAC keys shorter than the hash output are weak; refuse them rather than sign with them. */
function tokenSecret(env: RawEnv): string | undefined {
  const secret = text(env, 'TOKEN_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('TOKEN_SECRET must be at least 32 characters (e.g. `openssl rand -base64 32`).');
  }
  return secret;
}

function modelList(value: string | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : Object.freeze(list(value));
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
