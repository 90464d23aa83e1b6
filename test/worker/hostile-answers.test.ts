// Answers that are not what the route returns, error bodies built to slip a key past redaction or
// to exhaust memory, answers that break off: what a client gets, and what the cache keeps.
import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, post, received, send, uniqueTag, upstreamKey, type Overrides } from './helpers';

type ErrorJson = { error: { message: string; type: string; param: unknown; code: string | null } };

/** A chat request whose answer the mock writes raw: `status`, `contentType`, `body` and the rest. */
function raw(tag: string, x_mock: Record<string, unknown>) {
  return {
    model: 'echo-1',
    user: tag,
    messages: [{ role: 'user', content: 'hi' }],
    x_mock: { scenario: 'status', status: 200, ...x_mock },
  };
}

/** Every reading a client could make of `text`: JSON, then URL, then HTML escapes undone. */
function readings(text: string): string[] {
  const json = text.replace(/\\u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const url = json.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const html = url.replace(/&#(x?)([0-9a-f]+);?/gi, (_, x: string, digits: string) =>
    String.fromCodePoint(parseInt(digits, x ? 16 : 10)),
  );
  return [text, json, url, html];
}

const carriesKey = (text: string) => readings(text).some((reading) => reading.includes(upstreamKey));

async function errorOf(response: Response): Promise<ErrorJson> {
  const body = (await response.json()) as ErrorJson;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return body;
}

describe('a success whose body the route never returns', () => {
  it.each(['application/octet-stream', 'application/x-ndjson', 'application/xml', 'text/html'])(
    'a 200 %s on a JSON route is a 502 quoting its start, with the key redacted',
    async (contentType) => {
      const tag = uniqueTag();
      const { response } = await post(
        '/v1/chat/completions',
        raw(tag, { contentType, body: `<p>raw ${upstreamKey} and more</p>` }),
      );
      expect(response.status).toBe(502);
      // It still says who answered.
      expect(response.headers.get('x-upstream-attempts')).toBe('1');
      expect(response.headers.get('x-upstream')).toBeTruthy();
      const text = await response.text();
      expect(carriesKey(text)).toBe(false);
      const { error } = JSON.parse(text) as ErrorJson;
      expect(error.code).toBe('upstream_error');
      expect(error.type).toBe('server_error');
      expect(error.message).toContain(contentType);
      expect(error.message).toContain('<p>raw [redacted] and more</p>');
      expect(await received(tag)).toHaveLength(1);
    },
  );

  it('a transcript may be text, and is redacted; on the embeddings route the same text is refused', async () => {
    const body = `1\n00:00:00,000 --> 00:00:01,000\nsaid ${upstreamKey}\n`;
    const tag = uniqueTag();
    const form = new FormData();
    form.set('model', 'whisper-1');
    form.set('file', new File(['x'], 'a.wav', { type: 'audio/wav' }));
    form.set(
      'x_mock',
      JSON.stringify({ scenario: 'status', status: 200, contentType: 'text/plain', body, tag }),
    );
    const transcript = await send('/v1/audio/transcriptions', {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
      body: form,
    });
    expect(transcript.response.status).toBe(200);
    expect(await transcript.response.text()).toBe(body.replace(upstreamKey, '[redacted]'));

    const embeddings = await post('/v1/embeddings', {
      ...raw(uniqueTag(), { contentType: 'text/plain', body }),
      model: 'text-embedding-echo',
      input: 'x',
    });
    expect(embeddings.response.status).toBe(502);
    expect(carriesKey(await embeddings.response.text())).toBe(false);
  });
});

describe('the speech route', () => {
  it('passes audio through unread, and refuses a 200 of any other type', async () => {
    const speech = (contentType: string) =>
      post('/v1/audio/speech', {
        model: 'tts-1',
        voice: 'alloy',
        input: 'hi',
        x_mock: { scenario: 'status', status: 200, contentType, body: `raw ${upstreamKey}` },
      });
    const audio = await speech('audio/mpeg');
    expect(audio.response.status).toBe(200);
    await audio.response.arrayBuffer();
    for (const type of ['application/xml', 'image/svg+xml']) {
      const other = await speech(type);
      expect(other.response.status).toBe(502);
      expect(carriesKey(await other.response.text())).toBe(false);
    }
  });
});

describe('upstream error bodies', () => {
  it('withholds an error whose key hides in a mix of escapes redaction cannot rewrite', async () => {
    // Each character as a JSON-escaped percent sign and its hex: JSON.parse, then
    // decodeURIComponent, gives the key back.
    const hidden = [...upstreamKey]
      .map((char) => `\\u0025${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
      .join('');
    const { response } = await post(
      '/v1/chat/completions',
      raw(uniqueTag(), {
        status: 400,
        contentType: 'application/json',
        body: `{"error":{"message":"bad key ${hidden}","type":"invalid_request_error","param":null,"code":null}}`,
      }),
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(carriesKey(text)).toBe(false);
    const { error } = JSON.parse(text) as ErrorJson;
    expect(error.code).toBe('upstream_leaked_secret');
    expect(carriesKey(decodeURIComponent(error.message))).toBe(false);
  });

  it('redacts a key an HTML error page spells as character references', async () => {
    // Decimal, hex, upper-case X, zero-padded, and without the semicolon, as browsers read them.
    const spellings = [
      (code: number) => `&#${code};`,
      (code: number) => `&#x${code.toString(16)};`,
      (code: number) => `&#X${code.toString(16).toUpperCase()};`,
      (code: number) => `&#x000000${code.toString(16)};`,
      (code: number) => `&#${code}`,
    ];
    const references = [...upstreamKey]
      .map((char, index) => spellings[index % spellings.length]!(char.charCodeAt(0)))
      .join('');
    const { response } = await post(
      '/v1/chat/completions',
      raw(uniqueTag(), { status: 500, body: `<b>${references}</b>` }),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(carriesKey(text)).toBe(false);
    const { message } = (JSON.parse(text) as ErrorJson).error;
    expect(message).toContain('<b>[redacted]</b>');
  });

  it('reads only the start of a huge error body, and wraps it', async () => {
    const huge = `{"error":{"message":"${'x'.repeat(1024 * 1024)}","type":"invalid_request_error","param":null,"code":"big"}}`;
    const { response } = await post(
      '/v1/chat/completions',
      raw(uniqueTag(), { status: 400, contentType: 'application/json', body: huge }),
    );
    expect(response.status).toBe(400);
    const { error } = await errorOf(response);
    expect(error.code).toBe('upstream_error');
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('answers that break off', () => {
  it('a JSON answer whose connection is lost before its declared length is a 502 upstream_incomplete', async () => {
    const body = JSON.stringify({ id: 'chatcmpl-cut', object: 'chat.completion', choices: [] });
    const { response } = await post(
      '/v1/chat/completions',
      raw(uniqueTag(), { contentType: 'application/json', body, cutAfter: 20 }),
    );
    expect(response.status).toBe(502);
    expect(response.headers.get('x-upstream-attempts')).toBe('1');
    expect((await errorOf(response)).error.code).toBe('upstream_incomplete');
  });

  it('a JSON answer cut short is relayed as it came but never cached', async () => {
    const tag = uniqueTag();
    const cut = '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0}';
    const ask = async () => {
      const { response, settled } = await post(
        '/v1/chat/completions',
        raw(tag, { contentType: 'application/json', body: cut }),
        {},
        { CACHE_TTL: '3600' } satisfies Overrides,
      );
      const text = await response.text();
      await settled;
      return { cache: response.headers.get('x-cache'), text };
    };
    expect(await ask()).toEqual({ cache: 'MISS', text: cut });
    expect(await ask()).toEqual({ cache: 'MISS', text: cut });
    expect(await received(tag)).toHaveLength(2);
  });
});

describe("the upstream's caching advice", () => {
  it('drops a public max-age from a per-caller answer, and keeps a no-cache', async () => {
    const body = JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', choices: [] });
    for (const [sent, kept] of [
      ['public, max-age=99999', null],
      ['s-maxage=600', null],
      // `no-cache` for one header only: the rest may still be stored.
      ['public, max-age=99999, no-cache="set-cookie"', null],
      ['private, max-age=60', 'private, max-age=60'],
      ['no-cache, must-revalidate', 'no-cache, must-revalidate'],
    ] as const) {
      const { response } = await post(
        '/v1/chat/completions',
        raw(uniqueTag(), { contentType: 'application/json', body, headers: { 'cache-control': sent } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe(kept);
      await response.arrayBuffer();
    }
  });
});

describe('a request body that starts with a byte order mark', () => {
  it('goes upstream without it, so every parser reads what the proxy checked; a second one is refused', async () => {
    const tag = uniqueTag();
    const json = JSON.stringify({ model: 'echo-1', user: tag, messages: [{ role: 'user', content: 'hi' }] });
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const withBom = (count: number) =>
      new Uint8Array([
        ...Array.from({ length: count }, () => [...bom]).flat(),
        ...new TextEncoder().encode(json),
      ]);
    const once = await post('/v1/chat/completions', withBom(1));
    expect(once.response.status).toBe(200);
    await once.response.arrayBuffer();
    const [forwarded] = await received(tag);
    expect(forwarded?.body).toBe(json);

    const twice = await post('/v1/chat/completions', withBom(2));
    expect(twice.response.status).toBe(400);
    expect((await errorOf(twice.response)).error.code).toBe('invalid_json');
    expect(await received(tag)).toHaveLength(1);
  });
});
