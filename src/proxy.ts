// The handler for every allow-listed OpenAI route: check access, read the body, call upstream, relay.
import type { IRequest } from 'itty-router';
import { authenticate } from './auth';
import { readJsonBody } from './body';
import { readConfig } from './config';
import { ProxyError } from './errors';
import { upstreamRequestHeaders } from './headers';
import { clientResponse } from './respond';
import { upstreamPath, type ProxyRoute } from './routes';
import { fetchUpstream } from './upstream';

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(request: IRequest, env: Env): Promise<Response> {
    const config = readConfig(env);
    await authenticate(request.headers.get('authorization'), config);
    const path = upstreamPath(route, request.params);
    if (path === undefined) {
      throw new ProxyError(
        404,
        'unknown_url',
        `Invalid URL (${request.method} ${new URL(request.url).pathname}).`,
      );
    }
    const body = route.method === 'POST' ? await readJsonBody(request, config.maxBodyBytes) : undefined;
    const upstream = await fetchUpstream({
      url: config.upstreamBaseUrl + path,
      method: route.method,
      headers: upstreamRequestHeaders(request.headers, config.upstreamApiKey),
      body: body?.bytes,
      timeoutMs: config.upstreamTimeoutMs,
    });
    return clientResponse(upstream, config);
  };
}
