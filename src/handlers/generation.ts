// The handler for the allow-listed generation and embedding routes. It reads as the pipeline:
// read the body, route the model, admit against the caller's quota, consult the cache, call
// upstream with failover, relay; once the answer has ended, store it and settle.
import type { IRequest } from 'itty-router';
import { hasDollarBudget } from '../access/caller';
import { checkModel, checkOutputCap, modelAllowLists } from '../access/model-policy';
import { priceOf, type Price } from '../accounting/prices';
import { outputLimit, promptEstimate, reservation } from '../accounting/reservation';
import { settle, type Outcome, type Terms } from '../accounting/settle';
import { mediaRequest, pricesRoute } from '../accounting/media';
import { billedTools, maxToolCost } from '../accounting/tools';
import { needsUsageChunk, withUsageRequested } from '../accounting/usage-request';
import { lookUpCache, type CacheLookup } from '../cache/lookup';
import { MAX_ENTRY_BYTES } from '../cache/store';
import type { Target } from '../config/upstreams';
import type { CallerContext } from '../context/context';
import { ProxyError } from '../errors';
import { isStreamed, readFormBody, readJsonBody, type JsonBody } from '../http/body';
import { admitCaller, freeingSlotAtEnd, withCallerLimits, type Ticket } from '../quota/admission';
import { answerFromUpstream, type Ending } from '../relay/answer';
import { upstreamPath, type Route } from '../routes';
import type { Answered } from '../routing/failover';
import { forward, routedError, withRoutingHeaders } from '../routing/forward';
import { routeModel } from '../routing/resolve';
import { createsStored, recordCreated, stillStored, storedTargets } from '../stored/ownership';

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
        ...(createsStored(route, admitted.body.json) ? { stillStored: stillStored(context) } : {}),
      });
      if (cache.status === 'hit') {
        context.record.cache = 'HIT';
        return freeingSlotAtEnd(
          withCallerLimits(cache.response, admitted.ticket),
          admitted.ticket,
          context.ctx,
        );
      }
      const sent = await sendUpstream(request, context, { route, admitted });
      if (!sent.attempt.ok) {
        if (sent.attempt.mayHaveBilled) outcome = UNANSWERED;
        throw sent.attempt.error;
      }
      // The upstream answered, so it may have billed: a failure from here keeps the reservation.
      answered = true;
      const relayed = await relay(request, context, {
        route,
        admitted,
        cache,
        answered: sent.attempt.answered,
        sent,
      });
      price = relayed.price;
      outcome = relayed.answer.ended.then((ending) => ({ kind: 'answered', ending }));
      // A stored object is recorded as this caller's before the answer that names it goes out.
      await recordCreated(context, {
        answer: relayed.answer,
        upstream: sent.attempt.answered.target.upstream,
      });
      return freeingSlotAtEnd(
        withCallerLimits(relayed.response, admitted.ticket),
        admitted.ticket,
        context.ctx,
      );
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
  const body =
    route.body === 'multipart'
      ? await readFormBody(request, config.maxBodyBytes)
      : await readJsonBody(request, config.maxBodyBytes, route);
  const asked = body.json['model'] ?? route.defaultModel;
  const routed = routeModel({ model: asked }, config);
  const { model, servedAs } = routed;
  record.model = model.slice(0, 256);
  checkModel(model, modelAllowLists(caller, config), servedAs);
  // A request that builds on a stored object goes to the upstream that holds it, and only there.
  const targets = await storedTargets(context, body.json, routed);
  checkOutputCap(route, body.json, caller.maxTokens);
  const prices = targets.map((target) => priceOf(target.model, config.prices));
  const tools = route.toolFees ? billedTools(body.json) : [];
  if (hasDollarBudget(caller))
    checkPriced({ route, model: record.model, prices, tools, toolPrices: config.toolPrices });
  const toolCostUsd = maxToolCost(body.json, tools, config.toolPrices);
  const media = mediaRequest(route, body.json, body.bytes.length);
  const reserved = reservation({
    route,
    body: body.json,
    bodyBytes: body.bytes.length,
    prices,
    toolCostUsd,
    media,
  });
  const ticket = await admitCaller(context.env, caller, reserved);
  const terms = {
    reservation: reserved,
    media,
    promptTokens: promptEstimate(body.bytes.length),
    outputLimit: Math.max(...prices.map((price) => outputLimit(route, body.json, price))),
    toolPrices: config.toolPrices,
  };
  return { body, model, targets, ticket, terms, countTools: tools.length > 0 };
}

