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
