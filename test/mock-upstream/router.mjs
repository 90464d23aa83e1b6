// @ts-check
// The routes the mock answers, as data: method, path, how the body is read, and the handler.
// Anything else gets OpenAI's "Invalid URL" 404.

import { generate } from './generate.mjs';
import { listModels, retrieveModel } from './models.mjs';
import { createResponse } from './response-create.mjs';
import * as lifecycle from './response-routes.mjs';
import * as conversations from './conversations.mjs';
import { moderate } from './moderations.mjs';
import { speak } from './speech.mjs';
import { transcribe, translate } from './transcriptions.mjs';
import { editImages, generateImages, varyImages } from './images.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/**
 * `json` needs a JSON object body (else OpenAI's invalid-JSON 400); `json?` allows an empty
 * body; `multipart` needs a parsable multipart/form-data body; `none` reads nothing.
 * @typedef {'json' | 'json?' | 'multipart' | 'none'} BodyKind
 * @typedef {(ex: Exchange, state: MockState) => unknown} Handler
 * @typedef {{ method: string, pattern: RegExp, body: BodyKind, handle: Handler }} Route
 */

/**
 * `:name` matches one path segment; `:name*` the rest of the path (model ids may hold `/`).
 * @param {string} method @param {string} path @param {BodyKind} body @param {Handler} handle
 * @returns {Route}
 */
function route(method, path, body, handle) {
  const source = path.replace(/:(\w+)\*/g, '(?<$1>.+)').replace(/:(\w+)/g, '(?<$1>[^/]+)');
  return { method, pattern: new RegExp(`^${source}$`), body, handle };
}

const ROUTES = [
  route('GET', '/v1/models', 'none', listModels),
  route('GET', '/v1/models/:id*', 'none', retrieveModel),
  route('POST', '/v1/chat/completions', 'json', generate),
  route('POST', '/v1/completions', 'json', generate),
  route('POST', '/v1/embeddings', 'json', generate),
  route('POST', '/v1/responses', 'json', createResponse),
  route('POST', '/v1/responses/input_tokens', 'json?', lifecycle.countInputTokens),
  route('GET', '/v1/responses/:id', 'none', lifecycle.retrieveResponse),
  route('DELETE', '/v1/responses/:id', 'none', lifecycle.deleteResponse),
  route('POST', '/v1/responses/:id/cancel', 'json?', lifecycle.cancelStoredResponse),
  route('GET', '/v1/responses/:id/input_items', 'none', lifecycle.listInputItems),
  route('POST', '/v1/conversations', 'json?', conversations.createConversation),
  route('GET', '/v1/conversations/:id', 'none', conversations.retrieveConversation),
  route('POST', '/v1/conversations/:id', 'json', conversations.updateConversation),
  route('DELETE', '/v1/conversations/:id', 'none', conversations.deleteConversation),
  route('GET', '/v1/conversations/:id/items', 'none', conversations.listConversationItems),
  route('POST', '/v1/conversations/:id/items', 'json', conversations.addConversationItems),
  route('GET', '/v1/conversations/:id/items/:item', 'none', conversations.retrieveConversationItem),
  route('DELETE', '/v1/conversations/:id/items/:item', 'none', conversations.deleteConversationItem),
  route('POST', '/v1/moderations', 'json', moderate),
  route('POST', '/v1/audio/speech', 'json', speak),
  route('POST', '/v1/audio/transcriptions', 'multipart', transcribe),
  route('POST', '/v1/audio/translations', 'multipart', translate),
  route('POST', '/v1/images/generations', 'json', generateImages),
  route('POST', '/v1/images/edits', 'multipart', editImages),
  route('POST', '/v1/images/variations', 'multipart', varyImages),
];

/** @param {string} method @param {string} path */
export function matchRoute(method, path) {
  for (const candidate of ROUTES) {
    const m = candidate.method === method ? path.match(candidate.pattern) : null;
    if (m) return { route: candidate, params: { ...m.groups } };
  }
  return null;
}
