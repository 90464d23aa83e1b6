// The Keys view of /admin in Chromium, against the real Worker: a key created in the page, its
// secret shown once and copied, used with the openai SDK, its spend on the page, its limits
// edited, disabled and enabled, rotated and deleted, each step seen by the SDK, and its audit
// trail. Then the page's own logic, fed crafted keys: bidi controls and markup in names stay
// inert text, budgets draw as bars of spent over limit, and the view fits a 375 px screen.
import OpenAI from 'openai';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from './start-proxy';
import { launchChromium } from '../../scripts/chromium.mjs';

const ADMIN_KEY = 'keys-page-admin-key-0123456789abcdef';
const DESKTOP = { width: 1200, height: 1000 };
const PHONE = { width: 375, height: 800 };
let proxy: RunningProxy;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

/** A new page that records every script error and CSP refusal, for the suite to fail on. */
async function newPage(): Promise<Page> {
  const opened = await context.newPage();
  opened.on('pageerror', (error) => problems.push(error.message));
  opened.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  return opened;
}

/** The admin API, as the test's own check on what the page did. */
async function api(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(`/admin/api/keys${path}`, proxy.baseURL), {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return { status: response.status, body: await response.json() };
}

const ask = (apiKey: string) =>
  new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 }).chat.completions.create({
    model: 'echo-1',
    messages: [{ role: 'user', content: 'hello from the keys page test' }],
  });

/** The SDK's error for `apiKey`, or undefined when the request succeeded. */
const refusal = (apiKey: string) =>
  ask(apiKey).then(
    () => undefined,
    (error: { status?: number; code?: string }) => ({ status: error.status, code: error.code }),
  );

const overflow = (on: Page) => on.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

beforeAll(async () => {
  proxy = await startProxy({
    ADMIN_KEY,
    // A key with a dollar budget is refused models without a price.
    MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 2.5, output: 10 } }),
  });
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: DESKTOP,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  page = await newPage();
  await page.goto(new URL('/admin#keys', proxy.baseURL).href);
  await page.fill('#key', ADMIN_KEY);
  await page.click('#load');
  await page.locator('#keys-view[data-state="loaded"]').waitFor();
}, 60_000);

afterAll(async () => {
  expect(problems).toEqual([]);
  await browser?.close();
  await proxy?.stop();
});

