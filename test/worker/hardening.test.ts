// What a second outside security test broke: configured strings shown in errors, budgets a burst
// overshoots, free upstream lookups, timeouts that multiply calls, a ledger one event can sink,
// prefixes past an upstream's models, one caller cooling an upstream for all, usage numbers
// nobody measured, streams that never end, and CORS where no browser should call.
import { describe, expect, inject, it, vi } from 'vitest';
import { send as queueSend } from '../../src/ledger/outbox';
import { consumeUsage } from '../../src/ledger/consume';
import { usageEvent } from '../../src/ledger/log-line';
import { rowOf, type UsageRow } from '../../src/ledger/row';
import {
  CLIENT_KEY,
  post,
  received,
  send,
  uniqueTag,
  upstreamKey,
  upstreamUrl,
  type Overrides,
} from './helpers';

const secondaryUrl = inject('secondaryUrl');
const secondaryKey = inject('secondaryKey');
const azureUrl = inject('azureUrl');
const azureKey = inject('azureKey');

type Json = Record<string, unknown>;
const auth = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const chatBody = (extra: Json = {}) => ({
  model: 'echo-1',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

function keyed(options: string, extra: Overrides = {}) {
  const key = `hard-${uniqueTag()}`;
  return { key, overrides: { PROXY_KEYS: `${key} ${options}`.trim(), CACHE_TTL: '0', ...extra } };
}

describe('a configured string is never shown', () => {
  const pasted = 'gsk_Zx81LiveAbCdEf0123456789xyz';
  it.each([
    [
      'a key pasted as keyVar',
      { UPSTREAMS: JSON.stringify([{ name: 'g', baseUrl: upstreamUrl, keyVar: pasted }]) },
    ],
    [
      'a key pasted as an alias name',
      {
        UPSTREAMS: JSON.stringify([{ name: 'g', baseUrl: upstreamUrl }]),
        MODEL_ALIASES: JSON.stringify({ [pasted]: ['nowhere/x'] }),
      },
    ],
    ['a key pasted as a price entry', { MODEL_PRICES: JSON.stringify({ [pasted]: { input: 'x' } }) }],
    [
      'a key pasted as a header name',
      { UPSTREAMS: JSON.stringify([{ name: 'g', baseUrl: upstreamUrl, headers: { [`${pasted} x`]: 'v' } }]) },
    ],
  ])(
    '%s: the error names the variable and the entry, and neither the answer nor the log holds it',
    async (_what, overrides) => {
      const logged: string[] = [];
      const spies = (['log', 'error', 'warn'] as const).map((level) =>
        vi
          .spyOn(console, level)
          .mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' '))),
      );
      const { response } = await send('/v1/models', {}, overrides);
      const text = await response.text();
      const health = await (await send('/healthz', {}, overrides)).response.text();
      for (const spy of spies) spy.mockRestore();
      expect(response.status).toBe(500);
      expect(text).toMatch(/entry 1/);
      expect(text).not.toContain(pasted.slice(4, 14));
      expect(health).toMatch(/^misconfigured: (UPSTREAMS|MODEL_ALIASES|MODEL_PRICES)\n$/);
      expect(logged.join('\n')).not.toContain(pasted.slice(4, 14));
    },
  );
});

describe('a dollar budget holds against a burst', () => {
  const PRICES = JSON.stringify({ 'echo-1': { input: 1, output: 10, maxOutput: 16_384 } });

  it('reserves each unbounded request at the model’s maximum output, so racing requests cannot overshoot', async () => {
    // Each unbounded request may cost 16,384 output tokens at $10/M: $0.164 reserved; $1 admits 6.
    const { key, overrides } = keyed('usd=1', { MODEL_PRICES: PRICES });
    const tag = uniqueTag('burst');
    const calls = Array.from({ length: 15 }, () =>
      send(
        '/v1/chat/completions',
        {
          method: 'POST',
          headers: auth(key),
          body: JSON.stringify(chatBody({ user: tag, x_mock: { delayMs: 200 } })),
        },
        overrides,
      ),
    );
    const results = await Promise.all(calls);
    const statuses = results.map((result) => result.response.status);
    await Promise.all(results.map(async (result) => (await result.response.text(), await result.settled)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
    expect(await received(tag)).toHaveLength(6);
  });

  it('caps the output a server key or an anonymous caller may ask for', async () => {
    const { key, overrides } = keyed('max_tokens=100');
    const unbounded = await post('/v1/chat/completions', chatBody(), auth(key), overrides);
    expect(unbounded.response.status).toBe(400);
    expect(await unbounded.response.json()).toMatchObject({
      error: { code: 'max_tokens_over_cap', param: 'max_completion_tokens' },
    });
    const within = await post('/v1/chat/completions', chatBody({ max_tokens: 100 }), auth(key), overrides);
    expect(within.response.status).toBe(200);
    await within.response.text();
    const anonymous = { ALLOW_ANONYMOUS: 'true', PROXY_KEYS: '', MAX_TOKENS: '50', REQUESTS_PER_MINUTE: '0' };
    const over = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody({ max_tokens: 51 })),
      },
      anonymous,
    );
    expect(over.response.status).toBe(400);
  });
});

