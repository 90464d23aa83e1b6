// @ts-check
// The short run's second half: what virtual keys and the media routes cost, each against a
// baseline from the same run. A virtual key with limits against a PROXY_KEYS key with the same
// limits (non-stream latency); a speech answer's relay throughput and a 20 MB transcription
// upload through the proxy against the floor Worker (and the mock called directly).
import { keepAliveAgent, send } from './http.mjs';
import { measureNonStream } from './measure.mjs';
import { pool } from './pool.mjs';
import { median } from './stats.mjs';
import { startTarget } from './targets.mjs';

/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

const ROUNDS = 3;
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123456789';
/** The same limits for both kinds of key, far beyond what the benchmark sends. */
const RPM = 1_000_000;
const TPD = 1_000_000_000;
const KEY_PLAN = { sequential: 200, concurrent: 400, concurrency: 32 };
/** 4,096 characters (the API's most) of speech as Opus: about 3.3 MB in 8 chunks from the mock. */
const SPEECH = { requests: 12, chars: 4096, format: 'opus' };
const UPLOAD = { requests: 6, bytes: 20 * 1024 * 1024 };

/** @type {TargetSpec} */
const PROXY_KEY_SPEC = {
  kind: 'proxy',
  variant: {
    name: 'PROXY_KEYS key',
    bindings: { CACHE_TTL: '0', PROXY_KEYS: `bench-key rpm=${RPM} tpd=${TPD}` },
  },
};
/** @type {TargetSpec} */
const VIRTUAL_KEY_SPEC = {
  kind: 'proxy',
  variant: { name: 'virtual key', bindings: { CACHE_TTL: '0', ADMIN_KEY } },
};
/** @type {TargetSpec} */
const PROXY_SPEC = { kind: 'proxy', variant: { name: 'proxy', bindings: { CACHE_TTL: '0' } } };

/**
 * The proxy with a virtual key created through its admin API, used as the client's key.
 * @param {MockUpstream} mock @returns {Promise<Target>}
 */
async function startWithVirtualKey(mock) {
  const target = await startTarget(VIRTUAL_KEY_SPEC, mock);
  const response = await fetch(new URL('/admin/api/keys', target.base), {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', limits: { rpm: RPM, tpd: TPD } }),
  });
  const created = /** @type {{ key?: string }} */ (await response.json());
  if (response.status !== 201 || !created.key) {
    await target.stop();
    throw new Error(`creating the benchmark's virtual key: HTTP ${response.status}`);
  }
  return { ...target, authorization: `Bearer ${created.key}` };
}

/** A multipart transcription request around `bytes` of silence. @param {number} bytes */
function transcriptionForm(bytes) {
  const boundary = '----bench-boundary-7f3a';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="talk.opus"\r\nContent-Type: audio/ogg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, Buffer.alloc(bytes - head.length - tail.length), tail]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Speech answers relayed, one at a time: MB/s from the first byte to the last (median).
 * @param {Target} target @param {AbortSignal} signal
 */
async function measureSpeech(target, signal) {
  const agent = keepAliveAgent();
  const input = 'word '.repeat(SPEECH.chars / 5).slice(0, SPEECH.chars);
  const call = () =>
    send(agent, new URL('audio/speech', target.base), {
      method: 'POST',
      headers: { authorization: target.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: SPEECH.format }),
      timeoutMs: 15_000,
      signal,
    }).then((exchange) => ({
      mbps: exchange.bytes / 1024 / 1024 / ((exchange.end - exchange.start) / 1000),
      bytes: exchange.bytes,
    }));
  try {
    await pool(3, 1, call, Infinity);
    const run = await pool(SPEECH.requests, 1, call, Infinity);
    if (run.errors.length > 0) throw run.errors[0];
    return { mbps: median(run.results.map((r) => r.mbps)), bytes: run.results[0]?.bytes ?? 0 };
  } finally {
    agent.destroy();
  }
}

/**
 * 20 MB transcription uploads, one at a time: request sent to answer received (median ms).
 * @param {Target} target @param {AbortSignal} signal @param {{ body: Buffer, contentType: string }} form
 */
async function measureUpload(target, signal, form) {
  const agent = keepAliveAgent();
  const call = () =>
    send(agent, new URL('audio/transcriptions', target.base), {
      method: 'POST',
      headers: { authorization: target.authorization, 'content-type': form.contentType },
      body: form.body,
      timeoutMs: 30_000,
      signal,
    }).then((exchange) => exchange.end - exchange.start);
  try {
    await pool(2, 1, call, Infinity);
    const run = await pool(UPLOAD.requests, 1, call, Infinity);
    if (run.errors.length > 0) throw run.errors[0];
    return median(run.results);
  } finally {
    agent.destroy();
  }
}

/**
 * @typedef {object} SurfaceRun
 * @property {Map<string, number[]>} keyP50 sequential non-stream p50 per round, by key kind
 * @property {Map<string, number[]>} keyRps requests per second at concurrency 32, by key kind
 * @property {Map<string, number[]>} speechMbps by target
 * @property {number} speechBytes one speech answer's size
 * @property {Map<string, number[]>} uploadMs by target
 */

