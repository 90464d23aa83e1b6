// The handler for the allow-listed generation and embedding routes. It reads as the pipeline:
// read the body, route the model, admit against the caller's quota, consult the cache, call
// upstream with failover, relay; once the answer has ended, store it and settle.
import type { IRequest } from 'itty-router';
import { checkModel, checkOutputCap, modelAllowLists } from '../access/model-policy';
import { priceOf, type Price } from '../accounting/prices';
import { outputLimit, promptEstimate, reservation } from '../accounting/reservation';
import { settle, type Outcome, type Terms } from '../accounting/settle';
import { billedTools, maxToolCost } from '../accounting/tools';
import { needsUsageChunk, withUsageRequested } from '../accounting/usage-request';
import { lookUpCache, type CacheLookup } from '../cache/lookup';
import { MAX_ENTRY_BYTES } from '../cache/store';
import type { Target } from '../config/upstreams';
import type { CallerContext } from '../context/context';
import { ProxyError } from '../errors';
import { isStreamed, readJsonBody, type JsonBody } from '../http/body';
import { admitRequest, withCallerLimits, type Ticket } from '../quota/admission';
import { answerFromUpstream, type Ending } from '../relay/answer';
import { upstreamPath, type Route } from '../routes';
import { forward, withRoutingHeaders } from '../routing/forward';
import { routeModel } from '../routing/resolve';

/** Everything about the request that later stages need, decided before anything is spent. */
interface Admitted {
  readonly body: JsonBody;
  readonly model: string;
  readonly targets: readonly Target[];
  readonly ticket: Ticket | undefined;
  /** What the request reserved and how its outcome is charged. */
  readonly terms: Omit<Terms, 'price'>;
  /** The request names built-in tools billed per call: the answer's calls are counted. */
  readonly countTools: boolean;
}

const UNSENT: Promise<Outcome<Ending>> = Promise.resolve({ kind: 'unsent' });
const UNANSWERED: Promise<Outcome<Ending>> = Promise.resolve({ kind: 'unanswered' });

export function generationHandler(route: Route) {
  return async function generate(request: IRequest, context: CallerContext): Promise<Response> {
    const admitted = await admit(request, context, route);
    // From here a reservation may be held: every way out settles it, exactly once (`finally`).
    let cache: CacheLookup | undefined;
    let outcome = UNSENT;
    let price: Price | undefined;
    let answered = false;
    try {
      cache = await lookUpCache({
        route,
        config: context.config,
        caller: context.caller,
        body: admitted.body,
        headers: request.headers,
        kv: context.env.CACHE,
      });
      if (cache.status === 'hit') {
        context.record.cache = 'HIT';
        return withCallerLimits(cache.response, admitted.ticket);
      }
      const attempt = await callUpstream(request, context, { route, admitted, cache });
      if (!attempt.ok) {
        if (attempt.mayHaveBilled) outcome = UNANSWERED;
        throw attempt.error;
      }
      // The upstream answered, so it may have billed: a failure from here keeps the reservation.
      answered = true;
      price = attempt.price;
      outcome = attempt.answer.ended.then((ending) => ({ kind: 'answered', ending }));
      return withCallerLimits(attempt.response, admitted.ticket);
    } catch (error) {
      if (answered && outcome === UNSENT) outcome = UNANSWERED;
      throw error;
    } finally {
      account(context, { outcome, admitted, price, cache });
    }
  };
}

/** Who asks for what, and may they: everything that refuses before anything is spent. */
async function admit(request: IRequest, context: CallerContext, route: Route): Promise<Admitted> {
  const { config, caller, record } = context;
  const body = await readJsonBody(request, config.maxBodyBytes, route);
  const { model, targets, servedAs } = routeModel(body.json, config);
  record.model = model.slice(0, 256);
  checkModel(model, modelAllowLists(caller, config), servedAs);
  checkOutputCap(route, body.json, caller.maxTokens);
  const prices = targets.map((target) => priceOf(target.model, config.prices));
  const tools = route.toolFees ? billedTools(body.json) : [];
  if (caller.limits.microsPerDay > 0)
    checkPriced({ model: record.model, prices, tools, toolPrices: config.toolPrices });
  const toolCostUsd = maxToolCost(body.json, tools, config.toolPrices);
  const reserved = reservation({ route, body: body.json, bodyBytes: body.bytes.length, prices, toolCostUsd });
  const ticket = await admitRequest(context.env.QUOTA, caller, reserved);
  const terms = {
    reservation: reserved,
    promptTokens: promptEstimate(body.bytes.length),
    outputLimit: Math.max(...prices.map((price) => outputLimit(route, body.json, price))),
    toolPrices: config.toolPrices,
  };
  return { body, model, targets, ticket, terms, countTools: tools.length > 0 };
}

