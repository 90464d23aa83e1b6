// @ts-check
// `npm run bench -- --short`: the hot path's targets in under a minute. The floor Worker and the
// proxy as production runs it (wrangler.toml's [vars], the usage ledger on, the cache bypassed)
// run side by side through interleaved rounds under the same loads, and every target is a ratio or a
// difference against the floor from the same run. Prints a table and exits non-zero if a request
// failed (a MISSED target is a finding, not a failure).
import fs from 'node:fs';
import http from 'node:http';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { keepAliveAgent, send } from './http.mjs';
import { cpuPerItem, measureNonStream, measureStreams } from './measure.mjs';
import { median } from './stats.mjs';
import { startTarget } from './targets.mjs';

/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */
/** @typedef {import('./targets.mjs').Target} Target */
/** @typedef {import('../test/mock-upstream/server.d.mts').MockUpstream} MockUpstream */

const ROUNDS = 5;
const NON_STREAM = { sequential: 150, concurrent: 600, concurrency: 32 };
/** @type {Record<'cpu' | 'fanout' | 'first', import('./measure.mjs').StreamPlan>} */
const PLANS = {
  // CPU per 1,000-chunk stream, chunks back to back (the figure the floor ratio is about).
  cpu: { streams: 12, concurrency: 1, count: 1000, size: 10, intervalMs: 0 },
  // Per-chunk delay with 256 streams open at once.
  fanout: { streams: 256, concurrency: 256, count: 40, size: 10, intervalMs: 20 },
  // Time to the first chunk, one stream at a time.
  first: { streams: 8, concurrency: 1, count: 4, size: 10, intervalMs: 10 },
};
/** A non-streamed answer of this many bytes measures memory: what it costs above the idle Worker. */
const LARGE_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * @typedef {object} Round
 * @property {number} cpuPerRequest worker CPU ms per non-streamed request
 * @property {number} p50 sequential non-stream latency p50, ms
 * @property {number} rps non-stream requests per second at concurrency 32
 * @property {number} cpuPerStream worker CPU ms per 1,000-chunk stream
 * @property {number} fanoutP99 per-chunk delay p99 with 256 concurrent streams, ms
 * @property {number} firstChunk first chunk p50, ms
 * @property {number} requestLeg the same streams, request sent until the mock wrote the first chunk (p50, ms)
 * @property {string[]} problems
 */

/**
 * A server that answers any POST with one large JSON body (an embeddings list), written in 64 KiB
 * pieces, the way a provider answers a big embeddings batch.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
async function startLargeAnswerServer() {
  const row = `{"object":"embedding","index":0,"embedding":[${Array.from({ length: 256 }, (_, i) => (Math.sin(i) / 3).toFixed(9)).join(',')}]},`;
  const rows = Math.floor(LARGE_ANSWER_BYTES / row.length);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"object":"list","data":[');
      let batch = '';
      for (let index = 0; index < rows; index++) {
        batch += index === rows - 1 ? row.slice(0, -1) : row;
        if (batch.length >= 64 * 1024) {
          if (!res.write(batch)) await new Promise((resolve) => res.once('drain', resolve));
          batch = '';
        }
      }
      res.end(
        `${batch}],"model":"text-embedding-3-large","usage":{"prompt_tokens":${rows},"total_tokens":${rows}}}`,
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/** @param {number} pid */
function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Peak resident memory of the target's workerd above its level before the request, while one
 * large answer is relayed to a client that reads it as fast as it can.
 * @param {Target} target
 */
