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
 * @property {Record<string, string>} queueProducers binding → queue name
 * @property {Record<string, { maxBatchSize: number, maxBatchTimeout: number }>} queueConsumers by queue name
 * @property {Record<string, string>} d1Databases binding → database id
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

/**
 * Miniflare options for production's resources: its KV namespaces and Durable Objects, and the
 * usage ledger (its queue, the Worker as the queue's consumer, its D1 database).
 * @param {ProductionSettings} [prod]
 */
export function productionResources(prod = productionSettings()) {
  return {
    kvNamespaces: prod.kvNamespaces,
    durableObjects: prod.durableObjects,
    queueProducers: prod.queueProducers,
    queueConsumers: prod.queueConsumers,
    d1Databases: prod.d1Databases,
  };
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
    queueProducers: Object.fromEntries(
      config.queues.producers.map((/** @type {{ binding: string, queue: string }} */ p) => [
        p.binding,
        p.queue,
      ]),
    ),
    queueConsumers: Object.fromEntries(
      config.queues.consumers.map(
        (/** @type {{ queue: string, max_batch_size?: number, max_batch_timeout?: number }} */ c) => [
          c.queue,
          { maxBatchSize: c.max_batch_size ?? 10, maxBatchTimeout: c.max_batch_timeout ?? 5 },
        ],
      ),
    ),
    d1Databases: Object.fromEntries(
      config.d1_databases.map(
        (/** @type {{ binding: string, database_id?: string, database_name?: string }} */ db) => [
          db.binding,
          db.database_id ?? db.database_name,
        ],
      ),
    ),
  };
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

if (process.argv[1] === SELF) await printSettings();
