// Tokens from the app's own sign-in, verified against the identity provider's JWKS (a local
// server with keys generated on this run), and Cloudflare Access assertions, through the Worker.
import { SignJWT, importJWK, type JWK, type JWTPayload } from 'jose';
import { describe, expect, inject, it, vi } from 'vitest';
import { mintClientToken } from '../../scripts/mint-token.mjs';
import { send, uniqueTag, type Overrides } from './helpers';

const idp = inject('identityProvider');
const ISSUER = 'https://idp.test/';
const AUDIENCE = 'edge-proxy-tests';
const SECRET = 'identity-test-hs-secret-0123456789abcd';

/** A configuration with its own JWKS path, so this test has its own key cache and fetch count. */
function provider(extra: Overrides = {}) {
  const path = `/jwks/${uniqueTag()}.json`;
  const overrides: Overrides = {
    JWKS_URL: `${idp.url}${path}`,
    TOKEN_ISSUER: ISSUER,
    TOKEN_AUDIENCE: AUDIENCE,
    PROXY_KEYS: '',
    CACHE_TTL: '0',
    ...extra,
  };
  return { path, overrides };
}

async function sign(
  jwk: JWK,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: `user-${uniqueTag()}`,
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid!, typ: 'JWT', ...header })
    .sign(await importJWK(jwk, jwk.alg));
}

async function chat(token: string, overrides: Overrides, headers: Record<string, string> = {}) {
  const { response } = await send(
    '/v1/chat/completions',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
    },
    overrides,
  );
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message ?? '' };
}

const fetches = async (path: string) =>
  (
    (await (await fetch(`${idp.url}/__idp/count?path=${encodeURIComponent(path)}`)).json()) as {
      count: number;
    }
  ).count;
const control = (what: string) => fetch(`${idp.url}/__idp/${what}`, { method: 'POST' });

