// What is written about a request: one JSON log line for Workers Logs, and one ledger event for
// the usage database. Never a prompt, a completion or a key: only ids, counts and times.
import type { Spend } from '../accounting/settle';
import type { RequestRecord } from '../context/record';
import { utcDay } from '../lib/time';

export interface Finished {
  readonly status: number;
  /** The upstream's own request id, when it sent one. */
  readonly upstreamRequestId: string | null;
  /** When the response went back to the client (its headers), and when the answer ended. */
  readonly headersAt: number;
  readonly endedAt: number;
}

/** The ledger's unit: one request, counted into its caller × model × day row. */
export interface UsageEvent {
  readonly day: string;
  readonly caller: string;
  readonly model: string;
  readonly input: number;
  readonly output: number;
  readonly cached: 0 | 1;
  readonly error: 0 | 1;
  readonly costUsd: number;
  readonly unpriced: 0 | 1;
  readonly estimated: 0 | 1;
  readonly ttfbMs: number;
}

export function logLine(record: RequestRecord, finished: Finished, spend: Spend | undefined) {
  return {
    level: finished.status >= 500 ? 'error' : 'info',
    event: 'request',
    time: new Date(record.startedAt).toISOString(),
    request_id: record.id,
    upstream_request_id: finished.upstreamRequestId,
    route: record.route.slice(0, MAX_NAME),
    caller: record.caller ?? null,
    model: record.model ?? null,
    served_model: record.servedModel ?? null,
    upstream: record.upstream ?? null,
    attempts: record.attempts ?? null,
    status: finished.status,
    error_code: record.errorCode ?? null,
    cache: record.cache ?? null,
    stream_end: spend?.streamEnd ?? null,
    input_tokens: spend?.usage?.input ?? null,
    output_tokens: spend?.usage?.output ?? null,
    tokens_estimated: spend?.estimated ?? false,
    // Rounded to a ten-millionth of a cent: float sums otherwise print as 0.00008384999999999999.
    cost_usd: Math.round((spend?.costUsd ?? 0) * 1e9) / 1e9,
    unpriced: spend?.unpriced ?? false,
    ttfb_ms: finished.headersAt - record.startedAt,
    duration_ms: finished.endedAt - record.startedAt,
  };
}

/** The longest caller id or model name an event carries; queue messages and ledger rows stay small. */
const MAX_NAME = 256;
/** A name fit for a ledger row and a dashboard label: printable, no bidi controls, bounded. */
const PLAIN_NAME = /^[^\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,256}$/u;

function rowName(name: string | undefined): string {
  return name !== undefined && PLAIN_NAME.test(name) ? name : '-';
}

/** `undefined` for a request that never reached a model (a preflight, a page, `/healthz`). */
export function usageEvent(
  record: RequestRecord,
  finished: Finished,
  spend: Spend | undefined,
): UsageEvent | undefined {
  if (record.caller === undefined) return undefined;
  return {
    day: utcDay(record.startedAt),
    caller: record.caller.slice(0, MAX_NAME),
    // Failed requests count under '-': any string routes to a catch-all upstream, and a client's
    // made-up names must not grow the ledger a row each.
    model: finished.status < 400 ? rowName(record.servedModel ?? record.model) : '-',
    input: spend?.usage?.input ?? 0,
    output: spend?.usage?.output ?? 0,
    cached: record.cache === 'HIT' ? 1 : 0,
    error: finished.status >= 400 ? 1 : 0,
    costUsd: spend?.costUsd ?? 0,
    unpriced: spend?.unpriced ? 1 : 0,
    estimated: spend?.estimated ? 1 : 0,
    ttfbMs: finished.headersAt - record.startedAt,
  };
}
