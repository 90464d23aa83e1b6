import { describe, expect, it, vi } from 'vitest';
import { splitScenarioBytes } from '../mock-upstream/server.mjs';
import { post, received, releaseGate, uniqueTag, type Overrides } from './helpers';

type Body = Record<string, unknown>;

/** Sends the request and waits for the cache write, as a second request would come later. */
async function call(
  path: string,
  body: Body,
  headers: Record<string, string> = {},
  overrides: Overrides = {},
) {
  const { response, settled } = await post(path, body, headers, overrides);
  const bytes = new Uint8Array(await response.arrayBuffer());
  await settled;
  return { response, bytes, text: new TextDecoder().decode(bytes) };
}

const chat = (tag: string, extra: Body = {}): Body => ({
  model: 'echo-1',
  user: tag,
  messages: [{ role: 'user', content: `cache me ${tag}` }],
  ...extra,
});

describe('response cache', () => {
  it.each([
    ['/v1/chat/completions', (tag: string) => chat(tag)],
    ['/v1/completions', (tag: string) => ({ model: 'echo-1', user: tag, prompt: `say ${tag}` })],
    ['/v1/embeddings', (tag: string) => ({ model: 'text-embedding-echo', user: tag, input: [tag] })],
    ['/v1/responses', (tag: string) => ({ model: 'echo-1', user: tag, input: `say ${tag}` })],
  ])('misses then hits on %s, calling upstream once', async (path, makeBody) => {
    const tag = uniqueTag();
    const first = await call(path, makeBody(tag));
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('x-cache')).toBe('MISS');
    const second = await call(path, makeBody(tag));
    expect(second.response.headers.get('x-cache')).toBe('HIT');
    expect(second.response.headers.get('x-cache-source')).toBe('kv');
    expect(Number(second.response.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(second.response.headers.get('content-type')).toBe(first.response.headers.get('content-type'));
    expect(second.bytes).toEqual(first.bytes);
    expect(await received(tag)).toHaveLength(1);
  });

  it('treats reordered JSON keys as the same request', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag, { temperature: 0, max_tokens: 5 }));
    const messages = [{ content: `cache me ${tag}`, role: 'user' }];
    const reordered = { max_tokens: 5, messages, temperature: 0, user: tag, model: 'echo-1' };
    const second = await call('/v1/chat/completions', reordered);
    expect(second.response.headers.get('x-cache')).toBe('HIT');
  });

  it('misses when a parameter differs', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag, { temperature: 0 }));
    const second = await call('/v1/chat/completions', chat(tag, { temperature: 0.5 }));
    expect(second.response.headers.get('x-cache')).toBe('MISS');
    expect(await received(tag)).toHaveLength(2);
  });

  it('never shares an entry between a streamed and a non-streamed request', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag, { stream: false }));
    const streamed = await call('/v1/chat/completions', chat(tag, { stream: true }));
    expect(streamed.response.headers.get('x-cache')).toBe('MISS');
    expect(streamed.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('bypasses the cache entirely with cache-control: no-store', async () => {
    const tag = uniqueTag();
    const first = await call('/v1/chat/completions', chat(tag), { 'cache-control': 'no-store' });
    expect(first.response.headers.get('x-cache')).toBe('BYPASS');
    const second = await call('/v1/chat/completions', chat(tag));
    expect(second.response.headers.get('x-cache')).toBe('MISS');
    expect(await received(tag)).toHaveLength(2);
  });

  it('skips the read but stores the fresh answer with cache-control: no-cache', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag));
    const fresh = await call('/v1/chat/completions', chat(tag), { 'cache-control': 'no-cache' });
    expect(fresh.response.headers.get('x-cache')).toBe('MISS');
    expect(await received(tag)).toHaveLength(2);
    const third = await call('/v1/chat/completions', chat(tag));
    expect(third.response.headers.get('x-cache')).toBe('HIT');
    expect(third.bytes).toEqual(fresh.bytes);
  });

  it('honours cache-control: max-age', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const recent = await call('/v1/chat/completions', chat(tag), { 'cache-control': 'max-age=60' });
    expect(recent.response.headers.get('x-cache')).toBe('HIT');
    const tooOld = await call('/v1/chat/completions', chat(tag), { 'cache-control': 'max-age=0' });
    expect(tooOld.response.headers.get('x-cache')).toBe('MISS');
  });

  it('does not store an error: a 500 followed by a 200 serves the 200', async () => {
    const tag = uniqueTag();
    const body = chat(tag, { x_mock: { scenario: 'fail-first', status: 500, tag } });
    const failed = await call('/v1/chat/completions', body);
    expect(failed.response.status).toBe(500);
    const ok = await call('/v1/chat/completions', body);
    expect(ok.response.status).toBe(200);
    expect(ok.response.headers.get('x-cache')).toBe('MISS');
    const hit = await call('/v1/chat/completions', body);
    expect(hit.response.status).toBe(200);
    expect(hit.response.headers.get('x-cache')).toBe('HIT');
    expect(await received(tag)).toHaveLength(2);
  });

  it('replays a streamed answer byte for byte as text/event-stream', async () => {
    const tag = uniqueTag();
    const body = chat(tag, { stream: true, x_mock: { scenario: 'split', tag } });
    const first = await call('/v1/chat/completions', body);
    expect(first.bytes).toEqual(splitScenarioBytes());
    const replay = await call('/v1/chat/completions', body);
    expect(replay.response.headers.get('x-cache')).toBe('HIT');
    expect(replay.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(replay.bytes).toEqual(splitScenarioBytes());
    expect(await received(tag)).toHaveLength(1);
  });

  it('stores a completed Responses API stream and replays it', async () => {
    const tag = uniqueTag();
    const body = { model: 'echo-1', user: tag, input: `stream ${tag}`, stream: true };
    const first = await call('/v1/responses', body);
    expect(first.text).toContain('response.completed');
    const replay = await call('/v1/responses', body);
    expect(replay.response.headers.get('x-cache')).toBe('HIT');
    expect(replay.bytes).toEqual(first.bytes);
    // As the first answer said: nothing in between should hold the replayed stream back.
    expect(replay.response.headers.get('cache-control')).toBe(first.response.headers.get('cache-control'));
    expect(replay.response.headers.get('cache-control')).toBe('no-cache, must-revalidate');
  });

  it('does not store a stream the client aborted', async () => {
    const tag = uniqueTag();
    const body = chat(tag, { stream: true, x_mock: { scenario: 'gated', count: 3, tag } });
    const { response, settled, disconnect } = await post('/v1/chat/completions', body);
    const reader = response.body!.getReader();
    await reader.read();
    await disconnect(reader);
    await settled;
    const again = await post('/v1/chat/completions', chat(tag, { stream: true }));
    expect(again.response.headers.get('x-cache')).toBe('MISS');
    await again.response.arrayBuffer();
  });

  it('keeps two client keys apart with CACHE_SCOPE=key and joins them with shared', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag));
    const other = await call('/v1/chat/completions', chat(tag), { authorization: 'Bearer client-key-2' });
    expect(other.response.headers.get('x-cache')).toBe('MISS');

    const sharedTag = uniqueTag();
    const shared: Overrides = { CACHE_SCOPE: 'shared' };
    await call('/v1/chat/completions', chat(sharedTag), {}, shared);
    const joined = await call(
      '/v1/chat/completions',
      chat(sharedTag),
      { authorization: 'Bearer client-key-2' },
      shared,
    );
    expect(joined.response.headers.get('x-cache')).toBe('HIT');
  });

  it('turns off with CACHE_TTL=0', async () => {
    const tag = uniqueTag();
    await call('/v1/chat/completions', chat(tag), {}, { CACHE_TTL: '0' });
    const second = await call('/v1/chat/completions', chat(tag), {}, { CACHE_TTL: '0' });
    expect(second.response.headers.get('x-cache')).toBe('BYPASS');
    expect(await received(tag)).toHaveLength(2);
  });

  it('keeps working when KV throws on every read and write, and logs each failure', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const broken = {
      getWithMetadata: () => Promise.reject(new Error('KV is down')),
      put: () => Promise.reject(new Error('KV is down')),
    } as unknown as KVNamespace;
    const tag = uniqueTag();
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await call('/v1/chat/completions', chat(tag), {}, { CACHE: broken });
      expect(result.response.status).toBe(200);
      expect(result.response.headers.get('x-cache')).toBe('MISS');
    }
    const events = logged.mock.calls.map(([line]) => (JSON.parse(String(line)) as { event: string }).event);
    logged.mockRestore();
    expect(events).toContain('cache_read_failed');
    expect(events).toContain('cache_write_failed');
  });

  it('treats a KV read that hangs as a miss after a bounded wait', async () => {
    const hanging = {
      getWithMetadata: () => new Promise(() => undefined),
      put: () => Promise.resolve(),
    } as unknown as KVNamespace;
    const tag = uniqueTag();
    const started = Date.now();
    const result = await call('/v1/chat/completions', chat(tag), {}, { CACHE: hanging });
    expect(result.response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('makes one upstream call for concurrent identical misses', async () => {
    const tag = uniqueTag();
    const body = chat(tag, { x_mock: { scenario: 'headers-delay', delayMs: 300, tag } });
    const results = await Promise.all(Array.from({ length: 5 }, () => call('/v1/chat/completions', body)));
    expect(await received(tag)).toHaveLength(1);
    const sources = results
      .map((result) => result.response.headers.get('x-cache-source') ?? 'upstream')
      .sort();
    expect(sources).toEqual(['in-flight', 'in-flight', 'in-flight', 'in-flight', 'upstream']);
    for (const result of results) expect(result.bytes).toEqual(results[0]!.bytes);
  });

  it('lets an identical stream go upstream at once rather than wait for one in flight to end', async () => {
    const tag = uniqueTag();
    const body = chat(tag, { stream: true, x_mock: { scenario: 'gated', count: 3, tag } });
    const first = await post('/v1/chat/completions', body);
    const firstReader = first.response.body!.getReader();
    await firstReader.read(); // The first stream is running, held at its first piece.
    const waited = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000));
    const second = await Promise.race([post('/v1/chat/completions', body), waited]);
    if (second === 'waited') throw new Error('the second stream waited for the first to end');
    expect(second.response.headers.get('x-cache')).toBe('MISS');
    const secondReader = second.response.body!.getReader();
    expect(new TextDecoder().decode((await secondReader.read()).value)).toContain('data: ');
    for (let release = 0; release < 4; release++) await releaseGate(tag);
    for (const reader of [firstReader, secondReader]) while (!(await reader.read()).done);
    expect(await received(tag)).toHaveLength(2);
  });
});
