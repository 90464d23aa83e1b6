// @ts-check
// docs/keys.png for `npm run screenshots`: the Keys view with a few keys an owner would have (a
// CI key on a monthly budget, an app near its daily one, a contractor's key that expires and was
// disabled, and the one `npm run dev` made), each after some traffic, one audit trail open.
// The mock reports the token counts it is told to (x_mock.usage), so a handful of requests
// stands for a day's traffic; the proxy prices them at the screenshot's MODEL_PRICES.

const DAY = 86_400;

/**
 * @param {{ origin: string, adminKey: string }} dev
 * @param {'GET' | 'POST' | 'PATCH'} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function admin({ origin, adminKey }, method, path, body) {
  const response = await fetch(`${origin}/admin/api/keys${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} /admin/api/keys${path}: ${await response.text()}`);
  return response.json();
}

/**
 * `count` requests with `key`, each reported as `prompt` + `completion` tokens.
 * @param {string} origin @param {string} key @param {{ count: number, prompt: number, completion: number }} traffic
 */
async function spend(origin, key, { count, prompt, completion }) {
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'echo-1',
        max_tokens: completion,
        messages: [{ role: 'user', content: `Request ${index + 1} of the day` }],
        x_mock: {
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        },
      }),
    });
    if (!response.ok) throw new Error(`a request with a virtual key failed: ${await response.text()}`);
    await response.arrayBuffer();
  }
}

/** The keys, and their traffic. @param {{ origin: string, adminKey: string }} dev */
async function makeKeys(dev) {
  const now = Math.floor(Date.now() / 1000);
  const ci = await admin(dev, 'POST', '', {
    name: 'ci',
    models: ['echo-1'],
    limits: { usd_per_month: 2, rpm: 60 },
    metadata: { team: 'platform', pipeline: 'github-actions' },
  });
  await spend(dev.origin, ci.key, { count: 3, prompt: 30_000, completion: 3000 });
  const app = await admin(dev, 'POST', '', {
    name: 'mobile-app',
    models: ['echo-*'],
    limits: { usd_per_day: 1, tpd: 500_000, max_parallel: 4 },
    metadata: { team: 'mobile' },
  });
  await spend(dev.origin, app.key, { count: 8, prompt: 30_000, completion: 3000 });
  const contractor = await admin(dev, 'POST', '', {
    name: 'contractor-acme',
    limits: { usd_total: 5 },
    expires_at: now + 14 * DAY,
    metadata: { ticket: 'OPS-1234' },
  });
  await spend(dev.origin, contractor.key, { count: 2, prompt: 30_000, completion: 3000 });
  await admin(dev, 'PATCH', `/${contractor.id}`, { limits: { usd_total: 3 } });
  await admin(dev, 'PATCH', `/${contractor.id}`, { disabled: true });
  return contractor.id;
}

/**
 * The Keys view at desktop width, whole page, the contractor's audit trail open.
 * @param {import('playwright-core').Browser} browser
 * @param {{ origin: string, adminKey: string }} dev
 * @param {{ width: number, height: number }} viewport
 */
export async function keysShot(browser, dev, viewport) {
  const open = await makeKeys(dev);
  const page = await browser.newPage({ viewport });
  await page.goto(`${dev.origin}/admin#keys`);
  if ((await page.inputValue('#key')) === '') {
    await page.fill('#key', dev.adminKey);
    await page.click('#load');
  }
  await page.locator('#keys-view[data-state="loaded"]').waitFor();
  await page.click(`li[data-id="${open}"] .key-history summary`);
  await page.locator(`li[data-id="${open}"] .events li[data-type="created"]`).waitFor();
  await page.screenshot({ path: 'docs/keys.png', fullPage: true });
  await page.close();
}
