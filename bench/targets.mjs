// @ts-check
// What the benchmark talks to: the mock itself ("direct"), the floor Worker, and the proxy under
// each variant. Workers run under Miniflare directly: wrangler dev would add its own proxy hop and
// an inspector, which are not part of production.
import fs from 'node:fs';
import { Miniflare } from 'miniflare';

/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

/**
 * A named set of extra bindings for the proxy. Each variant gets its own column and its own
 * Miniflare instance, so settings such as CACHE_TTL or quotas can be compared side by side.
 * @typedef {{ name: string, bindings: Readonly<Record<string, string>> }} Variant
 */

/** @typedef {{ kind: 'direct' } | { kind: 'floor' } | { kind: 'proxy', variant: Variant }} TargetSpec */

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {URL} base OpenAI base URL, ending in `/v1/`
 * @property {string} authorization what the client sends
 * @property {boolean} runsWorker whether workerd CPU is meaningful for it
 * @property {() => Promise<void>} stop
 */

export const UPSTREAM_KEY = 'sk-bench-upstream-0123456789abcdef';
export const CLIENT_KEY = 'bench-key';
export const BUNDLE_PATH = 'bench/.out/index.js';
const FLOOR_PATH = 'bench/floor-worker.js';

/** The runtime settings production uses, read from wrangler.toml (only the two that matter). */
function compatibility() {
  const toml = fs.readFileSync('wrangler.toml', 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  const flagList = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  const flags = [...flagList.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '');
  return { compatibilityDate: date, compatibilityFlags: flags };
}

export const COMPAT = compatibility();

/** @param {TargetSpec} spec */
export function targetName(spec) {
  return spec.kind === 'proxy' ? spec.variant.name : spec.kind;
}

/**
 * @param {string} scriptPath relative to the repository root (workerd refuses paths with "..")
 * @param {Record<string, string>} bindings
 */
async function startWorker(scriptPath, bindings) {
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: COMPAT.compatibilityDate,
    compatibilityFlags: COMPAT.compatibilityFlags,
    kvNamespaces: ['CACHE'],
    bindings,
    host: '127.0.0.1',
    port: 0,
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
    return { name, base, authorization: `Bearer ${UPSTREAM_KEY}`, runsWorker: false, stop: async () => {} };
  }
  const worker =
    spec.kind === 'floor'
      ? await startWorker(FLOOR_PATH, { UP: new URL(mock.url).origin, KEY: UPSTREAM_KEY })
      : await startWorker(BUNDLE_PATH, {
          OPENAI_BASE_URL: mock.url,
          OPENAI_API_KEY: UPSTREAM_KEY,
          PROXY_KEYS: CLIENT_KEY,
          STREAM_IDLE_TIMEOUT_MS: '120000',
          ...spec.variant.bindings,
        });
  return { name, base: worker.base, authorization: `Bearer ${CLIENT_KEY}`, runsWorker: true, ...worker };
}
