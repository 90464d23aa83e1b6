// @ts-check
// Mints a short-lived client token (an HS256 JWT) for trying the proxy from a browser. Only the
// token goes to stdout, so `$(...)` captures it; everything else goes to stderr. Plain Node on
// purpose: no build step.
import { parseArgs } from 'node:util';
import { readDevVars } from './dev-vars.mjs';
import { mintClientToken } from './mint-token.mjs';

const USAGE = `Usage: npm run -s token -- --sub <user id> [options]
       node scripts/token.mjs --sub <user id> [options]

Prints a short-lived client token (an HS256 JWT signed with TOKEN_SECRET) and nothing else on
stdout, e.g.  TOKEN=$(npm run -s token -- --sub alice --ttl 15m)
(-s keeps npm from printing its own "> openai-edge-proxy@… token" lines on stdout too.)

  --sub <id>           your end user (required); quotas and cache scope are per sub
  --ttl <time>         lifetime: 90s, 15m, 1h (a bare number is seconds), at most 24h; default 15m
  --origin <origins>   page origins it works from, e.g. https://app.example.com (repeat or a,b)
  --models <patterns>  model allow-list, e.g. gpt-4o-mini,text-embedding-* (trailing * = prefix)
  --max-tokens <n>     output cap: each request must ask for at most n (else 400)
  --rpm <n>            requests per minute; only narrows the server's default
  --tpd <n>            tokens per day; only narrows the server's default
  -h, --help           this text

TOKEN_SECRET comes from the environment, else from a TOKEN_SECRET=... line in ./.dev.vars.
\`npm run dev\` without an OPENAI_API_KEY prints a development TOKEN_SECRET to use.`;
const MAX_TTL_SECONDS = 24 * 60 * 60;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 };

/** @param {string} message @returns {never} */
function die(message) {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

/** Reads TOKEN_SECRET from the environment, else from KEY=VALUE lines in ./.dev.vars. */
function readSecret() {
  // Trimmed, as the proxy's config reads it.
  const secret = process.env['TOKEN_SECRET']?.trim() || readDevVars('.dev.vars').get('TOKEN_SECRET');
  if (!secret) die('TOKEN_SECRET is not set: export it, or add a TOKEN_SECRET=... line to .dev.vars here.');
  // The proxy refuses shorter secrets (RFC 7518 §3.2: at least 256 bits for HS256).
  if (secret.length < 32) die('TOKEN_SECRET must be at least 32 characters.');
  return secret;
}

/** `90s`, `15m`, `1h` (a bare number means seconds), at most 24h. @param {string} value @returns {number} */
function parseTtl(value) {
  const match = /^(\d+)([smh]?)$/.exec(value);
  const unit = /** @type {keyof typeof UNIT_SECONDS} */ (match?.[2] || 's');
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[unit] : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TTL_SECONDS)) die('--ttl must look like 90s, 15m or 1h, at most 24h.');
  return seconds;
}

/** @param {string | undefined} value @param {string} flag @param {0 | 1} min */
function integer(value, flag, min) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) die(`${flag} must be an integer of at least ${min}.`);
  return Number(value);
}

/** @param {string | undefined} value */
const list = (value) =>
  value
    ?.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** @param {string[]} args */
function claimsFrom(args) {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      ttl: { type: 'string', default: '15m' },
      origin: { type: 'string', multiple: true },
      models: { type: 'string' },
      'max-tokens': { type: 'string' },
      rpm: { type: 'string' },
      tpd: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values.sub) die('--sub <user id> is required.');
  const origin = values.origin?.flatMap((value) => list(value) ?? []);
  const badOrigin = origin?.find((entry) => !/^https?:\/\/[^/\s]+$/.test(entry));
  if (badOrigin) die(`--origin must look like https://app.example.com (no path), got "${badOrigin}".`);
  const models = list(values.models);
  if (models?.length === 0) die('--models needs at least one model name.');
  return {
    sub: values.sub,
    ttlSeconds: parseTtl(values.ttl),
    origin,
    models,
    maxTokens: integer(values['max-tokens'], '--max-tokens', 1),
    rpm: integer(values.rpm, '--rpm', 0),
    tpd: integer(values.tpd, '--tpd', 0),
  };
}

/** @type {import('./mint-token.d.mts').MintOptions} */
let options = { sub: '', ttlSeconds: 0 };
try {
  options = claimsFrom(process.argv.slice(2));
} catch (error) {
  die(`${error instanceof Error ? error.message : String(error)} (--help lists the options)`);
}
process.stdout.write(`${await mintClientToken(options, readSecret(), Date.now() / 1000)}\n`);
// npm prints "> openai-edge-proxy@0.1.0 token" on stdout before running a script, unless it runs
// silently (-s sets npm_config_loglevel=silent). A script cannot take those lines back; when they
// are going into a file or a $(...) rather than a terminal, say how to keep them out.
if (process.env['npm_lifecycle_event'] === 'token' && process.env['npm_config_loglevel'] !== 'silent') {
  if (!process.stdout.isTTY) {
    process.stderr.write(
      'token: npm also wrote its own lines to stdout; `npm run -s token -- ...` captures the token alone.\n',
    );
  }
}
