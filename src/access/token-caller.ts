// The caller a client token names: which verifier a token goes to, and what its claims allow.
import type { Config } from '../config/read';
import { denyAccess } from '../errors';
import type { Caller, Credentials } from './caller';
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
export function tokenSource(alg: string | undefined, config: Config): TokenSource | undefined {
  const asymmetric = (ASYMMETRIC_ALGORITHMS as readonly (string | undefined)[]).includes(alg);
  const identity = config.identityVerifier && { via: 'identity' as const, verifier: config.identityVerifier };
  const secret = config.tokenVerifier && { via: 'secret' as const, verifier: config.tokenVerifier };
  // An algorithm neither accepts (PS256, none): the refusal names what both would have.
  if (!asymmetric && alg !== 'HS256' && identity && secret) {
    const accepted = ['HS256', ...ASYMMETRIC_ALGORITHMS].join(', ');
    denyAccess('token_algorithm', `Client tokens must be signed with ${accepted}.`);
  }
  return asymmetric ? (identity ?? secret) : (secret ?? identity);
}

/** The namespace of an identity provider's users: its issuer's host, or the issuer as written. */
function issuerNamespace(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer; // Some issuers are bare names, e.g. Google's `accounts.google.com`.
  }
}

interface Presented {
  readonly token: string;
  readonly source: TokenSource;
  readonly credentials: Credentials;
}

/**
 * The caller a verified token names. HS256 tokens keep `user:<sub>`; an identity provider's are
 * namespaced by its host (`user:<issuer host>/<sub>`), so the two kinds of token, both on, can
 * never share a user's quota or cache.
 */
export async function tokenCaller(
  { token, source, credentials }: Presented,
  config: Config,
): Promise<Caller> {
  const claims = await verifyClientToken(token, source.verifier, Math.floor(Date.now() / 1000));
  // `/` separates an issuer from its users' ids: an HS256 `sub` must not forge one.
  if (source.via === 'secret' && claims.sub.includes('/')) {
    denyAccess('token_claims', 'The client token\'s "sub" must not contain "/".');
  }
  const origin = credentials.origin?.toLowerCase();
  if (claims.origin && (origin === undefined || !claims.origin.includes(origin))) {
    const from = origin === undefined ? 'a request without an Origin header' : `origin ${origin}`;
    denyAccess('token_origin', `This client token only works from its page origin, not from ${from}.`);
  }
  const issuer = source.verifier.issuer === undefined ? undefined : issuerNamespace(source.verifier.issuer);
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
