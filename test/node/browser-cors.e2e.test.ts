// CORS in a real browser: a page on another origin streams through the proxy only when its
// origin is in ALLOWED_ORIGINS, with the headers the openai browser SDK sends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';
import { launchChromium } from '../../scripts/chromium.mjs';

let proxy: RunningProxy;
let browser: Browser;
const pages: http.Server[] = [];

/** A bare page on its own loopback port: a distinct origin from the proxy's. */
async function pageOrigin(): Promise<string> {
  const server = http.createServer((_, res) => res.end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pages.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let allowed: string;
let stranger: string;

beforeAll(async () => {
  allowed = await pageOrigin();
  stranger = await pageOrigin();
  // Words 60 ms apart: "arrives in more than one read" must not depend on a quiet machine.
  proxy = await startProxy({ ALLOWED_ORIGINS: allowed, CACHE_TTL: '0' }, { wordDelayMs: 60 });
  // The first request of an isolate pays its one-time set-up; measure a warm one.
  await fetch(`${proxy.baseURL}/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await Promise.all(pages.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Runs a streamed chat request from a page on `origin`, as the openai browser SDK would. */
async function streamFrom(origin: string) {
  const page = await browser.newPage();
  await page.goto(origin);
  const result = await page.evaluate(
    async ({ baseURL, key }) => {
      try {
        const response = await fetch(`${baseURL}/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'x-stainless-lang': 'js',
            'x-stainless-retry-count': '0',
          },
          body: JSON.stringify({
            model: 'echo-1',
            stream: true,
            messages: [{ role: 'user', content: 'hi there from another origin' }],
          }),
        });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        let reads = 0;
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          reads += 1;
          text += decoder.decode(next.value, { stream: true });
        }
        return { ok: true, reads, text, requestId: response.headers.get('x-request-id') };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { baseURL: proxy.baseURL, key: CLIENT_KEY },
  );
  await page.close();
  return result;
}

describe('CORS in Chromium', () => {
  it('streams to a page on an allowed origin, which can read x-request-id', async () => {
    const result = await streamFrom(allowed);
    expect(result.ok).toBe(true);
    expect(result.text).toContain('data: [DONE]');
    expect(result.reads).toBeGreaterThan(1);
    expect(result.requestId).toMatch(/^req_mock_/);
  });

  it('is blocked by the browser for a page on another origin', async () => {
    const result = await streamFrom(stranger);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch/);
  });
});
