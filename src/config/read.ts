// Reads and validates the Worker's configuration once per environment object, into a frozen,
// typed Config that also carries what is derived from it (key digests, the token key).
import { OPENAI_PRICES, OPENAI_TOOL_PRICES, type Price } from '../accounting/prices';
import type { Verifier } from '../access/client-token';
import { secretRedactor, type Redactor } from '../http/redact';
import { hex, sha256 } from '../lib/bytes';
import { parseAliases } from './aliases';
import { parseBaseUrl } from './base-url';
import { MIN_SECRET_LENGTH, accessVerifier, hsVerifier, identityVerifier } from './identity';
import { parsePrices } from './prices';
import { parseProxyKeys, type ProxyKey } from './proxy-keys';
import { defaultUpstream, parseUpstreams, type Target, type Upstream } from './upstreams';
import { ConfigError, ORIGIN, dollars, flag, integer, list, oneOf, text, type RawEnv } from './values';

/** A proxy key as authentication compares it: its digest, and the caller id derived from it. */
export interface KeyDigest {
  readonly digest: ArrayBuffer;
  /** `key_` and the digest's first 8 bytes in hex: stable, and never the key. */
  readonly id: string;
}

export interface Config {
  /** The providers behind this proxy: UPSTREAMS, or the one OPENAI_BASE_URL names. */
  readonly upstreams: readonly Upstream[];
  readonly aliases: ReadonlyMap<string, readonly Target[]>;
  /** Names what the cache's answers depend on: upstream names, URLs and aliases (no keys). */
  readonly routingFingerprint: string;
  readonly proxyKeys: readonly ProxyKey[];
  /** SHA-256 of each proxy key, in `proxyKeys` order, for constant-time comparison. */
  readonly proxyKeyDigests: Promise<readonly KeyDigest[]>;
  readonly allowAnonymous: boolean;
  /** `'*'` only when written explicitly; an empty set means no CORS headers at all. */
  readonly allowedOrigins: '*' | ReadonlySet<string>;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutMs: number;
  /** How long an upstream that failed three times in a row is skipped; 0 never skips. */
  readonly upstreamCooldownMs: number;
  readonly streamIdleTimeoutMs: number;
  /** The longest a stream may run in all; 0 = no limit. */
  readonly streamMaxDurationMs: number;
  /** `native`: no JavaScript per chunk; `checked`: a JS relay that can signal broken streams. */
  readonly streamRelay: 'native' | 'checked';
  /** Serve the chat playground at `/`. */
  readonly playground: boolean;
  /** Set by `npm run dev` only: the client key the playground fills in for loopback pages. */
  readonly playgroundDevKey: string | undefined;
  /** Set by `npm run dev` offline only: the admin key the dashboard fills in for loopback pages. */
  readonly dashboardDevKey: string | undefined;
  /** Seconds a cached response lives; 0 turns the cache off. */
  readonly cacheTtlSeconds: number;
  /** `key`: each client key has its own entries; `shared`: all clients share them. */
  readonly cacheScope: 'key' | 'shared';
  /** Verifies HS256 client tokens minted with TOKEN_SECRET; unset turns them off. */
  readonly tokenVerifier: Verifier | undefined;
  /** Verifies an identity provider's tokens against its JWKS (JWKS_URL, TOKEN_ISSUER, TOKEN_AUDIENCE). */
  readonly identityVerifier: Verifier | undefined;
  /** Verifies Cloudflare Access's `Cf-Access-Jwt-Assertion` (ACCESS_TEAM_DOMAIN, ACCESS_AUD). */
  readonly accessVerifier: Verifier | undefined;
  /** Per-caller defaults; 0 means no limit. */
  readonly requestsPerMinute: number;
  readonly tokensPerDay: number;
  /** Micro-dollars per UTC day for browser tokens and anonymous callers; 0 = no budget. */
  readonly dollarsPerDayMicros: number;
  /** Output tokens an anonymous request may ask for in all (MAX_TOKENS); 0 = no cap. */
  readonly anonymousMaxTokens: number;
  /** OPENAI_PRICES with MODEL_PRICES laid over it, USD per million tokens. */
  readonly prices: Readonly<Record<string, Price>>;
  /** USD per call of the built-in tools billed per call (OPENAI_TOOL_PRICES and MODEL_PRICES). */
  readonly toolPrices: Readonly<Record<string, number>>;
  /** Opens /admin/api/*; unset means those routes do not exist. */
  readonly adminKeyDigest: Promise<ArrayBuffer> | undefined;
  /** Days of daily usage rows the ledger keeps. */
  readonly usageRetentionDays: number;
  /** Queue every request's usage for the ledger (needs the USAGE_QUEUE binding). */
  readonly usageLedger: boolean;
  /** How long a usage event waits in its isolate for others to share a queue batch. */
  readonly usageFlushMs: number;
  /** Server-wide model allow-list; `undefined` allows every model. */
  readonly allowedModels: readonly string[] | undefined;
  /** Finds and removes every configured secret, in every form, from what goes to a client. */
  readonly redactor: Redactor;
}

const MIB = 1024 * 1024;
const configs = new WeakMap<object, Config>();

