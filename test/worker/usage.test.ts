// Who spent what, through the Worker: request ids and log lines, the D1 ledger read back through
// the admin API after a known mix of requests, cost from MODEL_PRICES, and dollar budgets.
import { describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, send, uniqueTag, upstreamKey, type Overrides } from './helpers';

const ADMIN_KEY = 'admin-key-for-tests-0123456789abcdef';
/** $1 per input token and $2 per output token: costs are easy to check by hand. */
const PRICES = JSON.stringify({ 'echo-1': { input: 1_000_000, output: 2_000_000 } });

type Json = Record<string, unknown>;
interface Row {
  caller?: string;
  model?: string;
  day?: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached: number;
  errors: number;
  cost_usd: number;
  unpriced: number;
  ttfb_p50_ms: number | null;
  ttfb_p95_ms: number | null;
}

async function callerId(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return `key_${[...new Uint8Array(digest, 0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function setup(extra: Overrides = {}) {
  const key = `usage-${uniqueTag()}`;
  const overrides: Overrides = {
    PROXY_KEYS: key,
    ADMIN_KEY,
    MODEL_PRICES: PRICES,
    USAGE_LEDGER: 'true',
    ...extra,
  };
  const call = async (body: Json, headers: Record<string, string> = {}) => {
    const { response, settled, disconnect } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          model: 'echo-1',
          messages: [{ role: 'user', content: 'count me in' }],
          ...body,
        }),
      },
      overrides,
    );
    return { response, settled, disconnect };
  };
  return { key, overrides, call };
}

async function usage(query: string, overrides: Overrides, key = ADMIN_KEY) {
  return send(`/admin/api/usage?${query}`, { headers: { authorization: `Bearer ${key}` } }, overrides);
}

/** Polls the ledger until the caller's row has `requests` requests (the queue delivers in batches). */
async function ledgerRow(caller: string, requests: number, overrides: Overrides): Promise<Row> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { response } = await usage('by=caller', overrides);
    const body = (await response.json()) as { data: Row[] };
    const row = body.data.find((candidate) => candidate.caller === caller);
    if (row && row.requests >= requests) return row;
    if (Date.now() > deadline) throw new Error(`ledger has ${JSON.stringify(row)} for ${caller}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const usageOf = (text: string) =>
  (JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;

describe('request ids and log lines', () => {
  it('gives every response an x-request-id, and logs one JSON line with both ids and no secret or prompt', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const { key, call } = setup();
    const secretPrompt = `prompt-${uniqueTag()}`;
    const ok = await call({ messages: [{ role: 'user', content: secretPrompt }] });
    await ok.response.text();
    await ok.settled;
    const refused = await send('/v1/models', { headers: { authorization: 'Bearer wrong-key' } });
    await refused.response.text();
    await refused.settled;
    spy.mockRestore();
    expect(ok.response.headers.get('x-request-id')).toMatch(/^req_mock_/); // The upstream's own id.
    expect(refused.response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/); // The proxy's.
    for (const path of ['/healthz', '/v1/files', '/nowhere']) {
      const { response } = await send(path);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
      await response.text();
    }
    const logged = lines
      .map((line) => JSON.parse(line) as Json)
      .filter((line) => line['event'] === 'request');
    const line = logged.find(
      (entry) => entry['upstream_request_id'] === ok.response.headers.get('x-request-id'),
    );
    expect(line).toMatchObject({
      request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/),
      caller: await callerId(key),
      route: 'chat.completions',
      model: 'echo-1',
      served_model: 'echo-1',
      upstream: 'openai',
      status: 200,
      cache: 'MISS',
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      ttfb_ms: expect.any(Number),
      duration_ms: expect.any(Number),
    });
    expect(
      logged.find((entry) => entry['request_id'] === refused.response.headers.get('x-request-id')),
    ).toMatchObject({
      status: 401,
      error_code: 'invalid_api_key',
    });
    const all = lines.join('\n');
    for (const secret of [key, upstreamKey, secretPrompt, 'wrong-key', 'You said'])
      expect(all).not.toContain(secret);
  });
});

