// The usage ledger in D1: one row per caller × model × UTC day. Requests reach it through a
// Queue as rows already summed in their isolate, never on the client's path; each queue batch
// becomes one D1 batch of upserts.
import { logFailure } from '../errors';
import { tablesOnFirstUse } from '../lib/d1-schema';
import { utcDay } from '../lib/time';
import { BUCKET_COLUMNS as BUCKETS } from './histogram';
import { COUNTERS, sumRows, type UsageRow } from './row';

/** Created on first use, so `wrangler dev` and a fresh database need no migration step. */
const SCHEMA = `CREATE TABLE IF NOT EXISTS usage_daily (
  day TEXT NOT NULL, caller TEXT NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0, input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,
  unpriced INTEGER NOT NULL DEFAULT 0, estimated INTEGER NOT NULL DEFAULT 0,
  ${BUCKETS.map((bucket) => `${bucket} INTEGER NOT NULL DEFAULT 0`).join(', ')},
  PRIMARY KEY (day, caller, model)
) WITHOUT ROWID`;

const UPSERT = `INSERT INTO usage_daily (day, caller, model, ${COUNTERS.join(', ')})
  VALUES (?, ?, ?, ${COUNTERS.map(() => '?').join(', ')})
  ON CONFLICT (day, caller, model) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;

/** Runs work with the table in place (created on first use). */
export const withSchema = tablesOnFirstUse(SCHEMA);

const HOUR_MS = 3_600_000;
let lastPruned = 0;

/** Writes one queue batch's rows; throws so the Queue retries the batch if D1 fails. */
export async function writeUsage(
  rows: readonly UsageRow[],
  db: D1Database,
  retentionDays: number,
): Promise<void> {
  const statements = sumRows(rows).map((row) =>
    db.prepare(UPSERT).bind(row.day, row.caller, row.model, ...row.counters),
  );
  const now = Date.now();
  // Retention: at most hourly per isolate, rows older than USAGE_RETENTION_DAYS go.
  const prune = retentionDays > 0 && now - lastPruned > HOUR_MS;
  if (prune) {
    const oldest = utcDay(now - retentionDays * 86_400_000);
    statements.push(db.prepare('DELETE FROM usage_daily WHERE day < ?').bind(oldest));
  }
  try {
    if (statements.length > 0) await withSchema(db, () => db.batch(statements));
    if (prune) lastPruned = now;
  } catch (error) {
    logFailure('usage_write_failed', error, { rows: rows.length });
    throw error;
  }
}
