// Who is calling: a static proxy key (servers), a signed client token (browsers), or an
// anonymous client identified by its IP. Everything else is refused.
import type { Config } from '../config/read';
import { denyAccess } from '../errors';
import { bearerToken } from '../lib/bearer';
import { sha256 } from '../lib/bytes';
import { looksLikeVirtualKey } from '../keys/format';
import type { Caller, Credentials } from './caller';
import { clientNetwork } from './client-network';
import { jwtHeader } from './client-token';
import { tokenCaller, tokenSource } from './token-caller';
import { virtualKeyCaller } from './virtual-key';

function credentialsOf(request: Request): Credentials {
  return {
    authorization: request.headers.get('authorization'),
    origin: request.headers.get('origin'),
    clientIp: request.headers.get('cf-connecting-ip'),
  };
}

/** Closed by default: with no way in configured, every request is refused with how to open one. */
export async function authenticate(request: Request, config: Config, env: Env): Promise<Caller> {
  const credentials = credentialsOf(request);
  const tokensOn = config.tokenVerifier ?? config.identityVerifier ?? config.accessVerifier;
  // With ADMIN_KEY set, virtual keys may exist: they are a way in.
  const virtualKeysOn = config.adminKeyDigest !== undefined;
  const keysConfigured = config.proxyKeys.length > 0 || tokensOn !== undefined || virtualKeysOn;
  if (!keysConfigured && !config.allowAnonymous) {
    denyAccess(
      'proxy_not_configured',
      'This proxy has no client access configured. Set ADMIN_KEY and create keys with the admin API, set the PROXY_KEYS secret (comma-separated keys that clients send as "Authorization: Bearer <key>"), TOKEN_SECRET or JWKS_URL for browser tokens, or ALLOW_ANONYMOUS=true for local development.',
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
  if (virtualKeysOn && looksLikeVirtualKey(token)) return virtualKeyCaller(token, env);
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
  digests.forEach(({ digest }, index) => {
    if (crypto.subtle.timingSafeEqual(digest, presented)) match = index;
  });
  const entry = config.proxyKeys[match];
  const id = digests[match]?.id;
  if (!entry || id === undefined)
    denyAccess('invalid_api_key', 'Incorrect client key provided for this proxy.');
  return {
    kind: 'key',
    id,
    // The defaults are for callers the operator does not control; a server key is unlimited
    // unless its own entry sets a limit.
    limits: { rpm: entry.rpm ?? 0, tpd: entry.tpd ?? 0, microsPerDay: entry.usdMicros ?? 0 },
    ...(entry.models ? { models: entry.models } : {}),
    ...(entry.maxTokens ? { maxTokens: entry.maxTokens } : {}),
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
    ...(config.anonymousMaxTokens > 0 ? { maxTokens: config.anonymousMaxTokens } : {}),
  };
}
