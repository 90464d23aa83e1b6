import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, post, received, send, uniqueTag } from './helpers';

const auth = { authorization: `Bearer ${CLIENT_KEY}` };

describe('routing', () => {
  it('proxies a chat completion and returns the upstream JSON', async () => {
    const tag = uniqueTag();
    const { response } = await post('/v1/chat/completions', {
      model: 'echo-1',
      user: tag,
      messages: [{ role: 'user', content: 'hi there' }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('You said: hi there');
    const [upstream] = await received(tag);
    expect(upstream?.path).toBe('/v1/chat/completions');
  });

  it.each([
    ['/v1/files', 'GET'],
    ['/v1/files', 'POST'],
    ['/v1/fine_tuning/jobs', 'GET'],
    ['/v1/chat/completions/../../files', 'GET'],
    ['/v1/models/..%2Ffiles', 'GET'],
    ['/v1/models/%2e%2e', 'GET'],
    ['/v1/models/x%2F..%2F..%2Ffiles', 'GET'],
    ['//evil.example/v1/chat/completions', 'POST'],
    ['/v1/chat%2Fcompletions', 'POST'],
    ['/v2/chat/completions', 'POST'],
    ['/', 'GET'],
  ])('returns an OpenAI-shaped 404 and forwards nothing for %s (%s)', async (path, method) => {
    const tag = uniqueTag('notfound');
    const init: RequestInit = { method, headers: { ...auth, 'content-type': 'application/json' } };
    if (method === 'POST') init.body = JSON.stringify({ model: 'echo-1', user: tag });
    const { response } = await send(`https://proxy.test${path}`, init);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url', param: null });
    expect(typeof body.error['message']).toBe('string');
    expect(await received(tag)).toHaveLength(0);
  });

  it('returns 405 with an Allow header for a wrong method on a known route', async () => {
    const { response } = await send('/v1/chat/completions', { method: 'GET', headers: auth });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });

  it('serves /healthz without auth and reveals nothing', async () => {
    const { response } = await send('/healthz');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe('ok\n');
  });

  it('lists and retrieves models', async () => {
    const list = await send('/v1/models', { headers: auth });
    expect(list.response.status).toBe(200);
    expect(((await list.response.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    const one = await send('/v1/models/echo-1', { headers: auth });
    expect(((await one.response.json()) as { id: string }).id).toBe('echo-1');
  });
});
