// Time to first byte as a small fixed histogram: enough for a dashboard's p50 and p95 over any
// range of days, from rows that are summed, never lists of samples.

/** Upper bounds (ms) of the buckets; the last bucket is everything slower. */
export const TTFB_BUCKETS_MS = [25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600] as const;
export const BUCKET_COUNT = TTFB_BUCKETS_MS.length + 1;
/** The ledger's column per bucket: `t0` … `t11`. */
export const BUCKET_COLUMNS = Array.from({ length: BUCKET_COUNT }, (_, index) => `t${index}`);

export function bucketOf(ms: number): number {
  const index = TTFB_BUCKETS_MS.findIndex((bound) => ms < bound);
  return index === -1 ? TTFB_BUCKETS_MS.length : index;
}

/**
 * The `q` quantile (0..1) of a histogram, interpolated linearly inside its bucket; `undefined`
 * when it is empty. The open last bucket reports its lower bound.
 */
export function quantile(counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (const [index, count] of counts.entries()) {
    if (count > 0 && seen + count >= rank) {
      const low = index === 0 ? 0 : TTFB_BUCKETS_MS[index - 1]!;
      const high = TTFB_BUCKETS_MS[index] ?? low;
      return Math.round(low + ((high - low) * (rank - seen)) / count);
    }
    seen += count;
  }
  return TTFB_BUCKETS_MS.at(-1);
}
