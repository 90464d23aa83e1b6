// The usage dashboard in Chromium: after a known mix of requests through the openai SDK, the
// page shows the right totals, fits a phone screen, and holds no data or key of its own.
import { existsSync, mkdirSync } from 'node:fs';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ADMIN_KEY = 'dashboard-admin-key-0123456789abcdef';
let proxy: RunningProxy;
let browser: Browser;
let page: Page;

interface Total {
  requests: number;
  cached: number;
  errors: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

async function total(): Promise<Total> {
  const today = new Date().toISOString().slice(0, 10);
  const response = await fetch(new URL(`/admin/api/usage?by=day&from=${today}&to=${today}`, proxy.baseURL), {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.json()) as { total: Total }).total;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: bash .ci/install-chromium.sh`);
  proxy = await startProxy({
    ADMIN_KEY,
    MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 2.5, output: 10 } }),
  });
  const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
  const ask = (content: string, extra: {} = {}) =>
    client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content }], ...extra });
  // The known mix: three answers, one of them a cache hit, and one upstream error.
  await ask('first question');
  await ask('second question');
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the first answer's KV write land
  await ask('first question');
  await ask('failing question', { x_mock: { scenario: 'status', status: 500 } }).catch(() => undefined);
  const deadline = Date.now() + 20_000;
  while ((await total()).requests < 4) {
    if (Date.now() > deadline) throw new Error('the ledger did not receive the requests');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  await page.goto(new URL('/admin', proxy.baseURL).href);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
});

const tile = (name: string) => page.locator(`.tile[data-metric="${name}"] b`).textContent();

describe('the usage dashboard', () => {
  it('shows the totals of the known mix once the admin key is pasted', async () => {
    const expected = await total();
    expect(expected).toMatchObject({ requests: 4, cached: 1, errors: 1 });
    await page.fill('#key', ADMIN_KEY);
    await page.click('#load');
    await page.locator('body[data-state="loaded"]').waitFor();
    expect(await tile('Requests')).toBe('4');
    expect(await tile('Cache-hit rate')).toBe('25%');
    expect(await tile('Error rate')).toBe('25%');
    const cost = (expected.input_tokens * 2.5 + expected.output_tokens * 10) / 1_000_000;
    expect(expected.cost_usd).toBeCloseTo(cost, 9);
    expect(await tile('Cost')).toBe(`$${cost.toPrecision(2)}`);
    expect(await page.locator('#chart-requests svg rect').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#chart-callers svg text').first().textContent()).toMatch(/^key_[0-9a-f]{16}$/);
  });

  it('fits a phone-sized screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.setViewportSize({ width: 1200, height: 1000 });
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('takes the README screenshot', async () => {
    const path = process.env['UPDATE_SCREENSHOT'] ? 'docs/dashboard.png' : undefined;
    if (path) mkdirSync('docs', { recursive: true });
    expect(
      (await page.screenshot(path ? { path, fullPage: true } : { fullPage: true })).length,
    ).toBeGreaterThan(10_000);
  });

  it('is a static page with no data or key in it', async () => {
    const html = await (await fetch(new URL('/admin', proxy.baseURL))).text();
    expect(html).not.toContain(ADMIN_KEY);
    expect(html).not.toContain('key_');
  });
});
