// @ts-check
// One run of `wrangler dev` with the settings .dev.vars and wrangler.toml hold right now: the
// mock upstream when they configure none, wrangler itself, and a report each time the Worker is
// (re)loaded: the banner once it is healthy (offline, with its development virtual key), or what
// is misconfigured.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { banner } from './dev-banner.mjs';
import { seedDevKey } from './dev-keys.mjs';
import { WranglerOutput } from './dev-output.mjs';
import { readDevSettings } from './dev-settings.mjs';
import { snapshot } from './dev-vars.mjs';

export const DEV_VARS = '.dev.vars';
export const CONFIG = 'wrangler.toml';
const WORD_DELAY_MS = 40;
/**
 * What wrangler would otherwise fetch or send on every start, so that offline nothing leaves this
 * machine and nothing fails noisily. Set only when the shell has not set them.
 */
const QUIET = {
  // Usage telemetry to sparrow.cloudflare.com, and the notice announcing it.
  WRANGLER_SEND_METRICS: 'false',
  // Crash reports to Sentry, and the prompt asking whether to send one.
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  // The update check against the npm registry runs while printing wrangler's banner; ours replaces it.
  WRANGLER_HIDE_BANNER: 'true',
  // Request.cf from workers.cloudflare.com/cf.json: Miniflare's built-in placeholder instead.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

/**
 * @typedef {Awaited<ReturnType<typeof startSession>>} Session
 * @param {{ host: string, port: number, rest: string[] }} options rest: arguments for wrangler dev
 */
export async function startSession({ host, port, rest }) {
  const devVarsText = snapshot(DEV_VARS);
  const settings = readDevSettings(DEV_VARS, CONFIG, process.env);
  const mock =
    settings.mode === 'mock' ? await startMockUpstream({ host, wordDelayMs: WORD_DELAY_MS }) : undefined;
  const vars = mock ? [...settings.vars, `OPENAI_BASE_URL:${mock.url}`] : settings.vars;
  const wranglerBin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  const args = ['dev', '--ip', host, '--port', String(port), ...vars.flatMap((v) => ['--var', v]), ...rest];
  const child = spawn(process.execPath, [wranglerBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...QUIET, ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
  });
  const output = new WranglerOutput(child, { localVars: existsSync(DEV_VARS) });
  /** @type {Promise<number>} */
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))),
  );

  let stopped = false;
  let state = '';
  /** Offline, the development virtual key, made or found once per session (dev-keys.mjs). */
  /** @type {Promise<import('./dev-keys.mjs').DevKey> | undefined} */
  let virtualKey;
  output.on('ready', async (/** @type {string} */ origin) => {
    const problem = await healthProblem(origin, output);
    if (stopped) return;
    if (problem === undefined && state !== 'healthy') {
      virtualKey ??= mock ? seedDevKey(origin, output) : undefined;
      const key = await virtualKey;
      if (stopped) return;
      if (key && 'problem' in key) console.error(`dev: no development virtual key: ${key.problem}`);
      console.log(banner(settings, { origin, mockUrl: mock?.url, virtualKey: key }));
    }
    if (problem !== undefined && problem.message !== state) console.error(advice(problem, settings));
    state = problem?.message ?? 'healthy';
  });

  return {
    devVarsText,
    settings,
    exited,
    /** Whether stop() was called: an exit that follows is no failure. */
    get stopped() {
      return stopped;
    },
    /** Stops wrangler (and the mock); `signal` is what the user sent, if anything. */
    async stop(/** @type {NodeJS.Signals} */ signal = 'SIGTERM') {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
      await mock?.close();
    },
  };
}

/** @param {string} url */
const get = (url) => fetch(url, { signal: AbortSignal.timeout(10_000) });

/**
 * Asks /healthz once (wrangler logs each request, so no polling). A misconfigured Worker answers
 * 503 naming the variable; the message with the rule comes from any other route, which says it
 * without values.
 * @param {string} origin @param {WranglerOutput} output
 * @returns {Promise<{ variable: string, message: string } | undefined>}
 */
async function healthProblem(origin, output) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      output.expectEcho(/ GET \/healthz /);
      const health = await get(`${origin}/healthz`);
      if (health.ok) return undefined;
      const variable = /misconfigured: (\w+)/.exec(await health.text())?.[1] ?? '';
      output.expectEcho(/ GET \/v1\/models /);
      output.expectEcho(/"event":"request".*"route":"\/v1\/models"/);
      const models = await get(`${origin}/v1/models`);
      const detail = /** @type {{ error?: { message?: string } }} */ (await models.json().catch(() => ({})));
      return { variable, message: detail.error?.message ?? `/healthz answered ${health.status}` };
    } catch {
      // not listening yet: nothing was logged
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { variable: '', message: `the Worker does not answer at ${origin}` };
}

/** @param {{ variable: string, message: string }} problem @param {import('./dev-settings.mjs').DevSettings} settings */
function advice({ variable, message }, settings) {
  const where = settings.fromShell.includes(variable)
    ? `${variable} comes from your shell (${variable}=... npm run dev): stop with Ctrl-C and start again without it or with a valid value.`
    : 'fix it in .dev.vars (saving it restarts the Worker) or wrangler.toml (wrangler reloads it).';
  return `\ndev: ${message}\ndev: ${where}\n`;
}
