// The Worker: an allow-listed OpenAI-compatible router with CORS, OpenAI-shaped errors and one
// record per request; and the consumer that writes those records to the usage ledger.
import { Router, type IRequest } from 'itty-router';
import { checkAdmin } from './access/admin';
import { authenticate } from './access/authenticate';
import { readConfig, type Config } from './config/read';
import { ConfigError } from './config/values';
import { contextOf, type CallerContext, type ContextRequest, type RequestContext } from './context/context';
import { startRecord } from './context/record';
import { ProxyError, errorResponse, toProxyError, unknownUrl } from './errors';
import { usageApi } from './handlers/admin';
import { generationHandler } from './handlers/generation';
import {
  changeKey,
  createKey,
  deleteKey,
  getKey,
  keyEventsRoute,
  listKeysRoute,
  rotateKey,
} from './handlers/keys';
import { me } from './handlers/me';
import { listModels, retrieveModel } from './handlers/models';
import { storedHandler } from './handlers/stored';
import { dashboardPage, pageAssets, playgroundPage } from './handlers/pages';
import { preflightResponse, withCors } from './http/cors';
import { consumeUsage } from './ledger/consume';
import { writeRecord } from './ledger/write';
import { ROUTES, type Route } from './routes';

type Args = [Env, ExecutionContext];
type Handler<C> = (request: IRequest, context: C) => Promise<Response | undefined>;

/**
 * Builds the request's context once: the parsed config and a fresh record. `/healthz` is answered
 * here, before the config is needed, so a broken config can still say which variable is wrong.
 */
function withContext(request: ContextRequest, env: Env, ctx: ExecutionContext): Response | undefined {
  const path = new URL(request.url).pathname;
  const record = startRecord(path, Date.now());
  if (path === '/healthz') return health(env, record.id);
  request.context = { config: readConfig(env), record, env, ctx };
  return undefined;
}

/** An API route: the caller is authenticated before the handler runs, and recorded. */
function api(route: Route, handler: Handler<CallerContext>) {
  return async (request: ContextRequest) => {
    const context = contextOf(request);
    context.record.route = route.name;
    const caller = await authenticate(request, context.config, context.env);
    context.record.caller = caller.id;
    return handler(request, { ...context, caller });
  };
}

/** A page or owner route: the handler gets the context; without ADMIN_KEY admin routes do not exist. */
function owned(handler: Handler<RequestContext>, needsAdmin = false) {
  return (request: ContextRequest) => {
    const context = contextOf(request);
    if (needsAdmin && context.config.adminKeyDigest === undefined) return undefined;
    return handler(request, context);
  };
}

const METHODS = { GET: 'get', POST: 'post', PATCH: 'patch', DELETE: 'delete' } as const;

const HANDLERS: Readonly<Record<Route['kind'], (route: Route) => Handler<CallerContext>>> = {
  generation: generationHandler,
  catalogue: (route) => (route.name === 'models.list' ? listModels : retrieveModel),
  identity: () => me,
  stored: storedHandler,
};

/** The API's paths also answer OPTIONS (CORS preflights); the owner's never do. */
function methodNotAllowed(pattern: string, methods: string, allow = `${methods}, OPTIONS`) {
  return (request: IRequest): never => {
    throw new ProxyError(
      405,
      'method_not_allowed',
      `${request.method} is not allowed on ${pattern}; use ${methods}.`,
      { headers: { allow } },
    );
  };
}

/** Every answer names its request; API requests also get their log line and ledger event. */
function finishRecord(response: Response, request: ContextRequest): Response {
  const context = request.context;
  if (!context) return response;
  const { record, config, env, ctx } = context;
  // Responses the proxy builds have mutable headers; only a raw passthrough would need a copy.
  if (!response.headers.has('x-request-id')) response.headers.set('x-request-id', record.id);
  if (
    request.method !== 'OPTIONS' &&
    (record.path.startsWith('/v1/') || record.path.startsWith('/admin/api/'))
  ) {
    const ledger =
      config.usageLedger && env.USAGE_QUEUE
        ? { queue: env.USAGE_QUEUE, flushAfterMs: config.usageFlushMs }
        : undefined;
    ctx.waitUntil(writeRecord({ record, response, ledger, headersAt: Date.now() }));
  }
  return response;
}

