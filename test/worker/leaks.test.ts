// A hostile upstream echoes the key it received, in every form a client could decode, in
// headers, JSON bodies and streams, or redirects the proxy. Nothing of the key reaches a client.
import { describe, expect, inject, it } from 'vitest';
import { leakedForm } from '../mock-upstream/hostile.mjs';
import { CLIENT_KEY, post, received, send, uniqueTag, upstreamKey } from './helpers';

const FORMS = [
  'verbatim',
  'json-escape',
  'url',
  'base64',
  'base64-bearer',
  'base64-offset-1',
  'base64-offset-2',
] as const;

function leak(tag: string, x_mock: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    model: 'echo-1',
    user: tag,
    messages: [{ role: 'user', content: 'hi' }],
    x_mock: { scenario: 'leak', ...x_mock },
    ...extra,
  };
}

/** Everything a client can read of a response: status line aside, every header and the body. */
async function everything(response: Response): Promise<string> {
  return JSON.stringify([...response.headers]) + (await response.text());
}

/** True if `text` carries the key in the given form, or verbatim once JSON and URL decoding ran. */
function carriesKey(text: string, form: string): boolean {
  const decoded = [
    text,
    text.replace(/\\u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  ];
  try {
    decoded.push(decodeURIComponent(text));
  } catch {
    // Not URL-encoded text.
  }
  return text.includes(leakedForm(upstreamKey, form)) || decoded.some((part) => part.includes(upstreamKey));
}

describe('the key never reaches a client', () => {
  it.each(FORMS)('drops forwarded headers that echo the key (%s), on a 200 and on a 429', async (form) => {
    for (const status of [200, 429]) {
      const { response } = await post(
        '/v1/chat/completions',
        leak(uniqueTag(), { form, where: 'headers', status }),
      );
      expect(response.status).toBe(status);
      const headers = JSON.stringify([...response.headers]);
      expect(carriesKey(headers, form)).toBe(false);
      await response.arrayBuffer();
    }
  });

  it.each(FORMS)('redacts the key (%s) in a 2xx JSON body', async (form) => {
    const { response } = await post('/v1/chat/completions', leak(uniqueTag(), { form }));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(carriesKey(text, form)).toBe(false);
    expect(
      (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toMatch(/^key .*\[redacted\]/);
  });

  it.each(FORMS)('redacts the key (%s) in an error body', async (form) => {
    const { response } = await post(
      '/v1/embeddings',
      leak(uniqueTag(), { form, status: 401 }, { input: 'x' }),
    );
    expect(response.status).toBe(401);
    expect(carriesKey(await response.text(), form)).toBe(false);
  });

  it('redacts the key in an embeddings answer and a model retrieved from the catalogue', async () => {
    const embeddings = await post(
      '/v1/embeddings',
      leak(uniqueTag(), { form: 'base64-bearer' }, { input: 'x' }),
    );
    expect(carriesKey(await everything(embeddings.response), 'base64-bearer')).toBe(false);
    const hostile = { OPENAI_BASE_URL: inject('hostileUrl') };
    const auth = { headers: { authorization: `Bearer ${CLIENT_KEY}` } };
    for (const path of ['/v1/models', '/v1/models/leak-key']) {
      const model = await send(path, auth, hostile);
      expect(model.response.status).toBe(200);
      const text = await model.response.text();
      expect(text).not.toContain(upstreamKey);
      expect(text).toContain('"owned_by":"Bearer [redacted]"');
    }
  });

  it('leaves a body that holds no secret byte for byte as the upstream sent it', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', {
      model: 'echo-1',
      user: tag,
      messages: [{ role: 'user', content: 'héllo \\u0041' }],
    });
    const text = await response.text();
    // The mock pretty-prints with two spaces; a re-serialised body would not.
    expect(text).toMatch(/^\{\n {2}"id"/);
    expect(text).toContain('héllo');
  });

  it.each(['verbatim', 'base64-bearer'])(
    'never caches a stream that carried the key (%s), and the checked relay redacts it live',
    async (form) => {
      const body = leak(uniqueTag(), { form, where: 'stream' }, { stream: true });
      const first = await post('/v1/chat/completions', body);
      await first.response.text(); // The native relay cannot redact a live stream: documented.
      await first.settled;
      const second = await post('/v1/chat/completions', body);
      expect(second.response.headers.get('x-cache')).toBe('MISS');
      await second.response.text();
      expect(await received(body.user)).toHaveLength(2);

      const checked = await post(
        '/v1/chat/completions',
        { ...body, user: uniqueTag() },
        {},
        { STREAM_RELAY: 'checked' },
      );
      const text = await checked.response.text();
      expect(carriesKey(text, form)).toBe(false);
      expect(text).toContain('[redacted]');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    },
  );

  it('never follows a redirect: a 307 is a 502 upstream_redirect and nothing else is fetched', async () => {
    for (const location of ['http://example.com/steal', '/v1/files']) {
      const tag = uniqueTag();
      const { response } = await post('/v1/chat/completions', {
        ...leak(tag, {}),
        x_mock: { scenario: 'redirect', status: 307, location },
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_redirect' } });
      expect(await received(tag)).toHaveLength(1);
    }
  });
});

describe('config errors never echo a secret', () => {
  it.each([
    ['pk-one-secret pk-two-secret', 'PROXY_KEYS entry 1'],
    ['pk-one-secret rpm=abc', 'the value of rpm'],
    ['pk-one-secret, pk-two-secret tpd=-1', 'PROXY_KEYS entry 2: the value of tpd'],
  ])('PROXY_KEYS=%j names the entry and the rule, on every route including /healthz', async (keys, says) => {
    const overrides = { PROXY_KEYS: keys, TOKEN_SECRET: 'token-secret-that-must-stay-hidden-0123' };
    const models = await send(
      '/v1/models',
      { headers: { authorization: 'Bearer pk-one-secret' } },
      overrides,
    );
    const text = await models.response.text();
    expect(models.response.status).toBe(500);
    expect(text).toContain(says);
    const health = await send('/healthz', {}, overrides);
    expect(health.response.status).toBe(503);
    const healthText = await health.response.text();
    expect(healthText).toBe('misconfigured: PROXY_KEYS\n');
    for (const secret of ['pk-one', 'pk-two', 'secret', 'token-secret']) {
      expect(text).not.toContain(secret);
      expect(healthText).not.toContain(secret);
    }
  });
});