describe('the usage ledger', () => {
  it(
    'counts a known mix exactly: JSON, streams with and without usage, a cache hit, an error',
    { timeout: 30_000 },
    async () => {
      const { key, overrides, call } = setup();
      const caller = await callerId(key);
      const tag = uniqueTag();
      // 1. JSON, and 2. the same again: a cache hit (no tokens, no cost).
      const json = await call({ user: tag });
      const jsonUsage = usageOf(await json.response.text());
      await json.settled;
      const hit = await call({ user: tag });
      expect(hit.response.headers.get('x-cache')).toBe('HIT');
      await hit.response.text();
      await hit.settled;
      // 3. A stream that asked for usage: the reported counts.
      const asked = await call({ user: uniqueTag(), stream: true, stream_options: { include_usage: true } });
      const askedText = await asked.response.text();
      await asked.settled;
      const reported = (
        JSON.parse(/data: (\{"id".*"choices":\[\],.*)\n/.exec(askedText)![1]!) as {
          usage: { prompt_tokens: number; completion_tokens: number };
        }
      ).usage;
      // 4. A stream that did not: the estimate, prompt bytes / 4 and generated characters / 4.
      const quietBody = { user: uniqueTag(), stream: true };
      const quiet = await call(quietBody);
      const quietText = await quiet.response.text();
      await quiet.settled;
      const generated = [...quietText.matchAll(/"content":"([^"]*)"/g)].reduce(
        (sum, match) => sum + match[1]!.length,
        0,
      );
      const quietPrompt = Math.ceil(
        JSON.stringify({
          model: 'echo-1',
          messages: [{ role: 'user', content: 'count me in' }],
          ...quietBody,
        }).length / 4,
      );
      // 5. An upstream error: an error, nothing used.
      const failed = await call({ user: uniqueTag(), x_mock: { scenario: 'status', status: 500 } });
      expect(failed.response.status).toBe(500);
      await failed.response.text();
      await failed.settled;
      const row = await ledgerRow(caller, 5, overrides);
      const input = jsonUsage.prompt_tokens + reported.prompt_tokens + quietPrompt;
      const output = jsonUsage.completion_tokens + reported.completion_tokens + Math.ceil(generated / 4);
      expect(row).toMatchObject({
        requests: 5,
        cached: 1,
        errors: 1,
        input_tokens: input,
        output_tokens: output,
        unpriced: 0,
      });
      expect(row.cost_usd).toBeCloseTo(input * 1 + output * 2, 6);
      expect(row.ttfb_p50_ms).toEqual(expect.any(Number));
      const byModel = (await (await usage('by=model', overrides)).response.json()) as { data: Row[] };
      expect(byModel.data.find((entry) => entry.model === 'echo-1')?.requests).toBeGreaterThanOrEqual(5);
    },
  );

  it(
    'charges an aborted stream its estimate, and flags a model with no price (an error, which cost nothing, is not flagged)',
    { timeout: 30_000 },
    async () => {
      const { key, overrides, call } = setup({ MODEL_PRICES: '' });
      const caller = await callerId(key);
      const aborted = await call({
        user: uniqueTag(),
        stream: true,
        x_mock: { scenario: 'chunks', count: 200, size: 40, intervalMs: 2 },
      });
      const reader = aborted.response.body!.getReader();
      for (let read = 0; read < 20; read++) await reader.read();
      await aborted.disconnect(reader);
      await aborted.settled;
      const failed = await call({ user: uniqueTag(), x_mock: { scenario: 'status', status: 404 } });
      expect(failed.response.status).toBe(404);
      await failed.response.text();
      await failed.settled;
      const row = await ledgerRow(caller, 2, overrides);
      expect(row.output_tokens).toBeGreaterThanOrEqual(Math.ceil((10 * 40) / 4));
      expect(row.output_tokens).toBeLessThan(Math.ceil((200 * 40) / 4));
      expect(row).toMatchObject({ requests: 2, errors: 1, unpriced: 1, cost_usd: 0 });
    },
  );
});

