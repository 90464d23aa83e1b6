// @ts-check
// The measurements, one function per kind of load. Each takes a running target and returns plain
// numbers; nothing here knows about tables or about the other targets.
import { startCpuMeter } from './cpu.mjs';
import { keepAliveAgent, send } from './http.mjs';
import { pool } from './pool.mjs';
import { SeqClock } from './sse.mjs';
import { median, summarize } from './stats.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('./stats.mjs').Summary} Summary */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */
/** @typedef {import('node:http').Agent} Agent */

/** @typedef {{ signal: AbortSignal, deadline: number }} Limits */
/** Worker CPU over `n` requests or streams; `ticks` shows how coarse the figure is. */
/** @typedef {{ ms: number, ticks: number, n: number }} CpuUse */

/** Worker CPU ms per request or stream; NaN when the target runs no Worker. @param {CpuUse | undefined} cpu */
export const cpuPerItem = (cpu) => (cpu?.ms ?? Number.NaN) / (cpu?.n ?? 1);

/**
 * @typedef {object} NonStreamResult
 * @property {Summary} sequential latency, one request at a time
 * @property {Summary} concurrent latency under the concurrent load
 * @property {number} rps completed requests per second under the concurrent load
 * @property {CpuUse | undefined} cpu over both runs
 * @property {string[]} problems errors and requests the deadline cut off
 */

/**
 * @typedef {object} StreamPlan
 * @property {number} streams how many to measure
 * @property {number} concurrency how many run at once
 * @property {number} count chunks per stream
 * @property {number} size characters of content per chunk
 * @property {number} intervalMs pacing asked of the mock
 */

/**
 * @typedef {object} StreamResult
 * @property {number} completed streams with every chunk and the final [DONE]
 * @property {Summary} first request sent until the first content chunk arrived
 * @property {Summary} requestLeg request sent until the mock wrote the first content chunk
 * @property {Summary} chunk arrival of each content chunk minus the moment the mock wrote it
 * @property {number[][]} chunkByStream the same per-chunk delays, one array per completed stream
 * @property {number} mbps median body MB/s of a single stream, request to last byte
 * @property {number} mockGapMs median gap between the mock's writes: the pacing really applied
 * @property {CpuUse | undefined} cpu over the measured streams
 * @property {string[]} problems errors, incomplete streams and streams the deadline cut off
 */

/** Longest silence on one exchange; far above any healthy gap, far below the run's limit. */
const REQUEST_TIMEOUT_MS = 15_000;
const WARMUP_REQUESTS = 300;
const WARMUP_STREAMS = 3;

/**
 * @param {Target} target @param {Agent} agent @param {Limits} limits @param {object} body
 * @param {{ onData?: (chunk: Buffer, at: number) => void, keepBody?: boolean }} [extra]
 */
