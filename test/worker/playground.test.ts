import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, send, upstreamKey } from './helpers';

const ON = { PLAYGROUND: 'true' };

/** The text between each pair of `<tag>` and `</tag>`: inline code the CSP would refuse. */
function inlineBlocks(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))]
    .map((match) => match[1] ?? '')
    .filter((text) => text.trim() !== '');
}

describe('playground at /', () => {
  it('is an OpenAI-shaped 404 when PLAYGROUND is off (the default)', async () => {
    for (const overrides of [{}, { PLAYGROUND: 'false' }]) {
      const { response } = await send('/', {}, overrides);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code).toBe('unknown_url');
    }
  });

  it('serves the HTML page with security headers when PLAYGROUND=true', async () => {
    const { response } = await send('/', {}, ON);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('/v1/chat/completions');
  });

  it('runs only its own script and style files from this origin, which are served while it is on', async () => {
    const { response } = await send('/', {}, ON);
    const csp = response.headers.get('content-security-policy') ?? '';
    const html = await response.text();
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(inlineBlocks(html, 'script')).toEqual([]);
    expect(inlineBlocks(html, 'style')).toEqual([]);
    // Inline handlers and style attributes would be blocked by this CSP: the page must not use them.
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
    // The page's scripts are ES modules: a browser runs them only when served as JavaScript.
    for (const [path, type] of [
      ['/assets/playground.js', 'javascript'],
      ['/assets/playground-chat.js', 'javascript'],
      ['/assets/playground-turn.js', 'javascript'],
      ['/assets/playground-snippets.js', 'javascript'],
      ['/assets/playground.css', 'text/css'],
    ]) {
      const served = await send(path!, {}, ON);
      expect(served.response.status).toBe(200);
      expect(served.response.headers.get('content-type')).toContain(type);
      await served.response.arrayBuffer();
      const off = await send(path!, {}, {});
      expect(off.response.status).toBe(404);
      await off.response.arrayBuffer();
    }
  });

  it('contains no key material', async () => {
    const { response } = await send('/', {}, { ...ON, PROXY_KEYS: `${CLIENT_KEY},dev-key-local` });
    const html = await response.text();
    expect(html).not.toContain(upstreamKey);
    expect(html).not.toContain(CLIENT_KEY);
    expect(html).not.toContain('dev-key-local');
    expect(html).not.toMatch(/sk-[A-Za-z0-9]/);
    expect(html).not.toMatch(/Bearer [A-Za-z0-9]/);
    expect(html).toMatch(/<input\s+id="key"\s+type="password"[^>]*>/);
    expect(html).not.toMatch(/<input\s+id="key"[^>]*\svalue=/);
  });

  it('fills in the development key only for a page opened on loopback', async () => {
    const dev = { ...ON, PLAYGROUND_DEV_KEY: 'dev-key-local', PROXY_KEYS: 'dev-key-local' };
    const local = await (await send('http://127.0.0.1:8787/', {}, dev)).response.text();
    expect(local).toContain('<meta name="dev-key" content="dev-key-local">');
    const remote = await (await send('https://proxy.example.workers.dev/', {}, dev)).response.text();
    expect(remote).not.toContain('dev-key-local');
    const deployed = await (await send('http://127.0.0.1:8787/', {}, ON)).response.text();
    expect(deployed).not.toContain('<meta name="dev-key"');
  });

  it('leaves other methods on / as 404s', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const { response } = await send('/', { method }, ON);
      expect(response.status).toBe(404);
    }
  });
});
