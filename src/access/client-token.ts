// Client tokens: JWTs a browser sends as its API key, either HS256 tokens a web app's backend
// mints with TOKEN_SECRET, or the session tokens of the app's own sign-in, signed by an identity
// provider whose keys it publishes (JWKS). jose verifies both; this module picks the verifier by
// the token's header and turns every failure into a 401 that names it.
import { decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ProxyError, denyAccess } from '../errors';
import { parseClaims, type ClientTokenClaims } from './claims';

/** The algorithms a JWKS key may use. HS* never: a public key is no shared secret. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

export interface Verifier {
  readonly key: Uint8Array | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
}

/** Larger than any sensible token; refusing early bounds the work an unauthenticated caller causes. */
const MAX_TOKEN_LENGTH = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** The minting backend's clock and Cloudflare's may disagree by this much. */
const SKEW_SECONDS = 30;

type Header = ReturnType<typeof decodeProtectedHeader>;

/** The protected header of something shaped like a JWT (three base64url segments), or `undefined`. */
export function jwtHeader(token: string): Header | undefined {
  const parts = token.split('.');
  if (
    token.length > MAX_TOKEN_LENGTH ||
    parts.length !== 3 ||
    !parts.slice(0, 2).every((part) => SEGMENT.test(part))
  ) {
    return undefined;
  }
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

/** Cheap shape test so auth can tell a JWT from a static key. */
export function looksLikeJwt(token: string): boolean {
  return jwtHeader(token) !== undefined;
}

function checkHeader(header: Header | undefined, algorithms: readonly string[]): void {
  if (!header) denyAccess('token_malformed', 'A client token must be a JWT: three base64url segments.');
  // RFC 8725 §3.1: accept exactly the algorithms expected, never `none` or one the token chooses.
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    denyAccess('token_algorithm', `Client tokens must be signed with ${algorithms.join(', ')}.`);
  }
  // RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively.
  if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) {
    denyAccess('token_malformed', 'The client token header\'s "typ" must be "JWT".');
  }
  // RFC 7515 §4.1.11: critical extensions this proxy does not implement must be refused.
  if (header.crit !== undefined)
    denyAccess('token_malformed', 'The client token header must not use "crit".');
}

/** jose's error codes, as the 401 codes this proxy has always used. */
function denial(error: unknown): never {
  const { code, claim } = error as { code?: string; claim?: string };
  if (code === 'ERR_JWT_EXPIRED')
    denyAccess('token_expired', 'The client token has expired; get a fresh one.');
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
    denyAccess(
      'token_signature',
      'The client token signature does not match; it was altered or signed with another key.',
    );
  }
  if (code === 'ERR_JWKS_UNAVAILABLE') {
    // Not the token's fault: the identity provider cannot be reached and no keys are known yet.
    const message = "The identity provider's keys could not be fetched; try again shortly.";
    throw new ProxyError(503, 'identity_provider_unavailable', message);
  }
  if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
    denyAccess(
      'token_key',
      'The client token names a key its identity provider does not publish for its algorithm.',
    );
  }
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED')
    denyAccess('token_algorithm', 'The client token uses an algorithm its key does not allow.');
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    if (claim === 'nbf')
      denyAccess('token_not_yet_valid', 'The client token is not valid yet: its "nbf" is in the future.');
    if (claim === 'iss')
      denyAccess('token_issuer', 'The client token\'s "iss" is not the issuer this proxy trusts.');
    if (claim === 'aud')
      denyAccess('token_audience', 'The client token\'s "aud" is not this proxy (TOKEN_AUDIENCE).');
    denyAccess('token_claims', `The client token's "${claim ?? 'claims'}" claim is not valid.`);
  }
  denyAccess('token_malformed', 'The client token is not a well-formed JWT.');
}

/**
 * Verifies a token with jose and returns its claims, or throws a 401 ProxyError whose code
 * names the problem (`token_malformed`, `token_algorithm`, `token_signature`, `token_key`,
 * `token_issuer`, `token_audience`, `token_expired`, `token_not_yet_valid`, `token_lifetime`, `token_claims`).
 * Messages never echo the token.
 */
export async function verifyClientToken(
  token: string,
  verifier: Verifier,
  nowSeconds: number,
): Promise<ClientTokenClaims> {
  checkHeader(jwtHeader(token), verifier.algorithms);
  let payload: Record<string, unknown>;
  try {
    const options = {
      algorithms: [...verifier.algorithms],
      currentDate: new Date(nowSeconds * 1000),
      clockTolerance: SKEW_SECONDS,
      ...(verifier.issuer === undefined ? {} : { issuer: verifier.issuer }),
      ...(verifier.audience === undefined ? {} : { audience: [verifier.audience].flat() }),
    };
    const { key } = verifier;
    const verified =
      key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    payload = verified.payload;
  } catch (error) {
    denial(error);
  }
  return parseClaims(payload, nowSeconds);
}
