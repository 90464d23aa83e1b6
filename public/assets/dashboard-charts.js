// The dashboard's charts, drawn as plain SVG: stacked columns and lines per day, horizontal bars
// for the top callers and models. Each series is { values, name, color } with color one of
// 'a'..'d' (dashboard.css), and every series gets a legend entry. Labels that come from callers
// (caller ids, model names) are isolated, so bidi control characters in them cannot reorder
// the text around them; all text goes in as textContent.
import { isolate, revealed } from './dashboard-format.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
/** An 11px label character's width, on average (digits and lower case). */
const CHAR_WIDTH = 6.5;
/** The longest bar is never shorter than this, however long its value. */
const MIN_BAR = 60;
const HEIGHT = 170;
const PAD = { left: 50, right: 6, top: 8, bottom: 20 };

/**
 * @typedef {{ values: Array<number | null>, name: string, color: 'a' | 'b' | 'c' | 'd' }} Series
 * @typedef {(value: number) => string} Format
 */

/** @param {string} name @param {Record<string, string | number>} attributes @param {string} [text] */
function node(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * A round top for an axis with ticks at 0, half and top: 1, 2, 4, 6 or 8 times a power of ten
 * (so the half is round too), and at least `floor`, so an all-zero chart reads $0 … $0.01.
 * @example axisTop(438, 2) // 600
 * @param {number} max @param {number} floor
 */
export function axisTop(max, floor) {
  const value = Math.max(max, floor);
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 4, 6, 8, 10].find((multiple) => multiple * power >= value * (1 - 1e-9)) ?? 10;
  return Number((step * power).toPrecision(6));
}

/** The legend under a chart's caption: one swatch and name per series. */
function legend(/** @type {HTMLElement} */ target, /** @type {Series[]} */ series) {
  const caption = target.closest('figure')?.querySelector('figcaption');
  if (!caption) return;
  const entries = series.map((s) => {
    const entry = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.className = `series-${s.color}`;
    entry.append(swatch, s.name);
    return entry;
  });
  const box = caption.querySelector('.legend') ?? caption.appendChild(document.createElement('span'));
  box.className = 'legend';
  box.replaceChildren(...entries);
}

