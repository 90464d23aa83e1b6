#!/usr/bin/env node
// @ts-check
// `npm run dev`: the Worker under `wrangler dev` with the playground on, working before you own
// an API key. Without OPENAI_API_KEY or UPSTREAMS in .dev.vars it starts the bundled mock
// upstream (the same code the tests use) in this process and points the Worker at it; otherwise
// it uses what .dev.vars configures, which wrangler reads itself, so keys never pass through here.
// wrangler reloads wrangler.toml and src/ on save, but never looks at .dev.vars again: this
// script watches it and restarts wrangler (and decides about the mock anew) when it changes.
// `npm run dev -- --help` lists the options.
import { unwatchFile, watchFile } from 'node:fs';
import { DEV_USAGE, parseDevArgs } from './dev-args.mjs';
import { choosePort, isFree } from './dev-port.mjs';
import { readDevSettings } from './dev-settings.mjs';
import { snapshot } from './dev-vars.mjs';
import { CONFIG, DEV_VARS, startSession } from './dev-session.mjs';

const HOST = '127.0.0.1';

/** @param {unknown} error @returns {never} */
function fail(error) {
  console.error(`dev: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** @type {import('./dev-args.mjs').DevArgs} */
let args = { help: false, port: 0, portSource: undefined, rest: [] };
try {
  args = parseDevArgs(process.argv.slice(2), process.env);
} catch (error) {
  fail(error);
}
if (args.help) {
  console.log(DEV_USAGE);
  process.exit(0);
}
const port = await choosePort(HOST, { port: args.port, source: args.portSource }).catch(fail);

let stopping = false;
/** @type {import('./dev-session.mjs').Session} */
let session = await run();

/** Starts a session; if its wrangler ends on its own (not stopped or replaced), so does dev. */
async function run() {
  const started = await startSession({ host: HOST, port, rest: args.rest });
  started.exited.then(async (code) => {
    if (stopping || started.stopped) return;
    await started.stop();
    process.exit(code);
  });
  return started;
}

/** Restarts are queued, so that two quick saves never run two wranglers. */
let restarts = Promise.resolve();
/** @param {string} file */
function changed(file) {
  restarts = restarts.then(async () => {
    const sameVars = snapshot(DEV_VARS) === session.devVarsText;
    const sameSettings =
      JSON.stringify(readDevSettings(DEV_VARS, CONFIG, process.env)) === JSON.stringify(session.settings);
    // wrangler reloads wrangler.toml itself; only a change in what dev decides from it needs a restart.
    if (stopping || (sameVars && sameSettings)) return;
    console.log(`\ndev: ${file} changed; restarting the Worker with it.\n`);
    await session.stop();
    // workerd may release the port a moment after wrangler exits.
    for (let waited = 0; waited < 5000 && !(await isFree(HOST, port)); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!stopping) session = await run();
  });
}
for (const file of [DEV_VARS, CONFIG]) watchFile(file, { interval: 500 }, () => changed(file));

/** @param {NodeJS.Signals} signal */
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const file of [DEV_VARS, CONFIG]) unwatchFile(file);
  // Ctrl-C in a terminal reaches wrangler too; a signal sent to this process alone is passed on.
  await restarts;
  await session.stop(signal);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
