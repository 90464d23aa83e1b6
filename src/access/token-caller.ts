// The caller a client token names: which verifier a token goes to, and what its claims allow.
import type { Config } from '../config/read';
import { denyAccess } from '../errors';
import type { Caller, Credentials } from './authenticate';
import { ASYMMETRIC_ALGORITHMS, verifyClientToken, type Verifier } from './client-token';

export interface TokenSource {
  readonly via: 'secret' | 'identity' | 'access';
  readonly verifier: Verifier;
}

/**
 * HS256 tokens go to TOKEN_SECRET, RS256/ES256/EdDSA ones to the identity provider's keys, each
 * only to its own: an HS token is never checked against a public key. A token for a verifier
 * that is not configured is checked by the other one, which refuses its algorithm.
 */
export function tokenSource(alg: string | undefined, config: Config): TokenSource {
  const asymmetric = (ASYMMETRIC_ALGORITHMS as readonly (string | undefined)[]).includes(alg);
  if (asymmetric && config.identityVerifier) return { via: 'identity', verifier: config.identityVerifier };
  if (config.tokenVerifier) return { via: 'secret', verifier: config.tokenVerifier };
  return { via: 'identity', verifier: config.identityVerifier! };
}

/**
 * The caller a verified token names. HS256 tokens keep `user:<sub>`; an identity provider's are
 * namespaced by its host (`user:<issuer host>/<sub>`), so the two kinds of token, both on, can
 * never share a user's quota or cache.
 */
export async function tokenCaller(
  token: string,
  source: TokenSource,
  credentials: Credentials,
  config: Config,
): Promise<Caller> {
  const claims = await verifyClientToken(token, source.verifier, Math.floor(Date.now() / 1000));
  const origin = credentials.origin?.toLowerCase();
  if (claims.origin && (origin === undefined || !claims.origin.includes(origin))) {
    const from = origin === undefined ? 'a request without an Origin header' : `origin ${origin}`;
    denyAccess('token_origin', `This client token only works from its page origin, not from ${from}.`);
  }
  const issuer = source.verifier.issuer === undefined ? undefined : new URL(source.verifier.issuer).host;
  return {
    kind: 'token',
    id:
      source.via === 'secret' || issuer === undefined ? `user:${claims.sub}` : `user:${issuer}/${claims.sub}`,
    // Token claims only narrow the server's limits: those are the ceiling for all browser traffic.
    limits: {
      rpm: narrow(config.requestsPerMinute, claims.rpm),
      tpd: narrow(config.tokensPerDay, claims.tpd),
      microsPerDay: narrow(config.dollarsPerDayMicros, claims.usdMicros),
    },
    ...(claims.models ? { models: claims.models } : {}),
    ...(claims.maxTokens !== undefined ? { maxTokens: claims.maxTokens } : {}),
  };
}

/** The tighter of two limits where 0 means "no limit". */
function narrow(limit: number, claim: number | undefined): number {
  if (claim === undefined || claim === 0) return limit;
  return limit === 0 ? claim : Math.min(limit, claim);
}
