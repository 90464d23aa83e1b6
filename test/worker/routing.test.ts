// Several upstreams through the Worker: routing by model, aliases and prefixes, failover and its
// limits, Azure's wire format, one key per upstream, and the merged catalogue.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CLIENT_KEY, received, send, uniqueTag, upstreamKey, upstreamUrl, type Overrides } from './helpers';

const secondaryUrl = inject('secondaryUrl');
const secondaryKey = inject('secondaryKey');
const azureUrl = inject('azureUrl');
const azureKey = inject('azureKey');
/** Nothing listens here: connecting is refused at once. */
const REFUSED = 'http://127.0.0.1:9/v1';

type Json = Record<string, unknown>;

/**
 * Two upstreams with names unique to the test (each isolate keeps upstream health by name), the
 * first claiming `echo-*`, the second the catch-all, and an alias over both.
 */
function twoUpstreams(extra: Overrides = {}, first = upstreamUrl) {
  const a = `a-${uniqueTag()}`.toLowerCase();
  const b = `b-${uniqueTag()}`.toLowerCase();
  const overrides: Overrides = {
    UPSTREAMS: JSON.stringify([
      { name: a, baseUrl: first, keyVar: 'KEY_A', models: ['echo-*'] },
      { name: b, baseUrl: secondaryUrl, keyVar: 'KEY_B' },
    ]),
    MODEL_ALIASES: JSON.stringify({ fast: [`${a}/echo-1`, `${b}/echo-2`] }),
    KEY_A: upstreamKey,
    KEY_B: secondaryKey,
    CACHE_TTL: '0',
    ...extra,
  };
  return { a, b, overrides };
}

function chat(model: string, tag: string, x_mock?: Json, extra: Json = {}): Json {
  return {
    model,
    user: tag,
    messages: [{ role: 'user', content: 'route me' }],
    ...(x_mock ? { x_mock } : {}),
    ...extra,
  };
}

async function ask(body: Json, overrides: Overrides, headers: Record<string, string> = {}) {
  const { response, settled } = await send(
    '/v1/chat/completions',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    },
    overrides,
  );
  const text = await response.text();
  await settled;
  return {
    response,
    text,
    upstream: response.headers.get('x-upstream'),
    attempts: response.headers.get('x-upstream-attempts'),
  };
}

describe('routing by model', () => {
  it('sends a model to the upstream whose patterns claim it, and the rest to the catch-all', async () => {
    const { a, b, overrides } = twoUpstreams();
    const tag = uniqueTag();
    expect((await ask(chat('echo-1', tag), overrides)).upstream).toBe(a);
    expect(await received(tag)).toHaveLength(1);
    const other = uniqueTag();
    const served = await ask(chat('some-other-model', other), overrides);
    expect(served.upstream).toBe(b);
    expect(served.attempts).toBe('1');
    expect(await received(other, secondaryUrl)).toHaveLength(1);
  });

  it('each upstream receives only its own key', async () => {
    const { overrides } = twoUpstreams();
    const tag = uniqueTag();
    await ask(chat('echo-1', tag), overrides);
    await ask(chat('another', tag), overrides);
    const [atA] = await received(tag);
    const [atB] = await received(tag, secondaryUrl);
    expect(atA?.headers['authorization']).toBe(`Bearer ${upstreamKey}`);
    expect(atB?.headers['authorization']).toBe(`Bearer ${secondaryKey}`);
  });

  it('strips an upstream prefix, and only one that names a configured upstream', async () => {
    const { b, overrides } = twoUpstreams();
    const tag = uniqueTag();
    const body = { model: `${b}/echo-1`, user: tag, messages: [{ role: 'user', content: 'x' }] };
    expect((await ask(body, overrides)).upstream).toBe(b);
    const [forwarded] = await received(tag, secondaryUrl);
    // Verbatim but for the model: the other bytes are the client's.
    expect(forwarded?.body).toBe(JSON.stringify({ ...body, model: 'echo-1' }));
    const native = uniqueTag();
    await ask(chat('meta-llama/llama-3.1-8b-instruct', native), overrides);
    expect(JSON.parse((await received(native, secondaryUrl))[0]!.body)).toMatchObject({
      model: 'meta-llama/llama-3.1-8b-instruct',
    });
  });

  it('answers 404 model_not_found for a model nothing serves, forwarding nothing', async () => {
    const tag = uniqueTag();
    const only = {
      UPSTREAMS: JSON.stringify([
        { name: `only-${tag}`.toLowerCase(), baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['echo-*'] },
      ]),
      KEY_A: upstreamKey,
    };
    const result = await ask(chat('gpt-4o', tag), only);
    expect(result.response.status).toBe(404);
    expect(JSON.parse(result.text)).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
    expect(await received(tag)).toHaveLength(0);
  });
});

