// The handler for the allow-listed generation and embedding routes. It reads as the pipeline:
// check access, read the body, route the model, admit against the caller's quota, consult the
// cache, call upstream with failover, relay; once the answer has ended, store it and settle.
import type { IRequest } from 'itty-router';
import { authenticate } from '../access/authenticate';
import { checkModel, checkOutputCap, modelAllowLists } from '../access/model-policy';
import { lookUpCache, type CacheLookup } from '../cache/lookup';
import { MAX_ENTRY_BYTES } from '../cache/store';
import { readConfig } from '../config/read';
import { answerFromUpstream, type Ending } from '../http/answer';
import { readJsonBody } from '../http/body';
import { NOTHING_USED, admitRequest, withCallerLimits, type Ticket } from '../quota/admission';
import { needsUsageChunk, withUsageRequested } from '../quota/usage-request';
import { promptEstimate, reservation } from '../quota/usage';
import { upstreamPath, type ProxyRoute } from '../routes';
import { forward, withRoutingHeaders } from '../routing/forward';
import { routeModel } from '../routing/resolve';
import { priceOf, type Price } from '../usage/prices';
import { recordOf, type Recorded, type Spend } from '../usage/record';
import { maxCostMicros, spendOf } from '../usage/spend';

export function proxyHandler(route: ProxyRoute) {
  return async function proxy(
    request: IRequest & Recorded,
    env: Env,
    ctx: ExecutionContext,
  ): Promise<Response> {
    const config = readConfig(env);
    const record = recordOf(request);
    record.route = route.name;
    const caller = await authenticate(request, config);
    record.caller = caller.id;
    const body = await readJsonBody(request, config.maxBodyBytes);
    if (typeof body.json['model'] === 'string') record.model = body.json['model'];
    const { targets, servedAs } = routeModel(body.json, config);
    checkModel(body.json, modelAllowLists(caller, config), servedAs);
    checkOutputCap(route.name, body.json, caller.maxTokens);
    const size = body.bytes.length;
    const prices = targets.map((target) => priceOf(target.model, config.prices));
    const ticket = await admitRequest(env.QUOTA, caller, {
      tokens: reservation(route.name, body.json, size),
      micros: maxCostMicros(route.name, body.json, size, prices),
    });
    let cache: CacheLookup | undefined;
    let price: Price | undefined;
    const account = (ending: Ending | undefined) =>
      afterAnswer({ ending, cache, ticket, price, promptTokens: promptEstimate(size) });
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
        record.cache = 'HIT';
        record.spend = (ticket?.settle(NOTHING_USED) ?? Promise.resolve()).then(() => FREE); // A hit costs nothing upstream.
        return withCallerLimits(cache.response, ticket);
      }
      const countsTokens = ticket !== undefined && (caller.limits.tpd > 0 || caller.limits.microsPerDay > 0);
      const ledger = config.usageLedger && env.USAGE_QUEUE !== undefined;
      const stripUsage = needsUsageChunk(route.name, body, countsTokens);
      const answered = await forward({
        config,
        targets,
        path: upstreamPath(route, {}) ?? '',
        clientHeaders: request.headers,
        body: stripUsage ? withUsageRequested(body) : body.bytes,
      });
      Object.assign(record, {
        upstream: answered.upstream.name,
        attempts: answered.attempts,
        servedModel: answered.target.model,
      });
      price = priceOf(answered.target.model, config.prices);
      const answer = await answerFromUpstream(answered.response, {
        route: route.name,
        config,
        keepBytes: cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
        // The ledger reads every answer's usage; on the native relay that costs no JavaScript per chunk.
        observe: cache.status === 'miss' || countsTokens || ledger,
        stripUsage,
      });
      record.cache = cache.status === 'miss' ? 'MISS' : 'BYPASS';
      record.spend = answer.ended.then(account);
      ctx.waitUntil(record.spend);
      answer.response.headers.set('x-cache', record.cache);
      return withCallerLimits(withRoutingHeaders(answer.response, answered), ticket);
    } catch (error) {
      // Nothing was answered: release the reservation, and let requests waiting on this one go.
      record.spend = account(undefined);
      ctx.waitUntil(record.spend);
      throw error;
    }
  };
}

const FREE: Spend = { estimated: false, costUsd: 0, unpriced: false };

interface Outcome {
  readonly ending: Ending | undefined;
  readonly cache: CacheLookup | undefined;
  readonly ticket: Ticket | undefined;
  readonly price: Price | undefined;
  readonly promptTokens: number;
}

/** Once the client has the whole answer: store it if it is whole, settle what it used, report it. */
async function afterAnswer({ ending, cache, ticket, price, promptTokens }: Outcome): Promise<Spend> {
  const { used, spend } = spendOf(ending, promptTokens, price);
  const stored = cache?.status === 'miss' ? cache.store(ending) : undefined;
  await Promise.all([stored, ticket?.settle(used)]);
  return spend;
}
