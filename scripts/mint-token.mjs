// @ts-check
// The one way this project mints a client token (an HS256 JWT), shared by `npm run token` and the
// tests. Web Crypto only, so it runs unchanged in Node and in workerd. Production backends mint
// their own way (see examples/mint-token-node.mjs); a test proves all of them agree with the proxy.

const encoder = new TextEncoder();
const MAX_TTL_SECONDS = 24 * 60 * 60;

/** @param {Uint8Array} bytes */
function toBase64url(bytes) {
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join('');
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * @param {import('./mint-token.d.mts').MintOptions} options
 * @param {string} secret the proxy's TOKEN_SECRET
 * @param {number} nowSeconds
 * @returns {Promise<string>}
 */
export async function mintClientToken(options, secret, nowSeconds) {
  const { sub, ttlSeconds, origin, models, maxTokens, rpm, tpd } = options;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}.`);
  }
  const iat = Math.floor(nowSeconds);
  // JSON.stringify leaves out the claims that are undefined.
  const payload = { sub, iat, exp: iat + ttlSeconds, origin, models, max_tokens: maxTokens, rpm, tpd };
  /** @param {object} value */
  const encode = (value) => toBase64url(encoder.encode(JSON.stringify(value)));
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const algorithm = { name: 'HMAC', hash: 'SHA-256' };
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), algorithm, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(input));
  return `${input}.${toBase64url(new Uint8Array(mac))}`;
}
