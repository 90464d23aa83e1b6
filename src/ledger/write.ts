// Writes a finished request out: one JSON log line (Workers Logs indexes it), and its usage
// event onto the queue that feeds the ledger. Runs after the response, in waitUntil.
import type { Spend } from '../accounting/settle';
import type { RequestRecord } from '../context/record';
import { logLine, usageEvent } from './log-line';
import { send } from './outbox';
import { rowOf, type UsageRow } from './row';

interface Written {
  readonly record: RequestRecord;
  readonly response: Response;
  /** The ledger's queue and how long an event waits for a batch; absent when the ledger is off. */
  readonly ledger: { readonly queue: Queue<UsageRow>; readonly flushAfterMs: number } | undefined;
  readonly headersAt: number;
}

export async function writeRecord({ record, response, ledger, headersAt }: Written): Promise<void> {
  const spend: Spend | undefined = await record.spend?.catch(() => undefined);
  const upstreamId = response.headers.get('x-request-id');
  const finished = {
    status: response.status,
    // The upstream's id when it sent one (OpenAI's `req_…`, which its support asks for).
    upstreamRequestId: upstreamId === record.id ? null : upstreamId,
    headersAt,
    endedAt: Date.now(),
  };
  console.log(JSON.stringify(logLine(record, finished, spend)));
  const event = usageEvent(record, finished, spend);
  if (ledger && event) await send(rowOf(event), ledger.queue, ledger.flushAfterMs);
}
