// Keys an owner issues, limits and revokes at runtime through the admin API, through the real
// Worker: every route, every refusal code, limits under concurrency, leases, rotation, expiry,
// budgets per period, and secrets that never appear where they should not.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, post, received, send, uniqueTag, type Overrides } from './helpers';

const ADMIN = 'admin-key-for-virtual-key-tests-0123456789';
const BASE: Overrides = {
  ADMIN_KEY: ADMIN,
  CACHE_TTL: '0',
  MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 1, output: 1, maxOutput: 100 } }),
};
type Json = Record<string, unknown>;
type KeyObject = Json & { id: string; key?: string; spend: Json; limits: Json };

async function adminCall(method: string, path: string, body?: unknown, overrides: Overrides = BASE) {
  const init: RequestInit = {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const { response } = await send(path, init, overrides);
  return { status: response.status, json: (await response.json()) as Json, headers: response.headers };
}

async function createKey(body: Json = {}): Promise<KeyObject & { key: string }> {
  const created = await adminCall('POST', '/admin/api/keys', { name: `k-${uniqueTag()}`, ...body });
  expect(created.status).toBe(201);
  return created.json as KeyObject & { key: string };
}

const chatWith = (key: string, extra: Json = {}, overrides = BASE) =>
  post(
    '/v1/chat/completions',
    { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, ...extra },
    { authorization: `Bearer ${key}` },
    overrides,
  );

async function status(key: string, extra: Json = {}, overrides = BASE) {
  const { response, settled } = await chatWith(key, extra, overrides);
  const body = (await response.json()) as { error?: { code: string } };
  await settled;
  return { status: response.status, code: body.error?.code, headers: response.headers };
}

afterEach(() => vi.useRealTimers());

describe('the admin API', () => {
  it('creates a key that works on /v1 at once, and shows its secret only then', async () => {
    const created = await createKey({ metadata: { team: 'web' }, limits: { rpm: 100, usd_per_month: 20 } });
    expect(created.id).toMatch(/^vk_[a-z2-7]{20}$/);
    expect(created.key.startsWith(`${created.id}.`)).toBe(true);
    expect(created).toMatchObject({ object: 'key', disabled: false, expires_at: null, last_used_at: null });
    expect(created.limits).toEqual({ rpm: 100, usd_per_month: 20 });
    const used = await status(created.key);
    expect(used.status).toBe(200);
    const listed = await adminCall('GET', '/admin/api/keys');
    const listText = JSON.stringify(listed.json);
    expect(listText).toContain(created.id);
    expect(listText).not.toContain(created.key.split('.')[1]);
    const one = await adminCall('GET', `/admin/api/keys/${created.id}`);
    expect(one.json).toMatchObject({ id: created.id, metadata: { team: 'web' } });
    expect(one.json['last_used_at']).toEqual(expect.any(Number));
    expect(JSON.stringify(one.json)).not.toContain(created.key.split('.')[1]);
  });

  it('lists newest first', async () => {
    const first = await createKey();
    const second = await createKey();
    const ids = ((await adminCall('GET', '/admin/api/keys')).json['data'] as KeyObject[]).map(
      (key) => key.id,
    );
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ name: 'x', colour: 'red' }, 'colour'],
    [{ name: 'x', limits: { rpm: -1 } }, 'limits.rpm'],
    [{ name: 'x', limits: { rpm: 1.5 } }, 'limits.rpm'],
    [{ name: 'x', limits: { usd_per_day: 'five' } }, 'limits.usd_per_day'],
    [{ name: 'x', limits: { per_hour: 3 } }, 'limits.per_hour'],
    [{ name: 'x', models: ['gpt-*-mini'] }, 'models'],
    [{ name: 'x', models: 'gpt-4o' }, 'models'],
    [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
    [{ name: 'x', metadata: { a: 1 } }, 'metadata'],
  ])('refuses %j with a 400 naming %s', async (body, param) => {
    const refused = await adminCall('POST', '/admin/api/keys', body);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { param } });
  });

  it('refuses a body naming a field twice, as /v1 does, rather than keep whichever a parser keeps', async () => {
    const { response } = await send(
      '/admin/api/keys',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{"name":"first","name":"second"}',
      },
      BASE,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'duplicate_key', param: 'name' } });
    // Nested too: a parser keeping the last would read "no limit".
    const nested = await send(
      '/admin/api/keys',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{"name":"n","limits":{"usd_total":1,"usd_total":0}}',
      },
      BASE,
    );
    expect(nested.response.status).toBe(400);
    expect(await nested.response.json()).toMatchObject({
      error: { code: 'duplicate_key', param: 'usd_total' },
    });
  });

  it('never rounds a tiny dollar limit down to none, which would lift it', async () => {
    const created = await createKey({ limits: { usd_total: 0.0000004 } });
    expect(created.limits).toEqual({ usd_total: 0.000001 });
    expect((await status(created.key)).status).toBe(429);
  });

  it('counts a name in characters, and may create a key disabled', async () => {
    const emoji = await adminCall('POST', '/admin/api/keys', { name: '😀'.repeat(64) });
    expect(emoji.status).toBe(201);
    const off = await createKey({ disabled: true });
    expect(off.disabled).toBe(true);
    expect(await status(off.key)).toMatchObject({ status: 401, code: 'key_disabled' });
    await adminCall('PATCH', `/admin/api/keys/${off.id}`, { disabled: false });
    expect((await status(off.key)).status).toBe(200);
  });

  it('keeps deleted keys from pushing live ones off the list', async () => {
    const live = await createKey();
    // 1,000 newer keys, all deleted, written straight into the list's table.
    const newer = Date.now() / 1000 + 60;
    const rows = Array.from({ length: 1000 }, (_, index) =>
      env.USAGE_DB.prepare('INSERT INTO virtual_keys (id, created_at, record) VALUES (?, ?, ?)').bind(
        `vk_gone${index}${uniqueTag()}`,
        newer,
        JSON.stringify({ id: `vk_gone${index}`, deleted: true }),
      ),
    );
    await env.USAGE_DB.batch(rows);
    try {
      const ids = ((await adminCall('GET', '/admin/api/keys')).json['data'] as KeyObject[]).map(
        (key) => key.id,
      );
      expect(ids).toContain(live.id);
    } finally {
      await env.USAGE_DB.prepare('DELETE FROM virtual_keys WHERE id LIKE ?').bind('vk_gone%').run();
    }
  });

  it('is a 404 without ADMIN_KEY, and refuses a client key', async () => {
    const { ADMIN_KEY: _unset, ...withoutAdmin } = BASE;
    expect(
      (await adminCall('GET', '/admin/api/keys', undefined, { ...withoutAdmin, ADMIN_KEY: '' })).status,
    ).toBe(404);
    const { response } = await send(
      '/admin/api/keys',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      BASE,
    );
    expect(response.status).toBe(401);
    await response.text();
    expect((await adminCall('GET', '/admin/api/keys/vk_aaaaaaaaaaaaaaaaaaaa')).status).toBe(404);
  });

  it.each([
    ['PUT', '/admin/api/keys/vk_aaaaaaaaaaaaaaaaaaaa', 'GET, PATCH, DELETE'],
    ['DELETE', '/admin/api/keys', 'POST, GET'],
    ['GET', '/admin/api/keys/vk_aaaaaaaaaaaaaaaaaaaa/rotate', 'POST'],
    ['OPTIONS', '/admin/api/usage', 'GET'],
  ])('answers %s %s with a 405 naming %s, and a 404 without ADMIN_KEY', async (method, path, allow) => {
    const refused = await adminCall(method, path);
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe(allow);
    expect(refused.json).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect((await adminCall(method, path, undefined, { ...BASE, ADMIN_KEY: '' })).status).toBe(404);
    // Only the owner learns which methods there are.
    const stranger = await send(path, { method, headers: { authorization: `Bearer ${CLIENT_KEY}` } }, BASE);
    expect(stranger.response.status).toBe(401);
  });
});

