// Budgets and limits that outside testing dodged: aborted streams, output caps, deep JSON,
// IPv6 rotation, cache keys that ignored headers, and the defaults for each kind of caller.
import { describe, expect, it, vi } from 'vitest';
import { mintClientToken } from '../../scripts/mint-token.mjs';
import { received, send, uniqueTag, type Overrides } from './helpers';

type Json = Record<string, unknown>;
const LIMIT = 1_000_000;

function keyed(limits: string): { key: string; overrides: Overrides } {
  const key = `budget-${uniqueTag()}`;
  return { key, overrides: { PROXY_KEYS: `${key} ${limits}`.trim(), CACHE_TTL: '0' } };
}

function chatInit(key: string, body: Json): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** Tokens charged so far: the budget left after a probe request, plus the probe's own reservation. */
async function charged(key: string, overrides: Overrides): Promise<number> {
  const probe = { model: 'echo-1', max_tokens: 1, messages: [{ role: 'user', content: 'p' }] };
  const { response, settled } = await send('/v1/chat/completions', chatInit(key, probe), overrides);
  await response.text();
  await settled;
  const reserve = Math.ceil(JSON.stringify(probe).length / 4) + 1;
  return LIMIT - Number(response.headers.get('x-ratelimit-remaining-tokens')) - reserve;
}

/** Reads `chunks` content chunks of a stream, then disconnects; returns the characters read. */
async function readThenAbort(response: Response, chunks: number): Promise<number> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/"content":"[a-z]+"/g) ?? []).length < chunks) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return (text.match(/"content":"([a-z]+)"/g) ?? []).reduce((sum, match) => sum + match.length - 12, 0);
}

describe('a stream the client abandons is charged what it delivered', () => {
  it.each([
    ['the JavaScript relay (the proxy strips the usage it asked for)', {}],
    ['the native relay (the client asked for usage)', { stream_options: { include_usage: true } }],
  ])('through %s', async (_relay, extra) => {
    const { key, overrides } = keyed(`tpd=${LIMIT}`);
    const body = {
      model: 'echo-1',
      stream: true,
      messages: [{ role: 'user', content: 'long answer please' }],
      x_mock: { scenario: 'chunks', count: 400, size: 100, intervalMs: 2 },
      ...extra,
    };
    const { response, settled } = await send('/v1/chat/completions', chatInit(key, body), overrides);
    const delivered = await readThenAbort(response, 150);
    await settled;
    expect(delivered).toBeGreaterThanOrEqual(150 * 100);
    const prompt = Math.ceil(JSON.stringify(body).length / 4);
    const charge = await charged(key, overrides);
    // At least the prompt and the output delivered (4 characters a token), far above the
    // 1,024-token reservation an abort used to be charged.
    expect(charge).toBeGreaterThanOrEqual(prompt + Math.ceil(delivered / 4));
    expect(charge).toBeLessThan(prompt + Math.ceil((400 * 100) / 4));
  });
});

describe("a token's max_tokens cap bounds the whole request", () => {
  const SECRET = 'budget-test-token-secret-0123456789abcd';
  async function asToken(body: Json, route = '/v1/chat/completions') {
    const token = await mintClientToken(
      { sub: uniqueTag(), ttlSeconds: 600, maxTokens: 100 },
      SECRET,
      Date.now() / 1000,
    );
    const tag = uniqueTag();
    const { response } = await send(
      route,
      chatInit(token, {
        model: 'echo-1',
        messages: [{ role: 'user', content: 'hi' }],
        prompt: 'hi',
        user: tag,
        ...body,
      }),
      { TOKEN_SECRET: SECRET, CACHE_TTL: '0' },
    );
    const json = (await response.json()) as { error?: { code: string; param: string } };
    return { status: response.status, json, forwarded: (await received(tag)).length };
  }

  it.each([
    ['n multiplies the cap', { max_tokens: 10, n: 128 }, '/v1/chat/completions', 'max_tokens'],
    [
      'best_of multiplies it on completions',
      { max_tokens: 10, best_of: 20 },
      '/v1/completions',
      'max_tokens',
    ],
    [
      'every limit field present must fit',
      { max_tokens: 100000, max_completion_tokens: 10 },
      '/v1/chat/completions',
      'max_tokens',
    ],
    ['no limit at all', {}, '/v1/chat/completions', 'max_completion_tokens'],
  ])('refuses when %s, forwarding nothing', async (_case, body, route, param) => {
    const result = await asToken(body, route);
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ code: 'max_tokens_over_cap', param });
    expect(result.forwarded).toBe(0);
  });

  it('lets a request through whose choices times its limits fit', async () => {
    const result = await asToken({ max_tokens: 50, max_completion_tokens: 40, n: 2 });
    expect(result.status).toBe(200);
    expect(result.forwarded).toBe(1);
  });
});

