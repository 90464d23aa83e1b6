// One request's use of the response cache: find a stored or in-flight answer, or store the new one.
import type { Caller } from '../auth';
import { isStreamed, type JsonBody } from '../body';
import type { Config } from '../config';
import type { Finished } from '../respond';
import type { RouteName } from '../routes';
import { parseCacheControl } from './control';
import { joinFlight, startFlight } from './inflight';
import { cacheKey } from './key';
import { readEntry, writeEntry, type CacheEntry } from './store';

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

export interface CacheSession {
  readonly status: 'MISS' | 'BYPASS';
  readonly hit?: Response;
  /** Stores the answer if it is whole; absent when nothing may be stored. Call exactly once. */
  readonly store?: (answer: Finished | undefined) => void;
}

export async function openCacheSession(request: CacheRequest): Promise<CacheSession> {
  const { config, caller, route } = request;
  const directives = parseCacheControl(request.cacheControl);
  if (config.cacheTtlSeconds === 0 || !CACHEABLE.has(route) || !directives.write) return { status: 'BYPASS' };
  const key = await cacheKey({
    route,
    upstreamBaseUrl: config.upstreamBaseUrl,
    scope: config.cacheScope === 'shared' ? 'shared' : caller.id,
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
  if (directives.read) {
    const entry = await readEntry(request.kv, key);
    const age = entry ? ageSeconds(entry) : 0;
    if (entry && age <= (directives.maxAgeSeconds ?? Infinity)) {
      flight?.land(entry);
      return { status: 'MISS', hit: hitResponse(entry, age, 'kv') };
    }
  }
  const storedAt = Date.now();
  const store = (answer: Finished | undefined) => {
    const entry =
      answer?.whole && answer.body
        ? { body: answer.body, status: answer.status, contentType: answer.contentType, storedAt }
        : undefined;
    flight?.land(entry);
    if (entry) request.waitUntil(writeEntry(request.kv, key, entry, config.cacheTtlSeconds));
  };
  return { status: 'MISS', store };
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