describe('refusals', () => {
  it('says which: disabled, enabled again, revoked, expired', async () => {
    const created = await createKey();
    expect(
      (await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: true })).json['disabled'],
    ).toBe(true);
    expect(await status(created.key)).toMatchObject({ status: 401, code: 'key_disabled' });
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: false });
    expect((await status(created.key)).status).toBe(200);
    const expiring = await createKey({ expires_at: Math.floor(Date.now() / 1000) - 1 });
    expect(await status(expiring.key)).toMatchObject({ status: 401, code: 'key_expired' });
    const deleted = await adminCall('DELETE', `/admin/api/keys/${created.id}`);
    expect(deleted.json).toEqual({ id: created.id, object: 'key', deleted: true });
    expect(await status(created.key)).toMatchObject({ status: 401, code: 'key_revoked' });
    expect((await adminCall('GET', `/admin/api/keys/${created.id}`)).status).toBe(404);
  });

  it('refuses a made-up key without reading storage', async () => {
    const created = await createKey();
    const [id, secret] = created.key.split('.');
    const forged = `${id}.${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}.${created.key.split('.')[2]}`;
    const spy = vi.spyOn(env.VIRTUAL_KEYS, 'get');
    const refused = await status(forged);
    const random = await status(`vk_${'a'.repeat(20)}.${'b'.repeat(43)}.${'c'.repeat(11)}`);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(refused).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(random).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('keeps to the key’s models', async () => {
    const created = await createKey({ models: ['echo-*'] });
    expect((await status(created.key)).status).toBe(200);
    expect(await status(created.key, { model: 'gpt-4o-mini' })).toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
  });
});

