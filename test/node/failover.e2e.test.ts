// Failover as the official openai SDK sees it: an alias served by whichever upstream answers,
// and a failing alias that does not multiply the SDK's own retries.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';

let proxy: RunningProxy;
const user = [{ role: 'user' as const, content: 'fail over' }];
const tagged = (tag: string, failOn: Record<string, unknown>): {} => ({ user: tag, x_mock: { failOn } });

beforeAll(async () => {
  proxy = await startProxy(
    { MODEL_ALIASES: JSON.stringify({ smart: ['primary/echo-1', 'secondary/echo-2'] }), CACHE_TTL: '0' },
    { twoUpstreams: true },
  );
});
afterAll(() => proxy?.stop());

const attempts = (tag: string) =>
  proxy.mock.requests.filter((r) => r.tag === tag).length +
  (proxy.secondary?.requests.filter((r) => r.tag === tag).length ?? 0);

describe('failover through the openai SDK', () => {
  it('serves an alias from the second target when the first answers 503', async () => {
    const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 2 });
    const { data, response } = await client.chat.completions
      .create({ model: 'smart', messages: user, ...tagged('ok-1', { primary: 503 }) })
      .withResponse();
    expect(data.model).toBe('echo-2');
    expect(response.headers.get('x-upstream')).toBe('secondary');
    expect(response.headers.get('x-upstream-attempts')).toBe('2');
  });

  it('makes at most 2 × targets upstream attempts for a failing alias, whatever the SDK retry setting', async () => {
    const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 2 });
    const error = await client.chat.completions
      .create({ model: 'smart', messages: user, ...tagged('down-1', { primary: 503, secondary: 503 }) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    // Four attempts by the proxy, then `x-should-retry: false` stops the SDK's two retries,
    // which would otherwise have made twelve.
    expect(attempts('down-1')).toBe(4);
  });

  it('streams from the upstream that answered', async () => {
    const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'smart',
      stream: true,
      messages: [{ role: 'user', content: 'one two three' }],
      ...tagged('stream-1', { primary: 429 }),
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('You said: one two three');
  });
});
