#!/usr/bin/env node
// @ts-check
// `npm run keys -- <command>`: virtual keys from the command line, through the proxy's admin API
// (`--url`, default the dev server). A new secret (create, rotate) is printed last on stdout,
// alone on its line, so `KEY=$(npm run -s keys -- create --name ci | tail -1)` captures it; what
// is said about it goes to stderr. `--help` lists the commands.
import { KeysError, adminKeys, keysClient, proxyUrl } from './keys-api.mjs';
import { USAGE, graceSeconds, keyBody, parseKeysArgs, updatesWhole } from './keys-args.mjs';
import { eventLines, keyDetails, keyTable, safe } from './keys-format.mjs';

/** @param {string} message @returns {never} */
function die(message) {
  process.stderr.write(`keys: ${message}\n`);
  process.exit(1);
}

/** @type {import('./keys-args.mjs').KeysArgs} */
let args;
try {
  args = parseKeysArgs(process.argv.slice(2));
} catch (error) {
  // parseArgs' own errors (an unknown flag, a missing value) are TypeErrors with a readable message.
  if (!(error instanceof KeysError || error instanceof TypeError)) throw error;
  die(`${error.message} (--help lists the commands and options)`);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const now = () => Date.now() / 1000;
const print = (/** @type {string} */ text) => process.stdout.write(`${text}\n`);
const path = (/** @type {string} */ suffix = '') => `/${encodeURIComponent(args.id)}${suffix}`;

/** Prints the answer: its JSON with --json, else `human`'s text. @param {unknown} answer @param {() => string} human */
const show = (answer, human) => print(args.json ? JSON.stringify(answer, null, 2) : human());

/** A create or rotate answer: the key, then its secret alone on the last line. @param {any} answer */
function showSecret(answer) {
  show(answer, () => `${keyDetails(answer, now())}\n${answer.key}`);
  process.stderr.write(
    `keys: the secret of ${safe(answer.id)} is shown this once (only its hash is stored): store it now. Clients send it as Authorization: Bearer <secret>.\n`,
  );
}

/** @param {ReturnType<typeof keysClient>} call */
async function run(call) {
  const { command, values } = args;
  if (command === 'list') {
    const answer = await call('GET', '');
    return show(answer, () => keyTable(answer.data ?? [], now()));
  }
  if (command === 'create') return showSecret(await call('POST', '', keyBody(values, undefined, now())));
  if (command === 'rotate')
    return showSecret(await call('POST', path('/rotate'), { grace_seconds: graceSeconds(values) }));
  if (command === 'events') {
    const answer = await call('GET', path('/events'));
    return show(answer, () => eventLines(answer.data ?? []));
  }
  if (command === 'delete') {
    const answer = await call('DELETE', path());
    return show(answer, () => `Deleted ${safe(answer.id)} for good: its clients now get 401 key_revoked.`);
  }
  /** @type {unknown} */
  let change;
  if (command === 'disable' || command === 'enable') change = { disabled: command === 'disable' };
  if (command === 'update') {
    change = keyBody(values, updatesWhole(values) ? await call('GET', path()) : {}, now());
    if (Object.keys(/** @type {object} */ (change)).length === 0)
      throw new KeysError('update needs an option naming what to change.');
  }
  const answer = change === undefined ? await call('GET', path()) : await call('PATCH', path(), change);
  return show(answer, () => keyDetails(answer, now()));
}

try {
  const url = proxyUrl(args.url);
  await run(keysClient({ url, keys: adminKeys(url, process.env, '.dev.vars') }));
} catch (error) {
  if (!(error instanceof KeysError)) throw error;
  die(error.message);
}
