// @ts-check
// Chat completions, completions and embeddings: validate, plan the echo turn (or tool call),
// then answer as JSON or deliver it as a stream shaped by the x_mock scenario.

import { forever, sleep } from './sse.mjs';
import { errors } from './errors.mjs';
import { embeddingList } from './embeddings.mjs';
import { GENERATION_ENDPOINTS } from './routes.mjs';
import { num, planPieces, runSplit, runStream } from './scenarios.mjs';
import { argumentPieces } from './tools.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/** @typedef {import('./scenarios.mjs').StreamCtx} StreamCtx */
/** @typedef {import('./routes.mjs').Reading} Reading */
/** @typedef {import('./wire.mjs').Turn} Turn */

const SLOW_MODEL_DELAY_MS = 150;

/** @param {Exchange} ex @param {MockState} state @returns {StreamCtx} */
export function streamCtx(ex, state) {
  const { x, body } = ex;
  const scenario = typeof x.scenario === 'string' ? x.scenario : 'echo';
  return {
    res: ex.res,
    signal: ex.signal,
    scenario,
    // `chunks` streams are paced by x_mock.intervalMs; everything else by the word delay.
    delayMs:
      scenario === 'chunks' && typeof x.intervalMs === 'number'
        ? num(x.intervalMs, 0)
        : body?.model === 'echo-slow'
          ? SLOW_MODEL_DELAY_MS
          : state.wordDelayMs,
    sentAt: ex.record.sentAt,
    gate: () => state.gates.wait(ex.record.tag ?? '', ex.signal),
    destroy: ex.destroy,
  };
}

/**
 * The stream-shaping scenarios that answer before validation: hostile split bytes, and the
 * non-stream variants of break/stall/gated. Returns whether the request was answered.
 * @param {Exchange} ex @param {StreamCtx} ctx
 */
export async function runDeliveryScenario(ex, ctx) {
  const stream = ex.body?.stream === true;
  if (ctx.scenario === 'split') return (ex.startSse(), await runSplit(ctx, ex.x), true);
  // `keepalive`: an SSE stream that sends only comments, every x_mock.intervalMs (default 50), forever.
  if (stream && ctx.scenario === 'keepalive') return (ex.startSse(), await keepAlive(ex), true);
  if (!stream && ctx.scenario === 'break') return (ex.destroy(), true);
  if (!stream && ctx.scenario === 'stall') return forever(ex.signal);
  if (!stream && ctx.scenario === 'gated') await ctx.gate();
  return false;
}

/**
 * The turn to render and the pieces to stream it in. `chunks` and `gated` stream synthetic
 * text (their point is timing), so they never call a tool.
 * @param {Exchange} ex @param {string} id @param {Reading} reading
 */
export function planTurn(ex, id, reading) {
  const { x, body } = ex;
  const scenario = typeof x.scenario === 'string' ? x.scenario : 'echo';
  const synthetic = scenario === 'chunks' || scenario === 'gated';
  const call =
    reading.call && !synthetic
      ? { ...reading.call, callId: `call_mock_${ex.n}`, itemId: `fc_mock_${ex.n}` }
      : undefined;
  const plan = call
    ? { pieces: argumentPieces(call.arguments).map((text) => ({ text })), answers: [] }
    : planPieces(scenario, x, reading.answers);
  /** @type {Turn} */
  const turn = {
    id,
    created: Math.floor(Date.now() / 1000),
    model: String(body?.model),
    answers: plan.answers,
    promptTokens: reading.promptTokens,
    includeUsage: body?.stream_options?.include_usage === true,
    call,
  };
  return { turn, pieces: plan.pieces };
}

/**
 * A model the catalogue does not serve gets OpenAI's 404; returns whether it did.
 * Azure names a deployment in the path and ignores the body's model, so it is not checked.
 * @param {Exchange} ex @param {MockState} state @param {unknown} model
 */
export function rejectUnknownModel(ex, state, model) {
  if (typeof model !== 'string' || ex.azure || state.catalogue.serves(model)) return false;
  ex.sendJson(404, errors.unknownModel(model));
  return true;
}

/**
 * `x_mock.usage` replaces a JSON answer's `usage` (a hostile or buggy provider's counts);
 * `null` removes it, as some compatible providers do.
 * @param {Record<string, any>} answer @param {Record<string, unknown>} x
 */
export function withUsage(answer, x) {
  if (!('usage' in x)) return answer;
  const { usage: _dropped, ...rest } = answer;
  return x.usage === null ? rest : { ...rest, usage: x.usage };
}

/** @param {Exchange} ex */
async function keepAlive(ex) {
  const interval = num(ex.x.intervalMs, 50);
  while (!ex.signal.aborted) {
    ex.res.write(': keep-alive\n\n');
    await sleep(interval, ex.signal).catch(() => undefined);
  }
}

/** @param {Exchange} ex @param {MockState} state */
export async function generate(ex, state) {
  const body = ex.body ?? {};
  const ctx = streamCtx(ex, state);
  if (await runDeliveryScenario(ex, ctx)) return;
  const endpoint = GENERATION_ENDPOINTS[ex.url.pathname];
  const missing = (endpoint?.required ?? ['model', 'input']).find((k) => body[k] === undefined);
  if (missing) return ex.sendJson(400, errors.missingParam(missing));
  if (rejectUnknownModel(ex, state, body.model)) return;
  if (!endpoint) return ex.sendJson(200, embeddingList(body));
  if (endpoint.usageOption && body.stream_options != null && body.stream !== true)
    return ex.sendJson(400, errors.streamOptionsWithoutStream());
  const { turn, pieces } = planTurn(ex, `${endpoint.idPrefix}${ex.n}`, endpoint.read(body));
  if (body.stream !== true) return ex.sendJson(200, withUsage(endpoint.json(turn), ex.x));
  ex.startSse();
  return runStream(ctx, endpoint.stream(turn), pieces);
}
