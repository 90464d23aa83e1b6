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
import { AB_DIR, abReport, parseAbTarget, runAb } from './ab.mjs';
import { buildWorker, bundleSize } from './build.mjs';
import { measureCache, measureNonStream, measureStreams } from './measure.mjs';
import { quickProblems, quickReport, runQuick } from './quick.mjs';
import { renderReport } from './report.mjs';
import { isolateReport, runIsolate } from './isolate.mjs';
import { relaysReport, runRelays } from './relays.mjs';
import { runSurface, surfaceReport } from './surface.mjs';
import { productionSettings } from './production.mjs';
import { BUNDLE_PATH, CLIENT_KEY, UPSTREAM_KEY, startTarget, targetName } from './targets.mjs';

/** @typedef {import('./targets.mjs').Variant} Variant */
/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */
/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('./measure.mjs').Limits} Limits */
/** @typedef {import('./measure.mjs').StreamPlan} StreamPlan */
/** @typedef {import('./measure.mjs').StreamResult} StreamResult */
/** @typedef {import('./measure.mjs').CachePlan} CachePlan */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

/**
 * A token budget and a request limit the benchmark cannot reach, on the benchmark's own key (a
 * server key is unlimited unless its PROXY_KEYS entry sets limits); no cache.
 */
const TOKENS = { CACHE_TTL: '0', PROXY_KEYS: `${CLIENT_KEY} rpm=1000000 tpd=1000000000` };
/**
 * Proxy configurations to compare, each a column, on top of wrangler.toml's [vars] and the mock's
 * address and keys.
 * @type {Variant[]}
 */
const VARIANTS = [
  // The relay alone: the configuration the latency and CPU targets are about.
  { name: 'proxy', bindings: { CACHE_TTL: '0' } },
  // Production's cache (every request distinct, so each is a miss that gets stored in KV).
  { name: 'proxy+cache', bindings: {} },
  // A quota Durable Object admitting every request, with a limit the benchmark cannot reach. Its
  // streams take exactly proxy's relay path, so for streams it is also an A/A control.
  { name: 'proxy+quota', bindings: { CACHE_TTL: '0', PROXY_KEYS: `${CLIENT_KEY} rpm=1000000` } },
  // Token accounting: admission reserves, settlement corrects. Its clients do not set
  // stream_options.include_usage, so the proxy asks for usage and strips it (JavaScript relay).
  { name: 'proxy+tokens', bindings: TOKENS },
  // The same Worker, with clients that ask for usage themselves: streams stay on the native relay.
  {
    name: 'proxy+tokens/asked',
    bindings: TOKENS,
    streamFields: { stream_options: { include_usage: true } },
    streamsOnly: true,
  },
  // The JavaScript relay that ends broken streams with an error event; non-streams are proxy's.
  {
    name: 'proxy+checked',
    bindings: { CACHE_TTL: '0', STREAM_RELAY: 'checked' },
    streamsOnly: true,
  },
  // The usage ledger off: no log-line accounting on the queue and no transcript for the ledger.
  // `proxy` runs with it on, as production does.
  {
    name: 'proxy+no-ledger',
    bindings: { CACHE_TTL: '0', USAGE_LEDGER: 'false' },
    phases: ['non-stream', 'paced', 'cpu'],
  },
  // Several upstreams, happy path: the benchmark's model is claimed by a pattern; same mock.
  {
    name: 'proxy+routing',
    bindings: {
      CACHE_TTL: '0',
      UPSTREAMS: JSON.stringify([
        { name: 'claimed', baseUrl: '{MOCK}', keyVar: 'OPENAI_API_KEY', models: ['gpt-4o*'] },
        { name: 'rest', baseUrl: '{MOCK}', keyVar: 'OPENAI_API_KEY' },
      ]),
      MODEL_ALIASES: JSON.stringify({ fast: ['claimed/gpt-4o-mini', 'rest/gpt-4o-mini'] }),
    },
    phases: ['non-stream', 'paced'],
  },
  // Failover on every request: the model is an alias whose first target refuses connections
  // (cool-down off, so no request skips it), the second is the mock.
  {
    name: 'proxy+failover',
    bindings: {
      CACHE_TTL: '0',
      UPSTREAM_COOLDOWN_SECONDS: '0',
      UPSTREAMS: JSON.stringify([
        { name: 'down', baseUrl: 'http://127.0.0.1:9/v1', keyVar: 'OPENAI_API_KEY', models: ['none'] },
        { name: 'up', baseUrl: '{MOCK}', keyVar: 'OPENAI_API_KEY' },
      ]),
      MODEL_ALIASES: JSON.stringify({ 'gpt-4o-mini': ['down/gpt-4o-mini', 'up/gpt-4o-mini'] }),
    },
    phases: ['non-stream', 'paced'],
  },
];