/** A dollar budget cannot hold what has no price: it would be free. Refused, naming what to price. */
function checkPriced(what: {
  readonly route: Route;
  readonly model: string;
  readonly prices: readonly (Price | undefined)[];
  readonly tools: readonly string[];
  readonly toolPrices: Readonly<Record<string, number>>;
}): void {
  if (what.prices.some((price) => !pricesRoute(what.route, price))) {
    const message = `This client has a dollar budget, and '${what.model}' has no price; the owner can add one in MODEL_PRICES.`;
    throw new ProxyError(403, 'model_not_priced', message, { param: 'model' });
  }
  const tool = what.tools.find((name) => what.toolPrices[name] === undefined);
  if (tool !== undefined) {
    const message = `This client has a dollar budget, and the '${tool.slice(0, 64)}' tool has no price; the owner can add one in MODEL_PRICES.`;
    throw new ProxyError(403, 'tool_not_priced', message, { param: 'tools' });
  }
}

/** Sends the request to its targets with failover: usage asked for if a budget needs it. */
async function sendUpstream(
  request: IRequest,
  context: CallerContext,
  { route, admitted }: { route: Route; admitted: Admitted },
) {
  const { config, record } = context;
  const { body, ticket } = admitted;
  const stripUsage = needsUsageChunk(route, body, ticket?.countsUsage ?? false);
  // A streamed answer can be stopped later (idle, too long, abandoned): its call gets a handle.
  const upstreamCall = isStreamed(body) ? new AbortController() : undefined;
  const attempt = await forward({
    config,
    targets: admitted.targets,
    caller: context.caller.id,
    method: 'POST',
    path: upstreamPath(route),
    clientHeaders: request.headers,
    body: stripUsage
      ? { bytes: withUsageRequested(body), model: admitted.model, modelSpan: undefined }
      : { bytes: body.bytes, model: admitted.model, modelSpan: body.modelSpan, formType: body.formType },
    ...(upstreamCall ? { signal: upstreamCall.signal } : {}),
  });
  const routed = attempt.ok ? [attempt.answered.target.upstream] : attempt.tried;
  const names = routed.map((upstream) => upstream.name).join(',');
  if (names) record.upstream = names;
  record.attempts = attempt.ok ? attempt.answered.attempts : attempt.attempts;
  return { attempt, stripUsage, stopUpstream: () => upstreamCall?.abort() };
}

/** The upstream's answer, relayed to the client: its usage and ending read for whoever needs them. */
async function relay(
  request: IRequest,
  context: CallerContext,
  at: {
    route: Route;
    admitted: Admitted;
    cache: CacheLookup;
    answered: Answered;
    sent: { stripUsage: boolean; stopUpstream: () => void };
  },
) {
  const { config, record } = context;
  const { answered, cache, admitted } = at;
  record.servedModel = answered.target.model.slice(0, 256);
  record.cache = cache.status === 'miss' ? 'MISS' : 'BYPASS';
  const countsUsage = admitted.ticket?.countsUsage ?? false;
  const answering = answerFromUpstream(answered.response, {
    route: at.route,
    config,
    keepBytes: cache.status === 'miss' ? MAX_ENTRY_BYTES : 0,
    stripUsage: at.sent.stripUsage,
    countTools: admitted.countTools,
    creates: createsStored(at.route, admitted.body.json),
    stream: { clientGone: request.signal, stopUpstream: at.sent.stopUpstream, piped: countsUsage },
  });
  const answer = await answering.catch((error: unknown) => {
    throw routedError(error, answered);
  });
  answer.response.headers.set('x-cache', record.cache);
  const price: Price | undefined = priceOf(answered.target.model, config.prices);
  return { answer, price, response: withRoutingHeaders(answer.response, answered) };
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
  // A key that counts requests in flight holds this one's slot until it has ended.
  const renew = admitted.ticket?.renew;
  const heartbeat =
    renew && context.caller.virtualKey?.limits.maxParallel
      ? setInterval(() => void renew(), 20_000)
      : undefined;
  const spend = settling.outcome.then(async (outcome) => {
    clearInterval(heartbeat);
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
