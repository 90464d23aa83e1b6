// The handler for the allow-listed generation and embedding routes: check access, read the body,
// admit against the caller's quota, consult the cache, call upstream, relay and account.
import type { IRequest } from 'itty-router';
import { checkModel, checkOutputCap, modelAllowLists } from './access/policy';
import { authenticate, type Caller, type Credentials } from './auth';
import { readJsonBody, type JsonBody } from './body';
import { isCompleteEventStream } from './cache/complete';
import { openCacheSession, type CacheSession } from './cache/session';
import { MAX_ENTRY_BYTES } from './cache/store';
import { readConfig, type Config } from './config';
import { upstreamRequestHeaders } from './headers';
import { admitRequest, type Ticket } from './quota/admission';
import type { QuotaCounter } from './quota/counter';
import { needsUsageChunk, withUsageRequested } from './quota/stream-usage';
import { reservation } from './quota/usage';
import { clientResponse, type Observer } from './respond';
import { upstreamPath, type ProxyRoute } from './routes';
import { fetchUpstream } from './upstream';

export function credentialsOf(request: Request): Credentials {
  return {
    authorization: request.headers.get('authorization'),
    origin: request.headers.get('origin'),
    clientIp: request.headers.get('cf-connecting-ip'),
  };
}

export function quotaNamespace(env: Env): DurableObjectNamespace<QuotaCounter> {
  return env.QUOTA as unknown as DurableObjectNamespace<QuotaCounter>;
}

/** Replaces the upstream's rate-limit headers (the owner's account) with the caller's own. */
export function withTicketHeaders(response: Response, ticket: Ticket | undefined): Response {
  if (!ticket) return response;
  for (const name of [...response.headers.keys()]) {
    if (name.startsWith('x-ratelimit-')) response.headers.delete(name);
  }
  for (const [name, value] of ticket.headers) response.headers.set(name, value);
  return response;
}

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(credentialsOf(request), config);
    const body = await readJsonBody(request, config.maxBodyBytes);
    checkModel(body.json, modelAllowLists(caller, config));
    checkOutputCap(route.name, body.json, caller.maxTokens);
    const reserve = reservation(route.name, body.json, body.bytes.byteLength);
    const ticket = await admitRequest(quotaNamespace(env), caller, reserve);
    const cache = await openCacheSession({
      route: route.name,
      config,
      caller,
      body,
      cacheControl: request.headers.get('cache-control'),
      kv: env.CACHE,
      waitUntil: (promise) => ctx.waitUntil(promise),
    });
    if (cache.hit) {
      ctx.waitUntil(ticket?.settle(0) ?? Promise.resolve());
      return withTicketHeaders(cache.hit, ticket);
    }
    const response = await forward({ route, config, caller, body, request, ctx, cache, ticket });
    response.headers.set('x-cache', cache.status);
    return withTicketHeaders(response, ticket);
  };
}

interface Forward {
  readonly route: ProxyRoute;
  readonly config: Config;
  readonly caller: Caller;
  readonly body: JsonBody;
  readonly request: Request;
  readonly ctx: ExecutionContext;
  readonly cache: CacheSession;
  readonly ticket: Ticket | undefined;
}

async function forward(call: Forward): Promise<Response> {
  const { config, body, cache, ticket, ctx } = call;
  const stripUsage = needsUsageChunk(
    call.route.name,
    call.body,
    call.ticket !== undefined && call.caller.limits.tpd > 0,
  );
  const observer = observe(call, stripUsage);
  let upstream: Response;
  try {
    upstream = await fetchUpstream({
      url: config.upstreamBaseUrl + (upstreamPath(call.route, {}) ?? ''),
      method: 'POST',
      headers: upstreamRequestHeaders(call.request.headers, config.upstreamApiKey),
      body: stripUsage ? withUsageRequested(body) : body.bytes,
      timeoutMs: config.upstreamTimeoutMs,
    });
  } catch (error) {
    cache.store?.(undefined);
    ctx.waitUntil(ticket?.settle(0) ?? Promise.resolve());
    throw error;
  }
  return clientResponse(upstream, config, observer);
}

function observe(call: Forward, stripUsage: boolean): Observer | undefined {
  const { cache, ticket, ctx, route } = call;
  const countsTokens = ticket !== undefined && call.caller.limits.tpd > 0;
  if (!cache.store && !countsTokens) return undefined;
  return {
    keepBytes: cache.store || countsTokens ? MAX_ENTRY_BYTES : 0,
    stripUsage,
    isComplete: (bytes) => isCompleteEventStream(bytes, route.name),
    finished(answer) {
      cache.store?.(answer);
      ctx.waitUntil(ticket?.settle(answer.usedTokens) ?? Promise.resolve());
    },
    track: (work) => ctx.waitUntil(work),
  };
}
