// Reads the ledger for the admin API: totals per caller, model or day over a range of days.
import { BUCKET_COLUMNS as BUCKETS, quantile } from './histogram';
import { withSchema } from './ledger';

export type GroupBy = 'caller' | 'model' | 'day';

export interface UsageRow {
  readonly [group: string]: string | number | null;
}

/** `group` is one of three column names, or none for the total; never client text. */
function query(group: GroupBy | undefined): string {
  if (group === undefined) {
    return `SELECT SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
      SUM(cached) AS cached, SUM(errors) AS errors, SUM(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced,
      SUM(estimated) AS estimated, ${BUCKETS.map((bucket) => `SUM(${bucket}) AS ${bucket}`).join(', ')}
      FROM usage_daily WHERE day >= ? AND day <= ?`;
  }
  const order = group === 'day' ? 'day ASC' : 'cost_usd DESC, requests DESC';
  return `SELECT ${group} AS grp, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens,
    SUM(output_tokens) AS output_tokens, SUM(cached) AS cached, SUM(errors) AS errors,
    SUM(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced, SUM(estimated) AS estimated,
    ${BUCKETS.map((bucket) => `SUM(${bucket}) AS ${bucket}`).join(', ')}
    FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY grp ORDER BY ${order} LIMIT 1000`;
}

type Totals = Record<string, number | string | null>;

function summarise(row: Record<string, number | string>, histogram: readonly number[]): Totals {
  return {
    requests: Number(row['requests'] ?? 0),
    input_tokens: Number(row['input_tokens'] ?? 0),
    output_tokens: Number(row['output_tokens'] ?? 0),
    cached: Number(row['cached'] ?? 0),
    errors: Number(row['errors'] ?? 0),
    // Summed in floating point; rounded to a millionth of a dollar for display.
    cost_usd: Math.round(Number(row['cost_usd'] ?? 0) * 1_000_000) / 1_000_000,
    unpriced: Number(row['unpriced'] ?? 0),
    estimated: Number(row['estimated'] ?? 0),
    ttfb_p50_ms: quantile(histogram, 0.5) ?? null,
    ttfb_p95_ms: quantile(histogram, 0.95) ?? null,
  };
}

/** The rows per group (at most 1,000), and the total over the whole range. */
export async function usageReport(
  db: D1Database,
  range: { from: string; to: string; by: GroupBy },
): Promise<{ data: UsageRow[]; total: Totals }> {
  const [grouped, total] = await withSchema(db, () =>
    db.batch<Record<string, number | string>>([
      db.prepare(query(range.by)).bind(range.from, range.to),
      db.prepare(query(undefined)).bind(range.from, range.to),
    ]),
  );
  const histogramOf = (row: Record<string, number | string>) =>
    BUCKETS.map((bucket) => Number(row[bucket] ?? 0));
  const data = (grouped?.results ?? []).map((row) => ({
    [range.by]: row['grp'] ?? null,
    ...summarise(row, histogramOf(row)),
  }));
  const sums = total?.results[0] ?? {};
  return { data, total: summarise(sums, histogramOf(sums)) };
}
