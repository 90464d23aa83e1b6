// @ts-check
// `npm run bench -- --ab A B …`: a same-run A/B of built bundles, the only comparison this noisy
// machine can make of a change worth a tenth of a millisecond. `npm run bench -- --save NAME`
// builds the working tree as `wrangler deploy` would into bench/.out/ab/NAME; `--ab` then runs
// the floor and each named bundle in turn, every round with a fresh mock and fresh Miniflares,
// the order reversed every other round, and prints the median of the rounds beside each round.
// A name may carry settings: `after@USAGE_LEDGER=false@STREAM_RELAY=checked`.
import { cpuPerItem, measureNonStream, measureStreams } from './measure.mjs';
import { median } from './stats.mjs';
import { inRounds } from './targets.mjs';

/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */

/** Where `--save NAME` puts a build, and where `--ab NAME` finds it. */
export const AB_DIR = 'bench/.out/ab';

const NON_STREAM = { sequential: 150, concurrent: 600, concurrency: 32 };

/**
 * Short streams one at a time: the first chunk, split at the upstream call, and the CPU a stream
 * costs. At 100 streams a 10 ms CPU tick is 0.1 ms a stream.
 * @param {number} streams
 * @returns {import('./measure.mjs').StreamPlan}
 */
const streamPlan = (streams) => ({ streams, concurrency: 1, count: 4, size: 10, intervalMs: 10 });

/**
 * @typedef {object} AbRound
 * @property {number} cpuPerRequest worker CPU ms per non-streamed request
 * @property {number} p50 sequential non-stream latency p50, ms
 * @property {number} rps non-stream requests per second at concurrency 32
 * @property {number} firstChunk first chunk p50, ms
 * @property {number} requestLeg request sent until the mock wrote the first chunk, p50, ms
 * @property {number} cpuPerStream worker CPU ms per 4-chunk stream
 */

/**
 * `NAME[@VAR=value…]` as a target: the bundle saved under NAME with those settings on top of
 * production's; `floor[@relay]` is the floor Worker (watching streams with `relay`, if given).
 * @param {string} arg
 * @returns {TargetSpec}
 */
export function parseAbTarget(arg) {
  const [name = '', ...settings] = arg.split('@');
  if (name === 'floor') {
    // The plain floor is every run's reference already; a second would merge into its rows.
    if (!settings[0]) throw new Error('--ab: the floor always runs; name saved builds, or floor@RELAY');
    return { kind: 'floor', relay: settings[0] };
  }
  if (!/^[\w.-]+$/.test(name)) throw new Error(`--ab: "${name}" is not a name saved with --save`);
  /** @type {Record<string, string>} */
  const bindings = { CACHE_TTL: '0' };
  for (const setting of settings) {
    const at = setting.indexOf('=');
    if (at < 1) throw new Error(`--ab: "${setting}" in "${arg}" is not VAR=value`);
    bindings[setting.slice(0, at)] = setting.slice(at + 1);
  }
  return { kind: 'proxy', variant: { name: arg, bindings }, bundle: `${AB_DIR}/${name}/index.js` };
}

/**
 * The floor and `specs`, measured in turn for `rounds` rounds.
 * @param {readonly TargetSpec[]} specs
 * @param {{ rounds: number, streams: number }} options
 * @returns {Promise<{ rounds: Map<string, AbRound[]>, problems: string[] }>}
 */
export function runAb(specs, { rounds, streams }) {
  return inRounds([{ kind: 'floor' }, ...specs], rounds, async (target, mock, label) => {
    const limits = { signal: AbortSignal.timeout(180_000), deadline: performance.now() + 150_000 };
    const ns = await measureNonStream(target, limits, NON_STREAM, `ab-${label}-ns`);
    const st = await measureStreams(target, mock, limits, streamPlan(streams), `ab-${label}-st`);
    /** @type {AbRound} */
    const row = {
      cpuPerRequest: cpuPerItem(ns.cpu),
      p50: ns.sequential.p50,
      rps: ns.rps,
      firstChunk: st.first.p50,
      requestLeg: st.requestLeg.p50,
      cpuPerStream: cpuPerItem(st.cpu),
    };
    return { row, problems: [...ns.problems, ...st.problems] };
  });
}

/** @type {ReadonlyArray<[keyof AbRound, string, 'ratio' | 'plus']>} */
const COLUMNS = [
  ['cpuPerRequest', 'CPU per request (ms)', 'ratio'],
  ['p50', 'p50, one at a time (ms)', 'plus'],
  ['rps', 'requests/s at concurrency 32', 'ratio'],
  ['firstChunk', 'stream first chunk p50 (ms)', 'plus'],
  ['requestLeg', '… of it, sent until the mock wrote it (ms)', 'plus'],
  ['cpuPerStream', 'CPU per 4-chunk stream (ms)', 'ratio'],
];

/**
 * One row per target and figure: the median, against the floor's, and every round's value.
 * @param {Map<string, AbRound[]>} rounds
 */
export function abReport(rounds) {
  const floor = rounds.get('floor') ?? [];
  const lines = [
    '| target | figure | median | against the floor | rounds |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name, list] of rounds) {
    for (const [field, label, kind] of COLUMNS) {
      const value = median(list.map((round) => round[field]));
      const base = median(floor.map((round) => round[field]));
      const difference = value - base;
      const against =
        name === 'floor'
          ? ''
          : kind === 'ratio'
            ? `${(value / base).toFixed(2)}x`
            : `${difference >= 0 ? '+' : ''}${difference.toFixed(2)} ms`;
      const each = list.map((round) => round[field].toFixed(2)).join(' / ');
      lines.push(`| ${name} | ${label} | ${value.toFixed(2)} | ${against} | ${each} |`);
    }
  }
  return lines.join('\n');
}
