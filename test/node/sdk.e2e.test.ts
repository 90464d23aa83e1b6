// Drives the real Worker (wrangler's dev server) with the official openai SDK, as users do.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared, upstreamRequests } from './shared-proxy';
import { BUDGET_KEY, CLIENT_KEY, UPSTREAM_KEY, startProxy, type RunningProxy } from './start-proxy';
import { until } from './wait';

const proxy = { baseURL: shared.baseURL };
const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
const xMock = (x: Record<string, unknown>): {} => ({ x_mock: x });
const user = (content: string) => [{ role: 'user' as const, content }];
const tagged = (prefix: string) => `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('openai SDK through the proxy', () => {
  it('creates a chat completion', async () => {
    const tag = tagged('create');
    const completion = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('hello proxy'),
      user: tag,
    });
    expect(completion.choices[0]?.message.content).toBe('You said: hello proxy');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const [upstream] = await upstreamRequests(tag);
    if (!upstream) throw new Error('the upstream saw no request');
    expect(upstream.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(upstream.headers)).not.toContain(CLIENT_KEY);
  });

  it('streams a chat completion chunk by chunk, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('one two three four'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe('You said: one two three four');
    expect(chunks).toBeGreaterThan(4);
    expect(usage).toBeGreaterThan(0);
  });

  it('creates legacy completions, streamed and not', async () => {
    const completion = await client.completions.create({ model: 'echo-1', prompt: 'abc def' });
    expect(completion.choices[0]?.text).toContain('abc def');
    const stream = await client.completions.create({ model: 'echo-1', prompt: 'abc def', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(completion.choices[0]?.text);
  });

  it('uses the Responses API, streamed and not', async () => {
    const response = await client.responses.create({ model: 'echo-1', input: 'respond please' });
    expect(response.output_text).toBe('You said: respond please');
    const stream = await client.responses.create({ model: 'echo-1', input: 'respond please', stream: true });
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toBe(response.output_text);
    expect(completed).toBe(true);
  });

  it('creates embeddings (the SDK asks for base64 and decodes it)', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-echo', input: ['a', 'b'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(8);
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('echo-1');
    expect((await client.models.retrieve('echo-1')).id).toBe('echo-1');
  });

  it('surfaces an upstream 429 as RateLimitError with the retry headers', async () => {
    const error = await client.chat.completions
      .create({ model: 'echo-1', messages: user('x'), ...xMock({ scenario: 'status', status: 429 }) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers?.get('retry-after')).toBe('1');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
  });

  it('retries an upstream 429 the way the SDK does against OpenAI', async () => {
    const retrying = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 2 });
    const tag = tagged('retry');
    await retrying.chat.completions
      .create({
        model: 'echo-1',
        messages: user('x'),
        user: tag,
        ...xMock({ scenario: 'status', status: 429 }),
      })
      .catch(() => undefined);
    expect(await upstreamRequests(tag)).toHaveLength(3);
  });

  it('rejects a wrong client key with AuthenticationError', async () => {
    const stranger = new OpenAI({ baseURL: proxy.baseURL, apiKey: 'sk-not-a-proxy-key', maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('cancels the upstream request at once when a budgeted client aborts a stream', async () => {
    // Budgeted streams are piped, which sees the disconnect in any runtime; others rely on
    // request.signal, which production fires and wrangler's dev server does not pass on.
    const budgeted = new OpenAI({ baseURL: proxy.baseURL, apiKey: BUDGET_KEY, maxRetries: 0 });
    const tag = `abort-${Date.now()}`;
    const stream = await budgeted.chat.completions.create({
      model: 'echo-1',
      messages: user('wait'),
      stream: true,
      ...xMock({ scenario: 'chunks', count: 200, intervalMs: 50, tag }),
    });
    let chunks = 0;
    for await (const _chunk of stream) if (++chunks === 3) stream.controller.abort();
    const upstream = async () => (await upstreamRequests(tag))[0];
    await until(async () => (await upstream())?.aborted === true, 1000);
    expect((await upstream())?.finished).toBe(false);
  });

  it('ends a silent upstream stream after STREAM_IDLE_TIMEOUT_MS and cancels it', async () => {
    const tag = `idle-${Date.now()}`;
    const started = Date.now();
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('wait'),
      stream: true,
      ...xMock({ scenario: 'stall', tag }),
    });
    const outcome = await (async () => {
      for await (const _chunk of stream) {
        /* drain */
      }
      return 'ended';
    })().catch((error: unknown) => `raised: ${String(error)}`);
    expect(Date.now() - started).toBeLessThan(6000);
    await until(async () => (await upstreamRequests(tag))[0]?.aborted === true);
    expect(outcome).toBe('ended');
  });

  // workerd ends the client stream where the upstream broke (see README, "Streaming"): the SDK
  // gets exactly the bytes the upstream sent and returns, instead of hanging.
  it('ends the client stream where a broken upstream stopped, without hanging', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('one two three'),
      stream: true,
      ...xMock({ scenario: 'break' }),
    });
    const outcome = await (async () => {
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return `ended with ${JSON.stringify(text)}`;
    })().catch((error: unknown) => `raised: ${String(error)}`);
    expect(outcome).toBe('ended with "You said: "');
  });
});

describe('STREAM_RELAY=checked: the JavaScript relay that can signal a broken stream', () => {
  let checked: RunningProxy;
  let checkedClient: OpenAI;

  beforeAll(async () => {
    checked = await startProxy({ STREAM_RELAY: 'checked', STREAM_IDLE_TIMEOUT_MS: '1000' });
    checkedClient = new OpenAI({ baseURL: checked.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  afterAll(() => checked?.stop());

  const drain = async (scenario: string) => {
    const stream = await checkedClient.chat.completions.create({
      model: 'echo-1',
      messages: user('one two three'),
      stream: true,
      ...xMock({ scenario }),
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  };

  it('makes the SDK raise when the upstream breaks mid-stream', async () => {
    await expect(drain('break')).rejects.toThrow(/connection was lost/);
  });

  it('makes the SDK raise when the upstream goes silent', async () => {
    await expect(drain('stall')).rejects.toThrow(/stopped sending/);
  });

  it('still relays a healthy stream unchanged', async () => {
    expect(await drain('echo')).toBe('You said: one two three');
  });
});