describe('GET /v1/models/{id} is no free amplifier', () => {
  it('answers from the cached catalogue and counts against the request limit', async () => {
    const name = `cat-${uniqueTag()}`.toLowerCase();
    const { key, overrides } = keyed('rpm=3', {
      UPSTREAMS: JSON.stringify([{ name, baseUrl: upstreamUrl, keyVar: 'KEY_A' }]),
      KEY_A: upstreamKey,
    });
    const listsBefore = (await received('echo-1')).length;
    const statuses: number[] = [];
    for (let lookup = 0; lookup < 5; lookup++) {
      const { response } = await send('/v1/models/echo-1', { headers: auth(key) }, overrides);
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // The mock records a retrieve under its model id: none was forwarded.
    expect((await received('echo-1')).length).toBe(listsBefore);
  });
});

describe('a timeout fails over at most once, and is charged', () => {
  it('tries two of three slow targets, then keeps the reservation', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => `${letter}-${uniqueTag()}`.toLowerCase());
    const tag = uniqueTag('slow');
    const { key, overrides } = keyed('usd=5', {
      UPSTREAMS: JSON.stringify([
        { name: a, baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['none-a'] },
        { name: b, baseUrl: secondaryUrl, keyVar: 'KEY_B', models: ['none-b'] },
        { name: c, baseUrl: upstreamUrl, keyVar: 'KEY_A' },
      ]),
      MODEL_ALIASES: JSON.stringify({ slow: [`${a}/echo-1`, `${b}/echo-1`, `${c}/echo-1`] }),
      KEY_A: upstreamKey,
      KEY_B: secondaryKey,
      UPSTREAM_TIMEOUT_MS: '400',
      UPSTREAM_COOLDOWN_SECONDS: '0',
      MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 1, output: 1, maxOutput: 1000 } }),
    });
    const body = chatBody({ model: 'slow', user: tag, max_tokens: 1000, x_mock: { delayMs: 1500 } });
    const first = await post('/v1/chat/completions', body, auth(key), overrides);
    expect(first.response.status).toBe(504);
    expect(first.response.headers.get('x-upstream')).toBe(`${a}, ${b}`);
    await first.response.text();
    await first.settled;
    const upstreamCalls = (await received(tag)).length + (await received(tag, secondaryUrl)).length;
    expect(upstreamCalls).toBe(2);
    // The next request shows the budget still holding the timed-out request's reservation.
    const next = await post('/v1/chat/completions', chatBody({ max_tokens: 10 }), auth(key), overrides);
    const remaining = Number(next.response.headers.get('x-ratelimit-remaining-usd'));
    await next.response.text();
    expect(remaining).toBeLessThan(5 - 0.001);
  });
});

