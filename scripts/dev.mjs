#!/usr/bin/env node
// @ts-check
// `npm run dev`: the Worker under `wrangler dev` with the playground on, working before you own
// an API key. Without OPENAI_API_KEY in .dev.vars it starts the bundled mock upstream (the same
// code the tests use) in this process and points the Worker at it; with a key it uses the real
// upstream, which wrangler reads from .dev.vars itself, so the key never passes through here.
// Extra arguments go to `wrangler dev`. PORT picks the port (default 8787, else the next free one).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { filterRuntimeNoise } from './dev-output.mjs';
import { readDevVars } from './dev-vars.mjs';

const HOST = '127.0.0.1';
const DEV_KEY = 'dev-key-local';
/** Signs browser tokens in offline mode only; printed so `npm run token` can mint with it. */
const DEV_TOKEN_SECRET = 'dev-token-secret-for-local-use-only-0123456789';
/** Opens the usage dashboard in offline mode only; printed in the banner. */
const DEV_ADMIN_KEY = 'dev-admin-key-for-local-use-only-0123456789';
/** Settings that may be passed from the shell, e.g. `ALLOW_ANONYMOUS=true npm run dev`. */
const PASSED_THROUGH = [
  'ALLOW_ANONYMOUS',
  'REQUESTS_PER_MINUTE',
  'TOKENS_PER_DAY',
  'ALLOWED_MODELS',
  'CACHE_TTL',
  'CACHE_SCOPE',
  'STREAM_RELAY',
];
const WORD_DELAY_MS = 40;
/** The placeholder in .dev.vars.example: a copied, unedited file still means "no key". */
const PLACEHOLDER_KEY = 'sk-your-provider-key';

/** @param {number} port @returns {Promise<boolean>} */
function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** @param {number} first @returns {Promise<number>} */
async function freePort(first) {
  for (let port = first; port < first + 20; port += 1) if (await isFree(port)) return port;
  throw new Error(`No free port in ${first}-${first + 19}; set PORT to another one.`);
}

/**
 * Waits for /healthz. A misconfigured Worker answers 503 naming the variable; the message with
 * the rule comes from any other route, which says it without values. It is printed once, and
 * polling slows down so wrangler's request log does not scroll it away.
 * @param {string} origin @param {() => boolean} gone @returns {Promise<boolean>}
 */
