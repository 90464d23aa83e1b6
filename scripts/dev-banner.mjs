// @ts-check
// The lines `npm run dev` prints once the Worker answers: what it runs against (exactly what is
// configured, never a secret's value), where, with which client key, and a request to copy.
import { devKeyLine } from './dev-keys.mjs';
import { DEV_ADMIN_KEY, DEV_KEY, DEV_TOKEN_SECRET } from './dev-settings.mjs';

/** @param {import('./dev-settings.mjs').DevSettings} settings @param {string | undefined} mockUrl */
function upstreamLines(settings, mockUrl) {
  if (settings.mode === 'mock') {
    return [
      `openai-edge-proxy is running against the bundled MOCK upstream at ${mockUrl} (${settings.reason}; model echo-1 answers "You said: ..."; no API key needed).`,
    ];
  }
  if (settings.mode === 'single') {
    return [
      `openai-edge-proxy is running against the REAL upstream ${settings.baseUrl} (OPENAI_API_KEY from .dev.vars).`,
    ];
  }
  const width = Math.max(...settings.upstreams.map((upstream) => upstream.name.length));
  const urlWidth = Math.max(...settings.upstreams.map((upstream) => upstream.baseUrl.length));
  return [
    `openai-edge-proxy is running against the upstreams in UPSTREAMS:`,
    ...settings.upstreams.map(
      ({ name, baseUrl, keyVar }) =>
        `  ${name.padEnd(width)}  ${baseUrl.padEnd(urlWidth)}  ${keyVar === undefined ? 'no key' : `key from ${keyVar}`}`,
    ),
    ...(settings.aliases.length > 0 ? [`Model aliases (MODEL_ALIASES): ${settings.aliases.join(', ')}`] : []),
  ];
}

/** `npm run keys` talks to 127.0.0.1:8787 unless told otherwise. @param {string} origin */
const keysUrl = (origin) => (origin === 'http://127.0.0.1:8787' ? '' : ` --url ${origin}`);

/**
 * @param {import('./dev-settings.mjs').DevSettings} settings
 * @param {{ origin: string, mockUrl: string | undefined, virtualKey?: import('./dev-keys.mjs').DevKey | undefined }} where
 *   origin: where wrangler serves the Worker; virtualKey: the one dev made or found (offline only)
 */
export function banner(settings, { origin, mockUrl, virtualKey }) {
  const mock = settings.mode === 'mock';
  const clientKeys = settings.ownKeys.length > 0 ? settings.ownKeys : [DEV_KEY];
  const model = mock ? 'echo-1' : (settings.aliases[0] ?? 'gpt-4o-mini');
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] });
  const keysFrom = settings.ownKeys.length > 0 ? 'PROXY_KEYS from .dev.vars' : 'the development key';
  const admin = mock ? DEV_ADMIN_KEY : 'ADMIN_KEY from .dev.vars';
  const lines = [
    '',
    ...upstreamLines(settings, mockUrl),
    '',
    `  OpenAI base URL  ${origin}/v1`,
    `  Playground       ${origin}/   (the client key is filled in for you)`,
    `  Client keys      ${clientKeys.join(', ')}   (${keysFrom}; never a provider key)`,
    ...(settings.adminKey ? [`  Usage dashboard  ${origin}/admin   (admin key: ${admin})`] : []),
    ...[devKeyLine(virtualKey)].filter(Boolean),
    '',
    'Stream a chat completion:',
    `  curl -N ${origin}/v1/chat/completions -H "authorization: Bearer ${clientKeys[0]}" -H 'content-type: application/json' -d '${body}'`,
    '',
    'Or with the openai SDK (the examples read PROXY_URL and PROXY_KEY):',
    `  PROXY_URL=${origin}/v1 PROXY_KEY=${clientKeys[0]}${mock ? '' : ` MODEL=${model}`} node examples/node-stream.mjs`,
    '',
  ];
  if (mock) {
    lines.push(
      'Mint a short-lived browser token (use it in place of the client key):',
      `  TOKEN_SECRET=${DEV_TOKEN_SECRET} npm run -s token -- --sub alice --ttl 15m`,
      '',
      'Issue a virtual key with a budget (its secret is printed once, last):',
      `  npm run -s keys -- create --name ci --usd-per-month 20 --models echo-1${keysUrl(origin)}`,
      '',
      settings.reason === 'OFFLINE=1'
        ? 'OFFLINE=1 sets aside the upstreams in .dev.vars; start without it to use them.'
        : 'Put OPENAI_API_KEY=... (or UPSTREAMS=...) in .dev.vars to use a real upstream.',
    );
  }
  lines.push('.dev.vars is watched: saving it restarts the Worker with it. Ctrl-C stops everything.', '');
  return lines.join('\n');
}
