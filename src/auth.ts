// Client authentication: static proxy keys compared in constant time, or anonymous access.
import type { Config } from './config';
import { ProxyError } from './errors';

export type Caller = { readonly kind: 'key'; readonly id: string } | { readonly kind: 'anonymous' };

const encoder = new TextEncoder();
const digestsByConfig = new WeakMap<Config, Promise<ArrayBuffer[]>>();

async function sha256(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(value));
}

function proxyKeyDigests(config: Config): Promise<ArrayBuffer[]> {
  let digests = digestsByConfig.get(config);
  if (!digests) {
    digests = Promise.all(config.proxyKeys.map(sha256));
    digestsByConfig.set(config, digests);
  }
  return digests;
}

function bearerToken(authorization: string | null): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** A stable, non-reversible name for a key, for cache scopes and logs. */
function keyId(digest: ArrayBuffer): string {
  const hex = [...new Uint8Array(digest, 0, 8)].map((byte) => byte.toString(16).padStart(2, '0'));
  return `key_${hex.join('')}`;
}

/**
 * Decides who is calling. Closed by default: with neither keys nor anonymous access configured
 * every request is refused, with a message that says how to open it.
 */
export async function authenticate(authorization: string | null, config: Config): Promise<Caller> {
  const token = bearerToken(authorization);
  if (config.proxyKeys.length === 0 && !config.allowAnonymous) {
    throw new ProxyError(
      401,
      'proxy_not_configured',
      'This proxy has no client keys configured. Set the PROXY_KEYS secret (comma-separated keys that clients send as "Authorization: Bearer <key>"), or set ALLOW_ANONYMOUS=true for local development.',
    );
  }
  if (token === undefined) {
    if (config.allowAnonymous && authorization === null) return { kind: 'anonymous' };
    throw new ProxyError(
      401,
      'missing_api_key',
      'Missing client key. Send "Authorization: Bearer <proxy key>"; the key is one of this proxy\'s PROXY_KEYS, not a provider key.',
    );
  }
  const presented = await sha256(token);
  let matched: ArrayBuffer | undefined;
  // Compare against every key, each in constant time, so timing reveals neither key nor index.
  for (const digest of await proxyKeyDigests(config)) {
    if (crypto.subtle.timingSafeEqual(digest, presented)) matched = digest;
  }
  if (!matched) {
    throw new ProxyError(401, 'invalid_api_key', 'Incorrect client key provided for this proxy.');
  }
  return { kind: 'key', id: keyId(matched) };
}
