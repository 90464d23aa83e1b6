// The queue consumer's side of the ledger: every message is checked before it is written, so a
// malformed or oversized one (from any version of the Worker) is dropped alone, never retried
// with the batch it came in until the whole batch is lost.
import { logFailure } from '../errors';
import { writeUsage } from './ledger';
import type { UsageEvent } from './log-line';
import { isUsageRow, rowOf, type UsageRow } from './row';

const isFlag = (value: unknown) => value === 0 || value === 1;
const isCount = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** A single request's event, as Workers before the row format queued it. */
function isLegacyEvent(value: unknown): value is UsageEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    ['input', 'output', 'costUsd', 'ttfbMs'].every((field) => isCount(event[field])) &&
    ['cached', 'error', 'unpriced', 'estimated'].every((field) => isFlag(event[field])) &&
    isUsageRow({
      day: event['day'],
      caller: event['caller'],
      model: event['model'],
      counters: rowOf(event as unknown as UsageEvent).counters,
    })
  );
}

function asRow(body: unknown): UsageRow | undefined {
  if (isUsageRow(body)) return body;
  return isLegacyEvent(body) ? rowOf(body) : undefined;
}

/** Writes a queue batch's valid rows; throws (so the Queue retries) only when D1 itself fails. */
export async function consumeUsage(
  bodies: readonly unknown[],
  db: D1Database,
  retentionDays: number,
): Promise<void> {
  const rows = bodies.map(asRow).filter((row) => row !== undefined);
  if (rows.length < bodies.length) {
    logFailure('usage_message_invalid', new Error('malformed usage messages were dropped'), {
      messages: bodies.length - rows.length,
    });
  }
  await writeUsage(rows, db, retentionDays);
}
