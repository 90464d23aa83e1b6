// @ts-check
// The lifecycle of a stored response: retrieve (or resume its stream), delete, cancel, list its
// input items, and count a would-be request's input tokens.

import { errors } from './errors.mjs';
import { follow } from './event-log.mjs';
import { itemTokens, storedItems } from './items.mjs';
import { listPage } from './lists.mjs';
import { contextOf } from './response-create.mjs';
import { cancelResponse } from './response-store.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

/** The stored response the path names, or null after answering OpenAI's 404. @param {Exchange} ex @param {MockState} state */
function stored(ex, state) {
  const id = ex.params.id ?? '';
  const entry = state.responses.get(id);
  if (!entry) ex.sendJson(404, errors.responseNotFound(id));
  return entry ?? null;
}

/** GET /v1/responses/{id}, or its events after `starting_after` with `stream=true`. @param {Exchange} ex @param {MockState} state */
export function retrieveResponse(ex, state) {
  const entry = stored(ex, state);
  if (!entry) return;
  const query = ex.url.searchParams;
  if (query.get('stream') !== 'true') return ex.sendJson(200, entry.object);
  const after = Number(query.get('starting_after') ?? -1);
  return follow(ex, entry.log, Number.isInteger(after) ? after : -1);
}

/** @param {Exchange} ex @param {MockState} state */
export function deleteResponse(ex, state) {
  const entry = stored(ex, state);
  if (!entry) return;
  state.responses.delete(entry.id);
  entry.run?.abort();
  ex.sendJson(200, { id: entry.id, object: 'response', deleted: true });
}

/** Only background responses can be cancelled; cancelling twice is harmless. @param {Exchange} ex @param {MockState} state */
export function cancelStoredResponse(ex, state) {
  const entry = stored(ex, state);
  if (!entry) return;
  if (!entry.run) return ex.sendJson(400, errors.notBackground());
  const { status } = entry.object;
  if (status === 'queued' || status === 'in_progress') cancelResponse(entry);
  else if (status !== 'cancelled') return ex.sendJson(400, errors.notCancellable(status));
  ex.sendJson(200, entry.object);
}

/** @param {Exchange} ex @param {MockState} state */
export function listInputItems(ex, state) {
  const entry = stored(ex, state);
  if (entry) ex.sendJson(200, listPage(entry.input, ex.url.searchParams));
}

/** POST /v1/responses/input_tokens: what the same body would cost as input. @param {Exchange} ex @param {MockState} state */
export function countInputTokens(ex, state) {
  const body = ex.body ?? {};
  const context = contextOf(ex, state, body);
  if (!context) return;
  const input = storedItems(body.input, `mock_${ex.n}`);
  const tokens = itemTokens([...context.items, ...input], body.instructions);
  ex.sendJson(200, { object: 'response.input_tokens', input_tokens: tokens });
}