describe('limits are exact under concurrency', () => {
  it('lets 5 of 20 racing requests through rpm 5', async () => {
    const created = await createKey({ limits: { rpm: 5 } });
    const results = await Promise.all(Array.from({ length: 20 }, () => status(created.key)));
    expect(results.filter((result) => result.status === 200)).toHaveLength(5);
    const refused = results.find((result) => result.status === 429)!;
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('5');
  });

  it('refuses a second request while a stream is open with max_parallel 1, and admits it once it ends', async () => {
    const created = await createKey({ limits: { max_parallel: 1 } });
    const tag = uniqueTag('gate');
    const open = await chatWith(created.key, { stream: true, x_mock: { scenario: 'gated', count: 3, tag } });
    const reader = open.response.body!.getReader();
    await reader.read();
    const second = await status(created.key);
    expect(second).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(second.headers.get('x-ratelimit-limit-parallel')).toBe('1');
    await fetch(`${new URL(await releaseUrl(tag))}`, { method: 'POST' });
    await fetch(`${new URL(await releaseUrl(tag))}`, { method: 'POST' });
    while (!(await reader.read()).done);
    // At once, as a client does: the slot is free before the stream's end reaches the client,
    // not only once the request has settled in the background.
    expect((await status(created.key)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await status(created.key)).status).toBe(200);
    await open.settled;
  });

  it.each([
    // The proxy asks for usage and removes it: the JavaScript relay builds the client's body.
    [{ usd_per_day: 1 }, {}],
    // The client asked for usage: the native relay, piped so that a disconnect is seen.
    [{ tpd: 100_000 }, { stream_options: { include_usage: true } }],
    [{}, { x_mock: { scenario: 'chunks', count: 3, size: 10 } }],
  ])(
    'streams to a key with max_parallel and a budget (%j), and frees its slot at the end',
    async (budget, extra) => {
      const created = await createKey({ limits: { max_parallel: 1, ...budget } });
      const streamed = await chatWith(created.key, { stream: true, ...extra });
      const waited = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5000));
      const text = await Promise.race([streamed.response.text(), waited]);
      expect(text).toContain('data: [DONE]');
      expect((await status(created.key)).status).toBe(200);
      await streamed.settled;
    },
  );

  it('frees a slot whose request never settled once its lease expires', async () => {
    const created = await createKey({ limits: { max_parallel: 1 } });
    const object = env.VIRTUAL_KEYS.get(env.VIRTUAL_KEYS.idFromName(created.id));
    const hash = [
      ...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(created.key))),
    ]
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
    const now = Date.now();
    // An isolate admits a request, then dies: no settle, no renewal.
    expect(await object.admit(hash, { tokens: 0, micros: 0 }, now)).toMatchObject({ allowed: true });
    expect(await object.admit(hash, { tokens: 0, micros: 0 }, now + 1000)).toMatchObject({
      allowed: false,
      reason: 'parallel',
    });
    expect(await object.admit(hash, { tokens: 0, micros: 0 }, now + 61_000)).toMatchObject({ allowed: true });
  });
});

