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
import { admitRequest, withCallerLimits, type Ticket } from '../quota/admission';
import { needsUsageChunk, withUsageRequested } from '../quota/usage-request';
import { promptEstimate, reservation, totalTokens } from '../quota/usage';
import { upstreamPath, type ProxyRoute } from '../routes';
import { forward, withRoutingHeaders } from '../routing/forward';
import { routeModel } from '../routing/resolve';

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(request, config);
    const body = await readJsonBody(request, config.maxBodyBytes);
    const { targets, servedAs } = routeModel(body.json, config);
    checkModel(body.json, modelAllowLists(caller, config), servedAs);
    checkOutputCap(route.name, body.json, caller.maxTokens);
    const ticket = await admitRequest(
      env.QUOTA,
      caller,
      reservation(route.name, body.json, body.bytes.length),
    );
    const settle = (ending: Ending | undefined, cache?: CacheLookup) =>
      afterAnswer({ ending, cache, ticket, promptTokens: promptEstimate(body.bytes.length) });
    let cache: CacheLookup | undefined;
    try {
      cache = await lookUpCache({
        route: route.name,
        config,
        caller,
        body,
        headers: request.headers,
        kv: env.CACHE,
      });
      if (cache.status === 'hit') {
        ctx.waitUntil(ticket?.settle(0) ?? Promise.resolve()); // A hit costs no tokens.
        return withCallerLimits(cache.response, ticket);
      }
      const countsTokens = ticket !== undefined && caller.limits.tpd > 0;
      const stripUsage = needsUsageChunk(route.name, body, countsTokens);
      const answered = await forward({
        config,
        targets,
        path: upstreamPath(route, {}) ?? '',
        clientHeaders: request.headers,
        body: stripUsage ? withUsageRequested(body) : body.bytes,
      });
      const answer = await answerFromUpstream(answered.response, {
        route: route.name,
        config,
        keepBytes: cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
        observe: cache.status === 'miss' || countsTokens,
        stripUsage,
      });
      ctx.waitUntil(answer.ended.then((ending) => settle(ending, cache)));
      answer.response.headers.set('x-cache', cache.status === 'miss' ? 'MISS' : 'BYPASS');
      return withCallerLimits(withRoutingHeaders(answer.response, answered), ticket);
    } catch (error) {
      // Nothing was answered: release the reservation, and let requests waiting on this one go.
      ctx.waitUntil(settle(undefined, cache));
      throw error;
    }
  };
}

interface Outcome {
  readonly ending: Ending | undefined;
  readonly cache: CacheLookup | undefined;
  readonly ticket: Ticket | undefined;
  readonly promptTokens: number;
}

/** Once the client has the whole answer: store it if it is whole, and settle what it used. */
async function afterAnswer({ ending, cache, ticket, promptTokens }: Outcome): Promise<void> {
  const stored = cache?.status === 'miss' ? cache.store(ending) : undefined;
  await Promise.all([stored, ticket?.settle(tokensUsed(ending, promptTokens))]);
}

/**
 * What to charge. A failed call used nothing. A stream that ended without its usage report
 * (the client left, it went idle or broke) is charged what it relayed: never less than the
 * client received. A JSON answer without usage keeps its reservation (`undefined`).
 */
function tokensUsed(ending: Ending | undefined, promptTokens: number): number | undefined {
  if (!ending || ending.status < 200 || ending.status >= 300) return 0;
  if (ending.usage) return totalTokens(ending.usage);
  if (ending.generatedChars !== undefined) return promptTokens + Math.ceil(ending.generatedChars / 4);
  return undefined;
}
