import { describe, expect, it } from 'vitest';
import { received, send, uniqueTag, type Overrides } from './helpers';

type Json = Record<string, unknown>;

/** A dedicated key per test, so each test has its own quota counter. */
function keyed(limits: string): { key: string; overrides: Overrides } {
  const key = `quota-${uniqueTag()}`;
  return { key, overrides: { PROXY_KEYS: `${key} ${limits}`.trim(), CACHE_TTL: '0' } };
}

function chatRequest(key: string, body: Json, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'count me' }], ...body }),
  };
}

async function chat(key: string, overrides: Overrides, body: Json = {}) {
  const { response, settled } = await send('/v1/chat/completions', chatRequest(key, body), overrides);
  const text = await response.text();
  await settled;
  return { response, text };
}

describe('per-caller request limits (Durable Object)', () => {
  it('lets exactly the limit through when 20 requests race a limit of 10', async () => {
    const { key, overrides } = keyed('rpm=10');
    const results = await Promise.all(Array.from({ length: 20 }, () => chat(key, overrides)));
    const statuses = results.map((result) => result.response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
  });

  it("answers 429 in OpenAI's shape with the caller's limits in the headers", async () => {
    const { key, overrides } = keyed('rpm=2');
    const first = await chat(key, overrides);
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await chat(key, overrides);
    const refused = await chat(key, overrides);
    expect(refused.response.status).toBe(429);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded', param: null },
    });
    const headers = refused.response.headers;
    expect(headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+s$/);
    // Most of a minute to wait: the SDK is told not to sit it out silently.
    expect(headers.get('x-should-retry')).toBe('false');
  });

  it("replaces the upstream account rate-limit headers with the caller's", async () => {
    const { key, overrides } = keyed('rpm=5');
    const { response } = await chat(key, overrides);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBeNull();
  });

  it('limits anonymous callers per IP address', async () => {
    const open: Overrides = {
      ALLOW_ANONYMOUS: 'true',
      PROXY_KEYS: '',
      REQUESTS_PER_MINUTE: '2',
      CACHE_TTL: '0',
    };
    const from = (ip: string) =>
      send(
        '/v1/chat/completions',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
          body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
        },
        open,
      ).then(async ({ response }) => (await response.arrayBuffer(), response.status));
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}`;
    expect([await from(ip), await from(ip), await from(ip)]).toEqual([200, 200, 429]);
    expect(await from(`203.0.113.${Math.floor(Math.random() * 200)}`)).toBe(200);
  });
});

describe('per-caller token budgets', () => {
  it('settles a reservation to the real usage of a JSON answer', async () => {
    const { key, overrides } = keyed('tpd=100000');
    const body = { max_tokens: 50 };
    const first = await chat(key, overrides, body);
    const used = (JSON.parse(first.text) as { usage: { total_tokens: number } }).usage.total_tokens;
    const reserve =
      Number(first.response.headers.get('x-ratelimit-limit-tokens')) -
      Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
    const second = await chat(key, overrides, body);
    expect(Number(second.response.headers.get('x-ratelimit-remaining-tokens'))).toBe(100000 - used - reserve);
  });

  it('releases the reservation when the upstream fails', async () => {
    const { key, overrides } = keyed('tpd=100000');
    const failed = await chat(key, overrides, { x_mock: { scenario: 'status', status: 500 } });
    expect(failed.response.status).toBe(500);
    const next = await chat(key, overrides);
    const reserve = 100000 - Number(next.response.headers.get('x-ratelimit-remaining-tokens'));
    const again = await chat(key, overrides);
    const used = (JSON.parse(next.text) as { usage: { total_tokens: number } }).usage.total_tokens;
    // Only the successful request's real usage and the current reservation are counted.
    expect(Number(again.response.headers.get('x-ratelimit-remaining-tokens'))).toBe(100000 - used - reserve);
  });

  it("refuses with x-should-retry: false once the day's budget is spent", async () => {
    const { key, overrides } = keyed('tpd=40');
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof chat>> | undefined;
    while (!refused && statuses.length < 20) {
      const result = await chat(key, overrides, { max_tokens: 10 });
      statuses.push(result.response.status);
      if (result.response.status === 429) refused = result;
    }
    expect(statuses[0]).toBe(200);
    expect(refused).toBeDefined();
    expect(JSON.parse(refused!.text)).toMatchObject({
      error: { type: 'tokens', code: 'rate_limit_exceeded' },
    });
    expect(refused!.response.headers.get('x-should-retry')).toBe('false');
    expect(refused!.response.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(refused!.response.headers.get('x-ratelimit-limit-tokens')).toBe('40');
  });

  it('asks upstream for stream usage, settles from it, and strips the chunk the client did not ask for', async () => {
    const { key, overrides } = keyed('tpd=100000');
    const tag = uniqueTag();
    const first = await chat(key, overrides, { stream: true, user: tag, max_tokens: 50 });
    expect(first.text).toContain('data: [DONE]');
    expect(first.text).not.toContain('"choices":[]');
    const [upstream] = await received(tag);
    expect(JSON.parse(upstream!.body)).toMatchObject({ stream_options: { include_usage: true } });
    const reserve = 100000 - Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
    const second = await chat(key, overrides, { stream: true, max_tokens: 50, user: tag });
    const remaining = Number(second.response.headers.get('x-ratelimit-remaining-tokens'));
    // Settled from the usage chunk: less was used than reserved.
    expect(remaining).toBeGreaterThan(100000 - 2 * reserve);
  });

  it('keeps the usage chunk when the client asked for it, byte for byte as sent', async () => {
    const { key, overrides } = keyed('tpd=100000');
    const tag = uniqueTag();
    const withUsage = await chat(key, overrides, {
      stream: true,
      user: tag,
      stream_options: { include_usage: true },
    });
    expect(withUsage.text).toContain('"choices":[]');
    expect(withUsage.text).toContain('"usage":{');
    const [upstream] = await received(tag);
    expect(JSON.parse(upstream!.body)).toMatchObject({ stream_options: { include_usage: true } });
  });
});

describe('model allow-lists', () => {
  const restricted: Overrides = { ALLOWED_MODELS: 'echo-*', CACHE_TTL: '0' };

  it('refuses a model outside ALLOWED_MODELS and forwards nothing', async () => {
    const tag = uniqueTag();
    const { response } = await send(
      '/v1/chat/completions',
      chatRequest('client-key-1', { model: 'text-embedding-echo', user: tag }),
      restricted,
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_allowed', param: 'model' } });
    expect(await received(tag)).toHaveLength(0);
  });

  it('lists only the models the caller may use', async () => {
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: 'Bearer client-key-1' } },
      restricted,
    );
    const list = (await response.json()) as { data: { id: string }[] };
    expect(list.data.map((model) => model.id)).toEqual(['echo-1', 'echo-slow']);
    const hidden = await send(
      '/v1/models/text-embedding-echo',
      { headers: { authorization: 'Bearer client-key-1' } },
      restricted,
    );
    expect(hidden.response.status).toBe(404);
  });

  it('applies a per-key models= list on top', async () => {
    const { key, overrides } = keyed('models=echo-slow');
    const allowed = await chat(key, overrides, { model: 'echo-slow' });
    expect(allowed.response.status).toBe(200);
    const refused = await chat(key, overrides, { model: 'echo-1' });
    expect(refused.response.status).toBe(403);
  });
});

describe('token settlement with STREAM_RELAY=checked', () => {
  it('settles from the usage chunk the client asked for', async () => {
    const { key, overrides } = keyed('tpd=100000');
    const checked: Overrides = { ...overrides, STREAM_RELAY: 'checked' };
    const body = { stream: true, stream_options: { include_usage: true }, max_tokens: 50 };
    const first = await chat(key, checked, body);
    expect(first.text).toContain('"choices":[]');
    const reserve = 100000 - Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
    const second = await chat(key, checked, body);
    // Without settlement the second admission would see two full reservations.
    expect(Number(second.response.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(
      100000 - 2 * reserve,
    );
  });
});