describe('the ledger loses nothing to one bad event', () => {
  const finished = { status: 200, upstreamRequestId: null, headersAt: 10, endedAt: 20 };
  const record = (model: string) => ({
    id: 'req_x',
    startedAt: 0,
    path: '/v1/chat/completions',
    route: 'chat.completions',
    caller: 'key_a',
    servedModel: model,
  });

  it('bounds every field of an event, and keeps odd names out of the table', () => {
    expect(usageEvent(record('m'.repeat(200_000)), finished, undefined)?.model).toBe('-');
    expect(usageEvent(record('gpt\u202e4o'), finished, undefined)?.model).toBe('-');
    expect(usageEvent(record('gpt-4o'), finished, undefined)?.model).toBe('gpt-4o');
  });

  it('splits a batch the queue refuses, so the other rows still go', async () => {
    const sent: UsageRow[] = [];
    const refused: string[] = [];
    const queue = {
      async sendBatch(messages: Iterable<MessageSendRequest<UsageRow>>) {
        const rows = [...messages].map((message) => message.body);
        if (rows.some((row) => row.caller === 'poison')) {
          refused.push(rows.map((row) => row.caller).join(','));
          throw new Error('message too large');
        }
        sent.push(...rows);
      },
    } as unknown as Queue<UsageRow>;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const event = (caller: string) => ({ ...usageEvent(record('gpt-4o'), finished, undefined)!, caller });
    const rows = ['a', 'b', 'poison', 'c'].map((caller) => rowOf(event(caller)));
    await Promise.all(rows.map((row, index) => queueSend(row, queue, index === rows.length - 1 ? 0 : 1000)));
    errors.mockRestore();
    expect(sent.map((row) => row.caller).sort()).toEqual(['a', 'b', 'c']);
    expect(refused.at(-1)).toBe('poison');
  });

  it('holds only the request that opens a batch, until the batch is on the queue', async () => {
    const batches: UsageRow[][] = [];
    const queue = {
      async sendBatch(messages: Iterable<MessageSendRequest<UsageRow>>) {
        batches.push([...messages].map((message) => message.body));
      },
    } as unknown as Queue<UsageRow>;
    const row = (caller: string) => rowOf({ ...usageEvent(record('gpt-4o'), finished, undefined)!, caller });
    await queueSend(row('drain'), queue, 0); // whatever an earlier test left waiting goes now
    batches.length = 0;
    const opening = queueSend(row('batch'), queue, 50);
    let flushed = false;
    void opening.then(() => (flushed = true));
    await queueSend(row('batch'), queue, 50); // joins the batch: its request need not wait
    expect({ flushed, batches: batches.length }).toEqual({ flushed: false, batches: 0 });
    await opening;
    expect(batches.flat().map((sent) => [sent.caller, sent.counters[0]])).toEqual([['batch', 2]]);
  });

  it('drops a malformed message alone when writing a batch', async () => {
    const written: unknown[][] = [];
    const db = {
      exec: async () => undefined,
      prepare: () => ({ bind: (...values: unknown[]) => (written.push(values), {}) }),
      batch: async () => [],
    } as unknown as D1Database;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = rowOf({ ...usageEvent(record('gpt-4o'), finished, undefined)! });
    await consumeUsage([good, { ...good, model: 'x'.repeat(300) }, 'garbage'], db, 0);
    errors.mockRestore();
    expect(written.filter((values) => values[1] === 'key_a')).toHaveLength(1);
  });
});

describe('an upstream prefix reaches only what that upstream serves', () => {
  const upstreams = (extra: Json = {}) => {
    const backup = `backup-${uniqueTag()}`.toLowerCase();
    const azure = `azure-${uniqueTag()}`.toLowerCase();
    return {
      backup,
      azure,
      overrides: {
        UPSTREAMS: JSON.stringify([
          { name: backup, baseUrl: secondaryUrl, keyVar: 'KEY_B', models: ['gpt-4o-mini'] },
          {
            name: azure,
            kind: 'azure',
            baseUrl: new URL(azureUrl).origin,
            keyVar: 'AZ_KEY',
            apiVersion: '2024-10-21',
            deployments: { 'gpt-4o-mini': 'prod-mini' },
            models: ['gpt-4o-mini'],
          },
          { name: 'main', baseUrl: upstreamUrl, keyVar: 'KEY_A' },
          ...((extra['more'] as Json[] | undefined) ?? []),
        ]),
        KEY_A: upstreamKey,
        KEY_B: secondaryKey,
        AZ_KEY: azureKey,
        CACHE_TTL: '0',
      } satisfies Overrides,
    };
  };

  it.each([
    ['an unclaimed model on a claiming upstream', (u: { backup: string }) => `${u.backup}/o1`, secondaryUrl],
    [
      'an unmapped Azure deployment',
      (u: { azure: string }) => `${u.azure}/prod-o1-secret-deployment`,
      azureUrl,
    ],
    ['a dot segment on Azure', (u: { azure: string }) => `${u.azure}/..`, azureUrl],
    ['a single dot on Azure', (u: { azure: string }) => `${u.azure}/.`, azureUrl],
  ])('never sends %s to that upstream', async (_what, model, url) => {
    const u = upstreams();
    const tag = uniqueTag('prefix');
    const { response } = await post(
      '/v1/chat/completions',
      chatBody({ model: model(u), user: tag }),
      {},
      u.overrides,
    );
    await response.text();
    expect(await received(tag, url)).toHaveLength(0);
  });

  it('still reaches a served model through the prefix', async () => {
    const u = upstreams();
    const tag = uniqueTag('prefix');
    const { response } = await post(
      '/v1/chat/completions',
      chatBody({ model: `${u.azure}/gpt-4o-mini`, user: tag }),
      {},
      u.overrides,
    );
    expect(response.status).toBe(200);
    await response.text();
    expect((await received(tag, azureUrl))[0]?.path).toContain('/openai/deployments/prod-mini/');
  });
});

