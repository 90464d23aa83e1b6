// @ts-check
// `npm run bench -- --relays`: what it costs a Worker to watch a stream at all. The floor relays
// the same unpaced 1,000-chunk streams untouched, through a `tee()` whose copy is read as it
// comes or every 250 ms (the proxy's way), and through JavaScript reads with no tee; the proxy
// runs as production does. Each is CPU per stream against the untouched floor, in interleaved
// rounds. This is the evidence for why a watched stream cannot cost 1.5x the floor (issue 15).
import { cpuPerItem, measureStreams } from './measure.mjs';
import { median } from './stats.mjs';
import { inRounds } from './targets.mjs';

/** @typedef {import('./targets.mjs').TargetSpec} TargetSpec */

const ROUNDS = 3;
/** The short run's stream CPU plan: chunks back to back, one stream at a time. */
const PLAN = { streams: 12, concurrency: 1, count: 1000, size: 10, intervalMs: 0 };

/** @type {Record<string, string>} */
const MEANING = {
  floor: 'the body passed through untouched',
  'floor+tee-eager': '`tee()`; the copy read as fast as it comes',
  'floor+tee-ticked':
    "`tee()`; the copy read every 250 ms while it trickles (the proxy's relay, without its reading)",
  'floor+js': 'no tee: JavaScript reads the upstream (64 KiB BYOB reads) and writes each read on',
  proxy: "the proxy as production runs it (ledger on, cache off): the tee'd copy read for usage",
};

/**
 * @param {TargetSpec} proxySpec
 * @returns {Promise<{ rows: Map<string, number[]>, problems: string[] }>}
 */
export async function runRelays(proxySpec) {
  /** @type {TargetSpec[]} */
  const specs = [
    { kind: 'floor' },
    { kind: 'floor', relay: 'tee-eager' },
    { kind: 'floor', relay: 'tee-ticked' },
    { kind: 'floor', relay: 'js' },
    proxySpec,
  ];
  const run = await inRounds(specs, ROUNDS, async (target, mock, label) => {
    const limits = { signal: AbortSignal.timeout(120_000), deadline: performance.now() + 90_000 };
    const result = await measureStreams(target, mock, limits, PLAN, `relays-${label}`);
    return { row: cpuPerItem(result.cpu), problems: result.problems };
  });
  return { rows: run.rounds, problems: run.problems };
}

/** @param {Map<string, number[]>} rows */
export function relaysReport(rows) {
  const floor = median(rows.get('floor') ?? []);
  const lines = [
    `| relay (CPU per unpaced ${PLAN.count}-chunk stream, median of ${ROUNDS} interleaved rounds) | ms | against the floor | rounds |`,
    '| --- | --- | --- | --- |',
  ];
  for (const [name, values] of rows) {
    const ms = median(values);
    lines.push(
      `| ${name}: ${MEANING[name] ?? ''} | ${ms.toFixed(1)} | ${(ms / floor).toFixed(2)}x | ${values.map((v) => v.toFixed(1)).join(' / ')} |`,
    );
  }
  return lines.join('\n');
}
