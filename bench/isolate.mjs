// @ts-check
// `npm run bench -- --isolate`: the proxy's own work per request, measured without the network.
// bench/isolate-worker.js loops chat completions through the floor's logic and through the deploy
// bundle against an in-memory upstream; the workerd process's CPU over each loop, divided by its
// requests, is what one request costs in JavaScript and runtime calls. A fresh Miniflare per
// round, floor and proxy in alternating order. On this 2-core VM the end-to-end CPU figures swing
// by ±15% and more between runs; the proxy's own work here stayed within 415 to 513 µs over five
// runs, which makes a change of about 50 µs visible in one run.
import fs from 'node:fs';
import { Miniflare } from 'miniflare';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { startCpuMeter, workerdPids } from './cpu.mjs';
import { productionResources, productionSettings } from './production.mjs';
import { median } from './stats.mjs';
import { BUNDLE_PATH, CLIENT_KEY, UPSTREAM_KEY } from './targets.mjs';

const ROUNDS = 5;
const REQUESTS = 4000;
const WARM_UP = 1000;

/** The mock's answer to one chat completion, as the fake upstream replays it. */
export async function mockAnswer() {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  try {
    const response = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] }),
    });
    // All of them, hop-by-hop ones included: a Worker's fetch shows those too.
    const headers = [...response.headers];
    return JSON.stringify({ headers, body: await response.text() });
  } finally {
    await mock.close();
  }
}

/**
 * @param {string} answer the mock's answer (JSON) @param {string} bundlePath
 * @param {{ inspectorPort?: number, bindings?: Record<string, string> }} [options] for the
 *   profiler: its inspector, and Worker settings (`STREAM_RELAY=checked`)
 * @returns {Promise<{ url: string, pids: number[], stop: () => Promise<void> }>}
 */
export async function startLoop(answer, bundlePath, { inspectorPort, bindings = {} } = {}) {
  const prod = productionSettings();
  const before = new Set(workerdPids());
  const mf = new Miniflare({
    modulesRoot: 'bench',
    modules: [
      { type: 'ESModule', path: 'bench/isolate-worker.js' },
      { type: 'ESModule', path: 'bench/floor-worker.js' },
      { type: 'ESModule', path: 'bench/proxy.js', contents: fs.readFileSync(bundlePath, 'utf8') },
    ],
    compatibilityDate: prod.compatibilityDate,
    compatibilityFlags: prod.compatibilityFlags,
    ...productionResources(prod),
    bindings: {
      ...prod.vars,
      OPENAI_BASE_URL: 'http://upstream.invalid/v1',
      OPENAI_API_KEY: UPSTREAM_KEY,
      PROXY_KEYS: CLIENT_KEY,
      CACHE_TTL: '0',
      ...bindings,
      ISOLATE_ANSWER: answer,
    },
    host: '127.0.0.1',
    port: 0,
    ...(inspectorPort ? { inspectorPort } : {}),
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  let url;
  try {
    url = String(await mf.ready);
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
  const pids = workerdPids().filter((pid) => !before.has(pid));
  return { url, pids, stop: () => mf.dispose() };
}

/**
 * Runs `count` requests through `worker` in one loop.
 * @param {string} url @param {string} worker @param {number} count @param {string} [extra] query
 */
export async function loop(url, worker, count, extra = '') {
  const response = await fetch(`${url}?worker=${worker}&n=${count}${extra}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`${worker}: ${text.slice(0, 300)}`);
}

/**
 * CPU per request (µs) of the floor and the proxy, `rounds` values each.
 * @param {{ bundlePath?: string, rounds?: number, requests?: number }} [options]
 */
export async function runIsolate({ bundlePath = BUNDLE_PATH, rounds = ROUNDS, requests = REQUESTS } = {}) {
  const answer = await mockAnswer();
  /** @type {Record<'floor' | 'proxy', number[]>} */
  const perRequest = { floor: [], proxy: [] };
  for (let round = 0; round < rounds; round++) {
    const target = await startLoop(answer, bundlePath);
    try {
      /** @type {('floor' | 'proxy')[]} */
      const order = round % 2 === 0 ? ['floor', 'proxy'] : ['proxy', 'floor'];
      for (const worker of order) await loop(target.url, worker, WARM_UP); // compile, fill caches
      for (const worker of order) {
        const meter = startCpuMeter(target.pids);
        await loop(target.url, worker, requests);
        perRequest[worker].push((meter.stop().ms * 1000) / requests);
      }
    } finally {
      await target.stop();
    }
  }
  return { ...perRequest, requests };
}

/** @param {{ floor: number[], proxy: number[], requests: number }} perRequest */
export function isolateReport(perRequest) {
  const floor = median(perRequest.floor);
  const proxy = median(perRequest.proxy);
  const rounds = (/** @type {number[]} */ values) => values.map((value) => value.toFixed(0)).join(' / ');
  return [
    `| in-isolate CPU per non-streamed request (median of ${perRequest.floor.length} rounds of ${perRequest.requests}) | µs | rounds |`,
    '| --- | --- | --- |',
    `| floor: bench/floor-worker.js, the answer passed through (with the fake upstream's own cost) | ${floor.toFixed(0)} | ${rounds(perRequest.floor)} |`,
    `| proxy: the deploy bundle, wrangler.toml's [vars] (ledger on), CACHE_TTL=0 | ${proxy.toFixed(0)} | ${rounds(perRequest.proxy)} |`,
    `| **the proxy's own work** (proxy − floor) | **${(proxy - floor).toFixed(0)}** | |`,
    '',
    'The loop has no network, so these are not the end-to-end ratios: add the own work to the',
    "end-to-end floor (`--short`'s CPU row) to see where the proxy lands against it.",
  ].join('\n');
}
