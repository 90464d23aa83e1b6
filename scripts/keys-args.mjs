// @ts-check
// `npm run keys` arguments: the command, its key id, and the flags, mapped onto the admin API's
// fields (--usd-per-month 20 → limits.usd_per_month). Every mistake is a KeysError saying what to fix.
import { parseArgs } from 'node:util';
import { KeysError } from './keys-api.mjs';

export const USAGE = `Usage: npm run -s keys -- <command> [options]

Creates, limits, rotates and revokes virtual keys through the proxy's admin API.

Commands:
  list                        every key, with its spend against its budgets
  create --name <name> ...    a new key; prints its secret last, alone on its line (shown once)
  get <id>                    one key
  update <id> ...             changes what the options name (limits not named stay as they are)
  disable <id>                its clients get 401 key_disabled until it is enabled again
  enable <id>                 lets a disabled key in again
  rotate <id> [--grace-seconds N]
                              a new secret, printed last; the old one works N more seconds (default 0)
  delete <id>                 revokes the key for good (401 key_revoked)
  events <id>                 the key's audit trail, newest first

Options for create and update (a limit of 0 means none):
  --name <name>               1 to 64 characters
  --models <a,b>              allow-list; a trailing * matches a prefix (default: ALLOWED_MODELS)
  --usd-per-day <usd>, --usd-per-month <usd>, --usd-total <usd>
  --tpd <n>, --tpm <n>        tokens per day, per minute
  --rpm <n>                   requests per minute
  --max-parallel <n>          requests in flight at once
  --expires-in <time>         30d, 12h, 90m, 2w (update: never)
  --metadata <k=v>            repeatable; up to 16 pairs (update: k= removes k)

Everywhere:
  --url <url>                 the proxy; default http://127.0.0.1:8787 (npm run dev)
  --json                      print the API's JSON as it is
  -h, --help                  this text

ADMIN_KEY comes from the environment, else from ./.dev.vars, else (for a 127.0.0.1 or localhost
--url only) the admin key \`npm run dev\` uses offline.

  KEY=$(npm run -s keys -- create --name ci --usd-per-month 20 --models gpt-4o-mini | tail -1)`;

const COMMANDS = ['list', 'create', 'get', 'update', 'disable', 'enable', 'rotate', 'delete', 'events'];
const LIMIT_FLAGS = /** @type {const} */ ({
  'usd-per-day': ['usd_per_day', 'usd'],
  'usd-per-month': ['usd_per_month', 'usd'],
  'usd-total': ['usd_total', 'usd'],
  tpd: ['tpd', 'int'],
  tpm: ['tpm', 'int'],
  rpm: ['rpm', 'int'],
  'max-parallel': ['max_parallel', 'int'],
});
const FIELD_FLAGS = ['name', 'models', 'expires-in', 'metadata', ...Object.keys(LIMIT_FLAGS)];
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400, w: 604_800 };
const string = /** @type {const} */ ({ type: 'string' });
const OPTIONS = {
  url: { type: 'string', default: 'http://127.0.0.1:8787' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  name: string,
  models: string,
  'expires-in': string,
  metadata: { type: 'string', multiple: true },
  'grace-seconds': string,
  ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((flag) => [flag, string])),
};

/**
 * @typedef {{ command: string, id: string, url: string, json: boolean, help: boolean, values: Record<string, string | string[] | boolean | undefined> }} KeysArgs
 * @param {string[]} argv @returns {KeysArgs}
 */
export function parseKeysArgs(argv) {
  const parsed = parseArgs({ args: argv, options: /** @type {any} */ (OPTIONS), allowPositionals: true });
  const values = /** @type {KeysArgs['values']} */ (parsed.values);
  const positionals = parsed.positionals;
  const [command = '', id = '', ...extra] = positionals;
  const args = {
    command,
    id,
    url: String(values['url']),
    json: values['json'] === true,
    help: values['help'] === true,
    values,
  };
  if (args.help) return args;
  if (!COMMANDS.includes(command))
    throw new KeysError(command ? `unknown command "${command}".` : 'name a command.');
  const needsId = !['list', 'create'].includes(command);
  if (needsId && !id)
    throw new KeysError(`${command} needs a key id, e.g. npm run keys -- ${command} vk_...`);
  if (extra.length > 0 || (!needsId && id)) throw new KeysError(`unexpected "${extra[0] ?? id}".`);
  for (const flag of Object.keys(values)) {
    const fits = FIELD_FLAGS.includes(flag)
      ? ['create', 'update']
      : flag === 'grace-seconds'
        ? ['rotate']
        : COMMANDS;
    if (!fits.includes(command))
      throw new KeysError(`--${flag} is for ${fits.join(' and ')}, not ${command}.`);
  }
  if (command === 'create' && !values['name']) throw new KeysError('create needs --name <name>.');
  return args;
}