async function measureMemory(target) {
  const [pid] = target.pids;
  if (pid === undefined) throw new Error('no workerd process');
  const before = rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 5);
  try {
    const agent = keepAliveAgent();
    const exchange = await send(agent, new URL('embeddings', target.base), {
      method: 'POST',
      headers: { authorization: target.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text-embedding-3-large', input: 'large' }),
      timeoutMs: 60_000,
      signal: AbortSignal.timeout(120_000),
    });
    agent.destroy();
    peak = Math.max(peak, rssBytes(pid));
    return { bytes: exchange.bytes, addedBytes: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * One round over targets running side by side: each load is run on every target in turn (the
 * order reversed each round) before the next load starts, so the figures a ratio compares are
 * seconds apart and a slow spell of the machine falls on both sides of it.
 * @param {Target[]} targets @param {MockUpstream} mock @param {number} round
 * @returns {Promise<Map<string, Round>>}
 */
async function measureRound(targets, mock, round) {
  const limits = { signal: AbortSignal.timeout(120_000), deadline: performance.now() + 90_000 };
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  /**
   * @template T
   * @param {(target: Target, label: string) => Promise<T>} measure
   * @returns {Promise<Map<string, T>>}
   */
  const inTurn = async (measure) => {
    /** @type {Map<string, T>} */
    const byTarget = new Map();
    for (const target of order) {
      byTarget.set(target.name, await measure(target, `quick-${round}-${target.name}`));
      mock.requests.length = 0;
    }
    return byTarget;
  };
  const ns = await inTurn((target, label) => measureNonStream(target, limits, NON_STREAM, `${label}-ns`));
  /** @param {keyof typeof PLANS} plan */
  const streams = (plan) =>
    inTurn((target, label) => measureStreams(target, mock, limits, PLANS[plan], `${label}-${plan}`));
  const cpu = await streams('cpu');
  const fanout = await streams('fanout');
  const first = await streams('first');
  return new Map(
    targets.map((target) => {
      const n = ns.get(target.name);
      const [c, f, t] = [cpu, fanout, first].map((phase) => phase.get(target.name));
      if (!n || !c || !f || !t) throw new Error(`${target.name} was not measured`);
      /** @type {Round} */
      const measured = {
        cpuPerRequest: cpuPerItem(n.cpu),
        p50: n.sequential.p50,
        rps: n.rps,
        cpuPerStream: cpuPerItem(c.cpu),
        fanoutP99: f.chunk.p99,
        firstChunk: t.first.p50,
        requestLeg: t.requestLeg.p50,
        problems: [...n.problems, ...c.problems, ...f.problems, ...t.problems],
      };
      return [target.name, measured];
    }),
  );
}

/**
 * @param {TargetSpec[]} specs
 * @returns {Promise<{ rounds: Map<string, Round[]>, memory: Map<string, { bytes: number, addedBytes: number }> }>}
 */
export async function runQuick(specs) {
  /** @type {Map<string, Round[]>} */
  const rounds = new Map();
  /** @type {Map<string, { bytes: number, addedBytes: number }>} */
  const memory = new Map();
  const mock = await startMockUpstream({ apiKey: 'sk-bench-upstream-0123456789abcdef' });
  const large = await startLargeAnswerServer();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      /** @type {Target[]} */
      const targets = [];
      try {
        for (const spec of specs) targets.push(await startTarget(spec, mock));
        for (const [name, measured] of await measureRound(targets, mock, round))
          rounds.set(name, [...(rounds.get(name) ?? []), measured]);
      } finally {
        await Promise.all(targets.map((target) => target.stop()));
      }
    }
    for (const spec of specs) {
      const target = await startTarget(spec, /** @type {MockUpstream} */ ({ url: large.url }));
      try {
        memory.set(target.name, await measureMemory(target));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await Promise.all([mock.close(), large.close()]);
  }
  return { rounds, memory };
}

/** @param {Round[]} rounds @param {keyof Omit<Round, 'problems'>} field */
const mid = (rounds, field) => median(rounds.map((round) => round[field]));

/**
 * The targets of issue 15, each against the floor from the same run.
 * @param {{ rounds: Map<string, Round[]>, memory: Map<string, { bytes: number, addedBytes: number }> }} run
 * @param {string} proxyName
 */
export function quickReport(run, proxyName) {
  const floor = run.rounds.get('floor') ?? [];
  const proxy = run.rounds.get(proxyName) ?? [];
  const mb = (bytes = 0) => (bytes / 1024 / 1024).toFixed(1);
  const answer = run.memory.get(proxyName);
  const rows = [
    [
      'CPU per non-streamed request (ms)',
      mid(floor, 'cpuPerRequest'),
      mid(proxy, 'cpuPerRequest'),
      'ratio',
      1.5,
    ],
    ['non-stream p50, one at a time (ms)', mid(floor, 'p50'), mid(proxy, 'p50'), 'plus', 0.4],
    [
      'non-stream throughput at concurrency 32 (req/s)',
      mid(floor, 'rps'),
      mid(proxy, 'rps'),
      'at least',
      0.8,
    ],
    ['CPU per 1,000-chunk stream (ms)', mid(floor, 'cpuPerStream'), mid(proxy, 'cpuPerStream'), 'ratio', 1.5],
    [
      '256 concurrent streams, per-chunk p99 (ms)',
      mid(floor, 'fanoutP99'),
      mid(proxy, 'fanoutP99'),
      'ratio',
      1.5,
    ],
    ['stream first chunk p50 (ms)', mid(floor, 'firstChunk'), mid(proxy, 'firstChunk'), 'plus', 0.3],
    // Where the first chunk's time goes: before the upstream call (the request leg) or after it.
    [
      '… of it, sent until the mock wrote it (ms)',
      mid(floor, 'requestLeg'),
      mid(proxy, 'requestLeg'),
      'split',
      0,
    ],
  ];
  const lines = [
    `| metric (median of ${ROUNDS} interleaved rounds) | floor | ${proxyName} | proxy vs floor | target | |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, f, p, kind, limit] of rows) {
    const a = /** @type {number} */ (f);
    const b = /** @type {number} */ (p);
    const bound = /** @type {number} */ (limit);
    const ratio = b / a;
    if (kind === 'split') {
      lines.push(
        `| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | +${(b - a).toFixed(2)} ms | (no target) | |`,
      );
      continue;
    }
    const [shown, target, met] =
      kind === 'ratio'
        ? [`${ratio.toFixed(2)}x`, `≤ ${bound}x`, ratio <= bound]
        : kind === 'plus'
          ? [`+${(b - a).toFixed(2)} ms`, `≤ +${bound} ms`, b - a <= bound]
          : [`${ratio.toFixed(2)}x`, `≥ ${bound}x`, ratio >= bound];
    lines.push(
      `| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${shown} | ${target} | ${met ? 'met' : 'MISSED'} |`,
    );
  }
  if (answer) {
    const within = answer.addedBytes <= answer.bytes + 16 * 1024 * 1024;
    lines.push(
      `| memory for one ${mb(answer.bytes)} MB non-streamed answer (MB above idle) | ${mb(run.memory.get('floor')?.addedBytes)} | ${mb(answer.addedBytes)} | — | ≤ its size + 16 MB | ${within ? 'met' : 'MISSED'} |`,
    );
  }
  return lines.join('\n');
}

/** Problems (failed requests, incomplete streams) from every round. @param {Map<string, Round[]>} rounds */
export function quickProblems(rounds) {
  return [...rounds].flatMap(([name, list]) =>
    list.flatMap((round) => round.problems.map((p) => `${name}: ${p}`)),
  );
}
