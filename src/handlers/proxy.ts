// The handler for the allow-listed generation and embedding routes. It reads as the pipeline:
// check access, read the body, admit against the caller's quota, consult the cache, call
// upstream, relay, and once the answer has ended, store it and settle the quota.
import type { IRequest } from 'itty-router';
import { authenticate } from '../access/authenticate';
import { checkModel, checkOutputCap, modelAllowLists } from '../access/model-policy';
import { lookUpCache, type CacheLookup } from '../cache/lookup';
import { MAX_ENTRY_BYTES } from '../cache/store';
import { readConfig } from '../config/read';
import { answerFromUpstream, type Ending } from '../http/answer';
import { readJsonBody } from '../http/body';
import { upstreamRequestHeaders } from '../http/headers';
import { fetchUpstream } from '../http/upstream';
import { admitRequest, withCallerLimits, type Ticket } from '../quota/admission';
import { needsUsageChunk, withUsageRequested } from '../quota/usage-request';
import { reservation, totalTokens } from '../quota/usage';
import { upstreamPath, type ProxyRoute } from '../routes';

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(request, config);
    const body = await readJsonBody(request, config.maxBodyBytes);
    checkModel(body.json, modelAllowLists(caller, config));
    checkOutputCap(route.name, body.json, caller.maxTokens);
    const ticket = await admitRequest(
      env.QUOTA,
      caller,
      reservation(route.name, body.json, body.bytes.byteLength),
    );
    const cache = await lookUpCache({
      route: route.name,
      config,
      caller,
      body,
      cacheControl: request.headers.get('cache-control'),
      kv: env.CACHE,
    });
    if (cache.status === 'hit') {
      ctx.waitUntil(ticket?.settle(0) ?? Promise.resolve());
      return withCallerLimits(cache.response, ticket);
    }
    const countsTokens = ticket !== undefined && caller.limits.tpd > 0;
    const stripUsage = needsUsageChunk(route.name, body, countsTokens);
    let upstream: Response;
    try {
      upstream = await fetchUpstream({
        url: config.upstreamBaseUrl + (upstreamPath(route, {}) ?? ''),
        method: 'POST',
        headers: upstreamRequestHeaders(request.headers, config.upstreamApiKey),
        body: stripUsage ? withUsageRequested(body) : body.bytes,
        timeoutMs: config.upstreamTimeoutMs,
      });
    } catch (error) {
      ctx.waitUntil(afterAnswer(undefined, cache, ticket));
      throw error;
    }
    const answer = await answerFromUpstream(upstream, {
      route: route.name,
      config,
      keepBytes: cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
      observe: cache.status === 'miss' || countsTokens,
      stripUsage,
    });
    ctx.waitUntil(answer.ended.then((ending) => afterAnswer(ending, cache, ticket)));
    answer.response.headers.set('x-cache', cache.status === 'miss' ? 'MISS' : 'BYPASS');
    return withCallerLimits(answer.response, ticket);
  };
}

/** Once the client has the whole answer: store it if it is whole, and settle what it used. */
async function afterAnswer(ending: Ending | undefined, cache: CacheLookup, ticket: Ticket | undefined) {
  const stored = cache.status === 'miss' ? cache.store(ending) : undefined;
  await Promise.all([stored, ticket?.settle(tokensUsed(ending))]);
}

/** A failed call used nothing; an answer without usage keeps its reservation (`undefined`). */
function tokensUsed(ending: Ending | undefined): number | undefined {
  if (!ending || ending.status < 200 || ending.status >= 300) return 0;
  return ending.usage ? totalTokens(ending.usage) : undefined;
}
