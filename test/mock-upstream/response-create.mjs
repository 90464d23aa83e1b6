// @ts-check
// POST /v1/responses: the echo turn (or a tool call) in the Responses wire format, stored with
// its input so it can be retrieved, continued (previous_response_id), added to a conversation,
// resumed and cancelled. A background request answers at once and completes on its own clock.

import { errors } from './errors.mjs';
import { isObject } from './http-util.mjs';
import { planTurn, rejectUnknownModel, runDeliveryScenario, streamCtx } from './generate.mjs';
import { readItems, storedItems } from './items.mjs';
import { follow } from './event-log.mjs';
import { responseObject } from './responses.mjs';
import { responseStream } from './response-events.mjs';
import { completeAtOnce, runInBackground, storeResponse } from './response-store.mjs';
import { num, runStream } from './scenarios.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/** @typedef {import('./items.mjs').Item} Item */
/** @typedef {import('./conversations.mjs').Conversation} Conversation */
/** @typedef {import('./responses.mjs').Echo} Echo */

/** How long a background response stays queued unless x_mock.delayMs says. */
const QUEUED_MS = 200;
const ECHOED = [
  'instructions',
  'max_output_tokens',
  'metadata',
  'parallel_tool_calls',
  'previous_response_id',
];
const ECHOED_TOO = ['temperature', 'tool_choice', 'tools', 'top_p', 'user'];

/**
 * The earlier turns a request continues, or an error answer when it names one that is not stored.
 * @param {Exchange} ex @param {MockState} state @param {Record<string, any>} body
 * @returns {{ items: Item[], conversation?: Conversation } | null}
 */
export function contextOf(ex, state, body) {
  const previousId = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
  const conv = isObject(body.conversation) ? body.conversation.id : body.conversation;
  const conversationId = typeof conv === 'string' ? conv : undefined;
  if (previousId !== undefined && conversationId !== undefined)
    return (ex.sendJson(400, errors.mutuallyExclusive()), null);
  if (previousId !== undefined) {
    const previous = state.responses.get(previousId);
    if (!previous) return (ex.sendJson(400, errors.previousResponseNotFound(previousId)), null);
    return { items: previous.history };
  }
  if (conversationId === undefined) return { items: [] };
  const conversation = state.conversations.get(conversationId);
  if (!conversation) return (ex.sendJson(404, errors.conversationNotFound(conversationId)), null);
  return { items: conversation.items, conversation };
}

/** @param {Record<string, any>} body @param {Conversation | undefined} conversation @returns {Echo} */
function echoOf(body, conversation) {
  /** @type {Record<string, unknown>} */
  const echo = {};
  for (const key of [...ECHOED, ...ECHOED_TOO]) if (body[key] !== undefined) echo[key] = body[key];
  if (body.background === true) echo.background = true;
  if (body.store === false) echo.store = false;
  if (conversation) echo.conversation = { id: conversation.id };
  return echo;
}

/** @param {Exchange} ex @param {MockState} state */
export async function createResponse(ex, state) {
  const body = ex.body ?? {};
  const background = body.background === true;
  const ctx = streamCtx(ex, state);
  if (!background && (await runDeliveryScenario(ex, ctx))) return;
  if (body.model === undefined) return ex.sendJson(400, errors.missingParam('model'));
  if (rejectUnknownModel(ex, state, body.model)) return;
  const context = contextOf(ex, state, body);
  if (!context) return;
  const input = storedItems(body.input, `mock_${ex.n}`);
  const { turn, pieces } = planTurn(ex, `resp_mock_${ex.n}`, readItems(context.items, input, body));
  turn.echo = echoOf(body, context.conversation);
  const { conversation } = context;
  const entry = storeResponse(state, turn, {
    input,
    context: context.items,
    store: body.store !== false,
    background,
    // A conversation gains the turn's input and output once the response completes.
    onComplete: (output) => conversation?.items.push(...input, output),
  });
  if (background) {
    const gated = ctx.scenario === 'gated';
    void runInBackground(entry, {
      pieces,
      queuedMs: num(ex.x.delayMs, QUEUED_MS),
      paceMs: ctx.delayMs,
      gate: gated ? (signal) => state.gates.wait(ex.record.tag ?? '', signal) : null,
      shutdown: state.shutdown,
    }).catch((err) => console.error('[mock-upstream] background response', err));
    if (body.stream !== true) return ex.sendJson(200, responseObject(turn, 'queued'));
    return follow(ex, entry.log, -1);
  }
  completeAtOnce(entry, pieces);
  if (body.stream !== true) return ex.sendJson(200, responseObject(turn, 'completed'));
  ex.startSse();
  return runStream(ctx, responseStream(turn), pieces);
}
