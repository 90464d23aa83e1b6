// The handler for every allow-listed OpenAI route: check access, read the body, consult the cache,
// call upstream, relay or store.
import type { IRequest } from 'itty-router';
import { authenticate } from './auth';
import { readJsonBody } from './body';
import { openCacheSession, type CacheSession } from './cache/session';
import { readConfig } from './config';
import { ProxyError } from './errors';
import { upstreamRequestHeaders } from './headers';
import { clientResponse } from './respond';
import { upstreamPath, type ProxyRoute } from './routes';
import { fetchUpstream } from './upstream';

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(request.headers.get('authorization'), config);
    const path = upstreamPath(route, request.params);
    if (path === undefined) {
      throw new ProxyError(
        404,
        'unknown_url',
        `Invalid URL (${request.method} ${new URL(request.url).pathname}).`,
      );
    }
    const body = route.method === 'POST' ? await readJsonBody(request, config.maxBodyBytes) : undefined;
    const cache: CacheSession | undefined =
      body &&
      (await openCacheSession({
        route: route.name,
        config,
        caller,
        body,
        cacheControl: request.headers.get('cache-control'),
        kv: env.CACHE,
        waitUntil: (promise) => ctx.waitUntil(promise),
      }));
    if (cache?.hit) return cache.hit;
    let upstream: Response;
    try {
      upstream = await fetchUpstream({
        url: config.upstreamBaseUrl + path,
        method: route.method,
        headers: upstreamRequestHeaders(request.headers, config.upstreamApiKey),
        body: body?.bytes,
        timeoutMs: config.upstreamTimeoutMs,
      });
    } catch (error) {
      cache?.capture?.settle(undefined);
      throw error;
    }
    const response = await clientResponse(upstream, config, cache?.capture);
    if (cache) response.headers.set('x-cache', cache.status);
    return response;
  };
}