/** Parses `env` into a frozen `Config`, memoised per env object (one per isolate in production). */
export function readConfig(env: object): Config {
  let config = configs.get(env);
  if (!config) {
    // Vars may be missing or of any type in a real deployment: read them as unknown, then narrow.
    config = parseConfig(env as RawEnv);
    configs.set(env, config);
  }
  return config;
}

export function parseConfig(env: RawEnv): Config {
  const proxyKeys = Object.freeze(parseProxyKeys(text(env, 'PROXY_KEYS')));
  const upstreams = parseUpstreams(env) ?? [singleUpstream(env)];
  const aliases = parseAliases(env, upstreams);
  const adminKey = adminSecret(env);
  const ownPrices = parsePrices(env);
  const secrets = [
    text(env, 'OPENAI_API_KEY'),
    text(env, 'TOKEN_SECRET'),
    adminKey,
    ...upstreams.flatMap((upstream) => [upstream.apiKey, ...Object.values(upstream.headers)]),
    ...proxyKeys.map((entry) => entry.key),
  ];
  return Object.freeze({
    upstreams,
    aliases,
    routingFingerprint: JSON.stringify([upstreams.map(({ name, baseUrl }) => [name, baseUrl]), [...aliases]]),
    proxyKeys,
    proxyKeyDigests: Promise.all(
      proxyKeys.map(async (entry) => {
        const digest = await sha256(entry.key);
        return { digest, id: `key_${hex(digest, 8)}` };
      }),
    ),
    allowAnonymous: flag(env, 'ALLOW_ANONYMOUS'),
    allowedOrigins: parseOrigins(text(env, 'ALLOWED_ORIGINS')),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 25 * MIB),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 600_000),
    upstreamCooldownMs: integer(env, 'UPSTREAM_COOLDOWN_SECONDS', 30) * 1000,
    streamIdleTimeoutMs: integer(env, 'STREAM_IDLE_TIMEOUT_MS', 120_000),
    streamMaxDurationMs: integer(env, 'STREAM_MAX_DURATION_MS', 30 * 60_000),
    streamRelay: oneOf(env, 'STREAM_RELAY', ['native', 'checked'] as const),
    playground: flag(env, 'PLAYGROUND'),
    playgroundDevKey: text(env, 'PLAYGROUND_DEV_KEY'),
    dashboardDevKey: text(env, 'DASHBOARD_DEV_KEY'),
    cacheTtlSeconds: cacheTtl(env),
    cacheScope: oneOf(env, 'CACHE_SCOPE', ['key', 'shared'] as const),
    tokenVerifier: hsVerifier(env),
    identityVerifier: identityVerifier(env),
    accessVerifier: accessVerifier(env),
    requestsPerMinute: integer(env, 'REQUESTS_PER_MINUTE', 60),
    tokensPerDay: integer(env, 'TOKENS_PER_DAY', 0),
    dollarsPerDayMicros: dollars(env, 'DOLLARS_PER_DAY'),
    anonymousMaxTokens: integer(env, 'MAX_TOKENS', 0),
    prices: Object.freeze({ ...OPENAI_PRICES, ...ownPrices.models }),
    toolPrices: Object.freeze({ ...OPENAI_TOOL_PRICES, ...ownPrices.tools }),
    adminKeyDigest: adminKey === undefined ? undefined : sha256(adminKey),
    usageRetentionDays: integer(env, 'USAGE_RETENTION_DAYS', 90),
    usageLedger: flag(env, 'USAGE_LEDGER', true),
    usageFlushMs: integer(env, 'USAGE_FLUSH_MS', 1000),
    allowedModels: modelList(text(env, 'ALLOWED_MODELS')),
    redactor: secretRedactor(secrets),
  });
}

/** KV refuses expirations under 60 seconds, so a smaller TTL is a configuration error. */
function cacheTtl(env: RawEnv): number {
  const ttl = integer(env, 'CACHE_TTL', 3600);
  if (ttl !== 0 && ttl < 60) {
    throw new ConfigError('CACHE_TTL', 'CACHE_TTL must be 0 (off) or at least 60 seconds.');
  }
  return ttl;
}

function singleUpstream(env: RawEnv): Upstream {
  const baseUrl = text(env, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1';
  const where = { variable: 'OPENAI_BASE_URL', label: 'OPENAI_BASE_URL' };
  return defaultUpstream(parseBaseUrl(baseUrl, where), text(env, 'OPENAI_API_KEY'));
}

/** The admin key guards every caller's usage: as long as a client token's secret, or refused. */
function adminSecret(env: RawEnv): string | undefined {
  const key = text(env, 'ADMIN_KEY');
  if (key !== undefined && key.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('ADMIN_KEY', `ADMIN_KEY must be at least ${MIN_SECRET_LENGTH} characters.`);
  }
  return key;
}

function modelList(value: string | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : Object.freeze(list(value));
}

function parseOrigins(value: string | undefined): '*' | ReadonlySet<string> {
  const origins = list(value);
  if (origins.includes('*')) return '*';
  for (const origin of origins) {
    if (!ORIGIN.test(origin)) {
      throw new ConfigError(
        'ALLOWED_ORIGINS',
        'ALLOWED_ORIGINS entries must look like https://app.example.com (scheme and host, no path).',
      );
    }
  }
  return new Set(origins.map((origin) => origin.toLowerCase()));
}
