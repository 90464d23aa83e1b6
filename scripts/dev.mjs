#!/usr/bin/env node
// @ts-check
// `npm run dev`: the Worker under `wrangler dev` with the playground on, working before you own
// an API key. Without OPENAI_API_KEY in .dev.vars it starts the bundled mock upstream (the same
// code the tests use) in this process and points the Worker at it; with a key it uses the real
// upstream, which wrangler reads from .dev.vars itself, so the key never passes through here.
// Extra arguments go to `wrangler dev`. PORT picks the port (default 8787, else the next free one).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';

const HOST = '127.0.0.1';
const DEV_KEY = 'dev-key-local';
/** Signs browser tokens in offline mode only; printed so `npm run token` can mint with it. */
const DEV_TOKEN_SECRET = 'dev-token-secret-for-local-use-only-0123456789';
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

/**
 * Names and values in a .dev.vars (dotenv syntax: NAME=value, # comments, optional quotes).
 * @param {string} path
 * @returns {Map<string, string>}
 */
function readDevVars(path) {
  /** @type {Map<string, string>} */
  const vars = new Map();
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || match[1] === undefined) continue;
    const value = (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
    vars.set(match[1], value);
  }
  return vars;
}

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

/** @param {string} origin @param {() => boolean} gone @returns {Promise<boolean>} */
async function waitUntilReady(origin, gone) {
  const deadline = Date.now() + 120_000;
  while (!gone() && Date.now() < deadline) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return true;
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
const ownClientKeys = !offline && (devVars.get('PROXY_KEYS') ?? '').trim() !== '';
const port = await freePort(Number(process.env['PORT'] || 8787));
const origin = `http://${HOST}:${port}`;

/** @type {import('../test/mock-upstream/server.mjs').MockUpstream | undefined} */
let mock;
/** @type {string[]} wrangler's `--var NAME:value` settings; these override .dev.vars. */
const vars = ['PLAYGROUND:true'];
if (offline) {
  mock = await startMockUpstream({ host: HOST, wordDelayMs: WORD_DELAY_MS });
  vars.push(`OPENAI_BASE_URL:${mock.url}`, `PROXY_KEYS:${DEV_KEY}`);
  // Lets examples/browser.html work from a file or any local server. Only with the mock: a
  // well-known key plus `*` in front of a real provider key would let any web page spend it.
  vars.push('ALLOWED_ORIGINS:*', `TOKEN_SECRET:${DEV_TOKEN_SECRET}`);
  if (providerKey === PLACEHOLDER_KEY) {
    console.warn('dev: .dev.vars still has the example OPENAI_API_KEY; using the mock upstream.');
  }
} else if (!ownClientKeys) {
  vars.push(`PROXY_KEYS:${DEV_KEY}`);
}

for (const name of PASSED_THROUGH) {
  const value = process.env[name];
  if (value !== undefined && value !== '') vars.push(`${name}:${value}`);
}

const wranglerBin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const args = ['dev', '--ip', HOST, '--port', String(port), ...vars.flatMap((v) => ['--var', v])];
const wrangler = spawn(process.execPath, [wranglerBin, ...args, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
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
  const key = ownClientKeys ? '$PROXY_KEY' : DEV_KEY;
  const model = offline ? 'echo-1' : 'gpt-4o-mini';
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] });
  const lines = [
    '',
    offline
      ? 'openai-edge-proxy is running OFFLINE: a mock upstream answers "You said: ..." (no API key needed).'
      : 'openai-edge-proxy is running against the real upstream (OPENAI_API_KEY from .dev.vars).',
    '',
    `  OpenAI base URL  ${origin}/v1`,
    `  Playground       ${origin}/`,
    ownClientKeys
      ? '  Client key       one of PROXY_KEYS in .dev.vars (export PROXY_KEY=... for the curl below)'
      : `  Client key       ${DEV_KEY}   (paste it into the playground)`,
    '',
    'Stream a chat completion:',
    `  curl -N ${origin}/v1/chat/completions -H "authorization: Bearer ${key}" -H 'content-type: application/json' -d '${body}'`,
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
