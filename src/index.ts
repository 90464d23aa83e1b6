// The Worker: an allow-listed OpenAI-compatible router with CORS, OpenAI-shaped errors and one
// record per request; and the consumer that writes those records to the usage ledger.
import { Router, type IRequest } from 'itty-router';
import { readConfig } from './config/read';
import { ConfigError } from './config/values';
import { ProxyError, errorResponse, toProxyError, unknownUrl } from './errors';
import { usageApi } from './handlers/admin';
import { modelsHandler } from './handlers/models';
import { dashboardPage, pageAssets, playgroundPage } from './handlers/pages';
import { proxyHandler } from './handlers/proxy';
import { preflightResponse, withCors } from './http/cors';
import { ROUTES, type ProxyRoute } from './routes';
import { writeUsage } from './usage/ledger';
import type { UsageEvent } from './usage/log-line';
import { recordOf, type Recorded } from './usage/record';
import { writeRecord } from './usage/write';

type Args = [Env, ExecutionContext];
type Request = IRequest & Recorded;

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
      {
        headers: { allow: `${route.method}, OPTIONS` },
      },
    );
  };
}

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

/** CORS needs the config; the answer that explains a broken config goes out without it. */
function withCorsWhenConfigured(response: Response, request: IRequest, env: Env): Response {
  try {
    return withCors(response, request, readConfig(env));
  } catch {
    return response;
  }
}

function ledgerQueue(env: Env): Queue<UsageEvent> | undefined {
  try {
    return readConfig(env).usageLedger ? (env.USAGE_QUEUE as Queue<UsageEvent> | undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** Every answer names its request; API requests also get their log line and ledger event. */
function finishRecord(response: Response, request: Request, env: Env, ctx: ExecutionContext): Response {
  const record = recordOf(request);
  const answered = response.headers.has('x-request-id') ? response : new Response(response.body, response);
  if (answered !== response) answered.headers.set('x-request-id', record.id);
  const path = new URL(request.url).pathname;
  if (request.method !== 'OPTIONS' && (path.startsWith('/v1/') || path.startsWith('/admin/api/'))) {
    ctx.waitUntil(
      writeRecord({ record, response: answered, queue: ledgerQueue(env), headersAt: Date.now() }),
    );
  }
  return answered;
}

const router = Router<Request, Args>({
  before: [(request) => void recordOf(request)],
  catch: (thrown: unknown, request: Request) => {
    const record = recordOf(request);
    const error = toProxyError(thrown, record.id);
    record.errorCode = error.code;
    return errorResponse(error);
  },
  finally: [finishRecord, withCorsWhenConfigured],
});

router.get('/healthz', health);
for (const route of ROUTES) {
  router.options(route.pattern, preflight(route));
  if (route.method === 'GET') router.get(route.pattern, modelsHandler(route));
  else router.post(route.pattern, proxyHandler(route));
  router.all(route.pattern, methodNotAllowed(route));
}
router.get('/admin/api/usage', usageApi);
router.get('/', playgroundPage);
router.get('/admin', dashboardPage);
router.get('/assets/*', pageAssets);
router.all('*', notFound);

export { QuotaCounter } from './quota/counter';

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  async queue(batch: MessageBatch<UsageEvent>, env: Env): Promise<void> {
    let retentionDays = 90;
    try {
      retentionDays = readConfig(env).usageRetentionDays;
    } catch {
      // A configuration error must not lose usage: keep the default retention.
    }
    await writeUsage(
      batch.messages.map((message) => message.body),
      env.USAGE_DB,
      retentionDays,
    );
  },
} satisfies ExportedHandler<Env, UsageEvent>;
