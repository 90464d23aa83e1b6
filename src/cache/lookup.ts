// One request's use of the response cache: a stored or in-flight answer, or a way to store the new one.
import type { Caller } from '../access/caller';
import type { Config } from '../config/read';
import { isStreamed, type JsonBody } from '../http/body';
import { answerChangingHeaders } from '../http/headers';
import { closesWhole } from '../http/json-bytes';
import type { Ending } from '../relay/answer';
import { isEventStream } from '../relay/sse';
import type { Route } from '../routes';
import { parseCacheControl } from './control';
import { joinFlight, startFlight } from './inflight';
import { cacheKey } from './key';
import { readEntry, writeEntry, type CacheEntry } from './store';

export interface CacheRequest {
  readonly route: Route;
  readonly config: Config;
  readonly caller: Caller;
  readonly body: JsonBody;
  readonly headers: Headers;
  readonly kv: KVNamespace;
  /**
   * Set when the answer creates a stored object (a stored response): entries are then the
   * caller's own whatever `CACHE_SCOPE` says, and an entry is replayed only while this says the
   * object it names is still there (not deleted, not expired).
   */
  readonly stillStored?: (entry: CacheEntry) => Promise<boolean>;
}

/**
 * `hit`: answer with `response`. `miss`: ask upstream, then hand the ending to `store`, exactly
 * once; it returns the KV write to wait for, if any. `bypass`: the cache is not involved.
 */
export type CacheLookup =
  | { readonly status: 'hit'; readonly response: Response }
  | { readonly status: 'miss'; readonly store: (ending: Ending | undefined) => Promise<void> | undefined }
  | { readonly status: 'bypass' };

export async function lookUpCache(request: CacheRequest): Promise<CacheLookup> {
  const { config, caller, route } = request;
  if (config.cacheTtlSeconds === 0 || !route.cacheable) return { status: 'bypass' };
  // A background response is a queued job, not an answer: each request starts its own.
  if (request.body.json['background'] === true) return { status: 'bypass' };
  const directives = parseCacheControl(request.headers.get('cache-control'));
  if (!directives.write) return { status: 'bypass' };
  const key = await cacheKey({
    route: route.name,
    routing: config.routingFingerprint,
    // A stored object is its creator's alone: a shared entry would hand out ids others cannot use.
    scope: config.cacheScope === 'shared' && !request.stillStored ? 'shared' : caller.id,
    mode: isStreamed(request.body) ? 'sse' : 'json',
    headers: answerChangingHeaders(request.headers),
    body: request.body.json,
  });
  // A follower gets the answer once it has ended. For a stream that would hold back every token
  // until the last (and a long one past the follower's wait), so streams neither join nor lead.
  const shares = directives.read && !isStreamed(request.body);
  if (shares) {
    const flying = joinFlight(key);
    const joined = flying && (await flying);
    if (joined) return { status: 'hit', response: hitResponse(joined, 0, 'in-flight') };
  }
  // Registered before the KV read, with no await in between, so identical requests that
  // arrive during the read join this one instead of each calling upstream.
  const flight = shares ? startFlight(key) : undefined;
  if (directives.read) {
    const entry = await readEntry(request.kv, key);
    const age = entry ? ageSeconds(entry) : 0;
    const fresh = entry && age <= (directives.maxAgeSeconds ?? Infinity);
    if (fresh && (!request.stillStored || (await request.stillStored(entry)))) {
      flight?.land(entry);
      return { status: 'hit', response: hitResponse(entry, age, 'kv') };
    }
  }
  const storedAt = Date.now();
  const store = (ending: Ending | undefined) => {
    const entry =
      ending?.complete && ending.body && replayable(ending.contentType, ending.body)
        ? { body: ending.body, status: ending.status, contentType: ending.contentType, storedAt }
        : undefined;
    flight?.land(entry);
    return entry ? writeEntry(request.kv, key, entry, config.cacheTtlSeconds) : undefined;
  };
  return { status: 'miss', store };
}

/**
 * A stream is stored only once it finished normally; a JSON answer only if it is whole. An upstream
 * that cut its answer short (a `content-length` shorter than its body) must not have the cut
 * answer replayed for an hour.
 */
function replayable(contentType: string, body: ArrayBuffer): boolean {
  return isEventStream(contentType) || closesWhole(new Uint8Array(body));
}

function ageSeconds(entry: CacheEntry): number {
  return Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
}

/**
 * A stored answer replayed: same status, type and bytes (a stream replays its exact bytes).
 * `x-cache-source` tells a KV hit from a request that joined an identical one in flight.
 */
function hitResponse(entry: CacheEntry, age: number, source: 'kv' | 'in-flight'): Response {
  const headers: Record<string, string> = {
    'content-type': entry.contentType,
    'x-cache': 'HIT',
    'x-cache-source': source,
    age: String(age),
  };
  // As OpenAI's own streams say: nothing between here and the client should hold a stream back.
  if (isEventStream(entry.contentType)) headers['cache-control'] = 'no-cache, must-revalidate';
  return new Response(entry.body.slice(0), { status: entry.status, headers });
}
