#!/usr/bin/env node
// @ts-check
// Standalone mock upstream, e.g. for `npm run dev` and benchmarks:
//   node test/mock-upstream/cli.mjs --port 8788 --delay-ms 40 --api-key sk-xxx
//   --models a,b replaces the model catalogue; --extra-models c,d adds to it.

import { parseArgs } from 'node:util';
import { startMockUpstream } from './server.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8788' },
    host: { type: 'string', default: '127.0.0.1' },
    'delay-ms': { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    models: { type: 'string' },
    'extra-models': { type: 'string' },
  },
});

/** A comma-separated list, or undefined when the flag is absent. @param {string | undefined} value */
const ids = (value) =>
  value
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);

/** @param {string} name @param {string | undefined} value */
function int(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`mock-upstream: --${name} must be a non-negative integer, got ${value}`);
    process.exit(2);
  }
  return n;
}

const mock = await startMockUpstream({
  port: int('port', values.port),
  host: values.host,
  wordDelayMs: int('delay-ms', values['delay-ms']),
  apiKey: values['api-key'],
  models: ids(values.models),
  extraModels: ids(values['extra-models']),
});
console.log(mock.url);

let closing = false;
/** @param {NodeJS.Signals} signal */
async function shutdown(signal) {
  if (closing) return;
  closing = true;
  await mock.close();
  console.error(`mock-upstream: closed on ${signal}`);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
