// @ts-check
// How a web app's Node backend mints a client token for its signed-in user; no dependencies.
// Try it: TOKEN_SECRET=... node examples/mint-token-node.mjs --sub alice
// In your app, call mintClientToken(user.id) in an authenticated route and hand the result to the
// browser, which uses it as the SDK's apiKey (with dangerouslyAllowBrowser: true).
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

/** @param {string} userId @param {string} secret the proxy's TOKEN_SECRET; never send it to the browser */
function mintClientToken(userId, secret) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: userId, // the proxy applies limits per user
    iat: now,
    exp: now + 15 * 60, // minutes, not days: the proxy refuses tokens that live over 24 hours
    // Optional: origin: 'https://app.example.com', models: ['gpt-4o-mini', 'text-embedding-*'],
    // max_tokens: 512, rpm: 10, tpd: 20000 (per-user limits that narrow the proxy's defaults).
  };
  /** @param {object} value */
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const { values } = parseArgs({ options: { sub: { type: 'string', default: 'alice' } } });
const secret = process.env['TOKEN_SECRET'];
if (!secret) throw new Error('Set TOKEN_SECRET (the same value the proxy has, at least 32 characters).');
console.log(mintClientToken(values.sub, secret));
