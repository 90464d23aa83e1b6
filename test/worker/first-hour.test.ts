// The errors a new user meets in the first hour say what happened and what to do.
import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, post, send, uniqueTag, upstreamKey } from './helpers';

const auth = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const chat = { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] };

describe('errors a new user meets', () => {
  it('names the upstream that could not be reached, in the message, the headers and the log line', async () => {
    const name = `down-${uniqueTag()}`.toLowerCase();
    const overrides = {
      UPSTREAMS: JSON.stringify([{ name, baseUrl: 'http://127.0.0.1:9/v1', keyVar: 'KEY_A' }]),
      KEY_A: upstreamKey,
      CACHE_TTL: '0',
    };
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: unknown) => void lines.push(String(line));
    try {
      const { response, settled } = await post('/v1/chat/completions', chat, auth, overrides);
      const body = (await response.json()) as { error: { message: string; code: string } };
      await settled;
      expect(response.status).toBe(502);
      expect(body.error.code).toBe('upstream_unreachable');
      expect(body.error.message).toContain(name);
      expect(response.headers.get('x-upstream')).toBe(name);
      expect(response.headers.get('x-upstream-attempts')).toBe('1');
    } finally {
      console.log = original;
    }
    const line = lines
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry['status'] === 502);
    expect(line).toMatchObject({ upstream: name, attempts: 1, error_code: 'upstream_unreachable' });
  });

  it.each([
    ['POST', '/chat/completions'],
    ['POST', '/embeddings'],
    ['GET', '/models'],
    ['GET', '/models/gpt-4o'],
  ])('says to add /v1 when %s %s would be valid under it', async (method, path) => {
    const init: RequestInit = { method, headers: auth };
    if (method === 'POST') init.body = JSON.stringify(chat);
    const { response } = await send(path, init);
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as { error: { message: string; code: string } };
    expect(error.code).toBe('unknown_url');
    expect(error.message).toContain(`Did you mean ${method} /v1${path}?`);
  });

  it('gives no /v1 hint for a path that is not an API route at all', async () => {
    const { response } = await send('/files', { headers: auth });
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toBe('Invalid URL (GET /files).');
  });

  it('says a request limit in words, and tells the SDK not to sit out a long wait', async () => {
    const key = `words-${uniqueTag()}`;
    const overrides = { PROXY_KEYS: `${key} rpm=1`, CACHE_TTL: '0' };
    const headers = { ...auth, authorization: `Bearer ${key}` };
    await (await post('/v1/chat/completions', chat, headers, overrides)).response.text();
    const { response } = await post('/v1/chat/completions', chat, headers, overrides);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(response.status).toBe(429);
    expect(error.message).toMatch(
      /^Rate limit reached: 1 request per minute for this client\. Try again in (\d+m)?\d+s\.$/,
    );
    expect(response.headers.get('x-should-retry')).toBe('false');
  });
});

describe('the dashboard under npm run dev', () => {
  it('fills in the development admin key for pages on this machine only', async () => {
    const admin = 'dev-admin-key-for-local-use-only-0123456789';
    const overrides = { ADMIN_KEY: admin, DASHBOARD_DEV_KEY: admin };
    const page = async (url: string) => (await send(new Request(url), undefined, overrides)).response.text();
    expect(await page('http://127.0.0.1:8787/admin')).toContain(
      `<meta name="dev-admin-key" content="${admin}">`,
    );
    expect(await page('https://proxy.example.com/admin')).not.toContain('dev-admin-key');
  });
});
