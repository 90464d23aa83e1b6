// Writes a finished request out: one JSON log line (Workers Logs indexes it), and its usage
// event onto the queue that feeds the ledger. Runs after the response, in waitUntil.
import { logLine, usageEvent, type UsageEvent } from './log-line';
import { send } from './outbox';
import type { RequestRecord, Spend } from './record';

interface Written {
  readonly record: RequestRecord;
  readonly response: Response;
  /** The ledger's queue; absent when the binding is not configured. */
  readonly queue: Queue<UsageEvent> | undefined;
  readonly headersAt: number;
}

export async function writeRecord({ record, response, queue, headersAt }: Written): Promise<void> {
  const spend: Spend | undefined = await record.spend?.catch(() => undefined);
  const finished = {
    status: response.status,
    // The upstream's id when it sent one (OpenAI's `req_…`, which its support asks for).
    upstreamRequestId:
      response.headers.get('x-request-id') === record.id ? null : response.headers.get('x-request-id'),
    headersAt,
    endedAt: Date.now(),
  };
  console.log(JSON.stringify(logLine(record, finished, spend)));
  const event = usageEvent(record, finished, spend);
  if (queue && event) await send(event, queue);
}
