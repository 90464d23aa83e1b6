// One request's use of the response cache: find a stored or in-flight answer, or record the new one.
import type { Caller } from '../auth';
import type { JsonBody } from '../body';
import type { Config } from '../config';
import type { RouteName } from '../routes';
import { parseCacheControl } from './control';
import { joinFlight, startFlight } from './inflight';
import { cacheKey } from './key';
import { MAX_ENTRY_BYTES, readEntry, writeEntry, type CacheEntry } from './store';

const CACHEABLE: ReadonlySet<RouteName> = new Set([
  'chat.completions',
  'completions',
  'embeddings',
  'responses',
]);

export interface CacheRequest {
  readonly route: RouteName;
  readonly config: Config;
  readonly caller: Caller;
  readonly body: JsonBody;
  readonly cacheControl: string | null;
  readonly kv: KVNamespace;
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

/** How the response should be captured for storing; absent when nothing will be stored. */
export interface Capture {
  readonly keepBytes: number;
  readonly route: RouteName;
  /** Called once: with the answer to store, or `undefined` when it must not be stored. */
  settle(entry: CacheEntry | undefined): void;
  /** Keeps the request alive until `work` is done (a stream's capture outlives the response). */
  track(work: Promise<unknown>): void;
}

export interface CacheSession {
  readonly hit?: Response;
  readonly status: 'MISS' | 'BYPASS';
  readonly capture?: Capture;
}

export function isStreamed(body: JsonBody): boolean {
  return body.json['stream'] === true;
}

export async function openCacheSession(request: CacheRequest): Promise<CacheSession> {
  const { config, caller, route } = request;
  const directives = parseCacheControl(request.cacheControl);
  if (config.cacheTtlSeconds === 0 || !CACHEABLE.has(route) || !directives.write) return { status: 'BYPASS' };
  const key = await cacheKey({
    route,
    upstreamBaseUrl: config.upstreamBaseUrl,
    scope: config.cacheScope === 'shared' ? 'shared' : caller.kind === 'key' ? caller.id : 'anonymous',
    mode: isStreamed(request.body) ? 'sse' : 'json',
    body: request.body.json,
  });
  if (directives.read) {
    const shared = joinFlight(key);
    const joined = shared && (await shared);
    if (joined) return { status: 'MISS', hit: hitResponse(joined, 0, 'in-flight') };
  }
  // Registered before the KV read, with no await in between, so identical requests that
  // arrive during the read join this one instead of each calling upstream.
  const flight = directives.read ? startFlight(key) : undefined;
  const settle = (entry: CacheEntry | undefined) => {
    flight?.land(entry);
    if (entry) request.waitUntil(writeEntry(request.kv, key, entry, config.cacheTtlSeconds));
  };
  if (directives.read) {
    const entry = await readEntry(request.kv, key);
    const age = entry ? ageSeconds(entry) : 0;
    if (entry && age <= (directives.maxAgeSeconds ?? Infinity)) {
      flight?.land(entry);
      return { status: 'MISS', hit: hitResponse(entry, age, 'kv') };
    }
  }
  return { status: 'MISS', capture: { keepBytes: MAX_ENTRY_BYTES, route, settle, track: request.waitUntil } };
}

function ageSeconds(entry: CacheEntry): number {
  return Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
}

/**
 * A stored answer replayed: same status, type and bytes (a stream replays its exact bytes).
 * `x-cache-source` tells a KV hit from a request that joined an identical one in flight.
 */
function hitResponse(entry: CacheEntry, age: number, source: 'kv' | 'in-flight'): Response {
  const headers = {
    'content-type': entry.contentType,
    'x-cache': 'HIT',
    'x-cache-source': source,
    age: String(age),
  };
  return new Response(entry.body.slice(0), { status: entry.status, headers });
}
