// @ts-check
// `npm run bench`: builds the Worker as production does, then measures the mock upstream called
// directly, a do-nothing floor Worker and the proxy (per variant) under the same loads, in one run.
// Every phase starts its own mock and Worker instances and stops them, whatever happens.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { buildWorker, bundleSize } from './build.mjs';
import { measureNonStream, measureStreams } from './measure.mjs';
import { renderReport } from './report.mjs';
import { productionSettings } from './production.mjs';
import { BUNDLE_PATH, UPSTREAM_KEY, startTarget, targetName } from './targets.mjs';

/** @typedef {import('./targets.mjs').Variant} Variant */
/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */
/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('./measure.mjs').Limits} Limits */
/** @typedef {import('./measure.mjs').StreamPlan} StreamPlan */
/** @typedef {import('./measure.mjs').StreamResult} StreamResult */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

/**
 * Proxy configurations to compare, each a column, on top of wrangler.toml's [vars] and the mock's
 * address and keys. REQUESTS_PER_MINUTE is production's 60 unless set: a benchmark would hit it.
 * @type {Variant[]}
 */
const VARIANTS = [
  // The relay alone: the configuration the latency and CPU targets are about.
  { name: 'proxy', bindings: { CACHE_TTL: '0', REQUESTS_PER_MINUTE: '0' } },
  // Production's cache (every request distinct, so each is a miss that gets stored in KV).
  { name: 'proxy+cache', bindings: { REQUESTS_PER_MINUTE: '0' } },
  // A quota Durable Object admitting every request, with a limit the benchmark cannot reach.
  { name: 'proxy+quota', bindings: { CACHE_TTL: '0', REQUESTS_PER_MINUTE: '1000000' } },
];

const NON_STREAM = { sequential: 200, concurrent: 1000, concurrency: 32 };
/** @type {Record<'paced' | 'cpu' | 'bulk' | 'fanout', StreamPlan>} */
const STREAM_PLANS = {
  // Latency: one stream at a time, so each chunk's delay is the pipeline's, not a queue's.
  paced: { streams: 10, concurrency: 1, count: 50, size: 10, intervalMs: 20 },
  // CPU: 30 streams of 1,000 chunks, each chunk its own read (paced), enough ticks to be meaningful.
  cpu: { streams: 30, concurrency: 30, count: 1000, size: 10, intervalMs: 5 },
  // Throughput: back-to-back chunks, one stream at a time.
  bulk: { streams: 30, concurrency: 1, count: 1000, size: 100, intervalMs: 0 },
  fanout: { streams: 256, concurrency: 256, count: 100, size: 10, intervalMs: 20 },
};

/** The whole run must end well inside 4 minutes; each phase gets a slice, enforced by deadlines. */
const RUN_LIMIT_MS = 225_000;
const PHASE_LIMIT_MS = 60_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = 'bench/.out';

/**
 * Runs one phase: a mock paced at `intervalMs`, then each target in turn, each started and stopped
 * around its measurement so no two Workers compete for the CPU.
 * @template R
 * @param {string} title @param {number} intervalMs @param {TargetSpec[]} specs @param {AbortSignal} signal
 * @param {(target: Target, mock: MockUpstream, limits: Limits) => Promise<R>} measure
 * @returns {Promise<Map<string, R>>}
 */