describe('dollar budgets', () => {
  it('never lets 20 racing requests spend past the budget, and settles it to the cent', async () => {
    const body = { user: 'racer', max_tokens: 10 };
    const text = JSON.stringify({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'count me in' }],
      ...body,
    });
    // Every request reserves the same: its prompt estimate at $1 and 10 output tokens at $2.
    const reserve = Math.ceil(text.length / 4) + 10 * 2;
    const budget = 5 * reserve + reserve / 2;
    const key = `budget-${uniqueTag()}`;
    const overrides = { PROXY_KEYS: `${key} usd=${budget}`, MODEL_PRICES: PRICES, CACHE_TTL: '0' };
    const request = (payload: string) =>
      send(
        '/v1/chat/completions',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: payload,
        },
        overrides,
      ).then(async ({ response, settled }) => {
        const answer = await response.text();
        await settled;
        return { response, answer };
      });
    const results = await Promise.all(Array.from({ length: 20 }, () => request(text)));
    const served = results.filter(({ response }) => response.status === 200);
    const refused = results.filter(({ response }) => response.status === 429);
    // At least the five whose maximum fits at once; a few more as settled answers free the rest.
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(served.length + refused.length).toBe(20);
    expect(refused[0]?.response.headers.get('x-should-retry')).toBe('false');
    expect(refused[0]?.response.headers.get('x-ratelimit-limit-usd')).toBe(String(budget));
    const spent = served.reduce((sum, { answer }) => {
      const usage = usageOf(answer);
      return sum + usage.prompt_tokens * 1 + usage.completion_tokens * 2;
    }, 0);
    expect(spent).toBeLessThanOrEqual(budget);
    // A request that cannot fit reports what is left: the budget minus exactly what was spent.
    const probe = await request(text.replace('"max_tokens":10', '"max_tokens":100000'));
    expect(probe.response.status).toBe(429);
    expect(Number(probe.response.headers.get('x-ratelimit-remaining-usd'))).toBeCloseTo(budget - spent, 6);
  });

  it('refuses a model without a price to a caller with a dollar budget', async () => {
    const key = `priced-${uniqueTag()}`;
    const { response } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'free?' }] }),
      },
      { PROXY_KEYS: `${key} usd=5` },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_priced', param: 'model' } });
  });

  it('narrows a budget with a token claim and applies DOLLARS_PER_DAY to anonymous callers', async () => {
    const open = {
      ALLOW_ANONYMOUS: 'true',
      PROXY_KEYS: '',
      DOLLARS_PER_DAY: '0.000001',
      MODEL_PRICES: PRICES,
      CACHE_TTL: '0',
    };
    const { response } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'cf-connecting-ip': `203.0.113.${Math.floor(Math.random() * 250)}`,
        },
        body: JSON.stringify({ model: 'echo-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      },
      open,
    );
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { type: 'dollars', code: 'rate_limit_exceeded' } });
  });
});

describe('the admin API', () => {
  it('does not exist without ADMIN_KEY, and refuses client keys and tokens', async () => {
    const none = await usage('by=day', {}, ADMIN_KEY);
    expect(none.response.status).toBe(404);
    await none.response.text();
    const client = await usage('by=day', { ADMIN_KEY }, CLIENT_KEY);
    expect(client.response.status).toBe(401);
    expect(await client.response.json()).toMatchObject({ error: { code: 'invalid_admin_key' } });
  });

  it.each([
    ['by=user', 'invalid_group'],
    ['to=2026-13-01', 'invalid_date'],
    ['from=2026-13-01', 'invalid_date'],
    ['from=2026-12-02&to=2026-12-01', 'invalid_range'],
  ])('answers 400 for %s', async (query, code) => {
    const { response } = await usage(query, { ADMIN_KEY });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code } });
  });
});