describe('identity-provider tokens (JWKS)', () => {
  it('accepts tokens signed with RS256 and ES256 keys, fetching the JWKS once', async () => {
    const { path, overrides } = provider();
    expect(await chat(await sign(idp.keys.rsa), overrides)).toMatchObject({ status: 200 });
    expect(await chat(await sign(idp.keys.ec), overrides)).toMatchObject({ status: 200 });
    expect(await fetches(path)).toBe(1);
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.test/' }, {}, 'token_issuer'],
    ['a wrong audience', { aud: 'another-app' }, {}, 'token_audience'],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 120 }, {}, 'token_expired'],
    [
      'a token that lives over 24 hours',
      { exp: Math.floor(Date.now() / 1000) + 3 * 86_400 },
      {},
      'token_lifetime',
    ],
    ['an unknown kid', {}, { kid: 'made-up' }, 'token_key'],
  ])('refuses %s', async (_case, claims, header, code) => {
    const { overrides } = provider();
    expect(await chat(await sign(idp.keys.rsa, claims, header), overrides)).toMatchObject({
      status: 401,
      code,
    });
  });

  it('refuses alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    const { overrides } = provider();
    const segment = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now + 600 };
    const none = `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`;
    expect(await chat(none, overrides)).toMatchObject({ status: 401, code: 'token_algorithm' });
    // The classic attack: the RSA public key, as published, used as an HMAC secret.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = idp.keys.rsa;
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: idp.keys.rsa.kid! })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    expect(await chat(confused, overrides)).toMatchObject({ status: 401, code: 'token_algorithm' });
    // With TOKEN_SECRET on too, an HS256 token goes to the secret, never to a JWKS key.
    const both = provider({ TOKEN_SECRET: SECRET }).overrides;
    expect(await chat(confused, both)).toMatchObject({ status: 401, code: 'token_signature' });
    // An algorithm neither verifier takes is refused naming every one they would.
    const ps256 = `${segment({ alg: 'PS256', typ: 'JWT' })}.${segment(claims)}.c2ln`;
    const refused = await chat(ps256, both);
    expect(refused).toMatchObject({ status: 401, code: 'token_algorithm' });
    expect(refused.message).toBe('Client tokens must be signed with HS256, RS256, ES256, EdDSA.');
  });

  it('lets a burst of sign-ins at a cold start wait for the one fetch of the keys', async () => {
    const { path, overrides } = provider();
    await control(`slow?path=${encodeURIComponent(path)}&ms=400`);
    const burst = await Promise.all(
      Array.from({ length: 6 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index * 50));
        return chat(await sign(idp.keys.rsa), overrides);
      }),
    );
    expect(burst.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await fetches(path)).toBe(1);
  });

  it('refetches for a rotated key, but at most once per cool-down for a flood of unknown kids', async () => {
    const { path, overrides } = provider({ JWKS_COOLDOWN_SECONDS: '0' });
    expect(await chat(await sign(idp.keys.rsa), overrides)).toMatchObject({ status: 200 });
    await control('publish');
    expect(await chat(await sign(idp.keys.next), overrides)).toMatchObject({ status: 200 });
    expect(await fetches(path)).toBe(2);

    const flood = provider(); // The default cool-down, 30 seconds.
    expect(await chat(await sign(idp.keys.rsa), flood.overrides)).toMatchObject({ status: 200 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const forged = await Promise.all(
      Array.from({ length: 20 }, async () =>
        chat(await sign(idp.keys.rsa, {}, { kid: `random-${uniqueTag()}` }), flood.overrides),
      ),
    );
    expect(forged.every((result) => result.status === 401 && result.code === 'token_key')).toBe(true);
    expect(await fetches(flood.path)).toBeLessThanOrEqual(2);
  });

  it('keeps verifying with the keys it has while the provider is down, and drops a withdrawn key after a refetch', async () => {
    const { path, overrides } = provider({ JWKS_COOLDOWN_SECONDS: '0' });
    expect(await chat(await sign(idp.keys.ec), overrides)).toMatchObject({ status: 200 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await control('down?down=1');
    try {
      // An unknown kid makes it try the provider, which fails: the known keys still work.
      expect(await chat(await sign(idp.keys.rsa, {}, { kid: 'not-there' }), overrides)).toMatchObject({
        status: 401,
      });
      expect(await chat(await sign(idp.keys.ec), overrides)).toMatchObject({ status: 200 });
      expect(await fetches(path)).toBe(2);
      expect(logged.mock.calls.map(([line]) => String(line)).join()).toContain('jwks_fetch_failed');
    } finally {
      logged.mockRestore();
      await control('down?down=0');
    }
    await fetch(`${idp.url}/__idp/withdraw?kid=ec-1`, { method: 'POST' });
    try {
      await chat(await sign(idp.keys.rsa, {}, { kid: 'trigger-refetch' }), overrides);
      expect(await chat(await sign(idp.keys.ec), overrides)).toMatchObject({
        status: 401,
        code: 'token_key',
      });
    } finally {
      await control('publish'); // Leaves rsa-2 published; ec-1 stays withdrawn for this run only.
    }
  });

  it('keeps quotas per user, namespaced by the issuer, beside HS256 tokens', async () => {
    const { overrides } = provider({ REQUESTS_PER_MINUTE: '1', TOKEN_SECRET: SECRET });
    const sub = `same-${uniqueTag()}`;
    expect((await chat(await sign(idp.keys.rsa, { sub }), overrides)).status).toBe(200);
    expect((await chat(await sign(idp.keys.rsa, { sub }), overrides)).status).toBe(429);
    expect((await chat(await sign(idp.keys.rsa, { sub: `${sub}-2` }), overrides)).status).toBe(200);
    // The same `sub` in an HS256 token is another caller: its quota is its own.
    const hs = await mintClientToken({ sub, ttlSeconds: 600 }, SECRET, Date.now() / 1000);
    expect((await chat(hs, overrides)).status).toBe(200);
  });

  it('answers 503, not 401, while a provider whose keys it never had is unreachable, and refuses HS256 subs with a slash', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const down = provider({ JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    expect(await chat(await sign(idp.keys.rsa), down.overrides)).toMatchObject({
      status: 503,
      code: 'identity_provider_unavailable',
    });
    logged.mockRestore();
    const both = provider({ TOKEN_SECRET: SECRET }).overrides;
    const forged = await mintClientToken(
      { sub: 'idp.test/victim', ttlSeconds: 600 },
      SECRET,
      Date.now() / 1000,
    );
    expect(await chat(forged, both)).toMatchObject({ status: 401, code: 'token_claims' });
  });

  it('names the missing settings when only some of the three are set', async () => {
    const { response } = await send(
      '/v1/models',
      {},
      { JWKS_URL: `${idp.url}/jwks.json`, TOKEN_ISSUER: ISSUER },
    );
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status).toBe(500);
    expect(body.error.message).toContain('set TOKEN_AUDIENCE too');
  });
});

describe('Cloudflare Access', () => {
  it('authenticates the Cf-Access-Jwt-Assertion header with the team keys and audience', async () => {
    const team = `${idp.url}/team-${uniqueTag()}`;
    const overrides = {
      ACCESS_TEAM_DOMAIN: team,
      ACCESS_AUD: 'access-aud-tag',
      PROXY_KEYS: 'unused-key-1',
      CACHE_TTL: '0',
    };
    const assertion = await sign(idp.keys.rsa, {
      iss: team,
      aud: 'access-aud-tag',
      email: 'alice@example.com',
    });
    expect(await chat('sk-anything', overrides, { 'cf-access-jwt-assertion': assertion })).toMatchObject({
      status: 200,
    });
    const wrongAud = await sign(idp.keys.rsa, { iss: team, aud: 'other-app' });
    expect(await chat('sk-anything', overrides, { 'cf-access-jwt-assertion': wrongAud })).toMatchObject({
      status: 401,
      code: 'token_audience',
    });
    expect(await chat('sk-anything', overrides)).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });
});