function chat(target, agent, limits, body, extra = {}) {
  return send(agent, new URL('chat/completions', target.base), {
    method: 'POST',
    headers: { authorization: target.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: REQUEST_TIMEOUT_MS,
    signal: limits.signal,
    ...extra,
  });
}

/** Whether the target's stream requests ask for the usage chunk themselves. @param {Target} target */
function asksForUsage(target) {
  const options = target.streamFields['stream_options'];
  return typeof options === 'object' && options !== null && 'include_usage' in options
    ? options.include_usage === true
    : false;
}

/** @param {{ errors: unknown[], skipped: number }} run @param {string} what */
function problemsOf(run, what) {
  const problems = run.errors.map((error) => `${what}: ${error instanceof Error ? error.message : error}`);
  if (run.skipped > 0) problems.push(`${what}: ${run.skipped} not started before the deadline`);
  return problems;
}

/**
 * Non-streaming chat completions: sequential latency, then latency and rate at `concurrency`.
 * @param {Target} target @param {Limits} limits
 * @param {{ sequential: number, concurrent: number, concurrency: number }} plan
 * @param {string} label unique per run and target
 * @returns {Promise<NonStreamResult>}
 */
export async function measureNonStream(target, limits, plan, label) {
  const agent = keepAliveAgent();
  const messages = [{ role: 'user', content: 'Say hello to the benchmark.' }];
  let sent = 0;
  // A distinct `user` per request: identical bodies would be answered by the proxy's cache.
  const call = () =>
    chat(target, agent, limits, { model: 'gpt-4o-mini', messages, user: `${label}-${sent++}` }).then(
      (exchange) => exchange.end - exchange.start,
    );
  try {
    // Warm-up compiles the Worker, opens connections and fills the proxy's per-isolate caches.
    const warm = await pool(WARMUP_REQUESTS, 8, call, limits.deadline);
    const meter = target.runsWorker ? startCpuMeter(target.pids) : undefined;
    const sequential = await pool(plan.sequential, 1, call, limits.deadline);
    const concurrent = await pool(plan.concurrent, plan.concurrency, call, limits.deadline);
    const used = meter?.stop();
    return {
      sequential: summarize(sequential.results),
      concurrent: summarize(concurrent.results),
      rps: concurrent.results.length / (concurrent.elapsedMs / 1000),
      cpu: used && { ...used, n: sequential.results.length + concurrent.results.length },
      problems: [
        ...problemsOf(warm, 'warm-up'),
        ...problemsOf(sequential, 'sequential'),
        ...problemsOf(concurrent, 'concurrent'),
      ],
    };
  } finally {
    agent.destroy();
  }
}

/**
 * Streamed chat completions from the mock's `chunks` scenario, timing every chunk end to end.
 * @param {Target} target @param {MockUpstream} mock @param {Limits} limits
 * @param {StreamPlan} plan @param {string} label unique per phase and target; tags the mock's records
 * @returns {Promise<StreamResult>}
 */
export async function measureStreams(target, mock, limits, plan, label) {
  const agent = keepAliveAgent();
  /** @param {string} tag @param {number} count */
  const stream = async (tag, count) => {
    const clock = new SeqClock();
    // The mock paces `chunks` by x_mock.intervalMs; `mockGapMs` reports what was really applied.
    const x_mock = { scenario: 'chunks', count, size: plan.size, intervalMs: plan.intervalMs, tag };
    const body = {
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'go' }],
      ...target.streamFields,
      x_mock,
    };
    const exchange = await chat(target, agent, limits, body, {
      onData: (chunk, at) => clock.feed(chunk, at),
    });
    return { tag, exchange, clock };
  };
  try {
    const warm = await pool(WARMUP_STREAMS, 1, (i) => stream(`${label}-warm-${i}`, 5), limits.deadline);
    const meter = target.runsWorker ? startCpuMeter(target.pids) : undefined;
    const run = await pool(
      plan.streams,
      plan.concurrency,
      (i) => stream(`${label}-${i}`, plan.count),
      limits.deadline,
    );
    const used = meter?.stop();

    const sentAt = new Map(mock.requests.map((record) => [record.tag, record.sentAt]));
    mock.requests.length = 0; // in place, as the mock's own DELETE /__mock/requests does
    /** @type {number[]} */
    const first = [];
    /** @type {number[]} */
    const requestLeg = [];
    /** @type {number[][]} */
    const chunkByStream = [];
    /** @type {number[]} */
    const mbps = [];
    /** @type {number[]} */
    const gaps = [];
    const problems = [...problemsOf(warm, 'warm-up'), ...problemsOf(run, 'stream')];
    let completed = 0;
    // The client must get the usage-only chunk exactly when it asked for it, whatever the proxy
    // requested upstream on its behalf.
    const wantsUsage = asksForUsage(target);
    for (const { tag, clock } of warm.results) {
      if (clock.usage !== wantsUsage)
        problems.push(`${tag}: usage chunk ${clock.usage ? 'present' : 'missing'}`);
    }
    for (const { tag, exchange, clock } of run.results) {
      if (clock.usage !== wantsUsage)
        problems.push(`${tag}: usage chunk ${clock.usage ? 'present' : 'missing'}`);
      const sent = sentAt.get(tag) ?? [];
      const arrived = clock.arrivals;
      const whole =
        clock.done && sent.length === plan.count && arrived.filter(Number.isFinite).length === plan.count;
      if (!whole) {
        problems.push(`${tag}: incomplete (${arrived.length}/${plan.count} chunks, done=${clock.done})`);
        continue;
      }
      completed++;
      first.push((arrived[0] ?? Number.NaN) - exchange.start);
      requestLeg.push((sent[0] ?? Number.NaN) - exchange.start);
      chunkByStream.push(
        Array.from(
          { length: plan.count },
          (_, seq) => (arrived[seq] ?? Number.NaN) - (sent[seq] ?? Number.NaN),
        ),
      );
      for (let seq = 1; seq < plan.count; seq++)
        gaps.push((sent[seq] ?? Number.NaN) - (sent[seq - 1] ?? Number.NaN));
      mbps.push(exchange.bytes / (exchange.end - exchange.start) / 1000);
    }
    return {
      completed,
      first: summarize(first),
      requestLeg: summarize(requestLeg),
      chunk: summarize(chunkByStream.flat()),
      chunkByStream,
      mbps: median(mbps),
      mockGapMs: median(gaps),
      cpu: used && { ...used, n: completed },
      problems,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * @typedef {object} CachePlan
 * @property {number} bodies distinct request bodies per kind: each is one miss
 * @property {number} hitsPerBody hits counted per body after its miss
 * @property {number} delayMs the mock's delay before answering, x_mock.delayMs
 * @property {number} count chunks in a streamed answer (sent back to back)
 * @property {number} size characters of content per chunk
 */

/**
 * @typedef {object} CacheKind
 * @property {Summary} miss request sent until the whole response arrived, cache misses
 * @property {Summary} hit the same, for responses marked `x-cache: HIT`
 * @property {Summary} missFirst request sent until the first body byte arrived, misses
 * @property {Summary} hitFirst the same, hits
 * @property {number} notHit repeats answered without `x-cache: HIT` (the write was not yet visible); not counted
 * @property {Record<string, number>} sources hits by `x-cache-source`
 * @property {number} compared hits whose bytes were compared with their miss
 * @property {number} mismatches hits whose bytes differ from their miss
 */

/** @typedef {{ json: CacheKind, stream: CacheKind, problems: string[] }} CacheResult */

/** Repeats allowed per body beyond its hits, while the miss's cache write lands. */
const CACHE_POLLS = 10;
const CACHE_POLL_GAP_MS = 20;
const CACHE_WARMUP_BODIES = 5;

/**
 * Cache misses against hits of the same bodies, JSON and streamed, one request at a time. A body
 * is sent once (a miss, delayed by the mock), then repeated until `hitsPerBody` responses say
 * `x-cache: HIT`; every hit's bytes are compared with its miss's.
 * @param {Target} target @param {Limits} limits @param {CachePlan} plan
 * @param {string} label unique per run; keeps bodies (hence cache keys) distinct
 * @returns {Promise<CacheResult>}
 */
export async function measureCache(target, limits, plan, label) {
  const agent = keepAliveAgent();
  const messages = (/** @type {string} */ tag) => [{ role: 'user', content: `cache ${tag}` }];
  /** @type {Record<'json' | 'stream', (tag: string, delayMs: number) => object>} */
  const bodies = {
    json: (tag, delayMs) => ({ model: 'gpt-4o-mini', messages: messages(tag), x_mock: { delayMs, tag } }),
    stream: (tag, delayMs) => ({
      model: 'gpt-4o-mini',
      stream: true,
      messages: messages(tag),
      x_mock: { scenario: 'chunks', count: plan.count, size: plan.size, intervalMs: 0, delayMs, tag },
    }),
  };
  /** @type {string[]} */
  const problems = [];
  /** @param {object} body */
  const ask = (body) => chat(target, agent, limits, body, { keepBody: true });

  /**
   * Repeats `body` until `want` hits arrived or the polls ran out.
   * @param {object} body @param {Buffer | undefined} expected @param {number} want @param {string} tag
   */
  const repeat = async (body, expected, want, tag) => {
    /** @type {import('./http.mjs').Exchange[]} */
    const hits = [];
    let notHit = 0;
    for (let attempt = 0; attempt < want + CACHE_POLLS && hits.length < want; attempt++) {
      if (performance.now() > limits.deadline) break;
      const exchange = await ask(body);
      if (exchange.headers['x-cache'] === 'HIT') hits.push(exchange);
      else {
        notHit++;
        await sleep(CACHE_POLL_GAP_MS);
      }
    }
    if (hits.length < want)
      problems.push(`${tag}: ${hits.length}/${want} hits after ${hits.length + notHit} repeats`);
    const mismatches = expected ? hits.filter((hit) => !hit.body?.equals(expected)).length : 0;
    return { hits, notHit, mismatches };
  };

  /** @param {'json' | 'stream'} kind @returns {Promise<CacheKind>} */
  const measureKind = async (kind) => {
    const make = bodies[kind];
    // Warm-up: compiles both paths (miss and hit) on bodies the mock answers at once.
    for (let i = 0; i < CACHE_WARMUP_BODIES; i++) {
      const tag = `${label}-${kind}-warm-${i}`;
      await ask(make(tag, 0));
      await repeat(make(tag, 0), undefined, 1, tag);
    }
    const misses = await pool(
      plan.bodies,
      1,
      async (i) => {
        const tag = `${label}-${kind}-${i}`;
        return { tag, body: make(tag, plan.delayMs), exchange: await ask(make(tag, plan.delayMs)) };
      },
      limits.deadline,
    );
    problems.push(
      ...misses.errors.map((error) => `${kind} miss: ${error instanceof Error ? error.message : error}`),
    );
    /** @type {import('./http.mjs').Exchange[]} */
    const hits = [];
    let notHit = 0;
    let mismatches = 0;
    /** @type {Record<string, number>} */
    const sources = {};
    for (const miss of misses.results) {
      const cacheStatus = miss.exchange.headers['x-cache'];
      if (cacheStatus !== 'MISS') problems.push(`${miss.tag}: first request answered x-cache ${cacheStatus}`);
      try {
        const run = await repeat(miss.body, miss.exchange.body, plan.hitsPerBody, miss.tag);
        hits.push(...run.hits);
        notHit += run.notHit;
        mismatches += run.mismatches;
        for (const hit of run.hits) {
          const source = String(hit.headers['x-cache-source'] ?? 'none');
          sources[source] = (sources[source] ?? 0) + 1;
        }
      } catch (error) {
        problems.push(`${miss.tag} repeat: ${error instanceof Error ? error.message : error}`);
      }
    }
    if (mismatches > 0) problems.push(`${kind}: ${mismatches} hits differ from their miss's bytes`);
    const total = (/** @type {import('./http.mjs').Exchange} */ x) => x.end - x.start;
    const first = (/** @type {import('./http.mjs').Exchange} */ x) => x.firstByte - x.start;
    const missed = misses.results.map((miss) => miss.exchange);
    return {
      miss: summarize(missed.map(total)),
      hit: summarize(hits.map(total)),
      missFirst: summarize(missed.map(first)),
      hitFirst: summarize(hits.map(first)),
      notHit,
      sources,
      compared: hits.length,
      mismatches,
    };
  };
  try {
    const json = await measureKind('json');
    const stream = await measureKind('stream');
    return { json, stream, problems };
  } finally {
    agent.destroy();
  }
}