describe('failover', () => {
  it.each([408, 409, 429, 500, 502, 503, 504])(
    'fails over on %i to the next target of an alias',
    async (status) => {
      const { a, b, overrides } = twoUpstreams();
      const tag = uniqueTag();
      const result = await ask(chat('fast', tag, { failOn: { primary: status } }), overrides);
      expect(result.response.status).toBe(200);
      expect([result.upstream, result.attempts]).toEqual([b, '2']);
      expect(JSON.parse(result.text)).toMatchObject({ model: 'echo-2' });
      expect(await received(tag)).toHaveLength(1);
      expect(JSON.parse((await received(tag, secondaryUrl))[0]!.body)).toMatchObject({ model: 'echo-2' });
      expect(a).not.toBe(b);
    },
  );

  it.each([400, 401, 403, 404, 422])(
    'never fails over on %i: the answer comes back as it came',
    async (status) => {
      const { a, overrides } = twoUpstreams();
      const tag = uniqueTag();
      const result = await ask(chat('fast', tag, { failOn: { primary: status } }), overrides);
      expect(result.response.status).toBe(status);
      expect([result.upstream, result.attempts]).toEqual([a, '1']);
      expect(await received(tag, secondaryUrl)).toHaveLength(0);
    },
  );

  it('fails over from a refused connection and from a connection the upstream drops', async () => {
    const refused = twoUpstreams({}, REFUSED);
    const first = await ask(chat('fast', uniqueTag()), refused.overrides);
    expect([first.response.status, first.upstream, first.attempts]).toEqual([200, refused.b, '2']);
    const dropped = twoUpstreams();
    const second = await ask(
      chat('fast', uniqueTag(), { failOn: { primary: { status: 'drop' } } }),
      dropped.overrides,
    );
    expect([second.response.status, second.upstream]).toEqual([200, dropped.b]);
  });

  it('fails over when headers do not come in time, leaving the next target its share', async () => {
    const { b, overrides } = twoUpstreams({ UPSTREAM_TIMEOUT_MS: '1000' });
    const tag = uniqueTag();
    const started = Date.now();
    const result = await ask(chat('fast', tag, { failOn: { primary: { status: 'hang' } } }), overrides);
    expect([result.response.status, result.upstream]).toEqual([200, b]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('retries the same upstream after its retry-after-ms, then gives up with x-should-retry: false', async () => {
    const { overrides } = twoUpstreams();
    const tag = uniqueTag();
    const failing = { failOn: { primary: { status: 429, retryAfterMs: 150 }, secondary: 503 } };
    const started = Date.now();
    const result = await ask(chat('fast', tag, failing), overrides);
    expect(result.response.status).toBe(503);
    expect(result.attempts).toBe('4');
    expect(result.response.headers.get('x-should-retry')).toBe('false');
    expect(JSON.parse(result.text)).toMatchObject({ error: { type: 'server_error' } });
    expect(await received(tag)).toHaveLength(2);
    expect(await received(tag, secondaryUrl)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('recovers on a second try of the same upstream', async () => {
    const { a, overrides } = twoUpstreams();
    const tag = uniqueTag();
    const flaky = { failOn: { primary: { status: 503, times: 1 }, secondary: 503 } };
    const result = await ask(chat('fast', tag, flaky), overrides);
    expect([result.response.status, result.upstream, result.attempts]).toEqual([200, a, '3']);
  });

  it('cools down an upstream that keeps failing, and skips it', async () => {
    const { b, overrides } = twoUpstreams({}, REFUSED);
    for (let i = 0; i < 3; i++) expect((await ask(chat('fast', uniqueTag()), overrides)).attempts).toBe('2');
    const cooled = await ask(chat('fast', uniqueTag()), overrides);
    expect([cooled.upstream, cooled.attempts]).toEqual([b, '1']);
  });

  it('passes a single upstream failure through with its own retry headers when no failover is configured', async () => {
    const tag = uniqueTag();
    const result = await ask(chat('echo-1', tag, { scenario: 'status', status: 429 }), { CACHE_TTL: '0' });
    expect(result.response.status).toBe(429);
    expect(result.attempts).toBe('1');
    expect(result.response.headers.get('retry-after-ms')).toBe('20');
    expect(result.response.headers.get('x-should-retry')).toBeNull();
  });

  it('never restarts a stream that broke after its first bytes', async () => {
    // The checked relay, so the client's stream ends with an error event rather than an error.
    const { a, overrides } = twoUpstreams({ STREAM_RELAY: 'checked' });
    const tag = uniqueTag();
    const result = await ask(chat('fast', tag, { scenario: 'break' }, { stream: true }), overrides);
    expect(result.upstream).toBe(a);
    expect(result.text).toContain('"content":');
    expect(result.text).toContain('stream_interrupted');
    expect(await received(tag, secondaryUrl)).toHaveLength(0);
  });

  it('reserves quota once per client request, however many attempts', async () => {
    const key = `route-${uniqueTag()}`;
    const { overrides } = twoUpstreams({ PROXY_KEYS: `${key} tpd=1000000` });
    const body = chat('fast', uniqueTag(), { failOn: { primary: 503, secondary: 503 } }, { max_tokens: 10 });
    const first = await send(
      '/v1/chat/completions',
      { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) },
      overrides,
    );
    await first.response.text();
    await first.settled;
    const probe = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify(chat('echo-1', uniqueTag(), undefined, { max_tokens: 10 })),
      },
      overrides,
    );
    // Four failed attempts released their one reservation; only the probe's is held.
    const held = 1000000 - Number(probe.response.headers.get('x-ratelimit-remaining-tokens'));
    expect(held).toBeLessThan(100);
    await probe.response.text();
  });

  it('keys the cache on the client request, alias included', async () => {
    const { overrides } = twoUpstreams({ CACHE_TTL: '3600' });
    const tag = uniqueTag();
    expect((await ask(chat('fast', tag), overrides)).response.headers.get('x-cache')).toBe('MISS');
    expect((await ask(chat('fast', tag), overrides)).response.headers.get('x-cache')).toBe('HIT');
    expect(await received(tag)).toHaveLength(1);
  });
});

describe('Azure OpenAI', () => {
  const azure = (extra: Json = {}) => ({
    UPSTREAMS: JSON.stringify([
      {
        name: 'az',
        kind: 'azure',
        baseUrl: new URL(azureUrl).origin,
        keyVar: 'AZ_KEY',
        apiVersion: '2024-10-21',
        deployments: { 'gpt-4o-mini': 'prod-mini' },
        models: ['gpt-4o-mini', 'gpt-4o'],
        ...extra,
      },
    ]),
    AZ_KEY: azureKey,
    CACHE_TTL: '0',
  });

  it('uses the deployment path, the api-version and the api-key header, with no Authorization', async () => {
    const tag = uniqueTag();
    const result = await ask(chat('gpt-4o-mini', tag, undefined, { stream: true }), azure());
    expect(result.response.status).toBe(200);
    expect(result.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const [forwarded] = await received(tag, azureUrl);
    expect(forwarded?.path).toBe('/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21');
    expect(forwarded?.headers['api-key']).toBe(azureKey);
    expect(forwarded?.headers['authorization']).toBeUndefined();
    const plain = uniqueTag();
    await ask(chat('gpt-4o', plain), azure());
    expect((await received(plain, azureUrl))[0]?.path).toBe(
      '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    );
  });

  it('sends the owner-configured headers, and lists the deployments as the catalogue', async () => {
    const tag = uniqueTag();
    await ask(chat('gpt-4o-mini', tag), azure({ headers: { 'OpenAI-Project': 'proj_123' } }));
    expect((await received(tag, azureUrl))[0]?.headers['openai-project']).toBe('proj_123');
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      azure(),
    );
    const ids = ((await response.json()) as { data: { id: string }[] }).data.map((model) => model.id);
    expect(ids.sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });
});

describe('the catalogue', () => {
  const models = async (overrides: Overrides, key = CLIENT_KEY) => {
    const { response } = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } }, overrides);
    return {
      status: response.status,
      ids: ((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id),
    };
  };

  it('lists the union of every upstream and the aliases, each as it is routed', async () => {
    const { overrides } = twoUpstreams();
    const { status, ids } = await models(overrides);
    expect(status).toBe(200);
    expect(ids).toContain('echo-1');
    expect(ids).toContain('fast');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('narrows the list to the allow-lists, and still lists the others when one upstream is down', async () => {
    // `a` (echo-*) is down: its models drop out; the catch-all's others and the aliases stay.
    const { overrides } = twoUpstreams({ ALLOWED_MODELS: 'fast,echo-1,text-embedding-*' }, REFUSED);
    const { status, ids } = await models(overrides);
    expect(status).toBe(200);
    expect(ids.sort()).toEqual(['fast', 'text-embedding-echo']);
  });

  it('retrieves an alias, and 404s a model nothing serves without calling upstream', async () => {
    const { overrides } = twoUpstreams();
    const alias = await send(
      '/v1/models/fast',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      overrides,
    );
    expect(await alias.response.json()).toMatchObject({ id: 'fast', object: 'model' });
    const only = {
      UPSTREAMS: JSON.stringify([
        { name: 'only', baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['echo-*'] },
      ]),
      KEY_A: upstreamKey,
    };
    const missing = await send(
      '/v1/models/gpt-4o',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      only,
    );
    expect(missing.response.status).toBe(404);
    expect(await received('gpt-4o')).toHaveLength(0);
  });
});

describe('configuration', () => {
  it.each([
    [[{ name: 'Bad Name', baseUrl: upstreamUrl }], 'UPSTREAMS entry 1: "name"'],
    [
      [{ name: 'x', baseUrl: upstreamUrl, keyVar: 'MISSING_SECRET' }],
      'UPSTREAMS entry 1: "keyVar" names a secret that is not set',
    ],
    [[{ name: 'x', baseUrl: 'ftp://nope' }], 'UPSTREAMS entry 1: "baseUrl"'],
    [[{ name: 'x', baseUrl: upstreamUrl, kind: 'azure' }], '"apiVersion" is required'],
    [
      [
        { name: 'x', baseUrl: upstreamUrl },
        { name: 'x', baseUrl: upstreamUrl, models: ['a'] },
      ],
      'UPSTREAMS entry 2 repeats the name of entry 1',
    ],
    [
      [
        { name: 'x', baseUrl: upstreamUrl },
        { name: 'y', baseUrl: upstreamUrl },
      ],
      'at most one entry',
    ],
    ['not json', 'UPSTREAMS must be valid JSON'],
  ])('names the entry and the field for %j, and no key', async (upstreams, says) => {
    const overrides = {
      UPSTREAMS: typeof upstreams === 'string' ? upstreams : JSON.stringify(upstreams),
      KEY_A: 'sk-never-shown-0123456789',
    };
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      overrides,
    );
    const text = await response.text();
    expect(response.status).toBe(500);
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toContain(says);
    expect(text).not.toContain('sk-never-shown');
    expect((await send('/healthz', {}, overrides)).response.status).toBe(503);
  });

  it('accepts UPSTREAMS and MODEL_ALIASES as JSON values, the way wrangler.toml [vars] passes them', async () => {
    const tag = uniqueTag();
    const overrides = {
      UPSTREAMS: [{ name: 'obj', baseUrl: upstreamUrl, keyVar: 'KEY_A' }],
      MODEL_ALIASES: { nice: ['obj/echo-1'] },
      KEY_A: upstreamKey,
      CACHE_TTL: '0',
    } as unknown as Overrides;
    const result = await ask(chat('nice', tag), overrides);
    expect([result.response.status, result.upstream]).toEqual([200, 'obj']);
  });
});
