// Drives the playground page in a real browser (Debian's chromium through playwright-core)
// against the real Worker, as a developer does in their first minute with the project.
// UPDATE_SCREENSHOT=1 also writes docs/playground.png (embedded in the README).
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const WORD_DELAY_MS = 60;
const DESKTOP = { width: 1280, height: 800 };

let proxy: RunningProxy;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install it with \`bash .ci/install-chromium.sh\` ` +
        '(apt-get install chromium), or set CHROMIUM_PATH.',
    );
  }
  proxy = await startProxy(
    {
      PLAYGROUND: 'true',
      MODEL_ALIASES: JSON.stringify({ 'echo-fast': ['secondary/echo-1', 'primary/echo-1'] }),
    },
    { wordDelayMs: WORD_DELAY_MS, twoUpstreams: true },
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: DESKTOP });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(new URL('/', proxy.baseURL).href);
  await page.fill('#key', CLIENT_KEY);
  await page.locator('#model option[value="echo-1"]').waitFor({ state: 'attached' });
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
});

const last = (selector: string) => page.locator(`#log .turn:last-child ${selector}`);

/** Sends a prompt and returns every distinct answer text seen while it streamed, then the final one. */
async function ask(prompt: string, model = 'echo-1'): Promise<string[]> {
  await page.selectOption('#model', model);
  await page.fill('#prompt', prompt);
  const before = await page.locator('#log .turn').count();
  await page.click('#send');
  await page.locator('#log .turn').nth(before).waitFor();
  const seen: string[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { text, done } = await page.evaluate(() => {
      const turn = document.querySelector('#log .turn:last-child') as HTMLElement;
      return {
        text: turn.querySelector('.answer')?.textContent ?? '',
        done: turn.dataset['state'] === 'done',
      };
    });
    if (text !== seen.at(-1)) seen.push(text);
    if (done) return seen;
    if (Date.now() > deadline) throw new Error(`answer did not finish; saw ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('playground in chromium', () => {
  const prompt = 'alpha beta gamma delta epsilon zeta';
  const answer = `You said: ${prompt}`;

  it('streams the answer word by word and shows latency', async () => {
    const seen = await ask(prompt);
    expect(seen.at(-1)).toBe(answer);
    const partial = seen.filter((text) => text !== '' && text !== answer);
    expect(partial.length, `saw ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(answer.startsWith(text)).toBe(true);
    expect(await last('.error').isHidden()).toBe(true);
    expect(await last('.timing').textContent()).toMatch(/^first token \d+ ms · total \d+ ms$/);
  });

  it('reports a second identical prompt as a cache hit', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the first answer's cache write land
    const seen = await ask(prompt);
    expect(seen.at(-1)).toBe(answer);
    expect(await last('.cache').textContent()).toContain('HIT');
  });

  it('lists the aliases beside the models, and streams through one, clearing the prompt', async () => {
    const options = await page
      .locator('#model option')
      .evaluateAll((nodes) => nodes.map((n) => n.textContent));
    expect(options).toContain('echo-fast');
    expect(options).toContain('echo-1');
    const seen = await ask('through an alias', 'echo-fast');
    expect(seen.at(-1)).toBe('You said: through an alias');
    expect(await page.inputValue('#prompt')).toBe('');
  });

  it('fits a phone-sized screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.setViewportSize(DESKTOP);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('takes the README screenshot', async () => {
    const path = process.env['UPDATE_SCREENSHOT'] ? 'docs/playground.png' : undefined;
    if (path) mkdirSync('docs', { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot(path ? { path } : {});
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('stops a stream with the Stop button', async () => {
    await page.selectOption('#model', 'echo-slow');
    await page.fill('#prompt', 'one two three four five six seven eight nine ten');
    await page.click('#send');
    await expect.poll(() => last('.answer').textContent()).toMatch(/You said/);
    await page.click('#stop');
    await page.locator('#log .turn:last-child[data-state="done"]').waitFor();
    // Stopping is the user's choice, not an error.
    expect(await last('.note').textContent()).toBe('Stopped.');
    expect(await last('.error').isHidden()).toBe(true);
    expect(await last('.answer').textContent()).not.toContain('ten');
    expect(await page.isEnabled('#send')).toBe(true);
  });

  it('explains a 429 with its retry delay', async () => {
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '7' },
        body: JSON.stringify({ error: { message: 'Slow down', type: 'requests', code: null } }),
      }),
    );
    await ask('rate me');
    await page.unroute('**/v1/chat/completions');
    expect(await last('.error').textContent()).toBe('Rate limited, retry after 7 s.');
  });

  it('shows an error event inside the stream as an error', async () => {
    const events = [
      ': keep-alive comment\n\n',
      'data: {"choices":[{"index":0,"delta":{"content":"partial"}}]}\n\n',
      'data: {"error":{"message":"The upstream failed mid-stream","type":"server_error"}}\n\n',
    ];
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: events.join('') }),
    );
    await ask('break please');
    await page.unroute('**/v1/chat/completions');
    expect(await last('.answer').textContent()).toBe('partial');
    expect(await last('.error').textContent()).toContain('The upstream failed mid-stream');
  });

  it('says clearly when the proxy rejects the key', async () => {
    await page.fill('#key', 'not-a-proxy-key');
    await ask(prompt);
    expect(await last('.error').textContent()).toMatch(/^The proxy rejected the key \(401\)\./);
    // The model list reloads with the new key (debounced) and reports the same problem.
    await expect.poll(() => page.textContent('#status')).toMatch(/The proxy rejected the key/);
  });
});
