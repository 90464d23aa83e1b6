// Signed client tokens as a browser uses them: through the Worker, with TOKEN_SECRET configured.
import { describe, expect, it } from 'vitest';
import { mintClientToken, type MintOptions } from '../../scripts/mint-token.mjs';
import { received, send, uniqueTag, type Overrides } from './helpers';

const SECRET = 'worker-test-token-secret-0123456789';
const withTokens: Overrides = { TOKEN_SECRET: SECRET, CACHE_TTL: '0' };
const now = () => Math.floor(Date.now() / 1000);

function mint(options: Partial<MintOptions> = {}, secret = SECRET): Promise<string> {
  return mintClientToken({ sub: `user-${uniqueTag()}`, ttlSeconds: 900, ...options }, secret, now());
}

async function chatWith(
  token: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const { response, settled } = await send(
    '/v1/chat/completions',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], ...body }),
    },
    withTokens,
  );
  const json = (await response.json()) as { error?: { code: string; message: string; param: string | null } };
  await settled;
  return { status: response.status, json, headers: response.headers };
}

describe('client tokens through the Worker', () => {
  it('accepts a valid token in place of a proxy key', async () => {
    const result = await chatWith(await mint());
    expect(result.status).toBe(200);
  });

  it.each([
    ['expired', () => mintClientToken({ sub: 'a', ttlSeconds: 60 }, SECRET, now() - 3600), 'token_expired'],
    [
      'signed with another secret',
      () => mint({}, 'another-secret-that-is-long-enough-123'),
      'token_signature',
    ],
  ])('refuses a token that is %s with a 401 that says which', async (_, makeToken, code) => {
    const tag = uniqueTag();
    const result = await chatWith(await makeToken(), { user: tag });
    expect(result.status).toBe(401);
    expect(result.json.error?.code).toBe(code);
    expect(await received(tag)).toHaveLength(0);
  });

  it('refuses a token used from another page origin', async () => {
    const token = await mint({ origin: 'https://app.example.com' });
    expect((await chatWith(token, {}, { origin: 'https://app.example.com' })).status).toBe(200);
    const elsewhere = await chatWith(token, {}, { origin: 'https://evil.example.net' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json.error?.code).toBe('token_origin');
    expect((await chatWith(token)).status).toBe(401);
  });

  it("enforces the token's models claim", async () => {
    const token = await mint({ models: ['echo-slow'] });
    const refused = await chatWith(token, { model: 'echo-1' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${token}` } },
      withTokens,
    );
    const list = (await response.json()) as { data: { id: string }[] };
    expect(list.data.map((model) => model.id)).toEqual(['echo-slow']);
  });

  it('refuses a request that asks for more output than the max_tokens claim, or does not bound it', async () => {
    const token = await mint({ maxTokens: 64 });
    expect((await chatWith(token, { max_tokens: 64 })).status).toBe(200);
    expect((await chatWith(token, { max_completion_tokens: 32 })).status).toBe(200);
    const over = await chatWith(token, { max_tokens: 65 });
    expect(over.status).toBe(400);
    expect(over.json.error).toMatchObject({ code: 'max_tokens_over_cap', param: 'max_tokens' });
    expect((await chatWith(token)).status).toBe(400);
  });

  it('narrows the request limit with the rpm claim and keys the quota by subject', async () => {
    const sub = `narrow-${uniqueTag()}`;
    const token = await mint({ sub, rpm: 1 });
    const first = await chatWith(token);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('1');
    const second = await chatWith(await mint({ sub, rpm: 1 }));
    expect(second.status).toBe(429);
  });

  it('treats tokens as plain keys when TOKEN_SECRET is unset', async () => {
    const token = await mint();
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${token}` } },
      { CACHE_TTL: '0' },
    );
    expect(response.status).toBe(401);
  });
});
