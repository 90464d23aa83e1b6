import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, send, type Overrides } from './helpers';

const APP = 'https://app.example.com';
const allowApp: Overrides = { ALLOWED_ORIGINS: `${APP}, https://other.example.com` };
const STAINLESS = 'authorization, content-type, x-stainless-os, x-stainless-lang, x-stainless-retry-count';

function preflight(origin: string, overrides: Overrides, path = '/v1/chat/completions') {
  return send(
    path,
    {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': STAINLESS,
      },
    },
    overrides,
  );
}

describe('CORS', () => {
  it('answers a preflight from an allowed origin at the edge, echoing the requested headers', async () => {
    const { response } = await preflight(APP, allowApp);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe(STAINLESS);
    expect(response.headers.get('vary')).toBe('Origin, Access-Control-Request-Headers');
  });

  it('gives another origin no allow-origin header', async () => {
    const { response } = await preflight('https://evil.example.net', allowApp);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await send(
      '/v1/models',
      { headers: { origin: 'https://evil.example.net', authorization: `Bearer ${CLIENT_KEY}` } },
      allowApp,
    );
    expect(actual.response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers at all when ALLOWED_ORIGINS is unset', async () => {
    const { response } = await preflight(APP, {});
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows every origin only when * is written explicitly', async () => {
    const { response } = await preflight('https://anywhere.example.org', { ALLOWED_ORIGINS: '*' });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('lets an allowed page read the request id, rate limits and cache status, on success and on error', async () => {
    const ok = await send(
      '/v1/models',
      { headers: { origin: APP, authorization: `Bearer ${CLIENT_KEY}` } },
      allowApp,
    );
    expect(ok.response.headers.get('access-control-allow-origin')).toBe(APP);
    const exposed = ok.response.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['x-request-id', 'x-ratelimit-remaining-requests', 'retry-after', 'x-cache']) {
      expect(exposed).toContain(name);
    }
    const denied = await send(
      '/v1/models',
      { headers: { origin: APP, authorization: 'Bearer wrong' } },
      allowApp,
    );
    expect(denied.response.status).toBe(401);
    expect(denied.response.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('answers a preflight for an unknown route with a 404', async () => {
    const { response } = await preflight(APP, allowApp, '/v1/files');
    expect(response.status).toBe(404);
  });
});
