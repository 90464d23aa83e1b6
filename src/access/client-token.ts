// Short-lived client tokens: HS256 JWTs that a web app's backend mints with TOKEN_SECRET for a browser.
import { ConfigError } from '../config';
import { ProxyError } from '../errors';
import { parseClaims, type ClientTokenClaims, type Claims } from './token-claims';

export type { ClientTokenClaims } from './token-claims';

export interface MintOptions {
  readonly sub: string;
  /** 1 to 86 400 seconds; minutes are the intended lifetime. */
  readonly ttlSeconds: number;
  readonly origin?: string | readonly string[];
  readonly models?: readonly string[];
  /** Written as the `max_tokens` claim. */
  readonly maxTokens?: number;
  readonly rpm?: number;
  readonly tpd?: number;
}

/** RFC 7518 §3.2: an HS256 key must have at least 256 bits; a shorter secret is guessable offline. */
const MIN_SECRET_LENGTH = 32;
/** Larger than any sensible token; refusing early bounds the work an unauthenticated caller causes. */
const MAX_TOKEN_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
let cachedKey: { readonly secret: string; readonly key: Promise<CryptoKey> } | undefined;

function fail(code: string, message: string): never {
  throw new ProxyError(401, code, message);
}

/** One secret per deployment, so a single-entry cache saves the import on every request. */
function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`TOKEN_SECRET must be at least ${MIN_SECRET_LENGTH} characters.`);
  }
  if (cachedKey?.secret !== secret) {
    const algorithm = { name: 'HMAC', hash: 'SHA-256' };
    const key = crypto.subtle.importKey('raw', encoder.encode(secret), algorithm, false, ['sign', 'verify']);
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

/** RFC 7515 §2: base64url without padding; anything else (`+`, `/`, `=`, spaces) is rejected. */
function fromBase64url(segment: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function toBase64url(bytes: Uint8Array): string {
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join('');
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
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
  if (header['alg'] !== 'HS256') fail('token_algorithm', 'Client tokens must be signed with HS256.');
  // RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively.
  const typ = header['typ'];
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) {
    fail('token_malformed', 'The client token header\'s "typ" must be "JWT".');
  }
  // RFC 7515 §4.1.11: critical extensions we do not implement must be refused.
  if (header['crit'] !== undefined) fail('token_malformed', 'The client token header must not use "crit".');
}

/**
 * Verifies an HS256 JWT and returns its claims, or throws a 401 ProxyError whose code names the
 * problem (`token_malformed`, `token_algorithm`, `token_signature`, `token_expired`,
 * `token_not_yet_valid`, `token_lifetime`, `token_claims`). Messages never echo the token.
 */
export async function verifyClientToken(
  token: string,
  secret: string,
  nowSeconds: number,
): Promise<ClientTokenClaims> {
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  const [head = '', body = '', signature = ''] = parts;
  if (parts.length !== 3) fail('token_malformed', 'A client token must be a JWT: three base64url segments.');
  const header = decodeObject(head) ?? fail('token_malformed', 'The client token header is not valid JSON.');
  checkHeader(header);
  const mac =
    fromBase64url(signature) ?? fail('token_malformed', 'The client token signature is not base64url.');
  const signed = encoder.encode(`${head}.${body}`);
  // crypto.subtle.verify compares in constant time.
  if (!(await crypto.subtle.verify('HMAC', await hmacKey(secret), mac, signed))) {
    fail(
      'token_signature',
      'The client token signature does not match; it was altered or signed with another secret.',
    );
  }
  const payload =
    decodeObject(body) ?? fail('token_malformed', 'The client token payload is not valid JSON.');
  return parseClaims(payload, nowSeconds);
}

/** Mints a token; the mint CLI and the documented Node snippet produce the same format. */
export async function mintClientToken(
  options: MintOptions,
  secret: string,
  nowSeconds: number,
): Promise<string> {
  const { sub, ttlSeconds, origin, models, maxTokens, rpm, tpd } = options;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) {
    throw new RangeError('ttlSeconds must be an integer from 1 to 86400.');
  }
  const iat = Math.floor(nowSeconds);
  // JSON.stringify leaves out the claims that are undefined.
  const payload = { sub, iat, exp: iat + ttlSeconds, origin, models, max_tokens: maxTokens, rpm, tpd };
  const encode = (value: object) => toBase64url(encoder.encode(JSON.stringify(value)));
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(input));
  return `${input}.${toBase64url(new Uint8Array(mac))}`;
}
