// The usage view: reads /admin/api/usage with the admin key (dashboard-shell.js) and shows totals
// and charts. No framework, no build step, no data in the page itself.
import { bars, columns, lines } from './dashboard-charts.js';
import { number, usd } from './dashboard-format.js';
import { adminKey, onView } from './dashboard-shell.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const DAY_MS = 86_400_000;

function setStatus(/** @type {string} */ text, bad = false) {
  $('status').textContent = text;
  $('status').className = bad ? 'bad' : '';
}

const percent = (/** @type {number} */ value) =>
  `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;
const ms = (/** @type {number | null} */ value) =>
  value === null || value === undefined ? '\u2014' : `${Math.round(value)} ms`;
/** Two latencies in one unit, milliseconds or seconds: [number part, unit]. */
function latencyPair(/** @type {number | null} */ p50, /** @type {number | null} */ p95) {
  if (p50 === null || p95 === null || p50 === undefined || p95 === undefined) return ['\u2014', ''];
  if (p95 < 1000) return [`${Math.round(p50)} / ${Math.round(p95)}`, 'ms'];
  return [`${(p50 / 1000).toFixed(1)} / ${(p95 / 1000).toFixed(1)}`, 's'];
}

const day = (/** @type {number} */ offset) =>
  new Date(Date.now() - offset * DAY_MS).toISOString().slice(0, 10);

/** Every day of the range, oldest first, so days without traffic show as zero. */
function daysOf(/** @type {string} */ from, /** @type {string} */ to) {
  const days = [];
  for (let at = Date.parse(from); at <= Date.parse(to); at += DAY_MS)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/** The total tiles: each value stays on one line, its unit smaller. */
function tiles(total) {
  const requests = total.requests || 0;
  const items = [
    ['Requests', [number.format(requests)]],
    ['Tokens in / out', [`${number.format(total.input_tokens)} / ${number.format(total.output_tokens)}`]],
    [
      'Cost',
      [usd(total.cost_usd || 0)],
      total.unpriced ? `${number.format(total.unpriced)} requests had no price` : '',
    ],
    ['Cache-hit rate', [requests ? percent(total.cached / requests) : '\u2014']],
    ['Error rate', [requests ? percent(total.errors / requests) : '\u2014']],
    ['TTFB p50 / p95', latencyPair(total.ttfb_p50_ms, total.ttfb_p95_ms)],
  ];
  $('tiles').replaceChildren(
    ...items.map(([name, [value, unit], warning]) => {
      const tile = document.createElement('div');
      tile.className = warning ? 'tile warn' : 'tile';
      tile.dataset.metric = name;
      const label = Object.assign(document.createElement('span'), { textContent: name });
      const figure = Object.assign(document.createElement('b'), { textContent: value });
      if (unit) figure.append(' ', Object.assign(document.createElement('small'), { textContent: unit }));
      const note = Object.assign(document.createElement('span'), {
        className: 'note',
        textContent: warning || '',
      });
      tile.append(label, figure, note);
      return tile;
    }),
  );
}

async function fetchUsage(
  /** @type {string} */ key,
  /** @type {string} */ by,
  /** @type {string} */ from,
  /** @type {string} */ to,
) {
  const response = await fetch(`/admin/api/usage?by=${by}&from=${from}&to=${to}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.ok) return response.json();
  let message = '';
  try {
    message = (await response.json()).error.message;
  } catch {}
  if (response.status === 401)
    throw new Error('The admin key was refused (401). Paste the ADMIN_KEY secret, not a client key.');
  throw new Error(`${message || 'The usage API failed'} (HTTP ${response.status})`);
}

/** Draws the per-day charts from the `by=day` rows. */
function dailyCharts(/** @type {string[]} */ days, /** @type {Record<string, any>} */ byDay) {
  const series = (/** @type {string} */ field) => days.map((d) => (byDay[d] ? byDay[d][field] : 0));
  const measured = (/** @type {string} */ field) => days.map((d) => (byDay[d] ? byDay[d][field] : null));
  const rate = (/** @type {string} */ field) =>
    days.map((d) => (byDay[d] && byDay[d].requests ? byDay[d][field] / byDay[d].requests : null));
  const hits = series('cached');
  const upstream = series('requests').map((requests, index) => requests - (hits[index] ?? 0));
  const counts = { format: number.format, floor: 2 };
  columns(
    $('chart-requests'),
    days,
    [
      { values: upstream, name: 'answered upstream', color: 'a' },
      { values: hits, name: 'cache hits', color: 'b' },
    ],
    counts,
  );
  columns(
    $('chart-tokens'),
    days,
    [
      { values: series('input_tokens'), name: 'input', color: 'a' },
      { values: series('output_tokens'), name: 'output', color: 'c' },
    ],
    counts,
  );
  // An all-$0 range still gets a readable axis: $0 … $0.01.
  columns($('chart-cost'), days, [{ values: series('cost_usd'), name: 'cost', color: 'a' }], {
    format: usd,
    floor: 0.01,
  });
  const rates = [
    { values: rate('cached'), name: 'cache hits', color: 'b' },
    { values: rate('errors'), name: 'errors', color: 'd' },
  ];
  lines($('chart-rates'), days, rates, { format: percent, floor: 1, top: 1 });
  const latency = [
    { values: measured('ttfb_p50_ms'), name: 'p50', color: 'a' },
    { values: measured('ttfb_p95_ms'), name: 'p95', color: 'c' },
  ];
  lines($('chart-ttfb'), days, latency, { format: ms, floor: 10 });
}

/** The ten largest rows by cost; failed requests count under the model '-'. */
function top(/** @type {any[]} */ rows, /** @type {string} */ field) {
  return rows.slice(0, 10).map((row) => ({
    label: field === 'model' && row.model === '-' ? '(failed requests)' : String(row[field]),
    value: row.cost_usd,
    flag: row.unpriced ? `(${number.format(row.unpriced)} unpriced)` : '',
  }));
}

async function load(/** @type {string} */ key) {
  if (!key) return setStatus('Paste the admin key to see usage.');
  const to = day(0);
  const from = day(Number($('range').value) - 1);
  setStatus('Loading\u2026');
  try {
    const [byDay, byCaller, byModel] = await Promise.all(
      ['day', 'caller', 'model'].map((by) => fetchUsage(key, by, from, to)),
    );
    tiles(byDay.total);
    dailyCharts(daysOf(from, to), Object.fromEntries(byDay.data.map((row) => [row.day, row])));
    bars($('chart-callers'), top(byCaller.data, 'caller'), usd);
    bars($('chart-models'), top(byModel.data, 'model'), usd);
    setStatus(`Usage from ${from} to ${to} (UTC days). Rows land within seconds of each request.`);
    document.body.dataset.state = 'loaded';
  } catch (error) {
    setStatus(error.message, true);
  }
}

onView('usage', load);
$('range').addEventListener('change', () => load(adminKey()));
