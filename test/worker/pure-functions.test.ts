// Table tests for the pure functions that make the proxy's decisions.
import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/cache/control';
import { canonicalJson } from '../../src/cache/key';
import { parseProxyKeys } from '../../src/config/proxy-keys';
import { parseConfig } from '../../src/config/read';
import { ConfigError } from '../../src/config/values';
import { clientResponseHeaders } from '../../src/http/headers';
import { redactErrorText, secretRedactor } from '../../src/http/redact';
import { formatDuration } from '../../src/quota/admission';
import { reservation } from '../../src/accounting/reservation';
import { utcDay } from '../../src/lib/time';
import { add, adjust, msUntilOldestLeaves, slide, total } from '../../src/lib/minute-window';
import { admit, emptyState, settle } from '../../src/quota/window';
import { NO_LIMITS, NO_USAGE, admitKey, settleKey } from '../../src/keys/limits';
import { ROUTES, isSafeModelId } from '../../src/routes';

describe('canonicalJson', () => {
  it.each([
    [{ b: 2, a: 1 }, '{"a":1,"b":2}'],
    [{ a: { d: [3, { f: 1, e: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"e":2,"f":1}]}}'],
    [[{ b: 1, a: 2 }, 'x'], '[{"a":2,"b":1},"x"]'],
    [{ a: undefined, b: 'é' }, '{"b":"é"}'],
  ])('%j → %s', (value, expected) => expect(canonicalJson(value)).toBe(expected));
});

describe('parseCacheControl', () => {
  it.each([
    [null, { read: true, write: true }],
    ['no-store', { read: false, write: false }],
    ['No-Cache', { read: false, write: true }],
    ['max-age=30', { read: true, write: true, maxAgeSeconds: 30 }],
    ['max-age="5", private', { read: true, write: true, maxAgeSeconds: 5 }],
    ['max-age=abc', { read: true, write: true }],
    ['no-cache, no-store', { read: false, write: false }],
  ])('%s', (header, expected) => expect(parseCacheControl(header)).toEqual(expected));
});

describe('reservation', () => {
  const gpt4o = { input: 2.5, output: 10, maxOutput: 16_384 };
  it.each([
    ['chat.completions', { max_tokens: 100 }, 400, [gpt4o], 200, 1250],
    ['chat.completions', { max_completion_tokens: 50, n: 2 }, 40, [gpt4o], 110, 1025],
    ['responses', { max_output_tokens: 10 }, 4, [gpt4o], 11, 103],
    // No bound set: each choice may run to the model's maximum output.
    ['chat.completions', { n: 2 }, 4, [gpt4o], 32_769, 327_683],
    // An unknown maximum reserves 4,096 per choice; an unpriced model costs nothing to reserve.
    ['completions', {}, 4, [undefined], 4097, 0],
    // An alias reaching two models reserves for the dearer one.
    ['chat.completions', {}, 4, [{ input: 0.15, output: 0.6, maxOutput: 16_384 }, gpt4o], 16_385, 163_843],
    ['embeddings', { max_tokens: 100 }, 8, [{ input: 0.02, output: 0 }], 2, 1],
  ] as const)('reserves for %s %j', (name, body, size, prices, tokens, micros) => {
    const route = ROUTES.find((candidate) => candidate.name === name)!;
    expect(reservation({ route, body, bodyBytes: size, prices })).toEqual({ tokens, micros });
  });
});

describe('quota window', () => {
  const limits = { rpm: 2, tpd: 100, microsPerDay: 0 };
  const tokens = (count: number) => ({ tokens: count, micros: 0 });
  it('admits up to the request limit per minute, then frees the oldest slot', () => {
    let state = emptyState;
    const decisions = [0, 10, 20, 60_001].map((nowMs) => {
      const result = admit(state, limits, { reserve: tokens(0), nowMs });
      state = result.state;
      return result.decision.allowed;
    });
    expect(decisions).toEqual([true, true, false, true]);
  });

  it('refuses for tokens only once the budget is spent, and settles to real usage', () => {
    const first = admit(emptyState, limits, { reserve: tokens(150), nowMs: 0 });
    expect(first.decision.allowed).toBe(true);
    expect(
      admit(first.state, { ...limits, rpm: 0 }, { reserve: tokens(1), nowMs: 1 }).decision,
    ).toMatchObject({
      allowed: false,
      reason: 'tokens',
    });
    const settled = settle(first.state, { day: utcDay(0), delta: tokens(30 - 150) });
    expect(settled.tokensUsed).toBe(30);
    expect(settle(first.state, { day: '1999-01-01', delta: tokens(-150) }).tokensUsed).toBe(150);
  });

  it('admits dollars only while the whole maximum cost fits, and settles to the real cost', () => {
    const budget = { rpm: 0, tpd: 0, microsPerDay: 1000 };
    const reserve = { tokens: 0, micros: 400 };
    const first = admit(emptyState, budget, { reserve, nowMs: 0 });
    const second = admit(first.state, budget, { reserve, nowMs: 1 });
    const third = admit(second.state, budget, { reserve, nowMs: 2 });
    expect([first, second, third].map((result) => result.decision.allowed)).toEqual([true, true, false]);
    expect(third.decision).toMatchObject({ reason: 'dollars', snapshot: { remainingMicros: 200 } });
    const settled = settle(second.state, { day: utcDay(0), delta: { tokens: 0, micros: 100 - 400 } });
    expect(admit(settled, budget, { reserve, nowMs: 3 }).decision.allowed).toBe(true);
  });

  it('starts a new budget on a new UTC day', () => {
    const day = { rpm: 0, tpd: 10, microsPerDay: 0 };
    const spent = admit(emptyState, day, { reserve: tokens(10), nowMs: 0 }).state;
    expect(admit(spent, day, { reserve: tokens(1), nowMs: 86_400_000 }).decision.allowed).toBe(true);
  });

  it.each([
    [0, '0s'],
    [999, '1s'],
    [60_000, '1m0s'],
    [3_723_000, '1h2m3s'],
  ])('formats %i ms as %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected));
});

describe('configuration', () => {
  const base = { PROXY_KEYS: 'k' };
  it.each([
    [{ CACHE_TTL: '30' }, 'CACHE_TTL'],
    [{ MAX_BODY_BYTES: '-1' }, 'MAX_BODY_BYTES'],
    [{ ALLOW_ANONYMOUS: 'yes' }, 'ALLOW_ANONYMOUS'],
    [{ ALLOWED_ORIGINS: 'https://app.example.com/path' }, 'ALLOWED_ORIGINS'],
    [{ OPENAI_BASE_URL: 'https://user:pass@api.example.com/v1' }, 'OPENAI_BASE_URL'],
    [{ OPENAI_BASE_URL: 'ftp://example.com' }, 'OPENAI_BASE_URL'],
    [{ CACHE_SCOPE: 'global' }, 'CACHE_SCOPE'],
    [{ STREAM_RELAY: 'fast' }, 'STREAM_RELAY'],
    [{ TOKEN_SECRET: 'short-secret' }, 'TOKEN_SECRET'],
  ])('rejects %j naming the variable', (settings, name) => {
    expect(() => parseConfig({ ...base, ...settings })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, ...settings })).toThrow(name);
  });

  it('never echoes a secret in an error', () => {
    expect(() => parseConfig({ TOKEN_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => parseProxyKeys('sk-secret-key rpm=lots')).toThrow(/entry 1/);
    expect(() => parseProxyKeys('sk-secret-key rpm=lots')).not.toThrow(/sk-secret-key/);
  });

  it('parses per-key options', () => {
    expect(parseProxyKeys('a, b rpm=5 tpd=0 models=gpt-4o*|echo-1')).toEqual([
      { key: 'a' },
      { key: 'b', rpm: 5, tpd: 0, models: ['gpt-4o*', 'echo-1'] },
    ]);
  });

  it('has the documented defaults', () => {
    expect(parseConfig({})).toMatchObject({
      upstreams: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
      allowAnonymous: false,
      maxBodyBytes: 25 * 1024 * 1024,
      upstreamTimeoutMs: 600_000,
      streamIdleTimeoutMs: 120_000,
      streamRelay: 'native',
      cacheTtlSeconds: 3600,
      cacheScope: 'key',
      requestsPerMinute: 60,
      tokensPerDay: 0,
      allowedModels: undefined,
      playground: false,
    });
  });
});

describe('paths and redaction', () => {
  it.each([
    ['gpt-4o', true],
    ['ft:gpt-4o-mini:org::abc123', true],
    ['llama3.1:8b', true],
    ['..', false],
    ['.', false],
    ['..%2Ffiles', false],
    ['a b', false],
  ])('model id %s is a safe path segment: %s', (id, expected) => expect(isSafeModelId(id)).toBe(expected));

  it.each([
    [
      'Incorrect API key provided: sk-abc123def456.',
      'sk-abc123def456',
      'Incorrect API key provided: [redacted].',
    ],
    ['key sk-proj-****************wxyz is invalid', undefined, 'key [redacted] is invalid'],
    ['my-upstream-secret leaked', 'my-upstream-secret', '[redacted] leaked'],
    ['nothing here', 'sk-x', 'nothing here'],
  ])('redacts %j', (input, secret, expected) =>
    expect(redactErrorText(input, secretRedactor([secret]))).toBe(expected),
  );
});

describe('secret redaction in every form a client could decode', () => {
  const key = 'sk-proj-Abc123_def-456xyz';
  const redactor = secretRedactor([key, 'short', undefined]);
  const b64 = (text: string) => btoa(text);
  const escaped = (text: string) =>
    [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  it.each([
    ['verbatim', `{"id":"${key}"}`],
    ['JSON \\u escapes', `{"id":"${escaped(key)}"}`],
    ['a few characters escaped', `{"id":"sk-\\u0070roj-Abc123_def-456xyz"}`],
    ['URL-encoded', `Bearer%20${encodeURIComponent(key).replace(/-/g, '%2D')}`],
    ['base64 of the key', b64(key)],
    ['base64 of Bearer <key>', b64(`Bearer ${key}`)],
    ['base64 at offset 1', b64(`x${key}`)],
    ['base64 at offset 2', b64(`xy${key}`)],
    ['base64url inside JSON', `{"b":"${b64(`a:${key}`).replace(/\+/g, '-').replace(/\//g, '_')}"}`],
  ])('finds and removes the key %s', (_form, text) => {
    expect(redactor.finds(text)).toBe(true);
    const redacted = redactor.redact(text);
    expect(redacted).toContain('[redacted]');
    expect(redactor.finds(redacted)).toBe(false);
  });

  it('leaves text without a secret exactly as it was, and ignores secrets too short to tell apart', () => {
    const text = '{"short":"short","text":"sk-proj-Abc123_def-456xy"}';
    expect(redactor.finds(text)).toBe(false);
    expect(redactor.redact(text)).toBe(text);
  });
});

describe('the one-minute window in one-second buckets', () => {
  const at = (second: number, ms = 0) => second * 1000 + ms;

  it('counts an amount from its second until that second plus 60 s ends', () => {
    const window = add([], at(100, 700), 1);
    expect(total(slide(window, at(159, 999)))).toBe(1);
    expect(total(slide(window, at(160)))).toBe(0);
    expect(msUntilOldestLeaves(window, at(130))).toBe(30_000);
    expect(msUntilOldestLeaves([], at(130))).toBe(0);
  });

  it('holds at most one entry a second, however many requests', () => {
    let window = slide([], 0);
    for (let ms = 0; ms < 120_000; ms += 5) window = add(slide(window, ms), ms, 1);
    expect(window.length).toBe(60);
    expect(total(window)).toBe(12_000); // 200 a second, for the last 60 seconds
  });

  it('corrects the amount added at a time, never below zero, and ignores one no longer counted', () => {
    const window = add(add([], at(10), 100), at(11), 50);
    expect(adjust(window, at(10, 500), -30)).toEqual([
      { second: 10, amount: 70 },
      { second: 11, amount: 50 },
    ]);
    expect(total(adjust(window, at(11), -500))).toBe(100);
    expect(adjust(window, at(5), 10)).toEqual(window);
  });
});

describe('the response headers a client gets from the upstream', () => {
  const redactor = secretRedactor(['sk-upstream-secret-0123456789']);
  it('keeps allow-listed names whatever their case, joins repeats, drops the rest and any secret', () => {
    const upstream = new Headers([
      ['X-RateLimit-Remaining-Requests', '1'],
      ['x-ratelimit-remaining-requests', '2'],
      ['Retry-After', '3'],
      ['Content-Type', 'application/json'],
      ['Set-Cookie', '__cf_bm=abc'],
      ['Openai-Organization', 'org-1'],
      ['X-Ratelimit-Limit-Tokens', 'Bearer sk-upstream-secret-0123456789'],
      ['x-ratelimit-__proto__', 'p'],
    ]);
    expect({ ...clientResponseHeaders(upstream, redactor) }).toEqual({
      'content-type': 'application/json',
      'retry-after': '3',
      'x-ratelimit-__proto__': 'p',
      'x-ratelimit-remaining-requests': '1, 2',
    });
  });
});

describe('a key budget held by requests in flight', () => {
  const limits = { ...NO_LIMITS, tpd: 150 };
  const at = (iso: string) => Date.parse(iso);
  const reserve = (tokens: number) => ({ tokens, micros: 0 });

  it('is "held" only by what today\'s running requests reserved, never by yesterday\'s', () => {
    // Admitted a minute before midnight, still running: it reserved from yesterday's budget.
    const late = admitKey(NO_USAGE, limits, {
      reserve: reserve(100),
      now: at('2026-03-01T23:59:30Z'),
      lease: 'late',
    });
    if (!late.allowed) throw new Error('the first request is admitted');
    // Today's budget is then spent by a request that settled.
    const now = at('2026-03-02T00:00:10Z');
    const spent = admitKey(late.usage, limits, { reserve: reserve(150), now, lease: 'today' });
    if (!spent.allowed) throw new Error('the second request is admitted');
    const settled = settleKey(spent.usage, {
      lease: 'today',
      day: '2026-03-02',
      month: '2026-03',
      delta: { tokens: 0, micros: 0 },
      now,
    });
    const refused = admitKey(settled, limits, { reserve: reserve(10), now, lease: 'next' });
    expect(refused).toMatchObject({ allowed: false, reason: 'tokens_day', inFlight: false });

    // Whereas a budget filled by today's running request alone is only held.
    const running = admitKey(NO_USAGE, limits, { reserve: reserve(150), now, lease: 'running' });
    if (!running.allowed) throw new Error('admitted');
    const held = admitKey(running.usage, limits, { reserve: reserve(10), now, lease: 'next' });
    expect(held).toMatchObject({ allowed: false, reason: 'tokens_day', inFlight: true });
  });
});