async function releaseUrl(tag: string): Promise<string> {
  const { upstreamUrl } = await import('./helpers');
  return `${new URL(upstreamUrl).origin}/__mock/release?tag=${encodeURIComponent(tag)}`;
}

describe('dollar budgets per period', () => {
  // $1,000 per million tokens: a request reserves about $0.03 (its prompt estimate and 10 output
  // tokens) and settles at about $0.005 (what the mock reports).
  const DEAR: Overrides = {
    ...BASE,
    MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 1000, output: 1000 } }),
  };

  it('refuses a spent monthly budget with x-should-retry false, saying which and when it resets', async () => {
    const created = await createKey({ limits: { usd_per_month: 0.04 } });
    const results = [];
    for (let call = 0; call < 6; call++) results.push(await status(created.key, {}, DEAR));
    expect(results.slice(0, 2).map((result) => result.status)).toEqual([200, 200]);
    const refused = results.find((result) => result.status === 429)!;
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.headers.get('x-ratelimit-limit-usd-month')).toBe('0.04');
    expect(refused.headers.get('x-ratelimit-reset-usd-month')).toMatch(/^\d+h\d+m\d+s$/);
    const view = await adminCall('GET', `/admin/api/keys/${created.id}`);
    expect((view.json['spend'] as Json)['usd_month']).toBeGreaterThan(0);
  });

  it('tells a request refused only for what a running one reserved to retry shortly, not that the budget is spent', async () => {
    // A request reserves about $0.03 and settles at about $0.005: with one running, a second
    // does not fit in $0.05, though only $0.03 of it is reserved, none spent.
    const created = await createKey({ limits: { usd_per_day: 0.05 } });
    const tag = uniqueTag('held');
    const open = await chatWith(
      created.key,
      { stream: true, x_mock: { scenario: 'gated', count: 3, tag } },
      DEAR,
    );
    const reader = open.response.body!.getReader();
    await reader.read();
    const held = await status(created.key, {}, DEAR);
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(held.headers.get('x-should-retry')).toBeNull();
    await fetch(`${new URL(await releaseUrl(tag))}`, { method: 'POST' });
    await fetch(`${new URL(await releaseUrl(tag))}`, { method: 'POST' });
    while (!(await reader.read()).done);
    await open.settled;
    expect((await status(created.key, {}, DEAR)).status).toBe(200);
  });

  it('refuses a spent total budget without a retry-after: it never resets', async () => {
    const created = await createKey({ limits: { usd_total: 0.04 } });
    let refused: Awaited<ReturnType<typeof status>> | undefined;
    for (let call = 0; call < 6 && !refused; call++) {
      const result = await status(created.key, {}, DEAR);
      if (result.status === 429) refused = result;
    }
    expect(refused?.headers.get('x-should-retry')).toBe('false');
    expect(refused?.headers.get('x-ratelimit-limit-usd-total')).toBe('0.04');
    expect(refused?.headers.get('retry-after')).toBeNull();
    expect(refused?.headers.get('retry-after-ms')).toBeNull();
  });

  it('starts a new month’s budget at the month boundary, and keeps the total', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-31T23:59:30Z'));
    const created = await createKey({ limits: { usd_per_month: 0.03, usd_total: 1 } });
    expect((await status(created.key, {}, DEAR)).status).toBe(200);
    expect((await status(created.key, {}, DEAR)).status).toBe(429);
    vi.setSystemTime(new Date('2026-02-01T00:00:30Z'));
    expect((await status(created.key, {}, DEAR)).status).toBe(200);
    const spend = (await adminCall('GET', `/admin/api/keys/${created.id}`)).json['spend'] as Json;
    expect(spend['usd_total']).toBeGreaterThan(spend['usd_month'] as number);
  });
});

