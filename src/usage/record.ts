// One request's record: who asked for what, who served it, and what it cost. Each stage of the
// pipeline notes what it learned; the router writes the record out once the answer has ended.
import type { Usage } from '../quota/usage';
import type { StreamEnd } from '../stream/transcript';

/** What an answer used, known once it has ended (a stream: once the client has all of it). */
export interface Spend {
  readonly usage?: Usage;
  /** The usage is the proxy's estimate (no report from the upstream: aborted, idle, broken). */
  readonly estimated: boolean;
  readonly costUsd: number;
  /** The served model has no price: its cost counts as 0. */
  readonly unpriced: boolean;
  /** How a stream ended; absent for JSON answers. */
  readonly streamEnd?: StreamEnd;
}

export interface RequestRecord {
  /** The proxy's own id for this request. */
  readonly id: string;
  readonly startedAt: number;
  /** The route's name (`chat.completions`), or the path for anything else. */
  route: string;
  caller?: string;
  /** The model the client asked for, and the one the upstream was asked for. */
  model?: string;
  servedModel?: string;
  upstream?: string;
  attempts?: number;
  cache?: 'HIT' | 'MISS' | 'BYPASS';
  /** The proxy's own error code, when it refused or failed the request. */
  errorCode?: string;
  /** Settles when the answer has ended and been accounted for. */
  spend?: Promise<Spend>;
}

export function startRecord(path: string, nowMs: number): RequestRecord {
  return { id: `req_${crypto.randomUUID().replace(/-/g, '')}`, startedAt: nowMs, route: path };
}

/** A request that carries its record (itty-router lets a stage add properties to the request). */
export interface Recorded {
  readonly url: string;
  record?: RequestRecord;
}

export function recordOf(request: Recorded): RequestRecord {
  request.record ??= startRecord(new URL(request.url).pathname, Date.now());
  return request.record;
}