/** @param {MockUpstream} mock @returns {Promise<SurfaceRun>} */
export async function runSurface(mock) {
  const signal = AbortSignal.timeout(240_000);
  /** @type {SurfaceRun} */
  const run = {
    keyP50: new Map(),
    keyRps: new Map(),
    speechMbps: new Map(),
    speechBytes: 0,
    uploadMs: new Map(),
  };
  /** @param {Map<string, number[]>} map @param {string} name @param {number} value */
  const add = (map, name, value) => map.set(name, [...(map.get(name) ?? []), value]);
  const form = transcriptionForm(UPLOAD.bytes);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, start] of /** @type {const} */ ([
      ['PROXY_KEYS key', () => startTarget(PROXY_KEY_SPEC, mock)],
      ['virtual key', () => startWithVirtualKey(mock)],
    ])) {
      const target = await start();
      try {
        const limits = { signal, deadline: performance.now() + 45_000 };
        const measured = await measureNonStream(target, limits, KEY_PLAN, `keys-${round}-${name}`);
        if (measured.problems.length > 0) throw new Error(`${name}: ${measured.problems[0]}`);
        add(run.keyP50, name, measured.sequential.p50);
        add(run.keyRps, name, measured.rps);
      } finally {
        await target.stop();
        mock.requests.length = 0;
      }
    }
    /** @type {TargetSpec[]} */
    const specs = [{ kind: 'direct' }, { kind: 'floor' }, PROXY_SPEC];
    for (const spec of specs) {
      const target = await startTarget(spec, mock);
      try {
        const speech = await measureSpeech(target, signal);
        add(run.speechMbps, target.name, speech.mbps);
        run.speechBytes = speech.bytes;
        add(run.uploadMs, target.name, await measureUpload(target, signal, form));
      } finally {
        await target.stop();
        mock.requests.length = 0;
      }
    }
  }
  return run;
}

/** @param {SurfaceRun} run */
export function surfaceReport(run) {
  const mid = (/** @type {Map<string, number[]>} */ map, /** @type {string} */ name) =>
    median(map.get(name) ?? []);
  const proxyKey = mid(run.keyP50, 'PROXY_KEYS key');
  const virtualKey = mid(run.keyP50, 'virtual key');
  const keyDiff = virtualKey - proxyKey;
  const [direct, floor, proxy] = ['direct', 'floor', 'proxy'].map((name) => mid(run.speechMbps, name));
  const [upDirect, upFloor, upProxy] = ['direct', 'floor', 'proxy'].map((name) => mid(run.uploadMs, name));
  const speechRatio = /** @type {number} */ (proxy) / /** @type {number} */ (floor);
  const addedFloor = /** @type {number} */ (upFloor) - /** @type {number} */ (upDirect);
  const addedProxy = /** @type {number} */ (upProxy) - /** @type {number} */ (upDirect);
  const f2 = (/** @type {number | undefined} */ n) => (n ?? Number.NaN).toFixed(2);
  const verdict = (/** @type {boolean} */ met) => (met ? 'met' : 'MISSED');
  return [
    `| metric (median of ${ROUNDS} interleaved rounds) | baseline | measured | difference | target | |`,
    '| --- | --- | --- | --- | --- | --- |',
    `| non-stream p50 (ms): PROXY_KEYS key vs virtual key, both rpm=${RPM} tpd=${TPD} | ${f2(proxyKey)} | ${f2(virtualKey)} | ${keyDiff >= 0 ? '+' : ''}${f2(keyDiff)} ms | ≤ +0.3 ms | ${verdict(keyDiff <= 0.3)} |`,
    `| non-stream req/s at concurrency 32: PROXY_KEYS key vs virtual key | ${f2(mid(run.keyRps, 'PROXY_KEYS key'))} | ${f2(mid(run.keyRps, 'virtual key'))} | ${f2(mid(run.keyRps, 'virtual key') / mid(run.keyRps, 'PROXY_KEYS key'))}x | — | |`,
    `| speech relay, ${(run.speechBytes / 1024 / 1024).toFixed(1)} MB answer (MB/s): floor vs proxy (direct ${f2(direct)}) | ${f2(floor)} | ${f2(proxy)} | ${f2(speechRatio)}x | ≥ 0.9x (the floor's throughput) | ${verdict(speechRatio >= 0.9)} |`,
    `| 20 MB transcription upload, time added over direct (ms; direct ${f2(upDirect)}): floor vs proxy | ${f2(addedFloor)} | ${f2(addedProxy)} | ${addedProxy - addedFloor >= 0 ? '+' : ''}${f2(addedProxy - addedFloor)} ms | no more than the floor adds | ${verdict(addedProxy <= addedFloor * 1.1 + 2)} |`,
  ].join('\n');
}
