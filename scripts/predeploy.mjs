#!/usr/bin/env node
// @ts-check
// `npm run deploy` runs this first: it refuses to deploy while wrangler.toml still holds a
// placeholder id (local development needs none; production needs the real resource), and says
// which command creates the resource. A real TOML parser: matching `name = "value"` lines across
// tables once named the [assets] binding for a D1 database declared above it.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

const USAGE = `Usage: node scripts/predeploy.mjs [wrangler.toml]

Checks that wrangler.toml names real resources before \`wrangler deploy\`: a KV namespace id or a
D1 database_id that is still the all-zero placeholder is refused (exit 1), with the command that
creates the resource. \`npm run deploy\` runs this check first.`;

const PLACEHOLDER = /^0+$/;

/** @param {unknown} value @returns {Record<string, unknown>[]} */
const tables = (value) =>
  Array.isArray(value) ? value.filter((entry) => typeof entry === 'object' && entry !== null) : [];
/** @param {unknown} value */
const text = (value) => (typeof value === 'string' ? value : '');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const path = args[0] ?? 'wrangler.toml';
/** @type {Record<string, unknown>} */
let config;
try {
  config = parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`deploy: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** @type {string[]} */
const problems = [];
for (const kv of tables(config['kv_namespaces'])) {
  if (PLACEHOLDER.test(text(kv['id']))) {
    problems.push(
      `KV namespace ${text(kv['binding'])} still has the placeholder id. Create it and put the printed id in wrangler.toml:\n` +
        `  npx wrangler kv namespace create ${text(kv['binding'])}`,
    );
  }
}
for (const db of tables(config['d1_databases'])) {
  if (PLACEHOLDER.test(text(db['database_id']).replace(/-/g, ''))) {
    problems.push(
      `D1 database ${text(db['binding'])} still has the placeholder database_id. Create it and put the printed id in wrangler.toml:\n` +
        `  npx wrangler d1 create ${text(db['database_name'])}`,
    );
  }
}
if (problems.length > 0) {
  console.error(`deploy: not deploying.\n\n${problems.join('\n\n')}\n`);
  process.exit(1);
}
