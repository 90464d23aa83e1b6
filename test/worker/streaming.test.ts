import { describe, expect, it, vi } from 'vitest';
import { splitScenarioBytes } from '../mock-upstream/server.mjs';
import { post, received, releaseGate, uniqueTag, upstreamKey } from './helpers';

const decoder = new TextDecoder();

function chatStream(tag: string, x_mock?: Record<string, unknown>) {
  return {
    model: 'echo-1',
    stream: true,
    user: tag,
    messages: [{ role: 'user', content: 'one two three' }],
    ...(x_mock ? { x_mock: { tag, ...x_mock } } : {}),
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('streaming relay', () => {
  it('relays awkwardly split SSE (UTF-8 split, CRLF split, comments, usage chunk) byte for byte', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', chatStream(tag, { scenario: 'split' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes).toEqual(splitScenarioBytes());
  });

  it('relays the echo stream unchanged and ends with [DONE]', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', chatStream(tag));
    const text = await response.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"error"');
    expect(text).not.toContain(upstreamKey);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('openai-organization')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/^req_mock_/);
  });

  it('delivers each chunk before the upstream has sent the next one', async () => {
    const tag = uniqueTag('gated');
    const { response } = await post('/v1/chat/completions', chatStream(tag, { scenario: 'gated', count: 3 }));
    const reader = response.body!.getReader();
    let seen = '';
    for (let step = 0; step < 3; step++) {
      // The mock holds chunk step+1 until released, so these reads can only see what was sent.
      while (!seen.includes(`part${step}`)) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        seen += decoder.decode(value, { stream: true });
      }
      expect(seen).not.toContain(`part${step + 1}`);
      await releaseGate(tag);
    }
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += decoder.decode(next.value);
    expect(rest).toContain('[DONE]');
  });

  it('cancels the upstream request when the client disconnects', async () => {
    const tag = uniqueTag('abort');
    const { response, disconnect } = await post(
      '/v1/chat/completions',
      chatStream(tag, { scenario: 'stall' }),
    );
    const reader = response.body!.getReader();
    await reader.read();
    await disconnect(reader);
    const [upstream] = await until(async () => {
      const log = await received(tag);
      return log[0]?.aborted ? log : undefined;
    });
    expect(upstream?.aborted).toBe(true);
  });
});

describe('a stored response streamed', () => {
  it('reaches the client without waiting for the watch of its copy to tick', async () => {
    // The answer waits for the stored response's id, read from the watched copy. The copy is read
    // in ticks once it trickles; with the clock stopped, a client that needed a tick would never
    // see its first event. The mock sends `response.created` in more than one write.
    const realTimeout = globalThis.setTimeout;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const stuck = new Promise<'stuck'>((resolve) => realTimeout(() => resolve('stuck'), 3000));
      const first = (async () => {
        const { response } = await post('/v1/responses', {
          model: 'echo-1',
          user: uniqueTag(),
          input: 'a b c',
          stream: true,
          x_mock: { scenario: 'gated', count: 3 },
        });
        const reader = response.body!.getReader();
        const chunk = await reader.read();
        await reader.cancel();
        return new TextDecoder().decode(chunk.value);
      })();
      expect(await Promise.race([first, stuck])).toContain('event: response.created');
    } finally {
      vi.runOnlyPendingTimers();
      vi.useRealTimers();
    }
  });
});

describe('the checked relay and a client that does not read', () => {
  it(
    'holds back the upstream rather than take the stream into memory, and ends it after STREAM_IDLE_TIMEOUT_MS',
    { timeout: 20_000 },
    async () => {
      const tag = uniqueTag();
      // 32 MB, sent as fast as the proxy takes it: far more than the socket buffers between the
      // mock and the proxy hold, so the mock can finish only if the relay reads on regardless.
      const { response, settled } = await post(
        '/v1/chat/completions',
        chatStream(tag, { scenario: 'chunks', count: 2000, size: 16_000, intervalMs: 0 }),
        {},
        { STREAM_RELAY: 'checked', CACHE_TTL: '0', STREAM_IDLE_TIMEOUT_MS: '1000' },
      );
      const reader = response.body!.getReader();
      await reader.read();
      // Held back, the upstream falls silent for the relay: after a second the stream is ended.
      const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000));
      expect(await Promise.race([settled.then(() => 'settled'), stuck])).toBe('settled');
      expect((await received(tag))[0]?.finished).toBe(false);
      const drained = (async () => {
        while (!(await reader.read()).done);
      })();
      await expect(drained).rejects.toThrow();
    },
  );
});