/** @param {TargetSpec} spec @param {string} phaseName */
const runsIn = (spec, phaseName) =>
  spec.kind !== 'proxy' || spec.variant.phases === undefined || spec.variant.phases.includes(phaseName);
/** The variant the cache hit/miss phase runs against. */
const CACHE_VARIANT = 'proxy+cache';

const NON_STREAM = { sequential: 200, concurrent: 1000, concurrency: 32 };
/** @type {Record<'paced' | 'cpu' | 'bulk' | 'fanout', StreamPlan>} */
const STREAM_PLANS = {
  // Latency: one stream at a time, so each chunk's delay is the pipeline's, not a queue's.
  paced: { streams: 10, concurrency: 1, count: 40, size: 10, intervalMs: 20 },
  // CPU: 30 streams of 1,000 chunks, each chunk its own read (paced), enough ticks to be meaningful.
  cpu: { streams: 30, concurrency: 30, count: 1000, size: 10, intervalMs: 5 },
  // Throughput: back-to-back chunks, one stream at a time.
  bulk: { streams: 60, concurrency: 1, count: 1000, size: 100, intervalMs: 0 },
  fanout: { streams: 256, concurrency: 256, count: 100, size: 10, intervalMs: 20 },
};
/** 20 bodies, each a miss the mock delays by 300 ms, then 5 hits each; streams of 50 chunks. */
/** @type {CachePlan} */
const CACHE_PLAN = { bodies: 20, hitsPerBody: 5, delayMs: 300, count: 50, size: 10 };

/** The whole run must end well inside 5 minutes; each phase gets a slice, enforced by deadlines. */
const RUN_LIMIT_MS = 300_000;
const PHASE_LIMIT_MS = 60_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = 'bench/.out';

/**
 * Runs one phase: a fresh mock, then each target in turn, each started and stopped around its
 * measurement so no two Workers compete for the CPU.
 * @template R
 * @param {string} title @param {TargetSpec[]} specs @param {AbortSignal} signal
 * @param {(target: Target, mock: MockUpstream, limits: Limits) => Promise<R>} measure
 * @returns {Promise<Map<string, R>>}
 */
async function phase(title, specs, signal, measure) {
  const started = performance.now();
  // `chunks` streams are paced by each request's x_mock.intervalMs, so one mock serves any plan.
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
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
    if (process.argv.includes('--short')) return await runShort();
    if (process.argv.includes('--surface')) return await runSurfaceOnly();
    if (process.argv.includes('--relays')) return await runRelaysOnly();
    if (process.argv.includes('--isolate')) return await runIsolateOnly();
    if (process.argv.includes('--save')) return await saveBuild();
    if (process.argv.includes('--ab')) return await runAbOnly();
    return await runAll(abort.signal);
  } finally {
    clearTimeout(guard);
  }
}

/** The configuration the hot path's targets are about: `proxy`, the first variant. @type {TargetSpec} */
const PLAIN_PROXY = { kind: 'proxy', variant: VARIANTS[0] ?? { name: 'proxy', bindings: {} } };

/** The bundle the short modes measure, and wrangler.toml read before any measuring. */
async function buildForShortRun() {
  console.error('building the Worker (wrangler deploy --dry-run)…');
  await buildWorker(OUT_DIR, AbortSignal.timeout(120_000));
  productionSettings();
}

/**
 * `--short`: the floor and the plain proxy side by side, 5 rounds of the hot path's targets (issue
 * 15), in under a minute. Writes bench/.out/short.md.
 */
async function runShort() {
  await buildForShortRun();
  console.error('measuring floor and proxy side by side, 5 interleaved rounds…');
  const run = await runQuick([{ kind: 'floor' }, PLAIN_PROXY]);
  const problems = quickProblems(run.rounds);
  writeReport('short.md', [
    '# openai-edge-proxy benchmark (short)',
    '',
    quickReport(run, 'proxy'),
    '',
    `proxy = the built bundle with wrangler.toml's [vars] (usage ledger on), CACHE_TTL=0. ${ranFor(problems)}`,
    '',
  ]);
  return problems.length === 0;
}