describe('one caller cannot cool an upstream down for everyone', () => {
  it('counts error answers only when two callers got them', async () => {
    const a = `a-${uniqueTag()}`.toLowerCase();
    const b = `b-${uniqueTag()}`.toLowerCase();
    const overrides: Overrides = {
      PROXY_KEYS: 'client-key-1,client-key-2',
      UPSTREAMS: JSON.stringify([
        { name: a, baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['echo-*'] },
        { name: b, baseUrl: secondaryUrl, keyVar: 'KEY_B' },
      ]),
      MODEL_ALIASES: JSON.stringify({ pair: [`${a}/echo-1`, `${b}/echo-1`] }),
      KEY_A: upstreamKey,
      KEY_B: secondaryKey,
      CACHE_TTL: '0',
    };
    const fail = (key: string) =>
      post(
        '/v1/chat/completions',
        chatBody({ model: `${a}/echo-1`, x_mock: { scenario: 'status', status: 503 } }),
        auth(key),
        overrides,
      ).then(async ({ response }) => (await response.text(), response.status));
    const firstUpstreamFor = async (key: string) => {
      const tag = uniqueTag('pair');
      const { response } = await post(
        '/v1/chat/completions',
        chatBody({ model: 'pair', user: tag }),
        auth(key),
        overrides,
      );
      await response.text();
      return response.headers.get('x-upstream');
    };
    for (let i = 0; i < 4; i++) expect(await fail(CLIENT_KEY)).toBe(503);
    // One caller's 503s: the other caller's traffic still goes to `a` first (and its success
    // starts the count again).
    expect(await firstUpstreamFor('client-key-2')).toBe(a);
    // Two callers get them in a row: now it is about the upstream, which cools down.
    for (const key of [CLIENT_KEY, 'client-key-2', CLIENT_KEY]) expect(await fail(key)).toBe(503);
    expect(await firstUpstreamFor(CLIENT_KEY)).toBe(b);
  });
});

describe('usage numbers are checked before anyone is charged', () => {
  const PRICES = JSON.stringify({ 'echo-1': { input: 1, output: 1, maxOutput: 1000 } });
  it.each([
    ['impossibly large', { prompt_tokens: 1e308, completion_tokens: 1e308, total_tokens: 1e308 }],
    [
      'more output than the request allowed',
      { prompt_tokens: 5, completion_tokens: 5000, total_tokens: 5005 },
    ],
    ['missing', null],
  ])('charges the reservation when usage is %s, and the ledger says the same', async (_what, usage) => {
    const { key, overrides } = keyed('usd=1', { MODEL_PRICES: PRICES });
    const body = chatBody({ max_tokens: 100, x_mock: { usage } });
    const first = await post('/v1/chat/completions', body, auth(key), overrides);
    expect(first.response.status).toBe(200);
    await first.response.text();
    await first.settled;
    const probe = await post('/v1/chat/completions', chatBody({ max_tokens: 1 }), auth(key), overrides);
    await probe.response.text();
    const remaining = Number(probe.response.headers.get('x-ratelimit-remaining-usd'));
    // Charged: its prompt estimate plus 100 output tokens at $1/M (about $0.0001), never $1e302.
    expect(1 - remaining).toBeGreaterThan(0.0001);
    expect(1 - remaining).toBeLessThan(0.001);
  });
});

describe('a stream cannot hold a connection forever', () => {
  it('ends a keep-alive-only stream at STREAM_MAX_DURATION_MS and stops its upstream', async () => {
    const tag = uniqueTag('forever');
    const started = Date.now();
    const { response } = await post(
      '/v1/chat/completions',
      chatBody({ stream: true, user: tag, x_mock: { scenario: 'keepalive', intervalMs: 50, tag } }),
      {},
      { STREAM_MAX_DURATION_MS: '600', STREAM_IDLE_TIMEOUT_MS: '1000' },
    );
    await response.text().catch(() => undefined);
    expect(Date.now() - started).toBeLessThan(5000);
    for (let wait = 0; wait < 50 && !(await received(tag))[0]?.aborted; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await received(tag))[0]?.aborted).toBe(true);
  });
});