describe('the Keys view, end to end', () => {
  let id = '';
  let secret = '';
  let card: Locator;
  const reload = async () => {
    await page.click('#load');
    await page.locator('#keys-status', { hasText: /\d+ keys?\./ }).waitFor();
  };

  it('creates a key and shows its secret once, with a warning and a copy button', async () => {
    expect(await page.locator('#key-list').textContent()).toContain('No keys yet');
    await page.click('#new-key');
    await page.fill('#f-name', 'e2e-app');
    await page.fill('#f-models', 'echo-*');
    await page.fill('#f-usd_per_day', '1');
    await page.fill('#f-tpd', '100000');
    await page.fill('#f-metadata', 'team=qa');
    await page.click('#key-submit');
    const dialog = page.locator('#secret-dialog[open]');
    await dialog.waitFor();
    expect(await dialog.locator('.warning').textContent()).toMatch(/only time .* cannot be shown again/s);
    secret = await page.inputValue('#secret-value');
    id = (await page.locator('#secret-for .key-id').textContent()) ?? '';
    expect(id).toMatch(/^vk_[a-z0-9]+$/);
    expect(secret.startsWith(id)).toBe(true);
    await page.click('#copy-secret');
    await expect.poll(() => page.textContent('#copy-status')).toBe('Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.click('#secret-done');
    await dialog.waitFor({ state: 'detached' });
    // Gone from the page once the dialog is closed: nothing can show it again.
    expect(await page.inputValue('#secret-value')).toBe('');
    expect(await page.content()).not.toContain(secret);
    card = page.locator(`li.key-card[data-id="${id}"]`);
    expect(await card.locator('.key-name').textContent()).toBe('e2e-app');
    expect(await card.getAttribute('data-status')).toBe('active');
    expect(await card.locator('.chip').allTextContents()).toEqual(['team=qa']);
  });

  it('gives a secret that works with the openai SDK, and then lists its spend', async () => {
    const answer = await ask(secret);
    expect(answer.choices[0]?.message.content).toBe('You said: hello from the keys page test');
    await expect
      .poll(
        async () => {
          await reload();
          return card.locator('[data-budget="tokens_today"] .budget-value').textContent();
        },
        { timeout: 10_000 },
      )
      .not.toBe('0 of 100K');
    const { body: key } = await api(`/${id}`);
    expect(key.spend.usd_today).toBeGreaterThan(0);
    expect(key.spend.tokens_today).toBeGreaterThan(0);
    expect(await card.locator('[data-budget="usd_today"] .budget-value').textContent()).toMatch(
      /^\$0\.0+\d+ of \$1$/,
    );
    const width = await card
      .locator('[data-budget="tokens_today"] .bar i')
      .evaluate((bar) => bar.style.width);
    expect(parseFloat(width)).toBeCloseTo((key.spend.tokens_today / 100_000) * 100, 5);
    expect(await card.locator('.key-meta').textContent()).not.toContain('last used never');
  });

  it('edits the limits, leaving the others as they were', async () => {
    await card.locator('button[data-action="edit"]').click();
    expect(await page.inputValue('#f-usd_per_day')).toBe('1');
    await page.fill('#f-usd_per_day', '2');
    await page.fill('#f-rpm', '30');
    await page.click('#key-submit');
    await page.locator('#keys-status', { hasText: 'Saved e2e-app.' }).waitFor();
    expect(await card.locator('[data-budget="usd_today"] .budget-value').textContent()).toMatch(/of \$2$/);
    expect(await card.locator('.key-rates').textContent()).toBe('30 requests/min');
    const { body: key } = await api(`/${id}`);
    expect(key.limits).toEqual({ usd_per_day: 2, tpd: 100_000, rpm: 30 });
    expect(key.models).toEqual(['echo-*']);
  });

  it('disables the key (the SDK gets 401 key_disabled) and enables it again', async () => {
    await card.locator('button[data-action="disable"]').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('disabled');
    expect(await page.textContent('#keys-status')).toContain('401 key_disabled');
    expect(await refusal(secret)).toEqual({ status: 401, code: 'key_disabled' });
    await card.locator('button[data-action="enable"]').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('active');
    expect(await refusal(secret)).toBeUndefined();
  });

  it('rotates with no grace: a new secret shown once, and the old one refused', async () => {
    await card.locator('button[data-action="rotate"]').click();
    expect(await page.locator('#rotate-for .key-name').textContent()).toBe('e2e-app');
    expect(await page.inputValue('#grace')).toBe('0');
    await page.click('#rotate-submit');
    await page.locator('#secret-dialog[open]').waitFor();
    const rotated = await page.inputValue('#secret-value');
    expect(rotated).not.toBe(secret);
    expect(rotated.startsWith(id)).toBe(true);
    await page.click('#secret-done');
    await expect.poll(() => page.textContent('#keys-status')).toContain('the old secret stopped working');
    await expect.poll(() => refusal(secret), { timeout: 2000 }).toEqual({ status: 401, code: 'key_revoked' });
    expect(await refusal(rotated)).toBeUndefined();
    secret = rotated;
  });

  it('deletes only after a confirmation, for good', async () => {
    await card.locator('button[data-action="delete"]').click();
    const confirm = page.locator('#delete-dialog[open]');
    expect(await confirm.locator('#delete-for .key-name').textContent()).toBe('e2e-app');
    expect(await confirm.textContent()).toContain('cannot be undone');
    await confirm.locator('[data-close]').click();
    expect((await api(`/${id}`)).status).toBe(200);
    expect(await card.getAttribute('data-status')).toBe('active');

    await card.locator('button[data-action="delete"]').click();
    await page.click('#delete-submit');
    await expect.poll(() => card.getAttribute('data-status')).toBe('deleted');
    expect(await card.locator('button[data-action]').count()).toBe(0);
    expect((await api(`/${id}`)).status).toBe(404);
    expect((await api('')).body.data).toEqual([]);
    await expect.poll(() => refusal(secret), { timeout: 2000 }).toEqual({ status: 401, code: 'key_revoked' });
  });

  it("keeps the deleted key's audit trail: created, changed, disabled, enabled, rotated, deleted", async () => {
    await card.locator('.key-history summary').click();
    const events = card.locator('.events li[data-type]');
    await events.first().waitFor();
    const types = await events.evaluateAll((items) =>
      items.map((item) => (item as HTMLElement).dataset.type),
    );
    // Newest first, each of them in order (other entries may sit between).
    const expected = ['deleted', 'rotated', 'enabled', 'disabled', 'changed', 'created'];
    let at = 0;
    for (const type of types) if (type === expected[at]) at += 1;
    expect({ types, found: at }).toEqual({ types, found: expected.length });
    const limitsChange = card.locator('.events li[data-type="changed"]', { hasText: 'limits' });
    expect(await limitsChange.count()).toBe(1);
    expect(await card.locator('.events time').first().textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
  });

  it('shows an API refusal with its message and code, and marks the field it names', async () => {
    await page.click('#new-key');
    await page.fill('#f-name', 'bad-limit');
    await page.fill('#f-rpm', '-1');
    await page.click('#key-submit');
    const error = page.locator('#key-form-error');
    await expect.poll(() => error.textContent()).toMatch(/"limits\.rpm" .*\(invalid_value, HTTP 400\)$/);
    expect(await page.getAttribute('#f-rpm', 'aria-invalid')).toBe('true');
    await page.click('#key-dialog [data-close]');
    expect((await api('')).body.data).toEqual([]);
  });

  it('says when the admin key is refused', async () => {
    const other = await newPage();
    await other.goto(new URL('/admin#keys', proxy.baseURL).href);
    await other.fill('#key', 'a-client-key-not-the-admin-key');
    await other.click('#load');
    await expect
      .poll(() => other.textContent('#keys-status'))
      .toMatch(/^The admin key was refused \(invalid_admin_key, HTTP 401\)/);
    await other.close();
  });

  it('fits a 375 px screen, dialogs included, without horizontal scrolling', async () => {
    await page.setViewportSize(PHONE);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.click('#new-key');
    const form = page.locator('#key-dialog');
    const fits = await form.evaluate((dialog) => ({
      inside: dialog.getBoundingClientRect().right <= window.innerWidth,
      noScroll: dialog.scrollWidth <= dialog.clientWidth,
    }));
    expect(fits).toEqual({ inside: true, noScroll: true });
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.click('#key-dialog [data-close]');
    await page.setViewportSize(DESKTOP);
  });
});

describe('the Keys view, fed crafted keys', () => {
  const now = Math.floor(Date.now() / 1000);
  const key = (fields: Record<string, unknown>) => ({
    id: 'vk_aaaaaaaaaaaaaaaaaaaa',
    object: 'key',
    name: 'plain',
    models: null,
    limits: {},
    expires_at: null,
    disabled: false,
    metadata: {},
    created_at: now - 3600,
    last_used_at: null,
    spend: { usd_today: 0, usd_month: 0, usd_total: 0, tokens_today: 0 },
    ...fields,
  });

  /** The Keys view with GET /admin/api/keys answering `keys`. */
  async function viewWith(keys: object[], viewport = DESKTOP): Promise<Page> {
    const fresh = await newPage();
    await fresh.setViewportSize(viewport);
    await fresh.route('**/admin/api/keys', (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ object: 'list', data: keys }),
      }),
    );
    await fresh.goto(new URL('/admin#keys', proxy.baseURL).href);
    await fresh.fill('#key', ADMIN_KEY);
    await fresh.click('#load');
    await fresh.locator('#keys-view[data-state="loaded"]').waitFor();
    return fresh;
  }

  it('isolates names, models and metadata holding bidi controls, and shows markup as text', async () => {
    const crafted = await viewWith([
      key({
        name: 'user:\u202Enimda<img src=x>',
        models: ['gpt\u202E-4o'],
        metadata: { 'te\u202Eam': 'ml' },
      }),
    ]);
    const names = crafted.locator('.key-name, .key-models bdi, .chip');
    expect(await names.allTextContents()).toEqual([
      'user:[U+202E]nimda<img src=x>',
      'gpt[U+202E]-4o',
      'te[U+202E]am=ml',
    ]);
    const bidi = await names.evaluateAll((items) => items.map((item) => getComputedStyle(item).unicodeBidi));
    expect(bidi).toEqual(['isolate', 'isolate', 'isolate']);
    expect(await crafted.locator('#key-list img').count()).toBe(0);
    await crafted.close();
  });

  it('draws each budget as spent over limit, amber near it and red past it, and states', async () => {
    const crafted = await viewWith([
      key({
        limits: { usd_per_day: 1, usd_per_month: 10, usd_total: 5, tpd: 1000 },
        spend: { usd_today: 0.25, usd_month: 9, usd_total: 6, tokens_today: 0 },
      }),
      key({ id: 'vk_bbbbbbbbbbbbbbbbbbbb', disabled: true }),
      key({ id: 'vk_cccccccccccccccccccc', expires_at: now - 60 }),
    ]);
    const first = crafted.locator('li.key-card').first();
    const bar = (budget: string) =>
      first.locator(`[data-budget="${budget}"]`).evaluate((row) => ({
        width: (row.querySelector('.bar i') as HTMLElement).style.width,
        state: row.className.replace('budget', '').trim(),
        text: row.querySelector('.budget-value')?.textContent,
      }));
    expect(await bar('usd_today')).toEqual({ width: '25%', state: '', text: '$0.25 of $1' });
    expect(await bar('usd_month')).toEqual({ width: '90%', state: 'near', text: '$9 of $10' });
    expect(await bar('usd_total')).toEqual({ width: '100%', state: 'over', text: '$6 of $5' });
    expect(await bar('tokens_today')).toEqual({ width: '0%', state: '', text: '0 of 1K' });
    const statuses = await crafted.locator('li.key-card .badge').allTextContents();
    expect(statuses).toEqual(['active', 'disabled', 'expired']);
    await crafted.close();
  });

  it('shows a new secret even when the list cannot be read again after the create', async () => {
    const fresh = await newPage();
    let lists = 0;
    await fresh.route('**/admin/api/keys', (route) => {
      const created = { ...key({ name: 'made' }), key: 'vk_aaaaaaaaaaaaaaaaaaaa.secret.tag' };
      if (route.request().method() === 'POST')
        return route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify(created) });
      lists += 1;
      const failure = {
        error: {
          message: 'The key list is unavailable.',
          type: 'server_error',
          param: null,
          code: 'key_directory_unavailable',
        },
      };
      return lists === 1
        ? route.fulfill({ status: 200, contentType: 'application/json', body: '{"object":"list","data":[]}' })
        : route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(failure) });
    });
    await fresh.goto(new URL('/admin#keys', proxy.baseURL).href);
    await fresh.fill('#key', ADMIN_KEY);
    await fresh.click('#load');
    await fresh.locator('#keys-view[data-state="loaded"]').waitFor();
    await fresh.click('#new-key');
    await fresh.fill('#f-name', 'made');
    await fresh.click('#key-submit');
    await fresh.locator('#secret-dialog[open]').waitFor();
    expect(await fresh.inputValue('#secret-value')).toBe('vk_aaaaaaaaaaaaaaaaaaaa.secret.tag');
    await fresh.click('#secret-done');
    await expect
      .poll(() => fresh.textContent('#keys-status'))
      .toBe(
        'Created made: its secret was shown once. The list could not be read again: The key list is unavailable. (key_directory_unavailable, HTTP 503)',
      );
    await fresh.close();
  });

  it('fits long names and ids on a 375 px screen', async () => {
    const crafted = await viewWith(
      [key({ name: 'x'.repeat(64), metadata: { ['k'.repeat(64)]: 'v'.repeat(200) }, limits: { rpm: 1e9 } })],
      PHONE,
    );
    expect(await overflow(crafted)).toBeLessThanOrEqual(0);
    await crafted.close();
  });
});
