// Client tokens (HS256 JWTs) and model allow-lists, checked as pure functions inside workerd.
import { describe, expect, it } from 'vitest';
import { mintClientToken } from '../../scripts/mint-token.mjs';
import { looksLikeJwt, verifyClientToken as verifyWithKey } from '../../src/access/client-token';
import { modelAllowed } from '../../src/access/model-patterns';
import { parseConfig } from '../../src/config/read';
import { ProxyError } from '../../src/errors';

const SECRET = 'test-token-secret-0123456789abcdef';
const NOW = 1_750_000_000;
const HS256 = { alg: 'HS256', typ: 'JWT' };
const encoder = new TextEncoder();

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const segment = (value: unknown) => b64url(encoder.encode(JSON.stringify(value)));

/** Signs raw segments independently of the module, so malformed tokens can carry valid signatures. */
async function sign(head: string, body: string, secret = SECRET): Promise<string> {
  const algorithm = { name: 'HMAC', hash: 'SHA-256' };
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), algorithm, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${head}.${body}`));
  return `${head}.${body}.${b64url(new Uint8Array(mac))}`;
}

/** Verifies with the key the proxy derives from TOKEN_SECRET, as a request would. */
async function verifyClientToken(token: string, secret: string, now: number) {
  return verifyWithKey(token, parseConfig({ TOKEN_SECRET: secret }).tokenVerifier!, now);
}

const jwt = (payload: unknown, header: unknown = HS256, secret = SECRET) =>
  sign(segment(header), segment(payload), secret);
const valid = { sub: 'alice', iat: NOW, exp: NOW + 900 };

async function codeOf(token: string | Promise<string>, now = NOW): Promise<string> {
  try {
    await verifyClientToken(await token, SECRET, now);
    return 'ok';
  } catch (error) {
    if (!(error instanceof ProxyError)) throw error;
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(await token);
    return error.code ?? 'none';
  }
}

const tamper = async () => {
  const [head, , mac] = (await jwt(valid)).split('.');
  return `${head}.${segment({ ...valid, sub: 'mallory' })}.${mac}`;
};

const cases: [name: string, token: () => Promise<string>, code: string][] = [
  ['a good token', () => jwt(valid), 'ok'],
  ['a token expired 10 s ago (within the 30 s skew)', () => jwt({ ...valid, exp: NOW - 10 }), 'ok'],
  ['a token expired 31 s ago', () => jwt({ ...valid, exp: NOW - 31 }), 'token_expired'],
  ['a token signed with another secret', () => jwt(valid, HS256, `${SECRET}-other`), 'token_signature'],
  ['a token whose payload was altered', tamper, 'token_signature'],
  ['a truncated signature', async () => (await jwt(valid)).slice(0, -4), 'token_signature'],
  [
    'alg none with no signature',
    async () => `${segment({ alg: 'none' })}.${segment(valid)}.`,
    'token_algorithm',
  ],
  ['alg none, signed anyway', () => jwt(valid, { alg: 'none', typ: 'JWT' }), 'token_algorithm'],
  ['alg RS256', () => jwt(valid, { alg: 'RS256', typ: 'JWT' }), 'token_algorithm'],
  ['alg HS512', () => jwt(valid, { alg: 'HS512' }), 'token_algorithm'],
  ['a missing alg', () => jwt(valid, { typ: 'JWT' }), 'token_algorithm'],
  ['typ other than JWT', () => jwt(valid, { alg: 'HS256', typ: 'at+jwt' }), 'token_malformed'],
  ['a typ that is not a string', () => jwt(valid, { alg: 'HS256', typ: 1 }), 'token_malformed'],
  [
    'a sub with a slash (it would forge an issuer namespace)',
    () => jwt({ ...valid, sub: 'idp.example.com/alice' }),
    'ok',
  ],
  ['typ in lower case (media types ignore case)', () => jwt(valid, { alg: 'HS256', typ: 'jwt' }), 'ok'],
  ['a crit header', () => jwt(valid, { ...HS256, crit: ['exp'] }), 'token_malformed'],
  ['two segments', async () => (await jwt(valid)).split('.').slice(0, 2).join('.'), 'token_malformed'],
  ['four segments', async () => `${await jwt(valid)}.x`, 'token_malformed'],
  ['standard base64 in the payload', () => sign(segment(HS256), `${segment(valid)}+/=`), 'token_malformed'],
  [
    'a header that is not JSON',
    () => sign(b64url(encoder.encode('{alg')), segment(valid)),
    'token_malformed',
  ],
  [
    'a payload that is not JSON',
    () => sign(segment(HS256), b64url(encoder.encode('sub=alice'))),
    'token_malformed',
  ],
  ['a payload that is a JSON array', () => jwt([valid]), 'token_malformed'],
  [
    'a payload that is not UTF-8',
    () => sign(segment(HS256), b64url(new Uint8Array([0xff, 0xfe]))),
    'token_malformed',
  ],
  ['an oversized token', async () => `${await jwt(valid)}${'A'.repeat(9000)}`, 'token_malformed'],
  ['a missing sub', () => jwt({ exp: NOW + 60 }), 'token_claims'],
  ['an empty sub', () => jwt({ ...valid, sub: '' }), 'token_claims'],
  ['a 201-character sub', () => jwt({ ...valid, sub: 'a'.repeat(201) }), 'token_claims'],
  ['a sub with a right-to-left override', () => jwt({ ...valid, sub: '\u202ealice' }), 'token_claims'],
  ['a sub with a newline', () => jwt({ ...valid, sub: 'alice\nadmin' }), 'token_claims'],
  ['a numeric sub', () => jwt({ ...valid, sub: 42 }), 'token_claims'],
  ['a missing exp', () => jwt({ sub: 'alice' }), 'token_claims'],
  ['exp as a string', () => jwt({ ...valid, exp: String(NOW + 60) }), 'token_claims'],
  ['exp two days out', () => jwt({ sub: 'alice', exp: NOW + 2 * 86_400 }), 'token_lifetime'],
  [
    'exp more than 24 h after iat',
    () => jwt({ sub: 'alice', iat: NOW - 86_400, exp: NOW + 60 }),
    'token_lifetime',
  ],
  ['exactly 24 h after iat', () => jwt({ sub: 'alice', iat: NOW, exp: NOW + 86_400 }), 'ok'],
  ['nbf 60 s in the future', () => jwt({ ...valid, nbf: NOW + 60 }), 'token_not_yet_valid'],
  ['nbf 20 s in the future (within skew)', () => jwt({ ...valid, nbf: NOW + 20 }), 'ok'],
  ['iat a year in the future', () => jwt({ ...valid, iat: NOW + 31_536_000 }), 'token_not_yet_valid'],
  ['iat 20 s in the future (within skew)', () => jwt({ ...valid, iat: NOW + 20 }), 'ok'],
  ['an origin with a path', () => jwt({ ...valid, origin: 'https://app.example.com/' }), 'token_claims'],
  ['an empty origin array', () => jwt({ ...valid, origin: [] }), 'token_claims'],
  ['models as a string', () => jwt({ ...valid, models: 'gpt-4o' }), 'token_claims'],
  ['models with a non-string', () => jwt({ ...valid, models: ['gpt-4o', 4] }), 'token_claims'],
  ['max_tokens of 0', () => jwt({ ...valid, max_tokens: 0 }), 'token_claims'],
  ['max_tokens as a string', () => jwt({ ...valid, max_tokens: '512' }), 'token_claims'],
  ['a fractional rpm', () => jwt({ ...valid, rpm: 1.5 }), 'token_claims'],
  ['a negative tpd', () => jwt({ ...valid, tpd: -1 }), 'token_claims'],
  ['a null tpd', () => jwt({ ...valid, tpd: null }), 'token_claims'],
];

describe('verifyClientToken', () => {
  it.each(cases)('%s → %s', async (_name, token, code) => {
    expect(await codeOf(token())).toBe(code);
  });

  it('returns the claims, normalising a single origin to an array', async () => {
    const claims = await verifyClientToken(
      await jwt({ ...valid, origin: 'https://App.Example.com', aud: 'ignored' }),
      SECRET,
      NOW,
    );
    expect(claims).toEqual({ sub: 'alice', iat: NOW, exp: NOW + 900, origin: ['https://app.example.com'] });
  });

  it('keeps an origin array and parses models, max_tokens, rpm and tpd', async () => {
    const payload = {
      ...valid,
      origin: ['https://a.example', 'http://localhost:5173'],
      models: ['gpt-4o-mini', 'text-embedding-*'],
      max_tokens: 512,
      rpm: 0,
      tpd: 20_000,
    };
    expect(await verifyClientToken(await jwt(payload), SECRET, NOW)).toEqual({
      sub: 'alice',
      iat: NOW,
      exp: NOW + 900,
      origin: ['https://a.example', 'http://localhost:5173'],
      models: ['gpt-4o-mini', 'text-embedding-*'],
      maxTokens: 512,
      rpm: 0,
      tpd: 20_000,
    });
  });

  it('refuses a secret shorter than 32 characters as a configuration error', async () => {
    await expect(verifyClientToken(await jwt(valid), 'short', NOW)).rejects.toThrow(/TOKEN_SECRET/);
    expect(() => parseConfig({ TOKEN_SECRET: 'short' })).toThrow(/TOKEN_SECRET/);
  });
});

describe('mintClientToken', () => {
  it('mints a token that verifies, with the optional claims in wire form', async () => {
    const options = { sub: 'bob', ttlSeconds: 600, origin: 'https://app.example.com', maxTokens: 256 };
    const token = await mintClientToken(options, SECRET, NOW + 0.7);
    expect(looksLikeJwt(token)).toBe(true);
    expect(JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')))).toEqual({
      sub: 'bob',
      iat: NOW,
      exp: NOW + 600,
      origin: 'https://app.example.com',
      max_tokens: 256,
    });
    expect(await verifyClientToken(token, SECRET, NOW)).toMatchObject({ sub: 'bob', maxTokens: 256 });
  });

  it('matches an independent HMAC implementation byte for byte', async () => {
    const token = await mintClientToken({ sub: 'alice', ttlSeconds: 900 }, SECRET, NOW);
    expect(token).toBe(await jwt(valid));
  });

  it.each([0, 86_401, 1.5])('refuses a ttl of %s seconds', async (ttlSeconds) => {
    await expect(mintClientToken({ sub: 'a', ttlSeconds }, SECRET, NOW)).rejects.toThrow(RangeError);
  });
});

describe('looksLikeJwt', () => {
  it.each([
    ['a signed JWT', () => jwt(valid), true],
    ['an unsigned JWT', async () => `${segment({ alg: 'none' })}.${segment(valid)}.`, true],
    ['an OpenAI-style key', async () => 'sk-proj-abc123', false],
    ['a static proxy key', async () => 'client-key-1', false],
    ['dotted text whose first part is not JSON', async () => 'a.b.c', false],
    ['a JSON array header', async () => `${segment([1])}.${segment(valid)}.x`, false],
  ])('%s → %s', async (_name, token, expected) => {
    expect(looksLikeJwt(await token())).toBe(expected);
  });
});

describe('modelAllowed', () => {
  it.each([
    ['gpt-4o-mini', ['gpt-4o-mini'], true],
    ['gpt-4o-mini', ['gpt-4o'], false],
    ['gpt-4o-mini', ['gpt-4o*'], true],
    ['gpt-4o', ['gpt-4o*'], true],
    ['gpt-4', ['gpt-4o*'], false],
    ['text-embedding-3-small', ['gpt-4o', 'text-embedding-*'], true],
    ['anything', ['*'], true],
    ['anything', [], false],
    ['GPT-4o', ['gpt-4o'], false],
    ['gpt-4o-mini', ['gpt-*-mini'], false],
  ] as const)('%s with %j → %s', (model, patterns, expected) => {
    expect(modelAllowed(model, patterns)).toBe(expected);
  });
});

describe('ALLOWED_MODELS parsing', () => {
  it.each([
    ['gpt-4o-mini', ['gpt-4o-mini']],
    [' gpt-4o , text-embedding-* ', ['gpt-4o', 'text-embedding-*']],
    ['a,,b,', ['a', 'b']],
    [' , ', []],
  ])('%j → %j', (value, expected) => {
    expect(parseConfig({ ALLOWED_MODELS: value }).allowedModels).toEqual(expected);
  });
});
