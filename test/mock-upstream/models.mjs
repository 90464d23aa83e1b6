// @ts-check
// GET /v1/models and /v1/models/{id}: the catalogue, and one model or OpenAI's 404.

import { errors } from './errors.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

/** @param {Exchange} ex @param {MockState} state */
export const listModels = (ex, state) => ex.sendJson(200, state.catalogue.list());

/** @param {Exchange} ex @param {MockState} state */
export function retrieveModel(ex, state) {
  const id = decodeURIComponent(ex.params.id ?? '');
  // A hostile catalogue entry: the key it was called with, as its owner.
  if (id === 'leak-key')
    return ex.sendJson(200, { ...state.catalogue.object(id), owned_by: ex.req.headers.authorization ?? '' });
  if (!state.catalogue.serves(id)) return ex.sendJson(404, errors.modelNotFound(id));
  ex.sendJson(200, state.catalogue.object(id));
}