describe('rotation', () => {
  it('replaces the secret at once without grace, keeping id and spend', async () => {
    const created = await createKey();
    expect((await status(created.key)).status).toBe(200);
    const rotated = await adminCall('POST', `/admin/api/keys/${created.id}/rotate`, {});
    expect(rotated.status).toBe(201);
    const fresh = rotated.json['key'] as string;
    expect(rotated.json['id']).toBe(created.id);
    expect(fresh).not.toBe(created.key);
    expect(await status(created.key)).toMatchObject({ status: 401, code: 'key_revoked' });
    expect((await status(fresh)).status).toBe(200);
  });

  it('creates nothing when the key list cannot be written: no secret handed out, no key left working', async () => {
    await env.USAGE_DB.prepare('SELECT 1 FROM virtual_keys LIMIT 1')
      .run()
      .catch(() => undefined);
    await env.USAGE_DB.exec(
      "CREATE TRIGGER IF NOT EXISTS keys_down BEFORE INSERT ON virtual_keys BEGIN SELECT RAISE(ABORT, 'down'); END",
    );
    const errors: string[] = [];
    const spy = vi
      .spyOn(console, 'error')
      .mockImplementation((line: unknown) => void errors.push(String(line)));
    try {
      const name = `lost-${uniqueTag()}`;
      const created = await adminCall('POST', '/admin/api/keys', { name });
      expect(created.status).toBe(503);
      expect(created.json).toMatchObject({ error: { code: 'key_directory_unavailable' } });
      expect(JSON.stringify(created.json)).not.toContain('vk_');
      const id = /"key":"(vk_[a-z2-7]{20})"/.exec(errors.join('\n'))?.[1];
      expect(id).toBeDefined();
      const view = await env.VIRTUAL_KEYS.get(env.VIRTUAL_KEYS.idFromName(id!)).view(Date.now());
      expect(view?.record.deleted).toBe(true);
    } finally {
      spy.mockRestore();
      await env.USAGE_DB.exec('DROP TRIGGER IF EXISTS keys_down');
    }
  });

  it('keeps the old secret working through the grace period', async () => {
    const created = await createKey();
    const rotated = await adminCall('POST', `/admin/api/keys/${created.id}/rotate`, { grace_seconds: 60 });
    expect((await status(created.key)).status).toBe(200);
    expect((await status(rotated.json['key'] as string)).status).toBe(200);
  });

  it('keeps an audit trail: created, changed (which fields), disabled, enabled, rotated, deleted', async () => {
    const created = await createKey();
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { name: 'renamed', limits: { rpm: 3 } });
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: true });
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: false });
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, {});
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: false });
    await adminCall('POST', `/admin/api/keys/${created.id}/rotate`);
    await adminCall('DELETE', `/admin/api/keys/${created.id}`);
    const events = (await adminCall('GET', `/admin/api/keys/${created.id}/events`)).json['data'] as Json[];
    // Newest first; disabling is its own event, not also a change; an empty change is none.
    expect(events.map((event) => event['type'])).toEqual([
      'deleted',
      'rotated',
      'enabled',
      'disabled',
      'changed',
      'created',
    ]);
    expect(events.find((event) => event['type'] === 'changed')?.['fields']).toEqual(['name', 'limits']);
    // Fields sent with the values they already had are no change.
    const same = await createKey({ name: 'same' });
    await adminCall('PATCH', `/admin/api/keys/${same.id}`, { name: 'same', limits: {}, models: ['echo-*'] });
    const trail = (await adminCall('GET', `/admin/api/keys/${same.id}/events`)).json['data'] as Json[];
    expect(trail[0]).toMatchObject({ type: 'changed', fields: ['models'] });
    expect(events.every((event) => typeof event['at'] === 'number')).toBe(true);
  });
});

