// One request's record: who asked for what, who served it, and what it cost. Stages write what
// they learned for the log line and the ledger; no stage reads it to decide anything.
import type { Spend } from '../accounting/settle';

export interface RequestRecord {
  /** The proxy's own id for this request. */
  readonly id: string;
  readonly startedAt: number;
  readonly path: string;
  /** The route's name (`chat.completions`), or the path for anything else. */
  route: string;
  caller?: string;
  /** The model the client asked for (bounded), and the one the upstream was asked for. */
  model?: string;
  servedModel?: string;
  /** The upstream that answered, or every upstream tried when none did. */
  upstream?: string;
  attempts?: number;
  cache?: 'HIT' | 'MISS' | 'BYPASS';
  /** The proxy's own error code, when it refused or failed the request. */
  errorCode?: string;
  /** Settles when the answer has ended and been accounted for. */
  spend?: Promise<Spend>;
}

export function startRecord(path: string, nowMs: number): RequestRecord {
  return { id: `req_${crypto.randomUUID().replace(/-/g, '')}`, startedAt: nowMs, path, route: path };
}
