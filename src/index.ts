// The Worker: an allow-listed OpenAI-compatible router with CORS and OpenAI-shaped errors.
import { Router, type IRequest } from 'itty-router';
import { readConfig } from './config';
import { preflightResponse, withCors } from './cors';
import { ProxyError, errorResponse, unknownUrl } from './errors';
import { playgroundHandler } from './playground/handler';
import { modelsHandler } from './models';
import { proxyHandler } from './proxy';
import { ROUTES } from './routes';

type Args = [Env, ExecutionContext];

function notFound(request: IRequest): never {
  throw unknownUrl(request);
}

/** Preflights are answered here, before auth: browsers never send credentials with them. */
function preflight(request: IRequest, env: Env): Response | undefined {
  if (request.method !== 'OPTIONS') return undefined;
  const path = new URL(request.url).pathname;
  const methods = ROUTES.filter((route) => routeMatches(route.pattern, path)).map((r) => r.method);
  if (methods.length === 0) return notFound(request);
  return preflightResponse(request, [...methods, 'OPTIONS'].join(', '), readConfig(env));
}

function routeMatches(pattern: string, path: string): boolean {
  return new RegExp(`^${pattern.replace(/:\w+/g, '[^/]+')}/*$`).test(path);
}

const router = Router<IRequest, Args>({
  before: [preflight],
  catch: (error: unknown) => errorResponse(error),
  finally: [
    (response: Response, request: IRequest, env: Env) => withCors(response, request, readConfig(env)),
  ],
});

router.get('/healthz', () => new Response('ok\n', { headers: { 'content-type': 'text/plain' } }));
for (const route of ROUTES) {
  const methodNotAllowed = (request: IRequest): never => {
    throw new ProxyError(
      405,
      'method_not_allowed',
      `${request.method} is not allowed on ${route.pattern}; use ${route.method}.`,
      { headers: { allow: `${route.method}, OPTIONS` } },
    );
  };
  if (route.method === 'GET') router.get(route.pattern, modelsHandler(route));
  else router.post(route.pattern, proxyHandler(route));
  router.all(route.pattern, methodNotAllowed);
}
router.get('/', playgroundHandler);
router.all('*', notFound);

export { QuotaCounter } from './quota/counter';

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
