#!/usr/bin/env node
// @ts-check
// `npm run deploy`: the placeholder check (scripts/predeploy.mjs), then `wrangler deploy` with the
// arguments given after `--`. One script rather than `predeploy && wrangler deploy` in
// package.json, because npm appends those arguments to the last command only: `--help` reached
// wrangler after the check had already refused, and `--config` was never checked.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const USAGE = `Usage: npm run deploy [-- <wrangler deploy options>]

Refuses to deploy while wrangler.toml still has a placeholder KV namespace id or D1 database_id,
and prints the command that creates each resource (\`node scripts/predeploy.mjs\` alone runs just
this check). Then runs \`wrangler deploy\` with the options given after \`--\`, e.g.
  npm run deploy -- --dry-run --outdir dist
  npm run deploy -- --config wrangler.production.toml
Options of wrangler deploy: npx wrangler deploy --help`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

/** The file wrangler will deploy from: `--config x`, `--config=x`, `-c x`, else wrangler.toml. */
function configPath() {
  for (const [index, arg] of args.entries()) {
    if (arg === '--config' || arg === '-c') return args[index + 1] ?? 'wrangler.toml';
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return 'wrangler.toml';
}

const check = fileURLToPath(new URL('predeploy.mjs', import.meta.url));
const checked = spawnSync(process.execPath, [check, configPath()], { stdio: 'inherit' });
if (checked.status !== 0) process.exit(checked.status ?? 1);

const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const deployed = spawnSync(process.execPath, [wrangler, 'deploy', ...args], { stdio: 'inherit' });
process.exit(deployed.status ?? 1);
