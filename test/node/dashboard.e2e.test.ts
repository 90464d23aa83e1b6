// The usage dashboard in Chromium: after a known mix of requests through the openai SDK, the
// page shows the right totals, names every series, fits a phone screen, and holds no data or key
// of its own. Then the page's own logic, fed crafted usage: a readable axis for $0, and caller
// and model names with bidi controls that cannot spoof the labels around them.
import OpenAI from 'openai';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';
import { launchChromium } from '../../scripts/chromium.mjs';

const ADMIN_KEY = 'dashboard-admin-key-0123456789abcdef';
const DESKTOP = { width: 1200, height: 1000 };
let proxy: RunningProxy;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** A new page that records every script error and CSP refusal, for the suite to fail on. */
async function newPage(): Promise<Page> {
  const opened = await browser.newPage({ viewport: DESKTOP });
  opened.on('pageerror', (error) => problems.push(error.message));
  opened.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  return opened;
}

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
  browser = await launchChromium();
  page = await newPage();
  await page.goto(new URL('/admin', proxy.baseURL).href);
}, 60_000);

afterAll(async () => {
  expect(problems).toEqual([]);
  await browser?.close();
  await proxy?.stop();
});

const tile = (on: Page, name: string) => on.locator(`.tile[data-metric="${name}"] b`).textContent();
const legend = (on: Page, chart: string) =>
  on
    .locator(`figure:has(#${chart}) .legend > span`)
    .evaluateAll((entries) => entries.map((e) => e.textContent));
/** Dollars as the page writes them below a dollar: two significant digits, never an exponent. */
const cents = (value: number) => `$${value.toLocaleString('en', { maximumSignificantDigits: 2 })}`;

describe('the usage dashboard', () => {
  it('shows the totals of the known mix once the admin key is pasted', async () => {
    const expected = await total();
    expect(expected).toMatchObject({ requests: 4, cached: 1, errors: 1 });
    await page.fill('#key', ADMIN_KEY);
    await page.click('#load');
    await page.locator('body[data-state="loaded"]').waitFor();
    expect(await tile(page, 'Requests')).toBe('4');
    expect(await tile(page, 'Cache-hit rate')).toBe('25%');
    expect(await tile(page, 'Error rate')).toBe('25%');
    const cost = (expected.input_tokens * 2.5 + expected.output_tokens * 10) / 1_000_000;
    expect(expected.cost_usd).toBeCloseTo(cost, 9);
    expect(await tile(page, 'Cost')).toBe(cents(cost));
    expect(await tile(page, 'Cost')).toMatch(/^\$0\.0000\d{1,2}$/);
    expect(await page.locator('#chart-requests svg rect').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#chart-callers svg text').first().textContent()).toMatch(/^key_[0-9a-f]{16}$/);
    // Failed requests are counted under the model "-": the chart says what that means.
    const models = await page.locator('#chart-models svg text.name').allTextContents();
    expect(models).toEqual(['echo-1', '(failed requests)']);
  });

  it('names every series of every chart in its legend', async () => {
    expect(await legend(page, 'chart-requests')).toEqual(['answered upstream', 'cache hits']);
    expect(await legend(page, 'chart-tokens')).toEqual(['input', 'output']);
    expect(await legend(page, 'chart-cost')).toEqual(['cost']);
    expect(await legend(page, 'chart-rates')).toEqual(['cache hits', 'errors']);
    expect(await legend(page, 'chart-ttfb')).toEqual(['p50', 'p95']);
    // Each swatch has the colour of the marks it names.
    const colours = await page.locator('#chart-requests').evaluate((chart) => {
      const figure = chart.closest('figure')!;
      const fill = (selector: string) => getComputedStyle(figure.querySelector(selector)!).fill;
      const swatch = (n: number) =>
        getComputedStyle(figure.querySelectorAll('.legend i')[n]!).backgroundColor;
      return { marks: [fill('rect.series-a'), fill('rect.series-b')], swatches: [swatch(0), swatch(1)] };
    });
    expect(colours.swatches).toEqual(colours.marks);
  });

  it('keeps each total on one line, its unit smaller, at desktop and phone widths', async () => {
    for (const viewport of [DESKTOP, { width: 375, height: 800 }]) {
      await page.setViewportSize(viewport);
      const ttfb = await page.locator('.tile[data-metric="TTFB p50 / p95"] b').evaluate((value) => ({
        text: value.textContent,
        whiteSpace: getComputedStyle(value).whiteSpace,
        lines: Math.round(
          value.getBoundingClientRect().height / parseFloat(getComputedStyle(value).lineHeight),
        ),
        fits: value.scrollWidth <= value.clientWidth,
        unit: value.querySelector('small')?.textContent,
      }));
      expect(ttfb).toMatchObject({ whiteSpace: 'nowrap', lines: 1, fits: true, unit: 'ms' });
      expect(ttfb.text).toMatch(/^\d+ \/ \d+ ms$/);
    }
    await page.setViewportSize(DESKTOP);
  });

  it('fits a phone-sized screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.setViewportSize(DESKTOP);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('is a static page with no data or key in it', async () => {
    const html = await (await fetch(new URL('/admin', proxy.baseURL))).text();
    expect(html).not.toContain(ADMIN_KEY);
    // No caller id and no virtual key id: the page names error codes (key_revoked), nothing else.
    expect(html).not.toMatch(/key_[0-9a-f]{16}/);
    expect(html).not.toMatch(/vk_[a-z2-7]{20}/);
  });
});