/** The plot area with its three grid lines and their labels; returns the y scale. */
function frame(/** @type {HTMLElement} */ target, /** @type {number} */ top, /** @type {Format} */ format) {
  const svg = node('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img' });
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  for (const share of [0, 0.5, 1]) {
    const y = PAD.top + plotHeight * (1 - share);
    svg.append(node('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }));
    svg.append(
      node('text', { class: 'axis', x: PAD.left - 4, y: y + 3, 'text-anchor': 'end' }, format(top * share)),
    );
  }
  target.replaceChildren(svg);
  return { svg, y: (/** @type {number} */ value) => PAD.top + plotHeight * (1 - value / top) };
}

function xLabels(/** @type {SVGElement} */ svg, /** @type {string[]} */ days, /** @type {number} */ step) {
  const every = Math.max(1, Math.ceil(days.length / 7));
  days.forEach((day, index) => {
    if (index % every !== 0) return;
    const x = PAD.left + step * (index + 0.5);
    svg.append(node('text', { class: 'axis', x, y: HEIGHT - 6, 'text-anchor': 'middle' }, day.slice(5)));
  });
}

/**
 * Stacked columns per day.
 * @param {HTMLElement} target @param {string[]} days @param {Series[]} series
 * @param {{ format: Format, floor: number }} axis
 */
export function columns(target, days, series, { format, floor }) {
  const totals = days.map((_, index) => series.reduce((sum, s) => sum + (s.values[index] ?? 0), 0));
  const chart = frame(target, axisTop(Math.max(0, ...totals), floor), format);
  const step = (WIDTH - PAD.left - PAD.right) / days.length;
  days.forEach((day, index) => {
    let base = 0;
    for (const s of series) {
      const value = s.values[index] ?? 0;
      if (value <= 0) continue;
      const top = chart.y(base + value);
      const x = PAD.left + step * index + step * 0.15;
      const rect = node('rect', {
        class: `series-${s.color}`,
        x,
        width: step * 0.7,
        y: top,
        height: chart.y(base) - top,
      });
      rect.append(node('title', {}, `${day} ${s.name}: ${format(value)}`));
      chart.svg.append(rect);
      base += value;
    }
  });
  xLabels(chart.svg, days, step);
  legend(target, series);
}

/**
 * Lines per day, a dot on each day with data (null = no data), so one day of traffic shows.
 * @param {HTMLElement} target @param {string[]} days @param {Series[]} series
 * @param {{ format: Format, floor: number, top?: number }} axis `top` fixes the axis (rates: 100%)
 */
export function lines(target, days, series, { format, floor, top }) {
  const all = series.flatMap((s) => s.values.filter((v) => v !== null));
  const chart = frame(target, top ?? axisTop(Math.max(0, ...all), floor), format);
  const step = (WIDTH - PAD.left - PAD.right) / days.length;
  for (const s of series) {
    const points = [];
    s.values.forEach((value, index) => {
      if (value === null) return;
      const x = PAD.left + step * (index + 0.5);
      points.push(`${x},${chart.y(value)}`);
      const dot = node('circle', { class: `series-${s.color}`, cx: x, cy: chart.y(value), r: 3 });
      dot.append(node('title', {}, `${days[index]} ${s.name}: ${format(value)}`));
      chart.svg.append(dot);
    });
    chart.svg.append(node('polyline', { class: `series-${s.color}`, points: points.join(' ') }));
  }
  xLabels(chart.svg, days, step);
  legend(target, series);
}

/** At most `length` characters (code points, so no half of a surrogate pair), with an ellipsis. */
function shortened(/** @type {string} */ text, /** @type {number} */ length) {
  const points = Array.from(text);
  return points.length > length ? `${points.slice(0, length - 1).join('')}\u2026` : text;
}

/**
 * Horizontal bars, largest first: rows are { label, value, flag }, the label a caller's or
 * model's name (isolated: it is user-controlled).
 * @param {HTMLElement} target @param {Array<{ label: string, value: number, flag: string }>} rows
 * @param {Format} format
 */
export function bars(target, rows, format) {
  if (rows.length === 0) {
    const empty = Object.assign(document.createElement('p'), {
      className: 'empty',
      textContent: 'No traffic in this range.',
    });
    return target.replaceChildren(empty);
  }
  const rowHeight = 22;
  const texts = rows.map((row) => format(row.value) + (row.flag ? ` ${row.flag}` : ''));
  // The longest value (with its flag) must fit beside the longest bar: the bars give way to it,
  // and past that the drawing widens, so it scales down inside its card rather than spill out.
  const textRoom = Math.max(...texts.map((text) => text.length)) * CHAR_WIDTH;
  const room = Math.max(MIN_BAR, WIDTH - 206 - textRoom);
  const width = Math.max(WIDTH, 206 + room + textRoom);
  const svg = node('svg', { viewBox: `0 0 ${width} ${rows.length * rowHeight}`, role: 'img' });
  const max = Math.max(1e-9, ...rows.map((row) => row.value));
  rows.forEach((row, index) => {
    const y = index * rowHeight;
    const barWidth = room * (row.value / max);
    svg.append(
      node('rect', {
        class: 'series-a',
        x: 200,
        y: y + 4,
        height: rowHeight - 8,
        width: Math.max(1, barWidth),
      }),
    );
    // The whole name as a tooltip on the group, so the label's own text stays just the name.
    const named = node('g', {});
    named.append(node('title', {}, isolate(revealed(row.label))));
    const name = shortened(revealed(row.label), 30);
    named.append(node('text', { class: 'label name', x: 194, y: y + 15, 'text-anchor': 'end' }, name));
    svg.append(named);
    const x = 206 + barWidth;
    svg.append(node('text', { class: row.flag ? 'flag' : 'label', x, y: y + 15 }, texts[index] ?? ''));
  });
  target.replaceChildren(svg);
}
