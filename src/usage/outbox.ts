// Gathers this isolate's usage events and sends them to the Queue in batches: one queue call per
// batch instead of one per request keeps the ledger's cost off every request.
import { logFailure } from '../errors';
import type { UsageEvent } from './log-line';

/** A queue batch holds at most 100 messages. */
const MAX_BATCH = 100;
/** How long an event may wait for company: rows still land within seconds. */
const FLUSH_AFTER_MS = 1000;

let pending: UsageEvent[] = [];
let scheduled: Promise<void> | undefined;

async function flush(queue: Queue<UsageEvent>): Promise<void> {
  const batch = pending;
  pending = [];
  scheduled = undefined;
  if (batch.length === 0) return;
  try {
    await queue.sendBatch(batch.map((body) => ({ body })));
  } catch (error) {
    logFailure('usage_queue_failed', error, { events: batch.length });
  }
}

/**
 * Adds an event; the promise settles once it is on the queue. Callers keep the request alive
 * with it (`waitUntil`), so the isolate cannot stop before the batch that holds its event.
 */
export function send(event: UsageEvent, queue: Queue<UsageEvent>): Promise<void> {
  pending.push(event);
  if (pending.length >= MAX_BATCH) return flush(queue);
  scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_AFTER_MS)).then(() => flush(queue));
  return scheduled;
}
