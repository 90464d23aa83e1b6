// The Worker: an allow-listed OpenAI-compatible router with CORS and OpenAI-shaped errors.
import { Router, type IRequest } from 'itty-router';
import { readConfig } from './config/read';
import { ConfigError } from './config/values';
import { ProxyError, errorResponse, unknownUrl } from './errors';
import { modelsHandler } from './handlers/models';
import { playgroundHandler } from './handlers/playground';
import { proxyHandler } from './handlers/proxy';
import { preflightResponse, withCors } from './http/cors';
import { ROUTES, type ProxyRoute } from './routes';

type Args = [Env, ExecutionContext];

function notFound(request: IRequest): never {
  throw unknownUrl(request);
}

/** Preflights are answered before auth: browsers never send credentials with them. */
function preflight(route: ProxyRoute) {
  return (request: IRequest, env: Env) =>
    preflightResponse(request, `${route.method}, OPTIONS`, readConfig(env));
}

function methodNotAllowed(route: ProxyRoute) {
  return (request: IRequest): never => {
    throw new ProxyError(
      405,
      'method_not_allowed',
      `${request.method} is not allowed on ${route.pattern}; use ${route.method}.`,
      { headers: { allow: `${route.method}, OPTIONS` } },
    );
  };
}

/** CORS needs the config; the answer that explains a broken config goes out without it. */
function withCorsWhenConfigured(response: Response, request: IRequest, env: Env): Response {
  try {
    return withCors(response, request, readConfig(env));
  } catch {
    return response;
  }
}

const router = Router<IRequest, Args>({
  // Cloudflare's ray id names the request in its logs; under Miniflare there is none.
  catch: (error: unknown, request: IRequest) =>
    errorResponse(error, request.headers.get('cf-ray') ?? crypto.randomUUID()),
  finally: [withCorsWhenConfigured],
});

/** Health names a misconfigured variable, never a value, so `npm run dev` and monitors can say which. */
function health(_request: IRequest, env: Env): Response {
  const text = (body: string, status: number) =>
    new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  try {
    readConfig(env);
    return text('ok\n', 200);
  } catch (error) {
    if (error instanceof ConfigError) return text(`misconfigured: ${error.variable}\n`, 503);
    throw error;
  }
}

router.get('/healthz', health);
for (const route of ROUTES) {
  router.options(route.pattern, preflight(route));
  if (route.method === 'GET') router.get(route.pattern, modelsHandler(route));
  else router.post(route.pattern, proxyHandler(route));
  router.all(route.pattern, methodNotAllowed(route));
}
router.get('/', playgroundHandler);
router.all('*', notFound);

export { QuotaCounter } from './quota/counter';

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
