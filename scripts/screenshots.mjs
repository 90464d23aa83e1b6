#!/usr/bin/env node
// @ts-check
// `npm run screenshots`: the README's pictures, made the way a user meets the pages. It starts
// `npm run dev` offline (the bundled mock upstream, a throwaway state directory), holds a short
// conversation in the playground and sends some traffic for the dashboard, then writes
// docs/playground.png, docs/playground-mobile.png, docs/dashboard.png and docs/keys.png (the
// Keys view: screenshots-keys.mjs) with Chromium (through playwright-core) and stops everything.
// CHROMIUM_PATH picks the browser.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mintClientToken } from './mint-token.mjs';
import { keysShot } from './screenshots-keys.mjs';
import { launchChromium } from './chromium.mjs';
import { freePort } from './dev-port.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
/** Prices for the mock model, so the dashboard's cost charts have something to show (gpt-4o's). */
const PRICES = { 'echo-1': { input: 2.5, output: 10 } };
/** Limits for the development key, so the playground shows the caller's remaining allowance. */
const KEY_LIMITS = 'rpm=60 tpd=200000 usd=5';

/**
 * Starts `node scripts/dev.mjs` offline and waits for its banner.
 * @param {string} state wrangler's state directory (KV, D1, Durable Objects), thrown away after
 * @returns {Promise<{ origin: string, clientKey: string, adminKey: string, tokenSecret: string, stop: () => Promise<void> }>}
 */
