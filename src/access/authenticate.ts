// Who is calling: a static proxy key (servers), a signed client token (browsers), or an
// anonymous client identified by its IP. Everything else is refused.
import type { Config } from '../config/read';
import { sha256 } from '../config/read';
import type { ProxyKey } from '../config/proxy-keys';
import { denyAccess } from '../errors';
import type { Limits } from '../quota/window';
import { clientNetwork } from './client-network';
import { jwtHeader } from './client-token';
import { tokenCaller, tokenSource } from './token-caller';

export interface Caller {
  readonly kind: 'key' | 'token' | 'anonymous';
  /** Stable identity for quotas and cache scopes; never a secret in clear. */
  readonly id: string;
  readonly limits: Limits;
  /** Model allow-lists from the key or token; each one must allow the model. */
  readonly models?: readonly string[];
  /** Output-token cap per request, from the token. */
  readonly maxTokens?: number;
}

/** The request headers authentication reads, and nothing else. */
export interface Credentials {
  readonly authorization: string | null;
  readonly origin: string | null;
  /** Set by Cloudflare's edge to the client's address; clients cannot forge it there. */
  readonly clientIp: string | null;
}

function credentialsOf(request: Request): Credentials {
  return {
    authorization: request.headers.get('authorization'),
    origin: request.headers.get('origin'),
    clientIp: request.headers.get('cf-connecting-ip'),
  };
}

function bearerToken(authorization: string | null): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}

function hex(digest: ArrayBuffer, bytes: number): string {
  return [...new Uint8Array(digest, 0, bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Closed by default: with no way in configured, every request is refused with how to open one. */
export async function authenticate(request: Request, config: Config): Promise<Caller> {
  const credentials = credentialsOf(request);
  const tokensOn = config.tokenVerifier ?? config.identityVerifier ?? config.accessVerifier;
  const keysConfigured = config.proxyKeys.length > 0 || tokensOn !== undefined;
  if (!keysConfigured && !config.allowAnonymous) {
    denyAccess(
      'proxy_not_configured',
      'This proxy has no client access configured. Set the PROXY_KEYS secret (comma-separated keys that clients send as "Authorization: Bearer <key>"), TOKEN_SECRET or JWKS_URL for browser tokens, or ALLOW_ANONYMOUS=true for local development.',
    );
  }
  // Behind Cloudflare Access, the edge vouches for the signed-in user in its own header.
  const assertion = request.headers.get('cf-access-jwt-assertion');
  if (config.accessVerifier && assertion)
    return tokenCaller(
      { token: assertion, source: { via: 'access', verifier: config.accessVerifier }, credentials },
      config,
    );
  // An open deployment with no keys at all: the SDKs always send some key, so ignore it.
  if (config.allowAnonymous && !keysConfigured) return anonymousCaller(credentials, config);
  const token = bearerToken(credentials.authorization);
  if (token === undefined) {
    if (config.allowAnonymous && credentials.authorization === null)
      return anonymousCaller(credentials, config);
    denyAccess(
      'missing_api_key',
      'Missing client key. Send "Authorization: Bearer <proxy key or client token>"; it is not a provider key.',
    );
  }
  const header = config.tokenVerifier || config.identityVerifier ? jwtHeader(token) : undefined;
  const source = header && tokenSource(header.alg, config);
  if (source) return tokenCaller({ token, source, credentials }, config);
  return keyCaller(token, config);
}

async function keyCaller(token: string, config: Config): Promise<Caller> {
  const presented = await sha256(token);
  const digests = await config.proxyKeyDigests;
  let match = -1;
  // Compare against every key, each in constant time, so timing reveals neither key nor index.
  digests.forEach((digest, index) => {
    if (crypto.subtle.timingSafeEqual(digest, presented)) match = index;
  });
  const entry: ProxyKey | undefined = config.proxyKeys[match];
  if (!entry) denyAccess('invalid_api_key', 'Incorrect client key provided for this proxy.');
  return {
    kind: 'key',
    id: `key_${hex(presented, 8)}`,
    // The defaults are for callers the operator does not control; a server key is unlimited
    // unless its own entry sets a limit.
    limits: { rpm: entry.rpm ?? 0, tpd: entry.tpd ?? 0, microsPerDay: entry.usdMicros ?? 0 },
    ...(entry.models ? { models: entry.models } : {}),
  };
}

function anonymousCaller(credentials: Credentials, config: Config): Caller {
  return {
    kind: 'anonymous',
    id: `ip:${clientNetwork(credentials.clientIp)}`,
    limits: {
      rpm: config.requestsPerMinute,
      tpd: config.tokensPerDay,
      microsPerDay: config.dollarsPerDayMicros,
    },
  };
}
