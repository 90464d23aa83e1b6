// Gathers this isolate's usage events and sends them to the Queue in batches: one queue call per
// batch instead of one per request keeps the ledger's cost off every request.
import { logFailure } from '../errors';
import type { UsageEvent } from './log-line';

/** A queue batch holds at most 100 messages. */
const MAX_BATCH = 100;

let pending: UsageEvent[] = [];
let scheduled: Promise<void> | undefined;

/**
 * Sends a batch; a batch the queue refuses is split in halves and each half sent again, so one
 * event the queue cannot take never sinks the others. What still fails is logged with its count.
 */
async function sendSplitting(queue: Queue<UsageEvent>, batch: readonly UsageEvent[]): Promise<void> {
  try {
    await queue.sendBatch(batch.map((body) => ({ body })));
  } catch (error) {
    if (batch.length === 1) {
      logFailure('usage_queue_failed', error, { events: 1 });
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await Promise.all([sendSplitting(queue, batch.slice(0, half)), sendSplitting(queue, batch.slice(half))]);
  }
}

async function flush(queue: Queue<UsageEvent>): Promise<void> {
  const batch = pending;
  pending = [];
  scheduled = undefined;
  if (batch.length > 0) await sendSplitting(queue, batch);
}

/**
 * Adds an event; the promise settles once it is on the queue. Callers keep the request alive
 * with it (`waitUntil`), so the isolate cannot stop before the batch that holds its event. An
 * event waits up to `flushAfterMs` (USAGE_FLUSH_MS) for company.
 */
export function send(event: UsageEvent, queue: Queue<UsageEvent>, flushAfterMs: number): Promise<void> {
  pending.push(event);
  if (pending.length >= MAX_BATCH || flushAfterMs === 0) return flush(queue);
  scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, flushAfterMs)).then(() => flush(queue));
  return scheduled;
}
