// The queue consumer's side of the ledger: every message is checked before it is written, so a
// malformed or oversized event (from any version of the Worker) is dropped alone, never retried
// with the batch it came in until the whole batch is lost.
import { logFailure } from '../errors';
import { writeUsage } from './ledger';
import type { UsageEvent } from './log-line';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_NAME = 256;

const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME;
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e12;
const isFlag = (value: unknown): value is 0 | 1 => value === 0 || value === 1;

export function isUsageEvent(value: unknown): value is UsageEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    typeof event['day'] === 'string' &&
    DAY.test(event['day']) &&
    isName(event['caller']) &&
    isName(event['model']) &&
    isCount(event['input']) &&
    isCount(event['output']) &&
    isCount(event['costUsd']) &&
    isCount(event['ttfbMs']) &&
    isFlag(event['cached']) &&
    isFlag(event['error']) &&
    isFlag(event['unpriced']) &&
    isFlag(event['estimated'])
  );
}

/** Writes a queue batch's valid events; throws (so the Queue retries) only when D1 itself fails. */
export async function consumeUsage(
  bodies: readonly unknown[],
  db: D1Database,
  retentionDays: number,
): Promise<void> {
  const valid = bodies.filter(isUsageEvent);
  if (valid.length < bodies.length) {
    logFailure('usage_event_invalid', new Error('malformed usage events were dropped'), {
      events: bodies.length - valid.length,
    });
  }
  await writeUsage(valid, db, retentionDays);
}