/** CORS for the `/v1` API only: the owner's routes are never called cross-origin. */
function withApiCors(response: Response, request: ContextRequest): Response {
  const config: Config | undefined = request.context?.config;
  return config && request.context?.record.path.startsWith('/v1/')
    ? withCors(response, request, config)
    : response;
}

const router = Router<ContextRequest, Args>({
  before: [withContext],
  catch: (thrown: unknown, request: ContextRequest) => {
    const record = request.context?.record;
    const error = toProxyError(thrown, record?.id);
    if (record) record.errorCode = error.code ?? `http_${error.status}`;
    return errorResponse(error);
  },
  finally: [finishRecord, withApiCors],
});

for (const route of ROUTES)
  router[METHODS[route.method]](route.pattern, api(route, HANDLERS[route.kind](route)));
// Then, per path, the preflight (answered before auth: browsers send no credentials with it) and
// a 405 naming the methods it has.
for (const pattern of new Set(ROUTES.map((route) => route.pattern))) {
  const methods = ROUTES.filter((route) => route.pattern === pattern)
    .map((route) => route.method)
    .join(', ');
  router.options(pattern, (request) =>
    preflightResponse(request, `${methods}, OPTIONS`, contextOf(request).config),
  );
  router.all(pattern, methodNotAllowed(pattern, methods));
}
/** The owner's API: it exists only with ADMIN_KEY set, and checks that key itself. */
const ADMIN_ROUTES: readonly [method: keyof typeof METHODS, pattern: string, Handler<RequestContext>][] = [
  ['GET', '/admin/api/usage', usageApi],
  ['POST', '/admin/api/keys', createKey],
  ['GET', '/admin/api/keys', listKeysRoute],
  ['GET', '/admin/api/keys/:id', getKey],
  ['PATCH', '/admin/api/keys/:id', changeKey],
  ['DELETE', '/admin/api/keys/:id', deleteKey],
  ['POST', '/admin/api/keys/:id/rotate', rotateKey],
  ['GET', '/admin/api/keys/:id/events', keyEventsRoute],
];
for (const [method, pattern, handler] of ADMIN_ROUTES) router[METHODS[method]](pattern, owned(handler, true));
// A wrong method on an owner's route is a 405 naming the right ones, as on /v1 (no OPTIONS here).
for (const pattern of new Set(ADMIN_ROUTES.map(([, pattern]) => pattern))) {
  const methods = ADMIN_ROUTES.filter((route) => route[1] === pattern)
    .map(([method]) => method)
    .join(', ');
  const refuse = methodNotAllowed(pattern, methods, methods);
  // Only to the owner: the methods of a route are no one else's business.
  const refuseOwner: Handler<RequestContext> = async (request, context) => {
    await checkAdmin(request, context.config);
    return refuse(request);
  };
  router.all(pattern, owned(refuseOwner, true));
}
router.get('/', owned(playgroundPage));
router.get('/admin', owned(dashboardPage));
router.get('/assets/*', owned(pageAssets));
router.all('*', (request) => {
  throw unknownUrl(request);
});

/** Health names a misconfigured variable, never a value, so `npm run dev` and monitors can say which. */
function health(env: Env, requestId: string): Response {
  const text = (body: string, status: number) =>
    new Response(body, {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-request-id': requestId },
    });
  try {
    readConfig(env);
    return text('ok\n', 200);
  } catch (error) {
    if (error instanceof ConfigError) return text(`misconfigured: ${error.variable}\n`, 503);
    throw error;
  }
}

export { KeyRegistry } from './keys/registry';
export { VirtualKey } from './keys/object';
export { QuotaCounter } from './quota/counter';
export { StoredObject } from './stored/owners';

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    let retentionDays = 90;
    try {
      retentionDays = readConfig(env).usageRetentionDays;
    } catch {
      // A configuration error must not lose usage: keep the default retention.
    }
    await consumeUsage(
      batch.messages.map((message) => message.body),
      env.USAGE_DB,
      retentionDays,
    );
  },
} satisfies ExportedHandler<Env, unknown>;
