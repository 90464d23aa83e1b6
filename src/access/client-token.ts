// Short-lived client tokens: HS256 JWTs that a web app's backend mints with TOKEN_SECRET for a browser.
import { denyAccess } from '../errors';
import { parseClaims, type ClientTokenClaims, type Claims } from './claims';

/** Larger than any sensible token; refusing early bounds the work an unauthenticated caller causes. */
const MAX_TOKEN_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** RFC 7515 §2: base64url without padding; anything else (`+`, `/`, `=`, spaces) is rejected. */
function fromBase64url(segment: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function decodeObject(segment: string): Claims | undefined {
  const bytes = fromBase64url(segment);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Claims)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Cheap shape test so auth can tell a JWT from a static key: three base64url segments, a JSON header. */
export function looksLikeJwt(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH) return false;
  const [head, ...rest] = token.split('.');
  return (
    rest.length === 2 && rest.every((part) => BASE64URL.test(part)) && decodeObject(head ?? '') !== undefined
  );
}

function checkHeader(header: Claims): void {
  // RFC 8725 §3.1: accept exactly the algorithm we expect, never `none` or one the token chooses.
  if (header['alg'] !== 'HS256') denyAccess('token_algorithm', 'Client tokens must be signed with HS256.');
  // RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively.
  const typ = header['typ'];
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) {
    denyAccess('token_malformed', 'The client token header\'s "typ" must be "JWT".');
  }
  // RFC 7515 §4.1.11: critical extensions we do not implement must be refused.
  if (header['crit'] !== undefined)
    denyAccess('token_malformed', 'The client token header must not use "crit".');
}

/**
 * Verifies an HS256 JWT and returns its claims, or throws a 401 ProxyError whose code names the
 * problem (`token_malformed`, `token_algorithm`, `token_signature`, `token_expired`,
 * `token_not_yet_valid`, `token_lifetime`, `token_claims`). Messages never echo the token.
 */
export async function verifyClientToken(
  token: string,
  key: CryptoKey,
  nowSeconds: number,
): Promise<ClientTokenClaims> {
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  const [head = '', body = '', signature = ''] = parts;
  if (parts.length !== 3)
    denyAccess('token_malformed', 'A client token must be a JWT: three base64url segments.');
  const header =
    decodeObject(head) ?? denyAccess('token_malformed', 'The client token header is not valid JSON.');
  checkHeader(header);
  const mac =
    fromBase64url(signature) ?? denyAccess('token_malformed', 'The client token signature is not base64url.');
  const signed = encoder.encode(`${head}.${body}`);
  // crypto.subtle.verify compares in constant time.
  if (!(await crypto.subtle.verify('HMAC', key, mac, signed))) {
    denyAccess(
      'token_signature',
      'The client token signature does not match; it was altered or signed with another secret.',
    );
  }
  const payload =
    decodeObject(body) ?? denyAccess('token_malformed', 'The client token payload is not valid JSON.');
  return parseClaims(payload, nowSeconds);
}
