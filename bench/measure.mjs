// @ts-check
// The measurements, one function per kind of load. Each takes a running target and returns plain
// numbers; nothing here knows about tables or about the other targets.
import { startCpuMeter } from './cpu.mjs';
import { keepAliveAgent, send } from './http.mjs';
import { pool } from './pool.mjs';
import { SeqClock } from './sse.mjs';
import { median, summarize } from './stats.mjs';

/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('./stats.mjs').Summary} Summary */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */
/** @typedef {import('node:http').Agent} Agent */

/** @typedef {{ signal: AbortSignal, deadline: number }} Limits */
/** Worker CPU over `n` requests or streams; `ticks` shows how coarse the figure is. */
/** @typedef {{ ms: number, ticks: number, n: number }} CpuUse */

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
 * @param {(chunk: Buffer, at: number) => void} [onData]
 */
function chat(target, agent, limits, body, onData) {
  return send(agent, new URL('chat/completions', target.base), {
    method: 'POST',
    headers: { authorization: target.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: REQUEST_TIMEOUT_MS,
    signal: limits.signal,
    ...(onData ? { onData } : {}),
  });
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
    const meter = target.runsWorker ? startCpuMeter() : undefined;
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
    // `intervalMs` is what the brief's mock API names; the pacing itself comes from the mock's
    // start options (see run.mjs), and `mockGapMs` reports what was really applied.
    const x_mock = { scenario: 'chunks', count, size: plan.size, intervalMs: plan.intervalMs, tag };
    const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }], x_mock };
    const exchange = await chat(target, agent, limits, body, (chunk, at) => clock.feed(chunk, at));
    return { tag, exchange, clock };
  };
  try {
    const warm = await pool(WARMUP_STREAMS, 1, (i) => stream(`${label}-warm-${i}`, 5), limits.deadline);
    const meter = target.runsWorker ? startCpuMeter() : undefined;
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
    /** @type {number[]} */
    const chunk = [];
    /** @type {number[]} */
    const mbps = [];
    /** @type {number[]} */
    const gaps = [];
    const problems = [...problemsOf(warm, 'warm-up'), ...problemsOf(run, 'stream')];
    let completed = 0;
    for (const { tag, exchange, clock } of run.results) {
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
      for (let seq = 0; seq < plan.count; seq++)
        chunk.push((arrived[seq] ?? Number.NaN) - (sent[seq] ?? Number.NaN));
      for (let seq = 1; seq < plan.count; seq++)
        gaps.push((sent[seq] ?? Number.NaN) - (sent[seq - 1] ?? Number.NaN));
      mbps.push(exchange.bytes / (exchange.end - exchange.start) / 1000);
    }
    return {
      completed,
      first: summarize(first),
      requestLeg: summarize(requestLeg),
      chunk: summarize(chunk),
      mbps: median(mbps),
      mockGapMs: median(gaps),
      cpu: used && { ...used, n: completed },
      problems,
    };
  } finally {
    agent.destroy();
  }
}