async function startDev(state) {
  let output = '';
  const clientKey = 'dev-key-local';
  // Its own inspector port too: wrangler's default (9229/9230) may belong to another dev server.
  const extra = ['--persist-to', state, '--inspector-port', String(await freePort())];
  extra.push('--var', `MODEL_PRICES:${JSON.stringify(PRICES)}`);
  extra.push('--var', `PROXY_KEYS:${clientKey} ${KEY_LIMITS}`);
  const child = spawn(process.execPath, ['scripts/dev.mjs', ...extra], {
    env: { ...process.env, OFFLINE: '1', PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`npm run dev did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const read = (/** @type {RegExp} */ pattern) => pattern.exec(output)?.[1] ?? '';
  const origin = new URL(read(/OpenAI base URL\s+(\S+)/)).origin;
  return {
    origin,
    clientKey,
    adminKey: read(/admin key: ([^)\s]+)/),
    tokenSecret: read(/TOKEN_SECRET=(\S+)/),
    stop,
  };
}

/**
 * Traffic for the dashboard: three callers (the key and two signed-in users), two models,
 * streamed and not, a few cache hits, and one refused request.
 * @param {{ origin: string, clientKey: string, tokenSecret: string }} dev
 * @returns {Promise<number>} how many requests the ledger should count
 */
async function sendTraffic({ origin, clientKey, tokenSecret }) {
  const now = Date.now() / 1000;
  const alice = await mintClientToken({ sub: 'alice', ttlSeconds: 900 }, tokenSecret, now);
  const bob = await mintClientToken(
    { sub: 'bob', ttlSeconds: 900, models: ['gpt-4o-mini'] },
    tokenSecret,
    now,
  );
  const questions = [
    'Summarise the design review notes from Monday in three bullet points for the team channel',
    'Draft a polite reply declining the meeting but proposing Thursday afternoon instead',
    'Explain the difference between a mutex and a semaphore with a short example in Go',
    'Write a haiku about edge caching',
  ];
  /** @type {Array<[string, string, string, boolean]>} key, model, question, stream */
  const plan = [];
  for (const [index, question] of questions.entries()) {
    plan.push([clientKey, 'echo-1', question, index % 2 === 0], [alice, 'echo-1', question, true]);
    plan.push([bob, 'gpt-4o-mini', question, false]);
  }
  // Asked again: cache hits. Then bob asks for a model his token does not allow: an error.
  plan.push([clientKey, 'echo-1', questions[1] ?? '', false], [alice, 'echo-1', questions[0] ?? '', true]);
  plan.push([bob, 'echo-1', 'not my model', false]);
  for (const [key, model, content, stream] of plan) {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content }] }),
    });
    await response.arrayBuffer();
    // Let the first answer's cache write land before the same question comes again.
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return plan.length;
}

/**
 * Waits until the usage ledger counts `requests` (it is written in batches, after the answers).
 * @param {{ origin: string, adminKey: string }} dev @param {number} requests
 */
async function ledgerCounts({ origin, adminKey }, requests) {
  const today = new Date().toISOString().slice(0, 10);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${origin}/admin/api/usage?by=day&from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const body = /** @type {{ total?: { requests?: number } }} */ (await response.json());
    if ((body.total?.requests ?? 0) >= requests) return;
    if (Date.now() > deadline) throw new Error('the usage ledger did not receive the traffic');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Sends one message from the playground and waits for its answer to finish.
 * @param {import('playwright-core').Page} page @param {string} text
 */
async function say(page, text) {
  const turns = await page.locator('#log .turn').count();
  await page.fill('#prompt', text);
  await page.click('#send');
  await page.locator(`#log .turn:nth-child(${turns + 1})[data-state="done"]`).waitFor();
}

/**
 * The playground, at desktop width and on a phone: a system message and two turns, the first
 * streamed (a cache hit, asked once before), the second not, with its request shown as curl.
 * @param {import('playwright-core').Browser} browser @param {string} origin
 */
async function playgroundShots(browser, origin) {
  const context = await browser.newContext({ viewport: DESKTOP, permissions: ['clipboard-write'] });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`screenshots: the playground failed: ${error.message}`));
  await page.goto(`${origin}/`);
  await page.locator('#model option[value="echo-1"]').waitFor({ state: 'attached' });
  await page.selectOption('#model', 'echo-1');
  await page.fill('#system', 'You are a concise assistant for the engineering team.');
  await page.fill('#temperature', '0.7');
  await page.dispatchEvent('#temperature', 'change');
  const first = 'Which headers tell me whether an answer came from the cache?';
  await say(page, first);
  await page.click('#new-chat');
  await say(page, first);
  await page.uncheck('#stream');
  await say(page, 'And how do I see which upstream served it, and after how many attempts?');
  await page.click('#log .turn:last-child button[data-format="curl"]');
  // As tall as the conversation: a full-page capture would leave the sticky composer mid-page.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: DESKTOP.width, height: Math.max(DESKTOP.height, height) });
  await page.screenshot({ path: 'docs/playground.png' });
  // The same conversation on a phone, settings folded as the page folds them there.
  await page.setViewportSize(PHONE);
  await page.click('#settings summary');
  await page.locator('#settings').evaluate((settings) => settings.scrollIntoView());
  await page.screenshot({ path: 'docs/playground-mobile.png' });
  await context.close();
}

/**
 * The dashboard after the traffic, at desktop width, whole page.
 * @param {import('playwright-core').Browser} browser @param {string} origin @param {string} adminKey
 */
async function dashboardShot(browser, origin, adminKey) {
  const page = await browser.newPage({ viewport: DESKTOP });
  await page.goto(`${origin}/admin`);
  // The Worker fills in the development admin key where it can; otherwise type it, as a user would.
  if ((await page.inputValue('#key')) === '') {
    await page.fill('#key', adminKey);
    await page.click('#load');
  }
  await page.locator('body[data-state="loaded"]').waitFor();
  await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
  await page.close();
}

await mkdir('docs', { recursive: true });
const state = await mkdtemp(path.join(os.tmpdir(), 'screenshots-'));
const dev = await startDev(state);
/** @type {import('playwright-core').Browser | undefined} */
let browser;
try {
  const requests = await sendTraffic(dev);
  // launch() gives the browser a fresh, temporary profile of its own.
  browser = await launchChromium();
  await playgroundShots(browser, dev.origin);
  await ledgerCounts(dev, requests);
  await dashboardShot(browser, dev.origin, dev.adminKey);
  await keysShot(browser, dev, DESKTOP);
  console.log(
    'screenshots: wrote docs/playground.png, docs/playground-mobile.png, docs/dashboard.png, docs/keys.png',
  );
} finally {
  await browser?.close();
  await dev.stop();
  await rm(state, { recursive: true, force: true });
}
