// The new routes through the Worker: multipart bodies read within the limit and forwarded byte for
// byte, stateful requests sent to the upstream that holds their object, and media priced before
// the call for a dollar budget.
import { describe, expect, inject, it } from 'vitest';
import {
  CLIENT_KEY,
  post,
  received,
  send,
  uniqueTag,
  upstreamKey,
  upstreamUrl,
  type Overrides,
} from './helpers';

const secondaryUrl = inject('secondaryUrl');
const secondaryKey = inject('secondaryKey');
type Json = Record<string, unknown>;
const auth = (key = CLIENT_KEY) => ({ authorization: `Bearer ${key}` });

function form(fields: Record<string, string>, file?: { name: string; bytes: Uint8Array }) {
  const boundary = `----proxy${uniqueTag()}`;
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    parts.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: audio/wav\r\n\r\n`,
      ),
      file.bytes,
      encoder.encode('\r\n'),
    );
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) body.set(part, (at += part.length) - part.length);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function transcribe(
  body: Uint8Array,
  contentType: string,
  overrides: Overrides = {},
  key = CLIENT_KEY,
) {
  const { response } = await send(
    '/v1/audio/transcriptions',
    { method: 'POST', headers: { ...auth(key), 'content-type': contentType }, body },
    overrides,
  );
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('multipart bodies', () => {
  it('forwards the form byte for byte, with its boundary', async () => {
    const tag = uniqueTag('form');
    const audio = crypto.getRandomValues(new Uint8Array(3000));
    const { body, contentType } = form({ model: 'whisper-1', user: tag }, { name: 'clip.wav', bytes: audio });
    const answer = await transcribe(body, contentType);
    expect(answer.status).toBe(200);
    const [forwarded] = await received(tag);
    expect(forwarded?.headers['content-type']).toBe(contentType);
    expect(
      Buffer.from((forwarded as unknown as { bodyBase64: string }).bodyBase64, 'base64').equals(
        Buffer.from(body),
      ),
    ).toBe(true);
  });

  it.each([
    ['no boundary', 'multipart/form-data', () => form({ model: 'whisper-1' }).body],
    [
      'a part without a name',
      undefined,
      () => new TextEncoder().encode('--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n'),
    ],
    [
      'no final delimiter',
      undefined,
      () => new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1'),
    ],
  ])('refuses a malformed form (%s) with a 400, forwarding nothing', async (_what, type, make) => {
    const tag = uniqueTag('bad-form');
    const answer = await transcribe(make(), type ?? 'multipart/form-data; boundary=b', {}, CLIENT_KEY);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_multipart' } });
    expect(await received(tag)).toHaveLength(0);
  });

  it('refuses a second model part, even one after a large file, forwarding nothing', async () => {
    const tag = uniqueTag('two-models');
    const { body, contentType } = form(
      { model: 'whisper-1', user: tag },
      { name: 'a.wav', bytes: new Uint8Array(300_000) },
    );
    const boundary = contentType.split('boundary=')[1]!;
    const extra = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-4o-transcribe\r\n`,
    );
    const closing = body.length - `--${boundary}--\r\n`.length;
    const smuggled = new Uint8Array([...body.subarray(0, closing), ...extra, ...body.subarray(closing)]);
    const answer = await transcribe(smuggled, contentType, { ALLOWED_MODELS: 'whisper-1' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'duplicate_key', param: 'model' } });
    expect(await received(tag)).toHaveLength(0);
  });

  it('refuses a form with two boundaries, which parsers pick differently, forwarding nothing', async () => {
    // The proxy used to read the first boundary's form (an allowed model) while python-multipart,
    // like most servers, reads the last one's (another model).
    const tag = uniqueTag('two-boundaries');
    const field = (boundary: string, name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = new TextEncoder().encode(
      field('CCC', 'pad', '') +
        field('AAA', 'model', 'whisper-1') +
        '--AAA--\r\n' +
        field('CCC', 'model', 'gpt-4o-transcribe') +
        field('CCC', 'user', tag) +
        '--CCC--\r\n',
    );
    const answer = await transcribe(body, 'multipart/form-data; boundary=AAA; boundary=CCC', {
      ALLOWED_MODELS: 'whisper-1',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_multipart' } });
    expect(await received(tag)).toHaveLength(0);
  });

  it('refuses a file over the limit with a 413 before anything is sent', async () => {
    const tag = uniqueTag('big');
    const { body, contentType } = form(
      { model: 'whisper-1', user: tag },
      { name: 'big.wav', bytes: new Uint8Array(5000) },
    );
    const answer = await transcribe(body, contentType, { MAX_BODY_BYTES: '4096' });
    expect(answer.status).toBe(413);
    expect(await received(tag)).toHaveLength(0);
  });

  it('keeps to the allow-list for the form’s model', async () => {
    const { body, contentType } = form({ model: 'whisper-1' }, { name: 'a.wav', bytes: new Uint8Array(100) });
    const answer = await transcribe(body, contentType, { ALLOWED_MODELS: 'gpt-4o-mini-transcribe' });
    expect(answer.status).toBe(403);
  });
});

describe('stored objects live at one upstream', () => {
  it('sends a follow-up to the upstream that created the object, whatever routing would pick', async () => {
    const a = `a-${uniqueTag()}`.toLowerCase();
    const b = `b-${uniqueTag()}`.toLowerCase();
    const overrides: Overrides = {
      UPSTREAMS: JSON.stringify([
        { name: a, baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['echo-1'] },
        { name: b, baseUrl: secondaryUrl, keyVar: 'KEY_B' },
      ]),
      KEY_A: upstreamKey,
      KEY_B: secondaryKey,
      CACHE_TTL: '0',
    };
    // echo-slow routes to the catch-all `b`; the response lives there.
    const created = await post('/v1/responses', { model: 'echo-slow', input: 'x' }, auth(), overrides);
    expect(created.response.headers.get('x-upstream')).toBe(b);
    const id = ((await created.response.json()) as Json)['id'] as string;
    // echo-1 would route to `a`, but the previous response is at `b`: it goes to `b`, once.
    const tag = uniqueTag('follow');
    const next = await post(
      '/v1/responses',
      { model: 'echo-1', input: 'y', previous_response_id: id, user: tag },
      auth(),
      overrides,
    );
    expect(next.response.status).toBe(200);
    expect(next.response.headers.get('x-upstream')).toBe(b);
    expect(await received(tag, secondaryUrl)).toHaveLength(1);
    expect(await received(tag)).toHaveLength(0);
    await next.response.text();
    const fetched = await send(`/v1/responses/${id}`, { headers: auth() }, overrides);
    expect(fetched.response.headers.get('x-upstream')).toBe(b);
    await fetched.response.text();
  });

  it('sends a follow-up to the holder only with a model the holder serves', async () => {
    const a = `a-${uniqueTag()}`.toLowerCase();
    const overrides: Overrides = {
      UPSTREAMS: JSON.stringify([
        { name: a, baseUrl: upstreamUrl, keyVar: 'KEY_A', models: ['echo-1'] },
        { name: 'rest', baseUrl: secondaryUrl, keyVar: 'KEY_B' },
      ]),
      KEY_A: upstreamKey,
      KEY_B: secondaryKey,
      CACHE_TTL: '0',
    };
    const created = await post('/v1/responses', { model: 'echo-1', input: 'x' }, auth(), overrides);
    expect(created.response.headers.get('x-upstream')).toBe(a);
    const id = ((await created.response.json()) as Json)['id'] as string;
    // `a` claims only echo-1: a follow-up asking it for another model is refused, not forwarded.
    const tag = uniqueTag('other-model');
    const next = await post(
      '/v1/responses',
      { model: 'echo-slow', input: 'y', previous_response_id: id, user: tag },
      auth(),
      overrides,
    );
    expect(next.response.status).toBe(404);
    expect(((await next.response.json()) as { error: Json }).error['code']).toBe('model_not_found');
    expect(await received(tag)).toHaveLength(0);
    expect(await received(tag, secondaryUrl)).toHaveLength(0);
  });

  it('records a stored response too large to hold (relayed as it arrives) as its creator’s', async () => {
    const body = { model: 'echo-1', input: 'x', x_mock: { scenario: 'chunks', size: 1000, count: 2500 } };
    const created = await post('/v1/responses', body, auth(), { CACHE_TTL: '0' });
    expect(created.response.status).toBe(200);
    const text = await created.response.text();
    expect(text.length).toBeGreaterThan(2_500_000);
    const id = (JSON.parse(text) as Json)['id'] as string;
    const mine = await send(`/v1/responses/${id}`, { headers: auth() });
    expect(mine.response.status).toBe(200);
    await mine.response.text();
    const theirs = await send(`/v1/responses/${id}`, { headers: auth('client-key-2') });
    expect(theirs.response.status).toBe(404);
    await theirs.response.text();
  });

  it('refuses a body naming more than 100 stored items by id, forwarding nothing', async () => {
    const tag = uniqueTag('many-refs');
    const input = Array.from({ length: 101 }, (_, index) => ({ type: 'item_reference', id: `msg_${index}` }));
    const answer = await post('/v1/responses', { model: 'echo-1', input, user: tag }, auth());
    expect(answer.response.status).toBe(400);
    expect(((await answer.response.json()) as { error: Json }).error).toMatchObject({
      code: 'too_many_item_references',
      param: 'input',
    });
    expect(await received(tag)).toHaveLength(0);
  });

  it('forgets an object once the upstream confirms its deletion', async () => {
    const created = await post('/v1/responses', { model: 'echo-1', input: 'x' }, auth());
    const id = ((await created.response.json()) as Json)['id'] as string;
    const deleted = await send(`/v1/responses/${id}`, { method: 'DELETE', headers: auth() });
    expect(deleted.response.status).toBe(200);
    await deleted.response.text();
    const again = await send(`/v1/responses/${id}`, { headers: auth() });
    expect(again.response.status).toBe(404);
    expect(await again.response.json()).toEqual({
      error: {
        message: `Response with id '${id}' not found.`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });

  it('forwards only the query parameters OpenAI documents for the route', async () => {
    const created = await post('/v1/responses', { model: 'echo-1', input: uniqueTag() }, auth());
    const id = ((await created.response.json()) as Json)['id'] as string;
    const { response } = await send(
      `/v1/responses/${id}?stream=true&starting_after=1&api-version=2024-01-01&evil=..%2Ffiles`,
      { headers: auth() },
    );
    expect(response.status).toBe(200);
    await response.text();
    const all = (await (await fetch(`${new URL(upstreamUrl).origin}/__mock/requests`)).json()) as {
      path: string;
    }[];
    const paths = all.map(({ path }) => path).filter((path) => path.includes(id));
    expect(paths).toEqual([`/v1/responses/${id}?stream=true&starting_after=1`]);
  });

  it('never answers a lifecycle request from the cache', async () => {
    const created = await post('/v1/responses', { model: 'echo-1', input: 'x', store: true }, auth(), {
      CACHE_TTL: '3600',
    });
    const id = ((await created.response.json()) as Json)['id'] as string;
    for (let time = 0; time < 2; time++) {
      const { response } = await send(`/v1/responses/${id}`, { headers: auth() }, { CACHE_TTL: '3600' });
      expect(response.headers.get('x-cache')).toBeNull();
      await response.text();
    }
  });
});

describe('stored responses and the cache', () => {
  const ask = (key: string, body: Json, overrides: Overrides = {}) =>
    post('/v1/responses', { model: 'echo-1', ...body }, auth(key), { CACHE_TTL: '3600', ...overrides }).then(
      async ({ response, settled }) => {
        const id = ((await response.json()) as Json)['id'] as string;
        await settled; // the cache entry is written once the answer is out
        return { cache: response.headers.get('x-cache'), id };
      },
    );

  it('replays a stored response only while it exists', async () => {
    const input = uniqueTag();
    const first = await ask(CLIENT_KEY, { input });
    expect(await ask(CLIENT_KEY, { input })).toEqual({ cache: 'HIT', id: first.id });
    const deleted = await send(`/v1/responses/${first.id}`, { method: 'DELETE', headers: auth() });
    await deleted.response.text();
    const after = await ask(CLIENT_KEY, { input });
    expect(after.cache).toBe('MISS');
    expect(after.id).not.toBe(first.id);
    const retrieved = await send(`/v1/responses/${after.id}`, { headers: auth() });
    expect(retrieved.response.status).toBe(200);
    await retrieved.response.text();
  });

  it('never shares a stored response between callers, even with CACHE_SCOPE=shared', async () => {
    const [alice, bob] = [`alice-${uniqueTag()}`, `bob-${uniqueTag()}`];
    const overrides = { PROXY_KEYS: `${alice},${bob}`, CACHE_SCOPE: 'shared' };
    const stored = uniqueTag();
    await ask(alice, { input: stored }, overrides);
    expect((await ask(bob, { input: stored }, overrides)).cache).toBe('MISS');
    const stateless = uniqueTag();
    await ask(alice, { input: stateless, store: false }, overrides);
    expect((await ask(bob, { input: stateless, store: false }, overrides)).cache).toBe('HIT');
  });

  it('never caches a background response: each one is a new job', async () => {
    const input = uniqueTag();
    const first = await ask(CLIENT_KEY, { input, background: true });
    const second = await ask(CLIENT_KEY, { input, background: true });
    expect([first.cache, second.cache]).toEqual(['BYPASS', 'BYPASS']);
    expect(second.id).not.toBe(first.id);
  });
});

describe('media under a dollar budget', () => {
  const budget = (usd: number, extra: Overrides = {}) => {
    const key = `media-${uniqueTag()}`;
    return { key, overrides: { PROXY_KEYS: `${key} usd=${usd}`, CACHE_TTL: '0', ...extra } };
  };

  it('reserves n images at their price: refused when n × price exceeds what is left', async () => {
    const { key, overrides } = budget(0.05);
    const call = (n: number) =>
      post(
        '/v1/images/generations',
        { model: 'dall-e-2', prompt: 'x', n, size: '1024x1024' },
        auth(key),
        overrides,
      ).then(async ({ response }) => (await response.text(), response.status));
    expect(await call(3)).toBe(429); // 3 × $0.02 = $0.06 > $0.05
    expect(await call(2)).toBe(200); // $0.04
    expect(await call(1)).toBe(429); // $0.01 left
  });

  it('charges speech by its characters, and moderation nothing', async () => {
    const { key, overrides } = budget(1);
    const spoken = await post(
      '/v1/audio/speech',
      { model: 'tts-1', voice: 'alloy', input: 'x'.repeat(1000) },
      auth(key),
      overrides,
    );
    expect(spoken.response.status).toBe(200);
    await spoken.response.arrayBuffer();
    await spoken.settled;
    const moderated = await post('/v1/moderations', { input: 'hello' }, auth(key), overrides);
    await moderated.response.text();
    await moderated.settled;
    const probe = await post('/v1/moderations', { input: 'hello' }, auth(key), overrides);
    await probe.response.text();
    // 1,000 characters at $15 per million: $0.015.
    expect(1 - Number(probe.response.headers.get('x-ratelimit-remaining-usd'))).toBeCloseTo(0.015, 6);
  });

  it('refuses a budgeted caller a media model with no price', async () => {
    const { key, overrides } = budget(1);
    const { response } = await post(
      '/v1/audio/speech',
      { model: 'gpt-4o-audio-preview', voice: 'alloy', input: 'x' },
      auth(key),
      overrides,
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_priced' } });
  });

  it('bounds a transcription by its file size, then charges the minutes it reports', async () => {
    const { key, overrides } = budget(0.003);
    const remaining = async () => {
      const probe = await post('/v1/moderations', { input: 'hello' }, auth(key), overrides);
      await probe.response.text();
      return Number(probe.response.headers.get('x-ratelimit-remaining-usd'));
    };
    // 10,000 bytes of silence: the mock reports 1 second, $0.0001 at $0.006 a minute (the bound
    // reserved for the file's size was $0.001).
    const small = form({ model: 'whisper-1' }, { name: 'a.wav', bytes: new Uint8Array(10_000) });
    const first = await send(
      '/v1/audio/transcriptions',
      { method: 'POST', headers: { ...auth(key), 'content-type': small.contentType }, body: small.body },
      overrides,
    );
    expect(first.response.status).toBe(200);
    await first.response.text();
    await first.settled;
    expect(await remaining()).toBeCloseTo(0.0029, 6);
    // As plain text the answer reports no duration: the bound is charged.
    const text = form(
      { model: 'whisper-1', response_format: 'text' },
      { name: 'a.wav', bytes: new Uint8Array(10_000) },
    );
    const second = await send(
      '/v1/audio/transcriptions',
      { method: 'POST', headers: { ...auth(key), 'content-type': text.contentType }, body: text.body },
      overrides,
    );
    expect(second.response.status).toBe(200);
    await second.response.text();
    await second.settled;
    const bound = (text.body.length / 60_000) * 0.006;
    expect(await remaining()).toBeCloseTo(0.0029 - bound, 6);
    // 2 MB may hold 33 minutes at the lowest bitrate: $0.2 at $0.006 a minute, past the budget.
    const large = form({ model: 'whisper-1' }, { name: 'b.wav', bytes: new Uint8Array(2_000_000) });
    expect((await transcribe(large.body, large.contentType, overrides, key)).status).toBe(429);
  });

  it('charges an image model its reported tokens, and a lying upstream no more than the request could cost', async () => {
    const { key, overrides } = budget(1);
    const remaining = async () => {
      const probe = await post('/v1/moderations', { input: 'hello' }, auth(key), overrides);
      await probe.response.text();
      return Number(probe.response.headers.get('x-ratelimit-remaining-usd'));
    };
    const made = await post(
      '/v1/images/generations',
      { model: 'gpt-image-1', prompt: 'x', quality: 'low', size: '1024x1024' },
      auth(key),
      overrides,
    );
    expect(made.response.status).toBe(200);
    const usage = ((await made.response.json()) as { usage: { input_tokens: number; output_tokens: number } })
      .usage;
    await made.settled;
    const charged = (usage.input_tokens * 10 + usage.output_tokens * 40) / 1e6;
    expect(1 - (await remaining())).toBeCloseTo(charged, 6);
    // An upstream claiming 10 million output tokens for one image is charged the request's bound.
    const lied = await post(
      '/v1/images/generations',
      {
        model: 'gpt-image-1',
        prompt: 'x',
        quality: 'low',
        size: '1024x1024',
        x_mock: { usage: { input_tokens: 10, output_tokens: 10_000_000 } },
      },
      auth(key),
      overrides,
    );
    await lied.response.text();
    await lied.settled;
    const afterLie = 1 - charged - (6_240 * 40) / 1e6;
    expect(await remaining()).toBeCloseTo(afterLie, 6);
    // Input tokens are not in the bound (an edit's input images are input too): input usage a few
    // times past it is real, and charged in full.
    const heavyInput = await post(
      '/v1/images/generations',
      {
        model: 'gpt-image-1',
        prompt: 'x',
        quality: 'low',
        size: '1024x1024',
        x_mock: { usage: { input_tokens: 15_000, output_tokens: 6_000 } },
      },
      auth(key),
      overrides,
    );
    await heavyInput.response.text();
    await heavyInput.settled;
    expect(afterLie - (await remaining())).toBeCloseTo((15_000 * 10 + 6_000 * 40) / 1e6, 6);
  });
});
