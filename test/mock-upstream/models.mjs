// @ts-check
// GET /v1/models and /v1/models/{id}: the catalogue, and one model or OpenAI's 404.

import { errors } from './errors.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

/**
 * A hostile catalogue entry: `leak-key` (listed only when a test adds it with `extraModels`)
 * names the key it was called with as its owner, listed or retrieved.
 * @param {Exchange} ex @param {{ id: string, owned_by: string }} model
 */
const leaky = (ex, model) =>
  model.id === 'leak-key' ? { ...model, owned_by: ex.req.headers.authorization ?? '' } : model;

/** @param {Exchange} ex @param {MockState} state */
export function listModels(ex, state) {
  const list = state.catalogue.list();
  ex.sendJson(200, { ...list, data: list.data.map((model) => leaky(ex, model)) });
}

/** @param {Exchange} ex @param {MockState} state */
export function retrieveModel(ex, state) {
  const id = decodeURIComponent(ex.params.id ?? '');
  if (id === 'leak-key') return ex.sendJson(200, leaky(ex, state.catalogue.object(id)));
  if (!state.catalogue.serves(id)) return ex.sendJson(404, errors.modelNotFound(id));
  ex.sendJson(200, state.catalogue.object(id));
}