/**
 * `--surface`: a virtual key against a PROXY_KEYS key with the same limits, and the speech and
 * upload relays against the floor, 3 interleaved rounds. Writes bench/.out/surface.md.
 */
async function runSurfaceOnly() {
  await buildForShortRun();
  console.error('measuring virtual keys, speech and uploads, 3 interleaved rounds…');
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const surface = await runSurface(mock).finally(() => mock.close());
  writeReport('surface.md', [
    '# openai-edge-proxy benchmark: virtual keys and the media routes',
    '',
    surfaceReport(surface),
    '',
    `proxy = the built bundle with wrangler.toml's [vars] (usage ledger on), CACHE_TTL=0. ${ranFor([])}`,
    '',
  ]);
  return true; // a failed request there throws
}

/** `--relays`: what watching a stream costs, the floor's ways against the proxy's. Writes bench/.out/relays.md. */
async function runRelaysOnly() {
  await buildForShortRun();
  console.error('measuring the floor (four relays) and the proxy, 3 interleaved rounds…');
  const run = await runRelays(PLAIN_PROXY);
  writeReport('relays.md', [
    '# openai-edge-proxy benchmark: what watching a stream costs',
    '',
    relaysReport(run.rows),
    '',
    ranFor(run.problems),
    '',
  ]);
  return run.problems.length === 0;
}

/**
 * `--isolate`: the proxy's own work per request, without the network (bench/isolate.mjs).
 * Writes bench/.out/isolate.md.
 */
async function runIsolateOnly() {
  await buildForShortRun();
  console.error('measuring floor and proxy in-isolate, 5 rounds…');
  const perRequest = await runIsolate();
  writeReport('isolate.md', [
    "# openai-edge-proxy benchmark: the proxy's own work, in-isolate",
    '',
    isolateReport(perRequest),
    '',
    ranFor([]),
    '',
  ]);
  return true; // a failed request throws
}

/** The value after `flag` on the command line, if it was given. @param {string} flag */
function argAfter(flag) {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** `--save NAME`: the working tree built as `wrangler deploy` would, for a later `--ab NAME`. */
async function saveBuild() {
  const name = argAfter('--save') ?? '';
  if (!/^[\w.-]+$/.test(name)) throw new Error('--save needs a name (letters, digits, . _ -)');
  console.error(`building the working tree into ${AB_DIR}/${name}…`);
  await buildWorker(`${AB_DIR}/${name}`, AbortSignal.timeout(120_000));
  console.error(`saved: npm run bench -- --ab ${name} …`);
  return true;
}

/**
 * `--ab NAME[@VAR=value…] …`: the floor and each saved build, measured in turn (bench/ab.mjs).
 * `--rounds N` (5) and `--streams N` (100) size it. Writes bench/.out/ab.md.
 */
async function runAbOnly() {
  productionSettings();
  const options = new Set(['--rounds', '--streams']);
  const names = process.argv
    .slice(process.argv.indexOf('--ab') + 1)
    .filter((arg, index, args) => !arg.startsWith('--') && !options.has(args[index - 1] ?? ''));
  if (names.length === 0) throw new Error('--ab needs the names of builds saved with --save');
  const specs = names.map(parseAbTarget);
  for (const spec of specs) {
    if (spec.kind === 'proxy' && spec.bundle && !fs.existsSync(spec.bundle))
      throw new Error(`--ab: no build at ${spec.bundle}; make it with npm run bench -- --save NAME`);
  }
  const rounds = Number(argAfter('--rounds') ?? 5);
  const streams = Number(argAfter('--streams') ?? 100);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(streams) || streams < 1)
    throw new Error('--ab: --rounds and --streams take a whole number of at least 1');
  console.error(`measuring the floor and ${names.join(', ')} in turn, ${rounds} rounds…`);
  const run = await runAb(specs, { rounds, streams });
  writeReport('ab.md', [
    '# openai-edge-proxy benchmark: same-run A/B',
    '',
    abReport(run.rounds),
    '',
    `Each build runs with wrangler.toml's [vars] and CACHE_TTL=0, plus the settings its name carries. ${ranFor(run.problems)}`,
    '',
  ]);
  return run.problems.length === 0;
}

/** @param {readonly string[]} problems */
function ranFor(problems) {
  const elapsed = ((performance.now() - runStarted) / 1000).toFixed(0);
  return (
    `Run took ${elapsed} s on ${os.cpus().length} CPUs, Node ${process.version}.` +
    (problems.length
      ? ` Problems (${problems.length}): ${problems.slice(0, 5).join(' | ')}`
      : ' No request failed.')
  );
}