/** A dollar budget cannot hold what has no price: it would be free. Refused, naming what to price. */
function checkPriced(what: {
  readonly model: string;
  readonly prices: readonly (Price | undefined)[];
  readonly tools: readonly string[];
  readonly toolPrices: Readonly<Record<string, number>>;
}): void {
  if (what.prices.some((price) => price === undefined)) {
    const message = `This client has a dollar budget, and '${what.model}' has no price; the owner can add one in MODEL_PRICES.`;
    throw new ProxyError(403, 'model_not_priced', message, { param: 'model' });
  }
  const tool = what.tools.find((name) => what.toolPrices[name] === undefined);
  if (tool !== undefined) {
    const message = `This client has a dollar budget, and the '${tool.slice(0, 64)}' tool has no price; the owner can add one in MODEL_PRICES.`;
    throw new ProxyError(403, 'tool_not_priced', message, { param: 'tools' });
  }
}

/** The upstream's answer, relayed: routed with failover, its usage read for whoever needs it. */
async function callUpstream(
  request: IRequest,
  context: CallerContext,
  { route, admitted, cache }: { route: Route; admitted: Admitted; cache: CacheLookup },
) {
  const { config, record } = context;
  const { body, ticket } = admitted;
  const countsUsage = ticket?.countsUsage ?? false;
  const stripUsage = needsUsageChunk(route, body, countsUsage);
  // A streamed answer can be stopped later (idle, too long, abandoned): its call gets a handle.
  const upstreamCall = isStreamed(body) ? new AbortController() : undefined;
  const attempt = await forward({
    config,
    targets: admitted.targets,
    caller: context.caller.id,
    path: upstreamPath(route),
    clientHeaders: request.headers,
    body: stripUsage
      ? { bytes: withUsageRequested(body), model: admitted.model, modelSpan: undefined }
      : { bytes: body.bytes, model: admitted.model, modelSpan: body.modelSpan },
    ...(upstreamCall ? { signal: upstreamCall.signal } : {}),
  });
  if (!attempt.ok) {
    const tried = attempt.tried.map((upstream) => upstream.name).join(',');
    if (tried) record.upstream = tried;
    record.attempts = attempt.attempts;
    return attempt;
  }
  const { answered } = attempt;
  record.upstream = answered.target.upstream.name;
  record.attempts = answered.attempts;
  record.servedModel = answered.target.model.slice(0, 256);
  record.cache = cache.status === 'miss' ? 'MISS' : 'BYPASS';
  const answer = await answerFromUpstream(answered.response, {
    route,
    config,
    keepBytes: cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
    stripUsage,
    countTools: admitted.countTools,
    stream: {
      clientGone: request.signal,
      stopUpstream: () => upstreamCall?.abort(),
      piped: countsUsage,
    },
  });
  answer.response.headers.set('x-cache', record.cache);
  const price: Price | undefined = priceOf(answered.target.model, config.prices);
  return { ok: true as const, answer, price, response: withRoutingHeaders(answer.response, answered) };
}

/**
 * Hands the request's settlement to `waitUntil`: once its outcome is known, the cache stores a
 * whole answer (and lets requests waiting on this one go), the quota is charged what was used,
 * and the spend goes to the log line and the ledger.
 */
function account(
  context: CallerContext,
  settling: {
    readonly outcome: Promise<Outcome<Ending>>;
    readonly admitted: Admitted;
    readonly price: Price | undefined;
    readonly cache: CacheLookup | undefined;
  },
): void {
  const { admitted, cache, price } = settling;
  const spend = settling.outcome.then(async (outcome) => {
    const charged = settle(outcome, { ...admitted.terms, price });
    const stored =
      cache?.status === 'miss'
        ? cache.store(outcome.kind === 'answered' ? outcome.ending : undefined)
        : undefined;
    await Promise.all([stored, admitted.ticket?.settle(charged.used)]);
    return charged.spend;
  });
  context.record.spend = spend;
  context.ctx.waitUntil(spend);
}
