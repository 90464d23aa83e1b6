// @ts-check
// `npm run dev` arguments: --port and --help are dev's own; the rest go to `wrangler dev`, which
// refuses a second --port or --ip (dev passes both).
import { DEFAULT_PORT } from './dev-port.mjs';

export const DEV_USAGE = `Usage: npm run dev [-- [--port N] [<wrangler dev options>]]

Runs the proxy under \`wrangler dev\` on http://127.0.0.1:${DEFAULT_PORT} with the playground on.
Without OPENAI_API_KEY or UPSTREAMS in .dev.vars it runs against the bundled mock upstream, so
it works offline; the banner says which upstreams it uses. Saving .dev.vars restarts the Worker
with it; wrangler reloads wrangler.toml and src/ itself.

  --port N     serve on port N (also PORT=N); fails if N is taken. Without it, ${DEFAULT_PORT},
               or the next free port when ${DEFAULT_PORT} is taken.
  -h, --help   this text

Environment:
  OFFLINE=1    use the mock upstream even when .dev.vars configures real ones
  ALLOW_ANONYMOUS, REQUESTS_PER_MINUTE, TOKENS_PER_DAY, ALLOWED_MODELS, CACHE_TTL, CACHE_SCOPE,
  STREAM_RELAY  passed to the Worker, e.g. ALLOW_ANONYMOUS=true npm run dev

Other options go to wrangler dev (npx wrangler dev --help); it listens on 127.0.0.1 only.`;

/**
 * @typedef {{ help: boolean, port: number, portSource: string | undefined, rest: string[] }} DevArgs
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @returns {DevArgs} throws an Error whose message says what to fix
 */
export function parseDevArgs(argv, env) {
  /** @type {DevArgs} */
  const args = { help: false, port: DEFAULT_PORT, portSource: undefined, rest: [] };
  if (env['PORT']) {
    args.port = portNumber(env['PORT'], 'PORT');
    args.portSource = 'PORT';
  }
  for (let index = 0; index < argv.length; index += 1) {
    const arg = /** @type {string} */ (argv[index]);
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (flag === '--help' || flag === '-h') args.help = true;
    else if (flag === '--port') {
      const value = inline ?? argv[(index += 1)];
      args.port = portNumber(value, '--port');
      args.portSource = '--port';
    } else if (flag === '--ip') {
      // The development key is well known, and offline the proxy allows every origin.
      throw new Error(
        'npm run dev listens on 127.0.0.1 only; `npm run dev:wrangler -- --ip ...` runs plain wrangler dev on another address.',
      );
    } else args.rest.push(arg);
  }
  return args;
}

/** @param {string | undefined} value @param {string} name */
function portNumber(value, name) {
  const port = Number(value);
  if (!/^\d+$/.test(value ?? '') || port < 1 || port > 65535) {
    throw new Error(
      `${name} must be a port number from 1 to 65535${value === undefined ? '' : `, got "${value}"`}.`,
    );
  }
  return port;
}
