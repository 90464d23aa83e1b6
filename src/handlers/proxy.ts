// The handler for the allow-listed generation and embedding routes. It reads as the pipeline:
// check access, read the body, route the model, admit against the caller's quota, consult the
// cache, call upstream with failover, relay; once the answer has ended, store it and settle.
import type { IRequest } from 'itty-router';
import { authenticate, type Caller } from '../access/authenticate';
import { checkModel, checkOutputCap, modelAllowLists } from '../access/model-policy';
import { lookUpCache, type CacheLookup } from '../cache/lookup';
import { MAX_ENTRY_BYTES } from '../cache/store';
import { readConfig, type Config } from '../config/read';
import type { Target } from '../config/upstreams';
import { ProxyError } from '../errors';
import { answerFromUpstream } from '../http/answer';
import { readJsonBody, type JsonBody } from '../http/body';
import { NOTHING_USED, admitRequest, withCallerLimits, type Ticket } from '../quota/admission';
import { needsUsageChunk, withUsageRequested } from '../quota/usage-request';
import { reservation } from '../quota/usage';
import { upstreamPath, type ProxyRoute } from '../routes';
import { forward, withRoutingHeaders } from '../routing/forward';
import { routeModel } from '../routing/resolve';
import { priceOf } from '../usage/prices';
import { recordOf, type Recorded, type Spend } from '../usage/record';
import { maxCostMicros } from '../usage/spend';
import { settleAnswer } from './settle';

const FREE: Spend = { estimated: false, costUsd: 0, unpriced: false };

/** Everything about the request that later stages need, decided before anything is spent. */
interface Admitted {
  readonly route: ProxyRoute;
  readonly config: Config;
  readonly caller: Caller;
  readonly body: JsonBody;
  readonly targets: readonly Target[];
  readonly ticket: Ticket | undefined;
}

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(
    request: IRequest & Recorded,
    env: Env,
    ctx: ExecutionContext,
  ): Promise<Response> {
    const admitted = await admit(request, env, route);
    const record = recordOf(request);
    let cache: CacheLookup | undefined;
    try {
      const { config, caller, body } = admitted;
      cache = await lookUpCache({
        route: route.name,
        config,
        caller,
        body,
        headers: request.headers,
        kv: env.CACHE,
      });
      if (cache.status === 'hit') {
        record.cache = 'HIT';
        record.spend = (admitted.ticket?.settle(NOTHING_USED) ?? Promise.resolve()).then(() => FREE);
        return withCallerLimits(cache.response, admitted.ticket);
      }
      const relayed = await callUpstream(admitted, { request, cache, env });
      record.spend = relayed.answer.ended.then((ending) =>
        settleAnswer({ ending, cache, admitted, price: relayed.price }),
      );
      ctx.waitUntil(record.spend);
      return withCallerLimits(relayed.response, admitted.ticket);
    } catch (error) {
      // Nothing was answered: release the reservation (unless the upstream did answer, and so
      // may have charged for it), and let requests waiting on this one go.
      const keep = record.upstream !== undefined;
      record.spend = settleAnswer({ ending: undefined, cache, admitted, price: undefined, keep });
      ctx.waitUntil(record.spend);
      throw error;
    }
  };
}

/** Who is asking, for what, and may they: everything that refuses before anything is spent. */
async function admit(request: IRequest & Recorded, env: Env, route: ProxyRoute): Promise<Admitted> {
  const config = readConfig(env);
  const record = recordOf(request);
  record.route = route.name;
  const caller = await authenticate(request, config);
  record.caller = caller.id;
  const body = await readJsonBody(request, config.maxBodyBytes);
  const { targets, servedAs } = routeModel(body.json, config);
  record.model = String(body.json['model']).slice(0, 256);
  checkModel(body.json, modelAllowLists(caller, config), servedAs);
  checkOutputCap(route.name, body.json, caller.maxTokens);
  const prices = targets.map((target) => priceOf(target.model, config.prices));
  if (caller.limits.microsPerDay > 0 && prices.some((price) => price === undefined)) {
    // A dollar budget cannot hold a model whose cost is unknown: it would be free.
    const message = `This client has a dollar budget, and '${record.model}' has no price; the owner can add one in MODEL_PRICES.`;
    throw new ProxyError(403, 'model_not_priced', message, { param: 'model' });
  }
  const size = body.bytes.length;
  const ticket = await admitRequest(env.QUOTA, caller, {
    tokens: reservation(route.name, body.json, size),
    micros: maxCostMicros({ route: route.name, body: body.json, bodyBytes: size, prices }),
  });
  return { route, config, caller, body, targets, ticket };
}

/** The upstream's answer, relayed: routed with failover, its usage read for whoever needs it. */
async function callUpstream(
  admitted: Admitted,
  at: { request: IRequest & Recorded; cache: CacheLookup; env: Env },
) {
  const { route, config, caller, body, ticket } = admitted;
  const record = recordOf(at.request);
  const countsTokens = ticket !== undefined && (caller.limits.tpd > 0 || caller.limits.microsPerDay > 0);
  const stripUsage = needsUsageChunk(route.name, body, countsTokens);
  const answered = await forward({
    config,
    targets: admitted.targets,
    path: upstreamPath(route, {}) ?? '',
    clientHeaders: at.request.headers,
    body: { bytes: stripUsage ? withUsageRequested(body) : body.bytes, model: String(body.json['model']) },
  });
  Object.assign(record, {
    upstream: answered.upstream.name,
    attempts: answered.attempts,
    servedModel: answered.target.model,
  });
  const ledger = config.usageLedger && at.env.USAGE_QUEUE !== undefined;
  const answer = await answerFromUpstream(answered.response, {
    route: route.name,
    config,
    keepBytes: at.cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
    // The ledger reads every answer's usage; on the native relay that costs no JavaScript per chunk.
    observe: at.cache.status === 'miss' || countsTokens || ledger,
    stripUsage,
  });
  record.cache = at.cache.status === 'miss' ? 'MISS' : 'BYPASS';
  answer.response.headers.set('x-cache', record.cache);
  const price = priceOf(answered.target.model, config.prices);
  return { answer, price, response: withRoutingHeaders(answer.response, answered) };
}
