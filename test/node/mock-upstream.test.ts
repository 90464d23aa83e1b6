// Proves the mock speaks OpenAI's real wire format by pointing the official SDK at it.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  splitScenarioBytes,
  splitScenarioOffsets,
  startMockUpstream,
  type MockUpstream,
  type RecordedRequest,
} from '../mock-upstream/server.mjs';
import { until } from './wait';

/** Extra body fields the SDK's param types don't know; spread as `{}` so TS accepts them. */
const xMock = (x: Record<string, unknown>): {} => ({ x_mock: x });
const user = (content: string) => [{ role: 'user' as const, content }];

let mock: MockUpstream;
let client: OpenAI;
const control = (path: string, method = 'GET') =>
  fetch(mock.url.replace(/\/v1$/, '/__mock') + path, { method });

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => mock.close());
beforeEach(async () => {
  await control('/requests', 'DELETE');
});

describe('models', () => {
  it('lists and retrieves', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['echo-1', 'echo-slow', 'text-embedding-echo']);
    expect(await client.models.retrieve('echo-1')).toEqual({
      id: 'echo-1',
      object: 'model',
      created: 1700000000,
      owned_by: 'mock',
    });
    expect(mock.requests.at(-1)?.tag).toBe('echo-1');
  });

  it('404s an unknown model with OpenAI error shape', async () => {
    const err = await client.models.retrieve('gpt-nope').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
    expect(err.error).toEqual({
      message: "The model 'gpt-nope' does not exist",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  });
});

