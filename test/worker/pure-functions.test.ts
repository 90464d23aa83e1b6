// Table tests for the pure functions that make the proxy's decisions.
import { describe, expect, it } from 'vitest';
import { isCompleteEventStream } from '../../src/cache/complete';
import { parseCacheControl } from '../../src/cache/control';
import { canonicalJson } from '../../src/cache/key';
import { ConfigError, parseConfig } from '../../src/config';
import { parseProxyKeys } from '../../src/proxy-keys';
import { formatDuration } from '../../src/quota/admission';
import { reservation, usageFromEventStream } from '../../src/quota/usage';
import { admit, emptyState, settle, utcDay } from '../../src/quota/window';
import { redactSecret } from '../../src/redact';
import { ROUTES, upstreamPath } from '../../src/routes';
import { UsageFilter, completeEvents, usageOnlyChunk } from '../../src/sse-events';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

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

describe('isCompleteEventStream', () => {
  it.each([
    ['data: {"a":1}\n\ndata: [DONE]\n\n', 'chat.completions', true],
    ['data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n', 'completions', true],
    ['data: {"a":1}\n\n', 'chat.completions', false],
    ['data: [DONE]\n\ndata: {"error":{}}\n\n', 'chat.completions', false],
    ['event: response.completed\ndata: {"type":"response.completed"}\n\n', 'responses', true],
    ['event: response.failed\ndata: {"type":"response.failed"}\n\n', 'responses', false],
  ] as const)('%j on %s → %s', (stream, route, expected) => {
    expect(isCompleteEventStream(bytes(stream), route)).toBe(expected);
  });
});

describe('completeEvents', () => {
  it.each([
    ['data: a\n\ndata: b', ['data: a\n\n'], 'data: b'],
    ['data: a\r\n\r\ndata: b\r\n\r\n', ['data: a\r\n\r\n', 'data: b\r\n\r\n'], ''],
    ['data: a\r\n\r', [], 'data: a\r\n\r'],
    [': keep-alive\n\ndata: x\r\rdata: y\n', [': keep-alive\n\n', 'data: x\r\r'], 'data: y\n'],
  ])('%j', (input, events, rest) => {
    const split = completeEvents(bytes(input));
    expect(split.events.map(text)).toEqual(events);
    expect(text(split.rest)).toBe(rest);
  });

  it('recognises only a usage-only chunk', () => {
    expect(usageOnlyChunk(bytes('data: {"choices":[],"usage":{"total_tokens":7}}\n\n'))).toEqual({
      total_tokens: 7,
    });
    expect(usageOnlyChunk(bytes('data: {"choices":[{"delta":{}}],"usage":null}\n\n'))).toBeUndefined();
    expect(usageOnlyChunk(bytes('data: [DONE]\n\n'))).toBeUndefined();
  });
});

describe('UsageFilter', () => {
  const finish = 'data: {"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null}\r\n\r\n';
  const usage = 'data: {"choices":[],"usage":{"total_tokens":9}}\r\n\r\n';
  const done = 'data: [DONE]\r\n\r\n';
  const stream = `: ok\n\n${finish}${usage}${done}`;

  it.each([1, 3, 7, 50, stream.length])('removes only the usage chunk, fed %i bytes at a time', (size) => {
    const filter = new UsageFilter(true);
    const input = bytes(stream);
    let output = '';
    for (let at = 0; at < input.length; at += size) {
      for (const piece of filter.push(input.subarray(at, at + size))) output += text(piece);
    }
    for (const piece of filter.flush()) output += text(piece);
    expect(output).toBe(`: ok\n\n${finish}${done}`);
    expect(filter.usage).toEqual({ total_tokens: 9 });
  });

  it('passes chunks through untouched when not stripping', () => {
    const chunk = bytes(usage);
    expect(new UsageFilter(false).push(chunk)).toEqual([chunk]);
  });
});

describe('usage', () => {
  it('reads usage from chat and Responses streams', () => {
    const chat =
      'data: {"choices":[]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n';
    expect(usageFromEventStream(bytes(chat))).toBe(7);
    const responses =
      'event: response.completed\ndata: {"response":{"usage":{"input_tokens":2,"output_tokens":5,"total_tokens":7}}}\n\n';
    expect(usageFromEventStream(bytes(responses))).toBe(7);
    expect(usageFromEventStream(bytes('data: {"choices":[]}\n\n'))).toBeUndefined();
  });

  it.each([
    ['chat.completions', { max_tokens: 100 }, 400, 200],
    ['chat.completions', { max_completion_tokens: 50, n: 2 }, 40, 110],
    ['responses', { max_output_tokens: 10 }, 4, 11],
    ['completions', {}, 4, 1025],
    ['embeddings', { max_tokens: 100 }, 8, 2],
  ] as const)('reserves for %s %j', (route, body, size, expected) => {
    expect(reservation(route, body, size)).toBe(expected);
  });
});

describe('quota window', () => {
  const limits = { rpm: 2, tpd: 100 };
  it('admits up to the request limit per minute, then frees the oldest slot', () => {
    let state = emptyState;
    const decisions = [0, 10, 20, 60_001].map((nowMs) => {
      const result = admit(state, limits, { reserve: 0, nowMs });
      state = result.state;
      return result.decision.allowed;
    });
    expect(decisions).toEqual([true, true, false, true]);
  });

  it('refuses for tokens only once the budget is spent, and settles to real usage', () => {
    const first = admit(emptyState, limits, { reserve: 150, nowMs: 0 });
    expect(first.decision.allowed).toBe(true);
    expect(admit(first.state, { rpm: 0, tpd: 100 }, { reserve: 1, nowMs: 1 }).decision).toMatchObject({
      allowed: false,
      reason: 'tokens',
    });
    const settled = settle(first.state, { day: utcDay(0), delta: 30 - 150 });
    expect(settled.tokensUsed).toBe(30);
    expect(settle(first.state, { day: '1999-01-01', delta: -150 }).tokensUsed).toBe(150);
  });

  it('starts a new budget on a new UTC day', () => {
    const spent = admit(emptyState, { rpm: 0, tpd: 10 }, { reserve: 10, nowMs: 0 }).state;
    expect(admit(spent, { rpm: 0, tpd: 10 }, { reserve: 1, nowMs: 86_400_000 }).decision.allowed).toBe(true);
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
      upstreamBaseUrl: 'https://api.openai.com/v1',
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
  const retrieve = ROUTES.find((route) => route.name === 'models.retrieve')!;
  it.each([
    ['gpt-4o', '/models/gpt-4o'],
    ['ft:gpt-4o-mini:org::abc123', '/models/ft:gpt-4o-mini:org::abc123'],
    ['llama3.1:8b', '/models/llama3.1:8b'],
    ['..', undefined],
    ['.', undefined],
    ['..%2Ffiles', undefined],
    ['a b', undefined],
  ])('model id %s → %s', (id, expected) => expect(upstreamPath(retrieve, { id })).toBe(expected));

  it.each([
    [
      'Incorrect API key provided: sk-abc123def456.',
      'sk-abc123def456',
      'Incorrect API key provided: [redacted].',
    ],
    ['key sk-proj-****************wxyz is invalid', undefined, 'key [redacted] is invalid'],
    ['my-upstream-secret leaked', 'my-upstream-secret', '[redacted] leaked'],
    ['nothing here', 'sk-x', 'nothing here'],
  ])('redacts %j', (input, secret, expected) => expect(redactSecret(input, secret)).toBe(expected));
});
