// Gathers this isolate's usage and sends it to the Queue in batches: requests are summed into
// their caller × model × day rows as they finish, so one queue message carries as many requests
// as that row had in the interval, and the ledger's cost stays off every request.
import { logFailure } from '../errors';
import { addInto, rowKey, type UsageRow } from './row';

/** A queue batch holds at most 100 messages. */
const MAX_BATCH = 100;

let pending = new Map<string, UsageRow>();
let scheduled: Promise<void> | undefined;

/**
 * Sends a batch; a batch the queue refuses is split in halves and each half sent again, so one
 * row the queue cannot take never sinks the others. What still fails is logged with its count.
 */
async function sendSplitting(queue: Queue<UsageRow>, batch: readonly UsageRow[]): Promise<void> {
  try {
    await queue.sendBatch(batch.map((body) => ({ body })));
  } catch (error) {
    if (batch.length === 1) {
      logFailure('usage_queue_failed', error, { rows: 1, requests: batch[0]?.counters[0] ?? 0 });
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await Promise.all([sendSplitting(queue, batch.slice(0, half)), sendSplitting(queue, batch.slice(half))]);
  }
}

async function flush(queue: Queue<UsageRow>): Promise<void> {
  const rows = [...pending.values()];
  pending = new Map();
  scheduled = undefined;
  for (let start = 0; start < rows.length; start += MAX_BATCH) {
    await sendSplitting(queue, rows.slice(start, start + MAX_BATCH));
  }
}

/**
 * Adds one request's row to the batch, which waits up to `flushAfterMs` (USAGE_FLUSH_MS) for more
 * requests to join it. The request that opens a batch gets the promise of its flush and keeps the
 * isolate alive with it (`waitUntil`) until the batch is on the queue; the rows that join later
 * are in that same flush, so their requests need not wait too. Holding every request open until
 * the flush cost about 0.08 ms of CPU a request (same-run A/B under `--short`'s conditions).
 * A request that triggers a flush at once (a full batch, or no delay) gets that flush's promise.
 */
export function send(row: UsageRow, queue: Queue<UsageRow>, flushAfterMs: number): Promise<void> {
  const key = rowKey(row);
  const into = pending.get(key);
  if (into) addInto(into, row);
  else pending.set(key, row);
  if (pending.size >= MAX_BATCH || flushAfterMs === 0) return flush(queue);
  if (scheduled) return JOINED;
  scheduled = new Promise<void>((resolve) => setTimeout(resolve, flushAfterMs)).then(() => flush(queue));
  return scheduled;
}

const JOINED: Promise<void> = Promise.resolve();
