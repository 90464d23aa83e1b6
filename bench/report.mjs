// @ts-check
// Turns the measurements into one markdown report: a figures table (targets side by side with
// ratios), an added-delay table (differences between targets), and the notes needed to read them.

/** @typedef {import('./measure.mjs').NonStreamResult} NonStreamResult */
/** @typedef {import('./measure.mjs').StreamResult} StreamResult */
/** @typedef {import('./measure.mjs').StreamPlan} StreamPlan */
/** @typedef {import('./measure.mjs').CpuUse} CpuUse */

/**
 * @typedef {object} Results
 * @property {{ raw: number, gzip: number }} bundle
 * @property {string[]} variants proxy variant names; columns are direct, floor, then these
 * @property {{ sequential: number, concurrent: number, concurrency: number }} nonStreamPlan
 * @property {Map<string, NonStreamResult>} nonStream
 * @property {Record<'paced' | 'cpu' | 'bulk' | 'fanout', { plan: StreamPlan, byTarget: Map<string, StreamResult> }>} streams
 * @property {string[]} notes
 */

/** @typedef {(name: string) => number | undefined} Pick */
/**
 * @typedef {object} Row
 * @property {string} label
 * @property {Pick} pick the figure for a target (by column name)
 * @property {boolean} ratio whether dividing two targets' figures means anything
 * @property {boolean} [count] a count, printed without decimals
 * @property {(name: string) => CpuUse | undefined} [cpu] shows the tick count beside the figure
 * @property {{ text: string, met: (variant: string) => boolean }} [target]
 */

const KIB = 1024;
const BUNDLE_TARGET_KIB = 30;
const ADDED_TARGET_MS = 0.5;
const CPU_TARGET_RATIO = 1.5;

/** @param {number | undefined} value @param {boolean} [count] */
function num(value, count = false) {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (count) return value.toFixed(0);
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 1 ? 2 : 3);
}

