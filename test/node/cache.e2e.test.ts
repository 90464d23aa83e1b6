// The KV cache as an SDK user meets it, through the real Worker under wrangler's dev server.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { shared, upstreamRequests } from './shared-proxy';
import { CLIENT_KEY } from './start-proxy';
import { until } from './wait';

const client = new OpenAI({ baseURL: shared.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
const xMock = (x: Record<string, unknown>): {} => ({ x_mock: x });
const user = (content: string) => [{ role: 'user' as const, content }];
const callsTagged = async (tag: string) => (await upstreamRequests(tag)).length;

describe('cache through the openai SDK', () => {
  it('returns the same completion for a repeated create, with one upstream call', async () => {
    const tag = `sdk-cache-${Date.now()}`;
    const request = { model: 'echo-1', user: tag, messages: user('remember me') };
    const miss = await client.chat.completions.create(request).withResponse();
    expect(miss.response.headers.get('x-cache')).toBe('MISS');
    // The write happens after the response (waitUntil); KV is eventually consistent by design.
    let hit: unknown;
    await until(async () => {
      const again = await client.chat.completions.create(request).withResponse();
      hit = again.data;
      return again.response.headers.get('x-cache') === 'HIT';
    }, 3000);
    expect(hit).toEqual(miss.data);
    expect(await callsTagged(tag)).toBe(1);
  });

  it('replays a streamed answer that the SDK reads exactly like the original', async () => {
    const tag = `sdk-stream-cache-${Date.now()}`;
    const read = async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'echo-1', user: tag, messages: user('stream and remember'), stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return { text, cache: response.headers.get('x-cache') };
    };
    const original = await read();
    expect(original).toEqual({ text: 'You said: stream and remember', cache: 'MISS' });
    // The entry is written once the proxy has seen the stream's end, a moment after the client
    // has; a stream asked for meanwhile goes upstream itself (it never waits on another stream).
    let replay = original;
    let misses = 1;
    await until(async () => {
      replay = await read();
      if (replay.cache === 'MISS') misses++;
      return replay.cache === 'HIT';
    }, 3000);
    expect(replay.text).toBe(original.text);
    expect(await callsTagged(tag)).toBe(misses);
  });

  it('never stores a stream that broke mid-way', async () => {
    const tag = `broken-${Date.now()}`;
    const body = { model: 'echo-1', user: tag, messages: user('one two three'), stream: true as const };
    for (let attempt = 0; attempt < 2; attempt++) {
      const stream = await client.chat.completions.create({ ...body, ...xMock({ scenario: 'break' }) });
      for await (const _chunk of stream) {
        /* drain what arrives before the break */
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(await callsTagged(tag)).toBe(2);
  });
});
