// Drives the playground in a real browser (Debian's chromium through playwright-core) against the
// real Worker, as a developer keeps it open: a conversation with a system message and history,
// streamed and not, what the proxy did for each answer, the request as code, errors, a phone.
import { execFileSync } from 'node:child_process';
import { type Browser, type BrowserContext, type Locator, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startProxy, type RunningProxy } from './start-proxy';
import { launchChromium } from '../../scripts/chromium.mjs';

const WORD_DELAY_MS = 60;
const DESKTOP = { width: 1280, height: 800 };
const SYSTEM = 'You are terse.';
const FIRST = 'alpha beta gamma delta epsilon zeta';

let proxy: RunningProxy;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  temperature?: number;
  max_completion_tokens?: number;
}

/** A page on the playground, failing the suite on any CSP refusal or script error. */
async function openPlayground(viewport = DESKTOP): Promise<Page> {
  const opened = await context.newPage();
  await opened.setViewportSize(viewport);
  opened.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  opened.on('pageerror', (error) => problems.push(error.message));
  await opened.goto(new URL('/', proxy.baseURL).href);
  await opened.locator('#model option[value="echo-1"]').waitFor({ state: 'attached' });
  return opened;
}

beforeAll(async () => {
  proxy = await startProxy(
    {
      PLAYGROUND: 'true',
      // As under `npm run dev`: the page on loopback names the key, so it opens ready to use.
      PLAYGROUND_DEV_KEY: CLIENT_KEY,
      PROXY_KEYS: `${CLIENT_KEY} rpm=100 tpd=100000`,
      MODEL_ALIASES: JSON.stringify({ 'echo-fast': ['secondary/echo-1', 'primary/echo-1'] }),
    },
    { wordDelayMs: WORD_DELAY_MS, twoUpstreams: true },
  );
  browser = await launchChromium();
  context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  page = await openPlayground();
});

afterAll(async () => {
  expect(problems).toEqual([]);
  await browser?.close();
  await proxy?.stop();
});

const lastTurn = (on = page) => on.locator('#log .turn:last-child');
const fact = (turn: Locator, name: string) => turn.locator(`[data-fact="${name}"] dd`).textContent();

/**
 * Sends a message; returns the body the page sent, every distinct answer text seen while it
 * arrived (the final one last), and the finished turn.
 */
