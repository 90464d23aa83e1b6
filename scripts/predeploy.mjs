#!/usr/bin/env node
// @ts-check
// `npm run deploy` runs this first: it refuses to deploy while wrangler.toml still holds a
// placeholder id (local development needs none; production needs the real resource), and says
// which command creates the resource. Plain text matching on purpose: no TOML parser needed.
import { readFileSync } from 'node:fs';

const PLACEHOLDER = /^0+$/;
const config = readFileSync(process.argv[2] ?? 'wrangler.toml', 'utf8');

/** Each [[table]] block as its `name = "value"` pairs. @param {string} table */
function blocks(table) {
  return config
    .split(/^\s*\[\[/m)
    .filter((block) => block.startsWith(`${table}]]`))
    .map((block) =>
      Object.fromEntries([...block.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]])),
    );
}

/** @type {string[]} */
const problems = [];
for (const kv of blocks('kv_namespaces')) {
  if (PLACEHOLDER.test(kv['id'] ?? '')) {
    problems.push(
      `KV namespace ${kv['binding']} still has the placeholder id. Create it and put the printed id in wrangler.toml:\n` +
        `  npx wrangler kv namespace create ${kv['binding']}`,
    );
  }
}
for (const db of blocks('d1_databases')) {
  if (PLACEHOLDER.test((db['database_id'] ?? '').replace(/-/g, ''))) {
    problems.push(
      `D1 database ${db['binding']} still has the placeholder database_id. Create it and put the printed id in wrangler.toml:\n` +
        `  npx wrangler d1 create ${db['database_name']}`,
    );
  }
}
if (problems.length > 0) {
  console.error(`deploy: not deploying.\n\n${problems.join('\n\n')}\n`);
  process.exit(1);
}