describe('GET /v1/me', () => {
  it('tells a virtual key who it is and what it has left, without counting', async () => {
    const created = await createKey({ limits: { rpm: 2, usd_per_day: 1 }, models: ['echo-*'] });
    const me = async () => {
      const { response } = await send(
        '/v1/me',
        { headers: { authorization: `Bearer ${created.key}` } },
        BASE,
      );
      return (await response.json()) as Json & { limits: Record<string, Json> };
    };
    await status(created.key);
    const first = await me();
    const second = await me();
    expect(first).toMatchObject({
      object: 'caller',
      kind: 'virtual_key',
      id: created.id,
      name: created['name'],
      models: ['echo-*'],
      // Every period is counted for a virtual key, limited or not.
      spend: { usd_today: expect.any(Number), usd_month: expect.any(Number), usd_total: expect.any(Number) },
    });
    expect(first.limits['requests_per_minute']).toMatchObject({ limit: 2, used: 1, remaining: 1 });
    expect(second.limits['requests_per_minute']).toMatchObject({ used: 1 });
    expect(first.limits['usd_per_day']).toMatchObject({ limit: 1, resets_in_seconds: expect.any(Number) });
    expect(JSON.stringify(first)).not.toContain(created.key.split('.')[1]);
  });

  it('refuses a key on its very next /v1/me once it is disabled, rotated out or deleted', async () => {
    const me = async (key: string) =>
      (await send('/v1/me', { headers: { authorization: `Bearer ${key}` } }, BASE)).response;
    const created = await createKey();
    expect((await me(created.key)).status).toBe(200); // Now in this isolate's memory of keys.
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: true });
    expect(await (await me(created.key)).json()).toMatchObject({ error: { code: 'key_disabled' } });
    await adminCall('PATCH', `/admin/api/keys/${created.id}`, { disabled: false });
    expect((await me(created.key)).status).toBe(200);
    const rotated = await adminCall('POST', `/admin/api/keys/${created.id}/rotate`, { grace_seconds: 0 });
    expect((await me(created.key)).status).toBe(401);
    const fresh = rotated.json['key'] as string;
    expect((await me(fresh)).status).toBe(200);
    await adminCall('DELETE', `/admin/api/keys/${created.id}`);
    expect((await me(fresh)).status).toBe(401);
  });

  it('shows a PROXY_KEYS key what it used, even past its limit', async () => {
    const key = `me-${uniqueTag()}`;
    const overrides = { ...BASE, PROXY_KEYS: `${key} tpd=5`, CACHE_TTL: '0' };
    const { response, settled } = await post(
      '/v1/chat/completions',
      { model: 'echo-1', messages: [{ role: 'user', content: 'one two three four five six' }] },
      { authorization: `Bearer ${key}` },
      overrides,
    );
    const { usage } = (await response.json()) as { usage: { total_tokens: number } };
    await settled;
    const me = await send('/v1/me', { headers: { authorization: `Bearer ${key}` } }, overrides);
    const shown = (await me.response.json()) as { limits: Record<string, Json>; spend: Json };
    expect(usage.total_tokens).toBeGreaterThan(5);
    expect(shown.limits['tokens_per_day']).toMatchObject({
      limit: 5,
      used: usage.total_tokens,
      remaining: 0,
    });
    expect(shown.spend['tokens_today']).toBe(usage.total_tokens);
  });

  it('answers a PROXY_KEYS key and an anonymous caller too', async () => {
    const key = `me-${uniqueTag()}`;
    const keyed = await send(
      '/v1/me',
      { headers: { authorization: `Bearer ${key}` } },
      { PROXY_KEYS: `${key} rpm=7 models=echo-1|gpt-4o-mini`, ALLOWED_MODELS: 'echo-*' },
    );
    expect(await keyed.response.json()).toMatchObject({
      kind: 'key',
      // Its own list, narrowed by ALLOWED_MODELS.
      models: ['echo-1'],
      limits: { requests_per_minute: { limit: 7 } },
    });
    const anonymous = await send(
      '/v1/me',
      {},
      { ALLOW_ANONYMOUS: 'true', PROXY_KEYS: '', REQUESTS_PER_MINUTE: '9' },
    );
    expect(await anonymous.response.json()).toMatchObject({
      kind: 'anonymous',
      models: null,
      limits: { requests_per_minute: { limit: 9 } },
      spend: { usd_today: null },
    });
  });
});

describe('the secret stays secret', () => {
  it('never appears in a log line, and the caller id is the key id', async () => {
    const created = await createKey();
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const tag = uniqueTag('vk');
    const { response, settled } = await chatWith(created.key, { user: tag });
    await response.text();
    await settled;
    spy.mockRestore();
    expect(lines.join('\n')).not.toContain(created.key.split('.')[1]);
    expect(
      lines.map((line) => JSON.parse(line) as Json).find((line) => line['caller'] === created.id),
    ).toBeDefined();
    expect(JSON.stringify(await received(tag))).not.toContain(created.key.split('.')[1]);
  });
});