describe('chat completions', () => {
  it('non-stream echo with usage and OpenAI headers', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'echo-1',
        messages: [{ role: 'system', content: 'be brief' }, ...user('hello big world')],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-mock-\d+$/);
    expect(data.choices[0]!.message).toMatchObject({
      role: 'assistant',
      content: 'You said: hello big world',
      refusal: null,
    });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    expect(response.headers.get('x-request-id')).toMatch(/^req_mock_\d+$/);
    expect(response.headers.get('openai-version')).toBe('2020-10-01');
    expect(response.headers.get('set-cookie')).toContain('__cf_bm=mock');
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('joins text parts of array content', async () => {
    const res = await client.chat.completions.create({
      model: 'echo-1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one' },
            { type: 'text', text: 'two' },
          ],
        },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('You said: one two');
  });

  it('streams word deltas that concatenate to the full text; no usage chunk by default', async () => {
    const chunks = [];
    for await (const c of await client.chat.completions.create({
      model: 'echo-1',
      messages: user('a  b c'),
      stream: true,
    }))
      chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('You said: a  b c');
    expect(chunks.length).toBe(1 + 5 + 1); // role, 5 words, finish
    expect(chunks.at(-1)?.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('adds a usage-only chunk (choices: []) only with include_usage', async () => {
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('x y'),
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('rejects stream_options without stream, like OpenAI', async () => {
    const err = await client.chat.completions
      .create({ model: 'echo-1', messages: user('x'), stream_options: { include_usage: true } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('stream_options');
  });
});

describe('completions', () => {
  it('non-stream, batch prompt and stream', async () => {
    const one = await client.completions.create({ model: 'echo-1', prompt: 'hi you' });
    expect(one.object).toBe('text_completion');
    expect(one.choices[0]!.text).toBe('You said: hi you');
    const batch = await client.completions.create({ model: 'echo-1', prompt: ['a', 'b'] });
    expect(batch.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'You said: a'],
      [1, 'You said: b'],
    ]);
    let text = '';
    for await (const c of await client.completions.create({
      model: 'echo-1',
      prompt: 'hi you',
      stream: true,
    }))
      text += c.choices[0]?.text ?? '';
    expect(text).toBe('You said: hi you');
  });
});

describe('responses', () => {
  it('non-stream: SDK computes output_text from output', async () => {
    const res = await client.responses.create({ model: 'echo-1', input: 'hello there' });
    expect(res.object).toBe('response');
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('You said: hello there');
    expect(res.usage).toMatchObject({ input_tokens: 2, output_tokens: 4, total_tokens: 6 });
    expect(mock.requests[0]!.body).not.toContain('output_text');
  });

  it('accepts message-array input', async () => {
    const res = await client.responses.create({
      model: 'echo-1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'parts work' }] }],
    });
    expect(res.output_text).toBe('You said: parts work');
  });

  it('streams named events in OpenAI order with sequence numbers', async () => {
    const events = [];
    for await (const e of await client.responses.create({ model: 'echo-1', input: 'a b', stream: true }))
      events.push(e);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(4).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.join('')).toBe('You said: a b');
  });

  it('works with the SDK stream helper (snapshot accumulation)', async () => {
    const final = await client.responses.stream({ model: 'echo-1', input: 'snap shot' }).finalResponse();
    expect(final.output_text).toBe('You said: snap shot');
  });
});

describe('embeddings', () => {
  it('SDK default (base64 on the wire) decodes to 8 floats equal to the float format', async () => {
    const b64 = await client.embeddings.create({ model: 'text-embedding-echo', input: ['cat', 'dog'] });
    expect(JSON.parse(mock.requests[0]!.body).encoding_format).toBe('base64');
    expect(b64.data).toHaveLength(2);
    const [cat = [], dog] = b64.data.map((d) => d.embedding);
    expect(cat).toHaveLength(8);
    expect(Math.hypot(...cat)).toBeCloseTo(1, 5);
    expect(cat).not.toEqual(dog);
    const floats = await client.embeddings.create({
      model: 'text-embedding-echo',
      input: 'cat',
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toEqual(cat);
    expect(floats.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
  });
});

describe('errors and auth', () => {
  it('429 surfaces as RateLimitError with retry headers', async () => {
    const err = await client.chat.completions
      .create({ model: 'echo-1', messages: user('x'), ...xMock({ scenario: 'status', status: 429 }) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(err.headers.get('retry-after-ms')).toBe('20');
    expect(err.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('5xx is server_error; raw HTML body passes through', async () => {
    const err = await client.chat.completions
      .create({ model: 'echo-1', messages: user('x'), ...xMock({ scenario: 'status', status: 503 }) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.type).toBe('server_error');
    const res = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        x_mock: { scenario: 'status', status: 502, body: '<html>502 Bad Gateway</html>' },
      }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('<html>502 Bad Gateway</html>');
  });

  it('404 for unknown routes and 400 for invalid JSON, OpenAI-shaped', async () => {
    const nf = await fetch(`${mock.url}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ error: { message: 'Invalid URL (GET /v1/nope)', code: null } });
    const bad = await fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('401 echoes the received key in full', async () => {
    const guarded = await startMockUpstream({ apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({ baseURL: guarded.url, apiKey: 'sk-wrong-0123456789', maxRetries: 0 });
      const err = await wrong.models.list().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(err.code).toBe('invalid_api_key');
      expect(err.message).toContain('Incorrect API key provided: sk-wrong-0123456789.');
      const ok = new OpenAI({ baseURL: guarded.url, apiKey: 'sk-right', maxRetries: 0 });
      expect((await ok.models.retrieve('echo-1')).id).toBe('echo-1');
    } finally {
      await guarded.close();
    }
  });
});

describe('scenarios', () => {
  it('break: connection lost mid-stream makes the SDK iteration throw', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('one two three four'),
      stream: true,
      ...xMock({ scenario: 'break', tag: 'brk' }),
    });
    const got: string[] = [];
    const outcome = await (async () => {
      for await (const c of stream) got.push(c.choices[0]?.delta.content ?? '');
      return 'ended';
    })().catch((e: Error) => `threw: ${e.message}`);
    // Observed: undici rejects the body read with "terminated"; the SDK rethrows it.
    expect(outcome).toBe('threw: terminated');
    expect(got).toEqual(['', 'You ', 'said: ']);
    expect(mock.requests[0]).toMatchObject({ tag: 'brk', finished: false, aborted: false });
  });

  it('split: raw bytes arrive in many chunks and equal splitScenarioBytes() exactly', async () => {
    const expected = splitScenarioBytes();
    const offsets = splitScenarioOffsets();
    // The cuts include positions inside multi-byte characters and between \r and \n.
    expect(offsets.some((o) => (expected[o] ?? 0) >= 0x80 && (expected[o] ?? 0) < 0xc0)).toBe(true);
    expect(offsets.some((o) => expected[o - 1] === 0x0d && expected[o] === 0x0a)).toBe(true);
    const res = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'echo-1', messages: [], stream: true, x_mock: { scenario: 'split' } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache, must-revalidate');
    const parts: Uint8Array[] = [];
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    const got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (got.set(p, at), at + p.length), 0);
    expect(got).toEqual(expected);
    expect(parts.length).toBeGreaterThan(offsets.length / 2);
  });

  it('split: the SDK still reassembles the text and usage', async () => {
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: [],
      stream: true,
      ...xMock({ scenario: 'split', gapMs: 1 }),
    });
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('héllo 👋 wörld');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(6);
  });

  it('gated: each chunk reaches the client before the next is sent', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('x'),
      stream: true,
      ...xMock({ scenario: 'gated', tag: 'g1', count: 3 }),
    });
    const it = stream[Symbol.asyncIterator]();
    const rec = mock.requests[0]!;
    const next = async () => (await it.next()).value?.choices[0]?.delta.content;
    expect(await next()).toBe('');
    expect(await next()).toBe('part0 ');
    expect(rec.sentAt).toHaveLength(1);
    const rel = await control('/release?tag=g1', 'POST');
    expect([rel.status, await rel.json()]).toEqual([200, { released: true }]);
    expect(await next()).toBe('part1 ');
    expect(rec.sentAt).toHaveLength(2);
    await control('/release?tag=g1', 'POST');
    expect(await next()).toBe('part2');
    expect(await next()).toBeUndefined(); // finish chunk
    expect((await it.next()).done).toBe(true);
    expect(rec.finished).toBe(true);
  });

  it('gated: a release that arrives first is banked, not lost', async () => {
    const early = await control('/release?tag=g2', 'POST');
    expect([early.status, await early.json()]).toEqual([404, { released: false }]);
    let text = '';
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('x'),
      stream: true,
      ...xMock({ scenario: 'gated', tag: 'g2', count: 2 }),
    });
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('part0 part1');
    // Non-stream gated waits for one release, then answers with the same text.
    const pending = client.chat.completions.create({
      model: 'echo-1',
      messages: user('x'),
      ...xMock({ scenario: 'gated', tag: 'g3' }),
    });
    await until(() => mock.requests.length === 2);
    await control('/release?tag=g3', 'POST');
    expect((await pending).choices[0]!.message.content).toBe('part0 part1 part2');
  });

  it('stall: client abort is recorded', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('a b c'),
      stream: true,
      ...xMock({ scenario: 'stall', tag: 'st' }),
    });
    const got: string[] = [];
    for await (const c of stream) {
      got.push(c.choices[0]?.delta.content ?? '');
      if (got.length === 2) stream.controller.abort();
    }
    expect(got).toEqual(['', 'You ']);
    const [rec] = (await (await control('/requests?tag=st')).json()) as RecordedRequest[];
    expect(rec?.tag).toBe('st');
    await until(() => mock.requests[0]!.aborted);
    expect(mock.requests[0]!.finished).toBe(false);
  });

  it('chunks: count/size/seq and per-chunk send timestamps', async () => {
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: 'echo-1',
      messages: user('x'),
      stream: true,
      ...xMock({ scenario: 'chunks', count: 20, size: 16, intervalMs: 0 }),
    });
    for await (const c of stream) chunks.push(c as typeof c & { seq?: number });
    const content = chunks.filter((c) => c.seq !== undefined);
    expect(content.map((c) => c.seq)).toEqual([...Array(20).keys()]);
    expect(content.every((c) => c.choices[0]!.delta.content?.length === 16)).toBe(true);
    expect(mock.requests[0]!.sentAt).toHaveLength(20);
  });

  it('headers-delay and echo-slow pace the response', async () => {
    const t0 = performance.now();
    await client.chat.completions.create({
      model: 'echo-1',
      messages: user('x'),
      ...xMock({ scenario: 'headers-delay', delayMs: 120 }),
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    const t1 = performance.now();
    for await (const _ of await client.chat.completions.create({
      model: 'echo-slow',
      messages: user('a'),
      stream: true,
    }));
    expect(performance.now() - t1).toBeGreaterThanOrEqual(2 * 140); // 3 words, 2 gaps of 150 ms
  });

  it('wordDelayMs paces echo streams; close() ends a stalled stream without hanging', async () => {
    const slow = await startMockUpstream({ wordDelayMs: 30 });
    const c = new OpenAI({ baseURL: slow.url, apiKey: 'k', maxRetries: 0 });
    try {
      const t0 = performance.now();
      for await (const _ of await c.chat.completions.create({
        model: 'echo-1',
        messages: user('a b'),
        stream: true,
      }));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 25);
      const stalled = await c.chat.completions.create({
        model: 'echo-1',
        messages: user('a'),
        stream: true,
        ...xMock({ scenario: 'stall' }),
      });
      const drained = (async () => {
        for await (const _ of stalled);
      })().catch(() => 'threw');
      await until(() => slow.requests.length === 2);
      await slow.close();
      await drained;
    } finally {
      await slow.close();
    }
  });
});

describe('control endpoints', () => {
  it('filters by tag (user field wins over x_mock.tag) and clears', async () => {
    await client.chat.completions.create({ model: 'echo-1', messages: user('a'), ...xMock({ tag: 't1' }) });
    await client.chat.completions.create({
      model: 'echo-1',
      messages: user('b'),
      user: 'u1',
      ...xMock({ tag: 't1' }),
    });
    const t1 = (await (await control('/requests?tag=t1')).json()) as RecordedRequest[];
    expect(t1).toHaveLength(1);
    expect(t1[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      finished: true,
      aborted: false,
    });
    expect(JSON.parse(t1[0]!.body).messages[0].content).toBe('a');
    expect(((await (await control('/requests?tag=u1')).json()) as unknown[]).length).toBe(1);
    await control('/requests', 'DELETE');
    expect(mock.requests).toHaveLength(0);
  });
});