describe('the dashboard page with a development admin key', () => {
  it('fills in the key from <meta name="dev-admin-key"> and loads at once', async () => {
    const fresh = await newPage();
    // As the Worker will serve it under `npm run dev` on loopback.
    await fresh.route('**/admin', async (route) => {
      const served = await route.fetch();
      const html = (await served.text()).replace(
        '</head>',
        `<meta name="dev-admin-key" content="${ADMIN_KEY}"></head>`,
      );
      await route.fulfill({ response: served, body: html });
    });
    await fresh.goto(new URL('/admin', proxy.baseURL).href);
    await fresh.locator('body[data-state="loaded"]').waitFor();
    expect(await fresh.inputValue('#key')).toBe(ADMIN_KEY);
    expect(await tile(fresh, 'Requests')).toBe('4');
    await fresh.close();
  });
});

describe('the dashboard page, fed crafted usage', () => {
  const today = new Date().toISOString().slice(0, 10);
  const row = (fields: Record<string, string | number>) => ({
    requests: 3,
    input_tokens: 30,
    output_tokens: 60,
    cached: 0,
    errors: 0,
    cost_usd: 0,
    unpriced: 0,
    estimated: 0,
    ttfb_p50_ms: 120,
    ttfb_p95_ms: 450,
    ...fields,
  });

  /** Opens the dashboard with /admin/api/usage answering `rows` for every `by`. */
  async function dashboardWith(rows: { caller: object[]; model: object[]; total: object }): Promise<Page> {
    const fresh = await newPage();
    await fresh.route('**/admin/api/usage?*', (route) => {
      const by = new URL(route.request().url()).searchParams.get('by') ?? 'day';
      const data =
        by === 'day' ? [{ day: today, ...rows.total }] : by === 'caller' ? rows.caller : rows.model;
      return route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ object: 'list', by, data, total: rows.total }),
      });
    });
    await fresh.goto(new URL('/admin', proxy.baseURL).href);
    await fresh.fill('#key', ADMIN_KEY);
    await fresh.click('#load');
    await fresh.locator('body[data-state="loaded"]').waitFor();
    return fresh;
  }

  it('gives an all-$0 range a readable cost axis, never an exponent', async () => {
    const free = await dashboardWith({
      caller: [row({ caller: 'key_0123456789abcdef' })],
      model: [row({ model: 'llama-local', unpriced: 3 })],
      total: row({ unpriced: 3 }),
    });
    const axis = await free.locator('#chart-cost svg text.axis').allTextContents();
    const amounts = axis.filter((label) => label.startsWith('$'));
    expect(amounts).toEqual(['$0', '$0.005', '$0.01']);
    const everything = await free.locator('body').textContent();
    expect(everything).not.toMatch(/\d(\.\d+)?e[-+]?\d/i);
    expect(await tile(free, 'Cost')).toBe('$0');
    await free.close();
  });

  it('writes dollars as people do', async () => {
    const priced = await dashboardWith({
      caller: [
        row({ caller: 'key_big', cost_usd: 12.5 }),
        row({ caller: 'key_small', cost_usd: 0.0042 }),
        row({ caller: 'key_half', cost_usd: 0.5 }),
      ],
      model: [row({ model: 'gpt-4o', cost_usd: 12.5042 })],
      total: row({ cost_usd: 12.5042 }),
    });
    const values = await priced.locator('#chart-callers svg text.label:not(.name)').allTextContents();
    expect(values).toEqual(['$12.50', '$0.0042', '$0.50']);
    expect(await tile(priced, 'Cost')).toBe('$12.50');
    const axis = await priced.locator('#chart-cost svg text.axis').allTextContents();
    expect(axis.filter((label) => label.startsWith('$'))).toEqual(['$0', '$10', '$20']);
    await priced.close();
  });

  it('keeps a flagged value inside its card', async () => {
    const flagged = await dashboardWith({
      caller: [row({ caller: 'key_afae09384e2fe4c3', cost_usd: 0.00039, unpriced: 1234 })],
      model: [row({ model: 'gpt-4o', cost_usd: 0.00039, unpriced: 1234 })],
      total: row({ cost_usd: 0.00039, unpriced: 1234 }),
    });
    for (const chart of ['#chart-callers', '#chart-models']) {
      const card = (await flagged.locator(chart).boundingBox())!;
      const flag = flagged.locator(`${chart} svg text.flag`);
      expect(await flag.textContent()).toBe('$0.00039 (1.2K unpriced)');
      const text = (await flag.boundingBox())!;
      expect(text.x + text.width).toBeLessThanOrEqual(card.x + card.width);
    }
    await flagged.close();
  });

  it('isolates caller and model names holding bidi controls, and shows the controls', async () => {
    const spoofed = 'user:\u202Enimda';
    const spoofing = await dashboardWith({
      caller: [row({ caller: spoofed, cost_usd: 0.5 })],
      model: [row({ model: 'gpt\u202E-4o', cost_usd: 0.5 })],
      total: row({ cost_usd: 0.5 }),
    });
    for (const chart of ['#chart-callers', '#chart-models']) {
      const label = spoofing.locator(`${chart} svg text.name`);
      expect(await label.evaluate((text) => getComputedStyle(text).unicodeBidi)).toBe('isolate');
      expect(await label.textContent()).toContain('[U+202E]');
      // The tooltip is plain text, where CSS cannot reach: it is wrapped in FSI … PDI.
      const tooltip = await spoofing.locator(`${chart} svg g > title`).textContent();
      expect(tooltip).toMatch(/^\u2068.*\[U\+202E\].*\u2069$/);
    }
    expect(await spoofing.locator('#chart-callers svg text.name').textContent()).toBe('user:[U+202E]nimda');
    await spoofing.close();
  });
});