describe('the owner’s routes are never called cross-origin', () => {
  it('sends no CORS headers on the admin API, even to an allowed origin', async () => {
    const admin = 'admin-key-for-hardening-tests-0123456789';
    const overrides = { ADMIN_KEY: admin, ALLOWED_ORIGINS: 'https://app.example.com' };
    const { response } = await send(
      '/admin/api/usage',
      { headers: { authorization: `Bearer ${admin}`, origin: 'https://app.example.com' } },
      overrides,
    );
    await response.text();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const api = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${CLIENT_KEY}`, origin: 'https://app.example.com' } },
      overrides,
    );
    await api.response.text();
    expect(api.response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});

describe('the development keys go only to this machine', () => {
  it('leaves the key out when the connection comes from elsewhere, whatever the Host says', async () => {
    const dev: Overrides = { PLAYGROUND: 'true', PLAYGROUND_DEV_KEY: CLIENT_KEY };
    const page = async (ip: string) => {
      const { response } = await send(
        new Request('http://localhost:8787/', { headers: { 'cf-connecting-ip': ip } }),
        undefined,
        dev,
      );
      return response.text();
    };
    expect(await page('127.0.0.1')).toContain('name="dev-key"');
    expect(await page('203.0.113.9')).not.toContain('name="dev-key"');
  });
});

describe('what a budgeted request may cost includes its tools and its own snapshot price', () => {
  const PRICES = JSON.stringify({ 'echo-1': { input: 1, output: 1, maxOutput: 100 } });
  const responses = (key: string, overrides: Overrides, extra: Json) =>
    post(
      '/v1/responses',
      { model: 'echo-1', input: 'search for it', max_output_tokens: 10, ...extra },
      auth(key),
      overrides,
    );

  it('refuses a built-in tool with no price, and charges each call of a priced one', async () => {
    const { key, overrides } = keyed('usd=1', { MODEL_PRICES: PRICES });
    const unpriced = await responses(key, overrides, { tools: [{ type: 'image_generation' }] });
    expect(unpriced.response.status).toBe(403);
    expect(await unpriced.response.json()).toMatchObject({
      error: { code: 'tool_not_priced', param: 'tools' },
    });
    const searched = await responses(key, overrides, { tools: [{ type: 'web_search' }] });
    expect(searched.response.status).toBe(200);
    expect(await searched.response.text()).toContain('"web_search_call"');
    await searched.settled;
    const probe = await responses(key, overrides, {});
    await probe.response.text();
    const spent = 1 - Number(probe.response.headers.get('x-ratelimit-remaining-usd'));
    // One web search call at $0.025, plus a few tokens at $1/M.
    expect(spent).toBeGreaterThan(0.025);
    expect(spent).toBeLessThan(0.0251);
  });

  it('charges a streamed tool call from the completed event, and MODEL_PRICES can set a tool fee', async () => {
    const { key, overrides } = keyed('usd=1', {
      MODEL_PRICES: JSON.stringify({ ...JSON.parse(PRICES), file_search: { perCall: 0.5 } }),
    });
    // Unbounded, 8 calls at $0.50 are reserved, more than the budget: bounded, one call is.
    const unbounded = await responses(key, overrides, { tools: [{ type: 'file_search' }], stream: true });
    expect(unbounded.response.status).toBe(429);
    await unbounded.response.text();
    const searched = await responses(key, overrides, {
      tools: [{ type: 'file_search' }],
      stream: true,
      max_tool_calls: 1,
    });
    expect(await searched.response.text()).toContain('response.completed');
    await searched.settled;
    const probe = await responses(key, overrides, {});
    await probe.response.text();
    const spent = 1 - Number(probe.response.headers.get('x-ratelimit-remaining-usd'));
    expect(spent).toBeGreaterThan(0.5);
    expect(spent).toBeLessThan(0.5001);
  });

  it('prices the first gpt-4o snapshot at its own rate', async () => {
    const { priceOf, OPENAI_PRICES } = await import('../../src/accounting/prices');
    expect(priceOf('gpt-4o-2024-05-13', OPENAI_PRICES)).toMatchObject({ input: 5, output: 15 });
    expect(priceOf('gpt-4o-2024-08-06', OPENAI_PRICES)).toMatchObject({ input: 2.5, output: 10 });
  });
});
