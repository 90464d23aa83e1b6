// The Worker: an allow-listed OpenAI-compatible router with CORS and OpenAI-shaped errors.
import { Router, type IRequest } from 'itty-router';
import { readConfig } from './config/read';
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

const router = Router<IRequest, Args>({
  // Cloudflare's ray id names the request in its logs; under Miniflare there is none.
  catch: (error: unknown, request: IRequest) =>
    errorResponse(error, request.headers.get('cf-ray') ?? crypto.randomUUID()),
  finally: [
    (response: Response, request: IRequest, env: Env) => withCors(response, request, readConfig(env)),
  ],
});

router.get('/healthz', () => new Response('ok\n', { headers: { 'content-type': 'text/plain' } }));
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