async function say(text: string, { stream = true, model = 'echo-1', on = page } = {}) {
  await on.selectOption('#model', model);
  await on.setChecked('#stream', stream);
  await on.fill('#prompt', text);
  const before = await on.locator('#log .turn').count();
  const sent = on.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
  await on.click('#send');
  const body = JSON.parse((await sent).postData() ?? '') as ChatBody;
  await on.locator('#log .turn').nth(before).waitFor();
  const seen: string[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { answer, done } = await on.evaluate(() => {
      const turn = document.querySelector('#log .turn:last-child') as HTMLElement;
      return {
        answer: turn.querySelector('.answer')?.textContent ?? '',
        done: turn.dataset['state'] === 'done',
      };
    });
    if (answer !== seen.at(-1)) seen.push(answer);
    if (done) return { body, seen, turn: lastTurn(on) };
    if (Date.now() > deadline) throw new Error(`answer did not finish; saw ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('playground conversation in chromium', () => {
  it('opens with the development key filled in, and the models and aliases grouped', async () => {
    expect(await page.inputValue('#key')).toBe(CLIENT_KEY);
    const groups = await page.locator('#model optgroup').evaluateAll((nodes) =>
      nodes.map((group) => ({
        label: (group as HTMLOptGroupElement).label,
        ids: [...group.querySelectorAll('option')].map((option) => option.value),
      })),
    );
    expect(groups[0]).toEqual({ label: 'Models', ids: ['echo-1', 'echo-slow'] });
    expect(groups[1]?.label).toMatch(/^Aliases/);
    expect(groups[1]?.ids).toEqual(['echo-fast']);
  });

  it('streams the first answer word by word, with the system message and what the proxy did', async () => {
    await page.fill('#system', SYSTEM);
    const { body, seen, turn } = await say(FIRST);
    expect(body).toEqual({
      model: 'echo-1',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: FIRST },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const answer = `You said: ${FIRST}`;
    expect(seen.at(-1)).toBe(answer);
    const partial = seen.filter((text) => text !== '' && text !== answer);
    expect(partial.length, `saw ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(answer.startsWith(text)).toBe(true);
    expect(await turn.locator('.error').isHidden()).toBe(true);
    expect(await fact(turn, 'cache')).toBe('MISS');
    expect(await fact(turn, 'upstream')).toBe('primary · 1 attempt');
    expect(await fact(turn, 'request id')).toMatch(/^req_\w+$/);
    // From the stream's final usage chunk, which the page asked for.
    expect(await fact(turn, 'tokens')).toMatch(/^[1-9]\d* in · [1-9]\d* out$/);
    expect(await fact(turn, 'first token')).toMatch(/^\d+ ms$/);
    expect(await fact(turn, 'total')).toMatch(/^\d+ ms$/);
  });

  it('sends the conversation so far with the second message, and answers it without streaming', async () => {
    await page.fill('#temperature', '0.5');
    await page.fill('#max-tokens', '64');
    const { body, seen, turn } = await say('and the second question', { stream: false });
    await page.fill('#temperature', '');
    await page.fill('#max-tokens', '');
    const history = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: FIRST },
      { role: 'assistant', content: `You said: ${FIRST}` },
      { role: 'user', content: 'and the second question' },
    ];
    expect(body).toEqual({ model: 'echo-1', messages: history, temperature: 0.5, max_completion_tokens: 64 });
    // The Worker passed the same conversation upstream.
    const upstream = proxy.mock.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1);
    expect((JSON.parse(upstream?.body ?? '{}') as ChatBody).messages).toEqual(history);
    expect(seen.at(-1)).toBe('You said: and the second question');
    expect(await fact(turn, 'cache')).toBe('MISS');
    expect(await fact(turn, 'tokens')).toMatch(/^[1-9]\d* in · [1-9]\d* out$/);
    expect(await turn.locator('[data-fact="first token"]').count()).toBe(0);
    expect(await page.locator('#log .turn').count()).toBe(2);
  });

  it("shows the key's remaining allowance from the rate-limit headers, only the limits it has", async () => {
    const turn = lastTurn();
    expect(await fact(turn, 'requests left')).toMatch(/^\d+ of 100 · resets in [\dhms]+$/);
    expect(await fact(turn, 'tokens left')).toMatch(/^[\d,]+ of 100,000 · resets in [\dhms]+$/);
    expect(await turn.locator('[data-fact="USD left"]').count()).toBe(0);
  });

  it('copies the request as curl, Node and Python with $PROXY_KEY, never the key itself', async () => {
    const turn = lastTurn();
    const sent = JSON.stringify({
      model: 'echo-1',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: FIRST },
        { role: 'assistant', content: `You said: ${FIRST}` },
        { role: 'user', content: 'and the second question' },
      ],
      temperature: 0.5,
      max_completion_tokens: 64,
    });
    const shown: Record<string, string> = {};
    for (const format of ['curl', 'node', 'python']) {
      await turn.locator(`button[data-format="${format}"]`).click();
      await expect.poll(() => turn.locator('.copied').textContent()).toBe('Copied.');
      shown[format] = (await turn.locator('.snippet').textContent()) ?? '';
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown[format]);
      expect(shown[format]).not.toContain(CLIENT_KEY);
    }
    expect(shown['curl']).toContain(`-d '${sent}'`);
    expect(shown['curl']).toContain('-H "authorization: Bearer $PROXY_KEY"');
    expect(shown['node']).toContain(`baseURL: "${proxy.baseURL}"`);
    expect(shown['node']).toContain('apiKey: process.env.PROXY_KEY');
    expect(shown['python']).toContain(`base_url="${proxy.baseURL}"`);
    expect(shown['python']).toContain('api_key=os.environ["PROXY_KEY"]');
    expect(shown['python']).toContain('max_completion_tokens=64,');
    // Python's openai package is not installed here: check that the snippet at least parses.
    execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
      input: shown['python'],
    });

    // Each one runs as shown, with PROXY_KEY set, and gets the same answer.
    const env = { ...process.env, PROXY_KEY: CLIENT_KEY };
    const curlOut = execFileSync('bash', ['-c', shown['curl'] ?? ''], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'], // curl's progress meter
    });
    expect(JSON.parse(curlOut).choices[0].message.content).toBe('You said: and the second question');
    const nodeOut = execFileSync(process.execPath, ['--input-type=module', '-e', shown['node'] ?? ''], {
      env,
      encoding: 'utf8',
    });
    expect(nodeOut.trim()).toBe('You said: and the second question');
  });

  it('writes a streamed request as a streaming snippet that runs', async () => {
    const turn = page.locator('#log .turn').first();
    await turn.locator('button[data-format="node"]').click();
    const node = (await turn.locator('.snippet').textContent()) ?? '';
    expect(node).toContain('for await (const chunk of stream)');
    const env = { ...process.env, PROXY_KEY: CLIENT_KEY };
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', node], {
      env,
      encoding: 'utf8',
    });
    expect(out).toBe(`You said: ${FIRST}`);
    await turn.locator('button[data-format="curl"]').click();
    expect(await turn.locator('.snippet').textContent()).toMatch(/^curl -N /);
  });

  it('starts over with "New chat", and the same first message is then a cache hit', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the first answer's cache write land
    await page.click('#new-chat');
    expect(await page.locator('#log .turn').count()).toBe(0);
    const { body, seen, turn } = await say(FIRST);
    expect(body.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: FIRST },
    ]);
    expect(seen.at(-1)).toBe(`You said: ${FIRST}`);
    expect(await fact(turn, 'cache')).toBe('HIT · kv');
    expect(await turn.locator('[data-fact="cache"] dd.hit').count()).toBe(1);
  });

  it('answers through an alias', async () => {
    const { seen } = await say('through an alias', { model: 'echo-fast' });
    expect(seen.at(-1)).toBe('You said: through an alias');
    expect(await page.inputValue('#prompt')).toBe('');
  });

  it('reads an answer aloud: "Listen" asks /v1/audio/speech for its text and plays what came', async () => {
    const { turn } = await say('read this aloud');
    const answer = (await turn.locator('.answer').textContent()) ?? '';
    const spoken = page.waitForResponse((r) => r.url().endsWith('/v1/audio/speech'));
    await turn.locator('button.listen').click();
    const response = await spoken;
    expect(response.status()).toBe(200);
    const audio = turn.locator('.speech audio');
    await audio.waitFor();
    // The player loads the audio the proxy relayed (a CSP refusal or a broken file would be an error).
    const played = await audio.evaluate(
      (element: HTMLAudioElement) =>
        new Promise<{ src: string; error: number | null; duration: number }>((resolve) => {
          const done = () =>
            resolve({ src: element.src, error: element.error?.code ?? null, duration: element.duration });
          if (element.readyState >= 1 || element.error) return done();
          element.addEventListener('loadedmetadata', done, { once: true });
          element.addEventListener('error', done, { once: true });
        }),
    );
    expect(played).toMatchObject({ src: expect.stringMatching(/^blob:/), error: null });
    expect(played.duration).toBeGreaterThan(0); // it holds real audio
    // Not an echo model: the catch-all upstream serves it.
    const upstream = proxy.secondary?.requests.filter((r) => r.path.endsWith('/audio/speech')).at(-1);
    expect(JSON.parse(upstream?.body ?? '{}')).toEqual({
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
      input: answer,
      response_format: 'mp3',
    });
    expect(await turn.locator('.copied').textContent()).toBe('');
  });

  it('stops a stream with the Stop button and keeps the partial answer in the conversation', async () => {
    await page.selectOption('#model', 'echo-slow');
    await page.setChecked('#stream', true);
    await page.fill('#prompt', 'one two three four five six seven eight nine ten');
    await page.click('#send');
    await expect.poll(() => lastTurn().locator('.answer').textContent()).toMatch(/You said/);
    await page.click('#stop');
    await page.locator('#log .turn:last-child[data-state="done"]').waitFor();
    // Stopping is the user's choice, not an error.
    expect(await lastTurn().locator('.note').textContent()).toBe(
      'Stopped; the partial answer stays in the conversation.',
    );
    expect(await lastTurn().locator('.error').isHidden()).toBe(true);
    const partial = (await lastTurn().locator('.answer').textContent()) ?? '';
    expect(partial).not.toContain('ten');
    expect(await page.isEnabled('#send')).toBe(true);
    const { body } = await say('after the stop');
    expect(body.messages.at(-2)).toEqual({ role: 'assistant', content: partial });
  });
});