async function phase(title, intervalMs, specs, signal, measure) {
  const started = performance.now();
  // The mock paces `chunks` streams by its `wordDelayMs` start option; it does not read x_mock.intervalMs.
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, wordDelayMs: intervalMs });
  /** @type {Map<string, R>} */
  const results = new Map();
  try {
    for (const spec of specs) {
      signal.throwIfAborted();
      const target = await startTarget(spec, mock);
      try {
        const deadline = Math.min(performance.now() + PHASE_LIMIT_MS, runDeadline);
        results.set(target.name, await measure(target, mock, { signal, deadline }));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await mock.close();
  }
  console.error(`  ${title}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

const runStarted = performance.now();
const runDeadline = runStarted + RUN_LIMIT_MS;

async function main() {
  process.chdir(ROOT); // workerd resolves script paths relative to here and rejects ".."
  const abort = new AbortController();
  // Every in-flight request listens to the run's signal, and the mock adds a listener per stream
  // to its own: hundreds of listeners are expected here, not a leak.
  setMaxListeners(1000);
  const guard = setTimeout(
    () => abort.abort(new Error('benchmark exceeded its time limit')),
    RUN_LIMIT_MS + 30_000,
  );
  try {
    return await runAll(abort.signal);
  } finally {
    clearTimeout(guard);
  }
}

/** @param {AbortSignal} signal */
async function runAll(signal) {
  console.error('building the Worker (wrangler deploy --dry-run)…');
  await buildWorker(OUT_DIR, signal);
  const bundle = bundleSize(BUNDLE_PATH);
  productionSettings(); // read wrangler.toml now, so a bad config fails before any measuring

  /** @type {TargetSpec[]} */
  const all = [
    { kind: 'direct' },
    { kind: 'floor' },
    ...VARIANTS.map((variant) => ({ kind: /** @type {const} */ ('proxy'), variant })),
  ];
  console.error(`measuring ${all.map(targetName).join(', ')}…`);
  // Node's JIT warms up on the first load it sees: spend that on an untimed run, so the first
  // measured target (direct) is not penalised for going first.
  const prelude = await phase('node warm-up', 0, [{ kind: 'direct' }], signal, (target, _mock, limits) =>
    measureNonStream(target, limits, { sequential: 0, concurrent: 2000, concurrency: 32 }, 'prelude'),
  );
  const nonStream = await phase('non-stream', 0, all, signal, (target, _mock, limits) =>
    measureNonStream(target, limits, NON_STREAM, `non-stream-${target.name}`),
  );
  /** @param {keyof typeof STREAM_PLANS} name */
  const streams = async (name) => {
    const plan = STREAM_PLANS[name];
    const byTarget = await phase(name, plan.intervalMs, all, signal, (target, mock, limits) =>
      measureStreams(target, mock, limits, plan, `${name}-${target.name}`),
    );
    return { plan, byTarget };
  };
  const paced = await streams('paced');
  const cpu = await streams('cpu');
  const bulk = await streams('bulk');
  const fanout = await streams('fanout');

  /** @type {string[]} */
  const problems = [...(prelude.get('direct')?.problems ?? [])];
  for (const [name, result] of nonStream)
    problems.push(...result.problems.map((p) => `non-stream ${name}: ${p}`));
  for (const [phaseName, { byTarget }] of Object.entries({ paced, cpu, bulk, fanout })) {
    for (const [name, result] of byTarget)
      problems.push(...result.problems.map((p) => `${phaseName} ${name}: ${p}`));
  }

  const gaps = Object.entries({ paced, cpu, fanout })
    .map(
      ([name, { plan, byTarget }]) =>
        `${name} ${plan.intervalMs} → ${byTarget.get('direct')?.mockGapMs.toFixed(2)} ms`,
    )
    .join(', ');
  const elapsed = ((performance.now() - runStarted) / 1000).toFixed(0);
  const report = renderReport({
    bundle,
    variants: VARIANTS.map((variant) => variant.name),
    nonStreamPlan: NON_STREAM,
    nonStream,
    streams: { paced, cpu, bulk, fanout },
    notes: [
      `direct = the client calling the mock; floor = bench/floor-worker.js (fetch upstream, return its body untouched); ` +
        `proxy columns = the built bundle with wrangler.toml's [vars], KV and Durable Objects, the mock as upstream, and: ` +
        VARIANTS.map((v) => `${v.name} ${JSON.stringify(v.bindings)}`).join('; ') +
        '. Every request body is distinct, so the cache never answers.',
      'Each target is warmed up (300 requests, or 3 short streams) before it is measured. Latency here rises when a ' +
        'request follows idleness (CPU wake-up, seen even direct), and each paced stream starts after a mostly idle ' +
        'one, so first-chunk figures exceed the sequential non-stream latency.',
      `Workers run under Miniflare (workerd, compatibility date ${productionSettings().compatibilityDate}), one instance per target per phase; ` +
        `client and mock share this Node process, so their clocks align (and their CPU is in every figure, direct included).`,
      'Worker CPU = utime+stime of the workerd process over the measured requests, divided by their count. ' +
        "/proc counts in 10 ms ticks (shown per cell). workerd also runs Miniflare's internal entry worker, " +
        "which forwards every request the same way for floor and proxy, so the proxy ÷ floor ratio understates the relative cost of the proxy's own code.",
      `Mock pacing is set by startMockUpstream({ wordDelayMs }) (x_mock.intervalMs is sent too); median gap between its writes, asked → observed: ${gaps}.`,
      `Run took ${elapsed} s on ${os.cpus().length} CPUs, Node ${process.version}.` +
        (problems.length
          ? ` Problems (${problems.length}): ${problems.slice(0, 5).join(' | ')}`
          : ' No request failed.'),
    ],
  });
  process.stdout.write(report);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(`${OUT_DIR}/results.md`, report);
  return problems.length === 0;
}

try {
  const ok = await main();
  if (!ok) {
    console.error('benchmark FAILED: some requests or streams did not complete (see Problems above)');
    process.exitCode = 1;
  }
} catch (error) {
  console.error('benchmark FAILED:', error);
  process.exitCode = 1;
}