async function waitUntilReady(origin, gone) {
  let reported = '';
  while (!gone()) {
    try {
      const health = await fetch(`${origin}/healthz`);
      if (health.ok) return true;
      if (health.status === 503) {
        const detail = /** @type {{ error?: { message?: string } }} */ (
          await (await fetch(`${origin}/v1/models`)).json()
        );
        const message = detail.error?.message ?? (await health.text()).trim();
        if (message !== reported) {
          console.error(
            `\ndev: ${message}\ndev: fix it in .dev.vars or wrangler.toml; wrangler reloads on save.\n`,
          );
          reported = message;
        }
        await new Promise((resolve) => setTimeout(resolve, 3000));
        continue;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const devVars = readDevVars('.dev.vars');
const providerKey = devVars.get('OPENAI_API_KEY') ?? '';
// OFFLINE=1 forces the mock upstream even when .dev.vars has a real key.
const offline = process.env['OFFLINE'] === '1' || providerKey === '' || providerKey === PLACEHOLDER_KEY;
/** Client keys from .dev.vars (the part of each entry before its options), else the dev key. */
const ownKeys = (devVars.get('PROXY_KEYS') ?? '')
  .split(',')
  .map((entry) => entry.trim().split(/\s+/)[0] ?? '')
  .filter((key) => key !== '');
const clientKeys = ownKeys.length > 0 ? ownKeys : [DEV_KEY];
const port = await freePort(Number(process.env['PORT'] || 8787));
const origin = `http://${HOST}:${port}`;

/** @type {import('../test/mock-upstream/server.mjs').MockUpstream | undefined} */
let mock;
/**
 * wrangler's `--var NAME:value` settings; these override .dev.vars. PLAYGROUND_DEV_KEY lets the
 * playground fill in a client key, and only for pages opened on this machine's loopback address.
 * @type {string[]}
 */
const vars = ['PLAYGROUND:true', `PLAYGROUND_DEV_KEY:${clientKeys[0]}`];
if (ownKeys.length === 0) vars.push(`PROXY_KEYS:${DEV_KEY}`);
if (offline) {
  mock = await startMockUpstream({ host: HOST, wordDelayMs: WORD_DELAY_MS });
  vars.push(`OPENAI_BASE_URL:${mock.url}`);
  // Lets examples/browser.html work from a file or any local server. Only with the mock: a
  // well-known key plus `*` in front of a real provider key would let any web page spend it.
  vars.push('ALLOWED_ORIGINS:*', `TOKEN_SECRET:${DEV_TOKEN_SECRET}`, `ADMIN_KEY:${DEV_ADMIN_KEY}`);
  if (providerKey === PLACEHOLDER_KEY) {
    console.warn('dev: .dev.vars still has the example OPENAI_API_KEY; using the mock upstream.');
  }
}

for (const name of PASSED_THROUGH) {
  const value = process.env[name];
  if (value !== undefined && value !== '') vars.push(`${name}:${value}`);
}

const wranglerBin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const args = ['dev', '--ip', HOST, '--port', String(port), ...vars.flatMap((v) => ['--var', v])];
const wrangler = spawn(process.execPath, [wranglerBin, ...args, ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
});
filterRuntimeNoise(wrangler.stdout, process.stdout);
filterRuntimeNoise(wrangler.stderr, process.stderr);
/** @type {number | null} */
let exitCode = null;
const exited = new Promise((resolve) => {
  wrangler.once('exit', (code, signal) => {
    exitCode = code ?? (signal ? 0 : 1);
    resolve(undefined);
  });
});

let stopping = false;
/** @param {NodeJS.Signals} signal */
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  // Ctrl-C in a terminal reaches wrangler too; a signal sent to this process alone is passed on.
  if (exitCode === null) wrangler.kill(signal);
  const force = setTimeout(() => wrangler.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
  await mock?.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

exited.then(async () => {
  if (stopping) return;
  await mock?.close();
  process.exit(exitCode ?? 0);
});

if (await waitUntilReady(origin, () => exitCode !== null)) {
  const model = offline ? 'echo-1' : 'gpt-4o-mini';
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] });
  const upstream = offline
    ? `the bundled MOCK upstream at ${mock?.url} (model echo-1 answers "You said: ..."; no API key needed)`
    : `the REAL upstream ${devVars.get('OPENAI_BASE_URL') || 'https://api.openai.com/v1'} (OPENAI_API_KEY from .dev.vars)`;
  const lines = [
    '',
    `openai-edge-proxy is running against ${upstream}.`,
    '',
    `  OpenAI base URL  ${origin}/v1`,
    `  Playground       ${origin}/   (the client key is filled in for you)`,
    `  Client keys      ${clientKeys.join(', ')}   (${ownKeys.length > 0 ? 'PROXY_KEYS from .dev.vars' : 'the development key'}; never a provider key)`,
    ...(offline || devVars.get('ADMIN_KEY')
      ? [
          `  Usage dashboard  ${origin}/admin   (admin key: ${offline ? DEV_ADMIN_KEY : 'ADMIN_KEY from .dev.vars'})`,
        ]
      : []),
    '',
    'Stream a chat completion:',
    `  curl -N ${origin}/v1/chat/completions -H "authorization: Bearer ${clientKeys[0]}" -H 'content-type: application/json' -d '${body}'`,
    '',
    'Or with the openai SDK (the examples read PROXY_URL and PROXY_KEY):',
    `  PROXY_URL=${origin}/v1 PROXY_KEY=${clientKeys[0]}${offline ? '' : ` MODEL=${model}`} node examples/node-stream.mjs`,
    '',
    ...(offline
      ? [
          'Mint a short-lived browser token (use it in place of the client key):',
          `  TOKEN_SECRET=${DEV_TOKEN_SECRET} npm run token -- --sub alice --ttl 15m`,
          '',
          'Put OPENAI_API_KEY=... in .dev.vars to use the real upstream. Ctrl-C stops everything.',
        ]
      : ['Ctrl-C stops everything.']),
    '',
  ];
  console.log(lines.join('\n'));
}
