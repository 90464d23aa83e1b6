// @ts-check
// Production's Worker settings from wrangler.toml, read with wrangler's own parser: runtime
// version, [vars], KV namespaces and Durable Objects. Importing wrangler installs SIGINT/SIGTERM
// handlers that exit with status 0 (hiding an interrupted run and racing Miniflare's clean-up),
// so the parsing happens in a child process: this same file, run as a script.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} ProductionSettings
 * @property {string} compatibilityDate
 * @property {string[]} compatibilityFlags
 * @property {string[]} kvNamespaces binding names
 * @property {Record<string, { className: string, useSQLite: boolean }>} durableObjects by binding name
 * @property {Record<string, string>} vars
 */

const SELF = fileURLToPath(import.meta.url);

/** @type {ProductionSettings | undefined} */
let settings;

/** Reads wrangler.toml (relative to the working directory) once. @returns {ProductionSettings} */
export function productionSettings() {
  settings ??= /** @type {ProductionSettings} */ (
    JSON.parse(
      execFileSync(process.execPath, [SELF], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      })
        .trim()
        .split('\n')
        .at(-1) ?? '',
    )
  );
  return settings;
}

/** The child's side: parse and print one JSON line. */
async function printSettings() {
  const wrangler = await import('wrangler');
  const config = wrangler.unstable_readConfig({ config: 'wrangler.toml' });
  const sqlite = wrangler.unstable_getDurableObjectClassNameToUseSQLiteMap(config.migrations);
  /** @type {ProductionSettings['durableObjects']} */
  const durableObjects = {};
  for (const { name, class_name } of config.durable_objects.bindings) {
    durableObjects[name] = { className: class_name, useSQLite: sqlite.get(class_name) ?? false };
  }
  /** @type {ProductionSettings} */
  const result = {
    compatibilityDate: config.compatibility_date ?? '',
    compatibilityFlags: config.compatibility_flags,
    kvNamespaces: config.kv_namespaces.map((/** @type {{ binding: string }} */ kv) => kv.binding),
    durableObjects,
    vars: Object.fromEntries(Object.entries(config.vars).map(([name, value]) => [name, String(value)])),
  };
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

if (process.argv[1] === SELF) await printSettings();