/** @param {string} flag @param {string} value @param {'usd' | 'int'} kind */
function amount(flag, value, kind) {
  const pattern = kind === 'usd' ? /^\d+(\.\d+)?$/ : /^\d+$/;
  if (!pattern.test(value))
    throw new KeysError(
      `--${flag} must be ${kind === 'usd' ? 'an amount in dollars such as 20 or 0.5' : 'a whole number'}, 0 for none; got "${value}".`,
    );
  return Number(value);
}

/** Unix seconds `value` (30d, 12h, 90m, 2w) from now; null for "never". @param {string} value @param {number} now */
function expiry(value, now) {
  if (value === 'never') return null;
  const match = /^(\d+)([mhdw])$/.exec(value);
  if (!match) throw new KeysError(`--expires-in must look like 30d, 12h, 90m or 2w, got "${value}".`);
  const unit = /** @type {keyof typeof UNIT_SECONDS} */ (match[2]);
  return Math.floor(now) + Number(match[1]) * UNIT_SECONDS[unit];
}

/** @param {string[]} pairs @param {Record<string, string>} start */
function metadata(pairs, start) {
  const result = { ...start };
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new KeysError(`--metadata takes key=value, got "${pair}".`);
    const name = pair.slice(0, at);
    if (pair.slice(at + 1) === '') delete result[name];
    else result[name] = pair.slice(at + 1);
  }
  return result;
}

/**
 * The body of a create (`key` undefined) or of an update of `key`: only what the flags name.
 * For an update, limits and metadata are sent whole (the key's own, with the flags applied).
 * @param {KeysArgs['values']} values @param {any} key @param {number} now unix seconds
 */
export function keyBody(values, key, now) {
  /** @type {Record<string, unknown>} */
  const body = {};
  if (typeof values['name'] === 'string') body['name'] = values['name'];
  if (typeof values['models'] === 'string') {
    const models = values['models']
      .split(',')
      .map((model) => model.trim())
      .filter(Boolean);
    // On create, an empty list is most likely an unset shell variable: it would silently give the
    // key every model the server allows, so it is refused (leave --models out for that).
    if (models.length === 0 && !key)
      throw new KeysError("--models is empty; leave it out to allow the server's models (ALLOWED_MODELS).");
    body['models'] = models.length > 0 ? models : null;
  }
  /** @type {Record<string, number>} */
  const limits = {};
  for (const [flag, [field, kind]] of Object.entries(LIMIT_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') limits[field] = amount(flag, value, kind);
  }
  if (Object.keys(limits).length > 0) body['limits'] = { ...(key?.limits ?? {}), ...limits };
  if (typeof values['expires-in'] === 'string') {
    const at = expiry(values['expires-in'], now);
    if (at !== null || key) body['expires_at'] = at;
  }
  const pairs = values['metadata'];
  if (Array.isArray(pairs) && pairs.length > 0) body['metadata'] = metadata(pairs, key?.metadata ?? {});
  return body;
}

/** Whether an update's body starts from the key as it is (limits and metadata are sent whole). */
export const updatesWhole = (/** @type {KeysArgs['values']} */ values) =>
  values['metadata'] !== undefined || Object.keys(LIMIT_FLAGS).some((flag) => values[flag] !== undefined);

/** --grace-seconds as a number, 0 when absent. @param {KeysArgs['values']} values */
export const graceSeconds = (values) =>
  typeof values['grace-seconds'] === 'string' ? amount('grace-seconds', values['grace-seconds'], 'int') : 0;
