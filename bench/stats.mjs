// @ts-check
// Percentiles over samples (milliseconds unless stated). Nearest-rank, so every reported figure
// is a value that was actually observed, which keeps small-sample p99s honest.

/** @typedef {{ n: number, p50: number, p99: number }} Summary */

/**
 * @param {readonly number[]} sorted ascending
 * @param {number} p percentile, 0-100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** @param {readonly number[]} values @returns {Summary} */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** @param {readonly number[]} values */
export function median(values) {
  return summarize(values).p50;
}

/** A small seeded PRNG (mulberry32), so resampling gives the same interval on the same data. */
/** @param {number} seed */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 95% bootstrap interval of percentile(p) of `a` minus percentile(p) of `b`, where each side is
 * a list of groups (one per stream). Whole streams are resampled, not single chunks: chunks of
 * one stream share its connection and isolate state, so they are not independent samples.
 * @param {readonly (readonly number[])[]} a @param {readonly (readonly number[])[]} b
 * @param {number} p percentile, 0-100
 * @param {number} [rounds]
 * @returns {{ low: number, high: number }}
 */
export function bootstrapDifference(a, b, p, rounds = 1000) {
  if (a.length === 0 || b.length === 0) return { low: Number.NaN, high: Number.NaN };
  const next = random(0x5eed);
  /** @param {readonly (readonly number[])[]} groups */
  const resampled = (groups) => {
    /** @type {number[]} */
    const values = [];
    for (let i = 0; i < groups.length; i++)
      values.push(...(groups[Math.floor(next() * groups.length)] ?? []));
    return percentile(
      values.sort((x, y) => x - y),
      p,
    );
  };
  const differences = Array.from({ length: rounds }, () => resampled(a) - resampled(b)).sort((x, y) => x - y);
  return { low: percentile(differences, 2.5), high: percentile(differences, 97.5) };
}
