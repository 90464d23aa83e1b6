import { describe, expect, it } from 'vitest';
import { post, received, send, uniqueTag, upstreamKey } from './helpers';

const chat = (tag: string) => ({ model: 'echo-1', user: tag, messages: [{ role: 'user', content: 'hi' }] });

function jsonPost(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

describe('client authentication', () => {
  it('rejects a request without a key with 401 and forwards nothing', async () => {
    const tag = uniqueTag();
    const { response } = await send('/v1/chat/completions', jsonPost(chat(tag)));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'missing_api_key', type: 'invalid_request_error' },
    });
    expect(await received(tag)).toHaveLength(0);
  });

  it('rejects a wrong key with 401', async () => {
    const tag = uniqueTag();
    const { response } = await send(
      '/v1/chat/completions',
      jsonPost(chat(tag), { authorization: 'Bearer client-key-3' }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect(await received(tag)).toHaveLength(0);
  });

  it('accepts every configured key', async () => {
    for (const key of ['client-key-1', 'client-key-2']) {
      const { response } = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    }
  });

  it('is closed by default and says how to configure access', async () => {
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: 'Bearer anything' } },
      { PROXY_KEYS: '' },
    );
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('proxy_not_configured');
    expect(body.error.message).toContain('PROXY_KEYS');
    expect(body.error.message).toContain('ALLOW_ANONYMOUS');
  });

  it('lets keyless requests through with ALLOW_ANONYMOUS=true but still rejects a wrong key when keys exist', async () => {
    const open = { ALLOW_ANONYMOUS: 'true' };
    expect((await send('/v1/models', {}, open)).response.status).toBe(200);
    const wrong = await send('/v1/models', { headers: { authorization: 'Bearer nope' } }, open);
    expect(wrong.response.status).toBe(401);
  });

  it('serves any SDK key as anonymous when ALLOW_ANONYMOUS=true and no keys are configured', async () => {
    const open = { ALLOW_ANONYMOUS: 'true', PROXY_KEYS: '' };
    const sdk = await send('/v1/models', { headers: { authorization: 'Bearer sk-anything' } }, open);
    expect(sdk.response.status).toBe(200);
    const token = await send('/v1/models', { headers: { authorization: 'Bearer a.b.c' } }, open);
    expect(token.response.status).toBe(200);
  });

  it('never forwards the client key, cookies or identity headers, and sends the upstream key', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', chat(tag), {
      cookie: 'session=abc',
      'x-forwarded-for': '203.0.113.9',
      'cf-connecting-ip': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      'openai-organization': 'org-attacker',
      'openai-beta': 'assistants=v2',
    });
    expect(response.status).toBe(200);
    const [upstream] = await received(tag);
    expect(upstream?.headers['authorization']).toBe(`Bearer ${upstreamKey}`);
    for (const name of [
      'cookie',
      'x-forwarded-for',
      'cf-connecting-ip',
      'x-real-ip',
      'openai-organization',
    ]) {
      expect(upstream?.headers[name]).toBeUndefined();
    }
    expect(upstream?.headers['openai-beta']).toBe('assistants=v2');
    expect(JSON.stringify(upstream?.headers)).not.toContain('client-key-1');
  });
});

describe('the upstream key stays hidden', () => {
  it('redacts a key echoed in an upstream 401 message', async () => {
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: 'Bearer client-key-1' } },
      { OPENAI_API_KEY: 'sk-wrong-key-that-upstream-echoes-123456' },
    );
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).not.toContain('sk-wrong-key-that-upstream-echoes-123456');
    expect(text).not.toContain('echoes-123456');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('never shows the upstream key in any response header or body', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', { ...chat(tag), stream: true });
    const headers = JSON.stringify([...response.headers]);
    expect(headers + (await response.text())).not.toContain(upstreamKey);
  });
});