/** @param {number | undefined} a @param {number | undefined} b */
function ratio(a, b) {
  if (a === undefined || b === undefined || !Number.isFinite(a / b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}x`;
}

/** @param {boolean | undefined} ok */
const verdict = (ok) => (ok === undefined ? 'n/a' : ok ? 'target met' : 'MISSED');

/** One verdict per variant, named when there is more than one. @param {string[]} variants @param {(v: string) => boolean} met */
const verdicts = (variants, met) =>
  variants.map((v) => (variants.length > 1 ? `${v} ${verdict(met(v))}` : verdict(met(v)))).join(', ');

/** @param {string[][]} rows first row is the header */
function table(rows) {
  const widths = (rows[0] ?? []).map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  /** @param {string[]} row */
  const line = (row) => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  const [head = [], ...body] = rows;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** @param {Results} r @returns {Row[]} */
function figureRows(r) {
  const ns = (/** @type {(x: NonStreamResult) => number} */ f) => (/** @type {string} */ name) => {
    const result = r.nonStream.get(name);
    return result && f(result);
  };
  /** @param {keyof Results['streams']} phase @param {(x: StreamResult) => number} f */
  const st = (phase, f) => (/** @type {string} */ name) => {
    const result = r.streams[phase].byTarget.get(name);
    return result && f(result);
  };
  /** @param {Pick} pick */
  const withinFloor = (pick) => ({
    text: `≤ ${CPU_TARGET_RATIO}x floor`,
    met: (/** @type {string} */ v) => (pick(v) ?? Infinity) <= CPU_TARGET_RATIO * (pick('floor') ?? 0),
  });
  const { paced, cpu, bulk, fanout } = r.streams;
  const { sequential: nSeq, concurrent: nConc, concurrency: c } = r.nonStreamPlan;
  const cpuStream = (/** @type {'cpu' | 'bulk'} */ phase) =>
    st(phase, (x) => (x.cpu ? x.cpu.ms / x.cpu.n : NaN));
  /** @type {Row[]} */
  const rows = [
    {
      label: `non-stream latency p50, sequential (ms, n=${nSeq})`,
      pick: ns((x) => x.sequential.p50),
      ratio: true,
    },
    { label: `non-stream latency p99, sequential (ms)`, pick: ns((x) => x.sequential.p99), ratio: true },
    {
      label: `non-stream latency p50, c=${c} (ms, n=${nConc})`,
      pick: ns((x) => x.concurrent.p50),
      ratio: true,
    },
    { label: `non-stream latency p99, c=${c} (ms)`, pick: ns((x) => x.concurrent.p99), ratio: true },
    { label: `non-stream requests/s, c=${c}`, pick: ns((x) => x.rps), ratio: true },
    {
      label: `stream first chunk p50 (ms; ${paced.plan.streams} streams × ${paced.plan.count} chunks, ${paced.plan.intervalMs} ms apart)`,
      pick: st('paced', (x) => x.first.p50),
      ratio: true,
    },
    { label: 'stream first chunk p99 (ms)', pick: st('paced', (x) => x.first.p99), ratio: true },
    {
      label: '… of which request leg p50 (ms; client send → mock writes the chunk)',
      pick: st('paced', (x) => x.requestLeg.p50),
      ratio: true,
    },
    {
      label: 'per-chunk delay p50 (ms; client arrival − mock write)',
      pick: st('paced', (x) => x.chunk.p50),
      ratio: true,
    },
    { label: 'per-chunk delay p99 (ms)', pick: st('paced', (x) => x.chunk.p99), ratio: true },
    {
      label: `per-chunk delay p50 (ms; ${cpu.plan.concurrency} streams × ${cpu.plan.count} chunks, ${cpu.plan.intervalMs} ms apart)`,
      pick: st('cpu', (x) => x.chunk.p50),
      ratio: true,
    },
    { label: 'per-chunk delay p99 (ms; same load)', pick: st('cpu', (x) => x.chunk.p99), ratio: true },
    {
      label: `throughput MB/s (${bulk.plan.count} × ${bulk.plan.size} B chunks, unpaced, median of ${bulk.plan.streams})`,
      pick: st('bulk', (x) => x.mbps),
      ratio: true,
    },
    {
      label: `worker CPU ms / non-stream request (n=${nSeq + nConc})`,
      pick: ns((x) => (x.cpu ? x.cpu.ms / x.cpu.n : NaN)),
      cpu: (name) => r.nonStream.get(name)?.cpu,
      ratio: true,
    },
    {
      label: `worker CPU ms / ${cpu.plan.count}-chunk stream, ${cpu.plan.intervalMs} ms apart (n=${cpu.plan.streams})`,
      pick: cpuStream('cpu'),
      cpu: (name) => cpu.byTarget.get(name)?.cpu,
      ratio: true,
      target: withinFloor(cpuStream('cpu')),
    },
    {
      label: `worker CPU ms / ${bulk.plan.count}-chunk stream, unpaced (n=${bulk.plan.streams})`,
      pick: cpuStream('bulk'),
      cpu: (name) => bulk.byTarget.get(name)?.cpu,
      ratio: true,
      target: withinFloor(cpuStream('bulk')),
    },
    {
      label: `${fanout.plan.streams} concurrent ${fanout.plan.count}-chunk streams, ${fanout.plan.intervalMs} ms apart: completed`,
      pick: st('fanout', (x) => x.completed),
      ratio: false,
      count: true,
      target: {
        text: `all ${fanout.plan.streams}`,
        met: (v) => fanout.byTarget.get(v)?.completed === fanout.plan.streams,
      },
    },
    { label: '… errors', pick: st('fanout', (x) => x.problems.length), ratio: false, count: true },
    { label: '… per-chunk delay p50 (ms)', pick: st('fanout', (x) => x.chunk.p50), ratio: true },
    { label: '… per-chunk delay p99 (ms)', pick: st('fanout', (x) => x.chunk.p99), ratio: true },
  ];
  return rows;
}

/** @param {Results} r */
function figuresTable(r) {
  const head = ['metric', 'direct', 'floor'];
  for (const v of r.variants) head.push(v, `${v} ÷ direct`, `${v} ÷ floor`);
  head.push('target');
  const rows = [head];
  for (const row of figureRows(r)) {
    /** @param {string} name */
    const cell = (name) => {
      const use = row.cpu?.(name);
      const text = num(row.pick(name), row.count);
      return use ? `${text} (${use.ticks} ticks)` : text;
    };
    const out = [row.label, cell('direct'), cell('floor')];
    for (const v of r.variants) {
      out.push(cell(v));
      out.push(
        row.ratio ? ratio(row.pick(v), row.pick('direct')) : '',
        row.ratio ? ratio(row.pick(v), row.pick('floor')) : '',
      );
    }
    const target = row.target;
    out.push(target ? `${target.text}: ${verdicts(r.variants, target.met)}` : '');
    rows.push(out);
  }
  return table(rows);
}

/** @param {Results} r */
function addedTable(r) {
  /** @type {Array<[string, keyof Results['streams'], (x: StreamResult) => number, boolean]>} */
  const rows = [
    ['first chunk p50', 'paced', (x) => x.first.p50, true],
    ['first chunk p99', 'paced', (x) => x.first.p99, false],
    ['… of which request leg p50', 'paced', (x) => x.requestLeg.p50, false],
    [`per chunk p50, ${r.streams.paced.plan.intervalMs} ms apart`, 'paced', (x) => x.chunk.p50, true],
    [`per chunk p99, ${r.streams.paced.plan.intervalMs} ms apart`, 'paced', (x) => x.chunk.p99, false],
    [`per chunk p50, ${r.streams.cpu.plan.concurrency} streams`, 'cpu', (x) => x.chunk.p50, false],
    [`per chunk p99, ${r.streams.cpu.plan.concurrency} streams`, 'cpu', (x) => x.chunk.p99, false],
    [`per chunk p50, ${r.streams.fanout.plan.streams} streams`, 'fanout', (x) => x.chunk.p50, false],
    [`per chunk p99, ${r.streams.fanout.plan.streams} streams`, 'fanout', (x) => x.chunk.p99, false],
  ];
  const head = ['added delay (ms)', 'by runtime (floor − direct)'];
  for (const v of r.variants) head.push(`by ${v} (${v} − direct)`, `${v} code alone (${v} − floor)`);
  head.push('target');
  const out = [head];
  for (const [label, phase, pick, targeted] of rows) {
    const of = (/** @type {string} */ name) => {
      const result = r.streams[phase].byTarget.get(name);
      return result ? pick(result) : Number.NaN;
    };
    const line = [label, num(of('floor') - of('direct'))];
    for (const v of r.variants) line.push(num(of(v) - of('direct')), num(of(v) - of('floor')));
    const met = (/** @type {string} */ v) => of(v) - of('direct') < ADDED_TARGET_MS;
    line.push(targeted ? `< ${ADDED_TARGET_MS} ms: ${verdicts(r.variants, met)}` : '');
    out.push(line);
  }
  return table(out);
}

/** @param {Results} r */
export function renderReport(r) {
  const kib = (/** @type {number} */ bytes) => `${(bytes / KIB).toFixed(2)} KiB`;
  const bundleOk = r.bundle.gzip < BUNDLE_TARGET_KIB * KIB;
  return [
    '# openai-edge-proxy benchmark',
    '',
    `Bundle (wrangler deploy --dry-run): ${kib(r.bundle.raw)} raw, ${kib(r.bundle.gzip)} gzipped ` +
      `(target < ${BUNDLE_TARGET_KIB} KiB gzipped: ${verdict(bundleOk)})`,
    '',
    figuresTable(r),
    '',
    addedTable(r),
    '',
    ...r.notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}