describe('playground errors in chromium', () => {
  it('shows the OpenAI error message and code, and leaves the turn out of the conversation', async () => {
    await page.click('#new-chat');
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '7' },
        body: JSON.stringify({
          error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' },
        }),
      }),
    );
    const { turn } = await say('rate me');
    await page.unroute('**/v1/chat/completions');
    expect(await turn.locator('.error').textContent()).toMatch(/^Slow down/);
    expect(await turn.locator('.error small').textContent()).toBe(
      'HTTP 429 · code rate_limit_exceeded · Retry after 7 s.',
    );
    expect(await turn.locator('.note').textContent()).toBe('Left out of the conversation.');
    const { body } = await say('next');
    expect(body.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'next' },
    ]);
  });

  it('shows an error event inside the stream with its code', async () => {
    const events = [
      ': keep-alive comment\n\n',
      'data: {"choices":[{"index":0,"delta":{"content":"partial"}}]}\n\n',
      'data: {"error":{"message":"The upstream failed mid-stream","type":"server_error","code":"upstream_broken"}}\n\n',
    ];
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: events.join('') }),
    );
    const { turn } = await say('break please');
    await page.unroute('**/v1/chat/completions');
    expect(await turn.locator('.answer').textContent()).toBe('partial');
    expect(await turn.locator('.error').textContent()).toMatch(/^The upstream failed mid-stream/);
    expect(await turn.locator('.error small').textContent()).toBe('code upstream_broken');
  });

  it('says clearly when the proxy rejects the key, in the answer and for the model list', async () => {
    await page.fill('#key', 'not-a-proxy-key');
    const { turn } = await say('who am I');
    expect(await turn.locator('.error small').textContent()).toMatch(
      /^HTTP 401 · code \w+ · Use one of the proxy's/,
    );
    // The model list reloads with the new key (debounced) and reports the same problem.
    await expect.poll(() => page.textContent('#status')).toMatch(/\(HTTP 401\) Use one of the proxy's/);
    await page.fill('#key', CLIENT_KEY);
    await page.locator('#model option[value="echo-1"]').waitFor({ state: 'attached' });
  });
});

