// Quotas as the openai SDK meets them: RateLimitError, its headers, and retries it should not make.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';

let proxy: RunningProxy;
const user = (content: string) => [{ role: 'user' as const, content }];

beforeAll(async () => {
  proxy = await startProxy({
    PROXY_KEYS: `${CLIENT_KEY} rpm=2, budget-key tpd=30`,
    CACHE_TTL: '0',
  });
});
afterAll(() => proxy?.stop());

describe('quotas through the openai SDK', () => {
  it('raises RateLimitError with the caller limits once the minute is used up', async () => {
    const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
    await client.chat.completions.create({ model: 'echo-1', messages: user('one') });
    await client.chat.completions.create({ model: 'echo-1', messages: user('two') });
    const error = await client.chat.completions
      .create({ model: 'echo-1', messages: user('three') })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.type).toBe('requests');
    expect(limited.headers?.get('x-ratelimit-limit-requests')).toBe('2');
    expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not retry in vain once the daily token budget is spent', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const client = new OpenAI({
      baseURL: proxy.baseURL,
      apiKey: 'budget-key',
      maxRetries: 3,
      fetch: counting,
    });
    let error: unknown;
    for (let attempt = 0; attempt < 10 && !error; attempt++) {
      await client.chat.completions
        .create({ model: 'echo-1', messages: user('spend tokens'), max_tokens: 20 })
        .catch((caught: unknown) => (error = caught));
    }
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-should-retry')).toBe(
      'false',
    );
    const before = proxy.mock.requests.length;
    calls = 0;
    const again = await client.chat.completions
      .create({ model: 'echo-1', messages: user('spend tokens'), max_tokens: 20 })
      .catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(OpenAI.RateLimitError);
    // Refused at the edge, once: no upstream call and no SDK retries.
    expect(calls).toBe(1);
    expect(proxy.mock.requests.length).toBe(before);
  });
});
