// @ts-check
// What the benchmark talks to: the mock itself ("direct"), the floor Worker, and the proxy under
// each variant. Workers run under Miniflare directly: wrangler dev would add its own proxy hop and
// an inspector, which are not part of production.
import { Miniflare } from 'miniflare';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { workerdPids } from './cpu.mjs';
import { productionResources, productionSettings } from './production.mjs';

/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

/**
 * A named set of extra bindings for the proxy. Each variant gets its own column and its own
 * Miniflare instance, so settings such as CACHE_TTL or quotas can be compared side by side.
 * `streamFields` are added to every streamed request body (a client-side difference, such as
 * asking for `stream_options.include_usage`); `streamsOnly` variants skip the non-stream phase,
 * where they would repeat another variant exactly.
 * @typedef {object} Variant
 * @property {string} name
 * @property {Readonly<Record<string, string>>} bindings
 * @property {Readonly<Record<string, unknown>>} [streamFields]
 * @property {boolean} [streamsOnly]
 * @property {readonly string[]} [phases] only these phases (default: all)
 */

/** Bindings may name the phase's mock as `{MOCK}` (its base URL, with /v1). */
export const MOCK_PLACEHOLDER = '{MOCK}';

/**
 * `relay` makes the floor watch a streamed answer one of the ways a Worker could (see
 * bench/floor-worker.js); without it the floor passes the body through untouched.
 * `bundle` runs another build of the proxy than the one `npm run bench` makes (`--ab`).
 * @typedef {{ kind: 'direct' } | { kind: 'floor', relay?: string } | { kind: 'proxy', variant: Variant, bundle?: string }} TargetSpec
 */

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {URL} base OpenAI base URL, ending in `/v1/`
 * @property {string} authorization what the client sends
 * @property {boolean} runsWorker whether workerd CPU is meaningful for it
 * @property {readonly number[]} pids its own workerd processes (none for direct), so that two
 *   targets can run side by side and each be measured alone
 * @property {Readonly<Record<string, unknown>>} streamFields extra fields for streamed request bodies
 * @property {() => Promise<void>} stop
 */

export const UPSTREAM_KEY = 'sk-bench-upstream-0123456789abcdef';
export const CLIENT_KEY = 'bench-key';
export const BUNDLE_PATH = 'bench/.out/index.js';
const FLOOR_PATH = 'bench/floor-worker.js';

/** @param {TargetSpec} spec */
export function targetName(spec) {
  if (spec.kind === 'floor' && spec.relay) return `floor+${spec.relay}`;
  return spec.kind === 'proxy' ? spec.variant.name : spec.kind;
}

/**
 * @param {string} scriptPath relative to the repository root (workerd refuses paths with "..")
 * @param {Record<string, string>} bindings
 * @param {boolean} resources give it production's KV namespaces and Durable Objects
 */
async function startWorker(scriptPath, bindings, resources) {
  const prod = productionSettings();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: prod.compatibilityDate,
    compatibilityFlags: prod.compatibilityFlags,
    ...(resources ? productionResources(prod) : {}),
    bindings,
    host: '127.0.0.1',
    port: 0,
    // The proxy writes a JSON log line per request (Workers Logs in production). Drain workerd's
    // stdout rather than print thousands of lines into the report; keep stderr for errors.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  try {
    const url = await mf.ready;
    return { base: new URL('/v1/', url), stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts a target in front of `mock`; the caller must `stop()` it.
 * @param {TargetSpec} spec @param {MockUpstream} mock @returns {Promise<Target>}
 */
export async function startTarget(spec, mock) {
  const name = targetName(spec);
  if (spec.kind === 'direct') {
    const base = new URL(`${mock.url}/`);
    return {
      name,
      base,
      authorization: `Bearer ${UPSTREAM_KEY}`,
      runsWorker: false,
      pids: [],
      streamFields: {},
      stop: async () => {},
    };
  }
  const before = new Set(workerdPids());
  const worker =
    spec.kind === 'floor'
      ? await startWorker(
          FLOOR_PATH,
          { UP: new URL(mock.url).origin, KEY: UPSTREAM_KEY, ...(spec.relay ? { RELAY: spec.relay } : {}) },
          false,
        )
      : await startWorker(
          spec.bundle ?? BUNDLE_PATH,
          {
            ...productionSettings().vars,
            OPENAI_BASE_URL: mock.url,
            OPENAI_API_KEY: UPSTREAM_KEY,
            PROXY_KEYS: CLIENT_KEY,
            STREAM_IDLE_TIMEOUT_MS: '120000',
            ...Object.fromEntries(
              Object.entries(spec.variant.bindings).map(([name, value]) => [
                name,
                value.replaceAll(MOCK_PLACEHOLDER, mock.url),
              ]),
            ),
          },
          true,
        );
  const streamFields = spec.kind === 'proxy' ? (spec.variant.streamFields ?? {}) : {};
  const pids = workerdPids().filter((pid) => !before.has(pid));
  return { name, authorization: `Bearer ${CLIENT_KEY}`, runsWorker: true, pids, streamFields, ...worker };
}

/**
 * Each of `specs` measured in turn, `rounds` times: a fresh mock each round, each target started
 * and stopped around its measurement (so no two Workers compete for the CPU), the order reversed
 * every other round so drift over a round does not favour one side.
 * @template R
 * @param {readonly TargetSpec[]} specs
 * @param {number} rounds
 * @param {(target: Target, mock: MockUpstream, label: string) => Promise<{ row: R, problems: readonly string[] }>} measure
 * @returns {Promise<{ rounds: Map<string, R[]>, problems: string[] }>}
 */
export async function inRounds(specs, rounds, measure) {
  /** @type {Map<string, R[]>} */
  const measured = new Map();
  /** @type {string[]} */
  const problems = [];
  for (let round = 0; round < rounds; round++) {
    const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
    try {
      for (const spec of round % 2 === 0 ? specs : [...specs].reverse()) {
        const target = await startTarget(spec, mock);
        try {
          const result = await measure(target, mock, `${round}-${target.name}`);
          problems.push(...result.problems.map((problem) => `${target.name}: ${problem}`));
          measured.set(target.name, [...(measured.get(target.name) ?? []), result.row]);
        } finally {
          await target.stop();
          mock.requests.length = 0;
        }
      }
    } finally {
      await mock.close();
    }
  }
  return { rounds: measured, problems };
}