describe('playground details that depend on the key and the proxy', () => {
  it('shows only the limits whose headers the answer carries', async () => {
    const answer = (headers: Record<string, string>) => (route: Route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      });
    const dollarsOnly = {
      'x-ratelimit-limit-usd': '5',
      'x-ratelimit-remaining-usd': '4.9958',
      'x-ratelimit-reset-usd': '6h2m1s',
    };
    await page.route('**/v1/chat/completions', answer(dollarsOnly));
    const budgeted = (await say('dollars only', { stream: false })).turn;
    await page.unroute('**/v1/chat/completions');
    expect(await budgeted.locator('.limits .fact').count()).toBe(1);
    expect(await fact(budgeted, 'USD left')).toBe('$4.99 of $5 · resets in 6h2m1s');
    await page.route('**/v1/chat/completions', answer({}));
    const unlimited = (await say('no limits', { stream: false })).turn;
    await page.unroute('**/v1/chat/completions');
    expect(await unlimited.locator('.limits').isHidden()).toBe(true);
  });

  it('hides the cost slot while GET /v1/me 404s (an older proxy), and asks only once', async () => {
    const fresh = await openPlayground();
    await fresh.route('**/v1/me', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":{"message":"Unknown request URL","type":"invalid_request_error","param":null,"code":"unknown_url"}}',
      }),
    );
    const asked: string[] = [];
    fresh.on('request', (request) => request.url().endsWith('/v1/me') && asked.push(request.url()));
    await say('first', { on: fresh });
    await say('second', { on: fresh });
    expect(asked).toHaveLength(1);
    const hidden = await fresh
      .locator('[data-fact="cost"]')
      .evaluateAll((slots) => slots.map((slot) => (slot as HTMLElement).hidden));
    expect(hidden).toEqual([true, true]);
    await fresh.close();
  });

  it("shows today's spend from GET /v1/me when the proxy answers it", async () => {
    const fresh = await openPlayground();
    await fresh.route('**/v1/me', (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ object: 'caller', spend: { usd_today: 0.0123 } }),
      }),
    );
    const { turn } = await say('what did that cost', { on: fresh });
    await expect.poll(() => turn.locator('[data-fact="cost"]').isVisible()).toBe(true);
    expect(await fact(turn, 'cost')).toBe('$0.012');
    expect(await turn.locator('[data-fact="cost"] dt').textContent()).toBe('spent today');
    await fresh.close();
  });
});

describe('playground on a phone', () => {
  it('fits 375 px without horizontal scrolling, with every control in reach', async () => {
    const phone = await openPlayground({ width: 375, height: 740 });
    const open = () => phone.locator('#settings').evaluate((d) => (d as HTMLDetailsElement).open);
    const width = () => phone.evaluate(() => document.documentElement.scrollWidth);
    // With a key, the settings fold away so the conversation comes first.
    expect(await open()).toBe(false);
    await phone.click('#settings summary');
    expect(await open()).toBe(true);
    await say(`a-very-long-unbroken-word-${'x'.repeat(120)}`, { on: phone, stream: false });
    await lastTurn(phone).locator('button[data-format="python"]').click();
    expect(await width()).toBeLessThanOrEqual(375);
    for (const control of [
      '#key',
      '#model',
      '#system',
      '#temperature',
      '#max-tokens',
      '#stream',
      '#prompt',
      '#send',
      '#stop',
      '#new-chat',
    ]) {
      const box = await phone.locator(control).boundingBox();
      expect(box, control).not.toBeNull();
      expect(box!.x, control).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, control).toBeLessThanOrEqual(375);
    }
    await phone.click('#settings summary');
    expect(await width()).toBeLessThanOrEqual(375);
    await phone.close();
  });
});