/** Prints a report and keeps it in bench/.out. @param {string} file @param {string[]} lines */
function writeReport(file, lines) {
  const report = lines.join('\n');
  process.stdout.write(report);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(`${OUT_DIR}/${file}`, report);
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
  const prelude = await phase('node warm-up', [{ kind: 'direct' }], signal, (target, _mock, limits) =>
    measureNonStream(target, limits, { sequential: 0, concurrent: 2000, concurrency: 32 }, 'prelude'),
  );
  const nonStreamSpecs = all.filter(
    (spec) => (spec.kind !== 'proxy' || !spec.variant.streamsOnly) && runsIn(spec, 'non-stream'),
  );
  const nonStream = await phase('non-stream', nonStreamSpecs, signal, (target, _mock, limits) =>
    measureNonStream(target, limits, NON_STREAM, `non-stream-${target.name}`),
  );
  const cacheSpecs = all.filter((spec) => spec.kind === 'proxy' && spec.variant.name === CACHE_VARIANT);
  const cacheRun = await phase('cache hit vs miss', cacheSpecs, signal, (target, _mock, limits) =>
    measureCache(target, limits, CACHE_PLAN, `cache-${Date.now()}`),
  );
  const cache = { plan: CACHE_PLAN, target: CACHE_VARIANT, result: cacheRun.get(CACHE_VARIANT) };
  /** @param {keyof typeof STREAM_PLANS} name */
  const streams = async (name) => {
    const plan = STREAM_PLANS[name];
    const specs = all.filter((spec) => runsIn(spec, name));
    const byTarget = await phase(name, specs, signal, (target, mock, limits) =>
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
  problems.push(...(cache.result?.problems ?? ['not measured']).map((p) => `cache: ${p}`));
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
    cache,
    notes: [
      `direct = the client calling the mock; floor = bench/floor-worker.js (fetch upstream, return its body untouched); ` +
        `proxy columns = the built bundle with wrangler.toml's [vars], KV and Durable Objects, the mock as upstream, and: ` +
        VARIANTS.map(
          (v) =>
            `${v.name} ${JSON.stringify(v.bindings)}` +
            (v.streamFields ? ` with streamed bodies adding ${JSON.stringify(v.streamFields)}` : '') +
            (v.streamsOnly ? ' (streams only)' : ''),
        ).join('; ') +
        '. Outside the cache table every request body is distinct, so the cache never answers.',
      `The cache table runs ${CACHE_VARIANT} (production's cache settings; the benchmark's server key has no limits) one request at a time: ${CACHE_PLAN.bodies} distinct bodies per kind, each a miss ` +
        `the mock answers after x_mock.delayMs=${CACHE_PLAN.delayMs}, then repeated until ${CACHE_PLAN.hitsPerBody} ` +
        `responses say x-cache: HIT (repeats that did not, while the miss's KV write landed, are not counted). ` +
        `Streams are ${CACHE_PLAN.count} chunks sent back to back; every hit's bytes are compared with its miss's.`,
      'Each target is warmed up (300 requests, or 3 short streams) before it is measured. Latency here rises when a ' +
        'request follows idleness (CPU wake-up, seen even direct), and each paced stream starts after a mostly idle ' +
        'one, so first-chunk figures exceed the sequential non-stream latency.',
      `Workers run under Miniflare (workerd, compatibility date ${productionSettings().compatibilityDate}), one instance per target per phase; ` +
        `client and mock share this Node process, so their clocks align (and their CPU is in every figure, direct included).`,
      'Worker CPU = utime+stime of the workerd process over the measured requests, divided by their count. ' +
        "/proc counts in 10 ms ticks (shown per cell). workerd also runs Miniflare's internal entry worker, " +
        "which forwards every request the same way for floor and proxy, so the proxy ÷ floor ratio understates the relative cost of the proxy's own code.",
      `Mock pacing is x_mock.intervalMs; median gap between its writes, asked → observed: ${gaps}.`,
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
    console.error(
      'benchmark FAILED: requests or streams failed, or a check (usage chunk, cached bytes) did not pass (see Problems above)',
    );
    process.exitCode = 1;
  }
} catch (error) {
  console.error('benchmark FAILED:', error);
  process.exitCode = 1;
}