describe('input that used to cost a reservation', () => {
  it('refuses JSON nested 4,000 deep with a 400 before anything is reserved', async () => {
    const { key, overrides } = keyed(`tpd=${LIMIT}`);
    const deep = `{"model":"echo-1","messages":[],"x":${'['.repeat(4000)}${']'.repeat(4000)}}`;
    const { response } = await send(
      '/v1/chat/completions',
      { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: deep },
      overrides,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_json', type: 'invalid_request_error' },
    });
    expect(await charged(key, overrides)).toBe(0);
  });

  it('releases the reservation when the proxy fails inside, and logs the error with a request id', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { key, overrides } = keyed(`tpd=${LIMIT}`);
    // A CACHE binding that is not a KV namespace makes the cache lookup throw.
    const broken = { ...overrides, CACHE_TTL: '3600', CACHE: {} as KVNamespace };
    const { response, settled } = await send(
      '/v1/chat/completions',
      chatInit(key, { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
      broken,
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'internal_error' } });
    await settled;
    const [line] = logged.mock.calls.map(([text]) => JSON.parse(String(text)) as Record<string, unknown>);
    logged.mockRestore();
    expect(line).toMatchObject({ level: 'error', event: 'internal_error', request_id: expect.any(String) });
    expect(JSON.stringify(line)).not.toContain(key);
    expect(await charged(key, overrides)).toBe(0);
  });
});

describe('anonymous callers', () => {
  const open: Overrides = {
    ALLOW_ANONYMOUS: 'true',
    PROXY_KEYS: '',
    REQUESTS_PER_MINUTE: '2',
    CACHE_TTL: '0',
  };
  const from = async (ip: string) => {
    const { response } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
      },
      open,
    );
    await response.arrayBuffer();
    return response.status;
  };

  it('share one quota per IPv6 /64, however the address is written', async () => {
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
    expect(await from(`${net}::1`)).toBe(200);
    expect(await from(`${net}:ffff:0:0:2`)).toBe(200);
    expect(await from(`${net.toUpperCase()}:0:0:0:3`)).toBe(429);
    expect(await from(`${net}1::1`)).toBe(200);
  });
});

describe('defaults by kind of caller', () => {
  it('leaves a server key unlimited unless its entry sets a limit', async () => {
    const key = `server-${uniqueTag()}`;
    const limited = `limited-${uniqueTag()}`;
    const overrides = { PROXY_KEYS: `${key}, ${limited} rpm=1`, REQUESTS_PER_MINUTE: '1', CACHE_TTL: '0' };
    const body = { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] };
    const statuses = async (who: string) => {
      const results: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await send('/v1/chat/completions', chatInit(who, body), overrides);
        await response.arrayBuffer();
        results.push(response.status);
      }
      return results;
    };
    expect(await statuses(key)).toEqual([200, 200, 200]);
    expect(await statuses(limited)).toEqual([200, 429, 429]);
  });
});

describe('requests as browsers and SDKs send them', () => {
  it('keys the cache on openai-beta, which changes the answer', async () => {
    const body = { model: 'echo-1', user: uniqueTag(), messages: [{ role: 'user', content: 'beta?' }] };
    const ask = async (beta: string) => {
      const { response, settled } = await send('/v1/chat/completions', {
        ...chatInit('client-key-1', body),
        headers: {
          authorization: 'Bearer client-key-1',
          'content-type': 'application/json',
          'openai-beta': beta,
        },
      });
      await response.text();
      await settled;
      return response.headers.get('x-cache');
    };
    expect(await ask('assistants=v2')).toBe('MISS');
    expect(await ask('assistants=v1')).toBe('MISS');
    expect(await ask('assistants=v2')).toBe('HIT');
    expect(await received(body.user)).toHaveLength(2);
  });

  it('validates a text/plain body as JSON and forwards it as application/json', async () => {
    const tag = uniqueTag();
    const plain = (text: string) =>
      send('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: 'Bearer client-key-1', 'content-type': 'text/plain;charset=UTF-8' },
        body: text,
      });
    const good = await plain(
      JSON.stringify({ model: 'echo-1', user: tag, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(good.response.status).toBe(200);
    const [upstream] = await received(tag);
    expect(upstream?.headers['content-type']).toBe('application/json');
    const bad = await plain('model=echo-1');
    expect(bad.response.status).toBe(400);
    expect(await bad.response.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });
});
