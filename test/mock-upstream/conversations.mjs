// @ts-check
// The Conversations API: a stored list of items with metadata. Responses created with
// `conversation` read it as context and append their input and output to it.

import { errors } from './errors.mjs';
import { isObject } from './http-util.mjs';
import { storedItems } from './items.mjs';
import { itemList, listPage } from './lists.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/** @typedef {import('./items.mjs').Item} Item */
/** @typedef {{ id: string, created_at: number, metadata: unknown, items: Item[] }} Conversation */

/** @param {Conversation} c */
const conversationObject = (c) => ({
  id: c.id,
  object: 'conversation',
  created_at: c.created_at,
  metadata: c.metadata,
});

/** The conversation the path names, or null after answering OpenAI's 404. @param {Exchange} ex @param {MockState} state */
function stored(ex, state) {
  const id = ex.params.id ?? '';
  const conversation = state.conversations.get(id);
  if (!conversation) ex.sendJson(404, errors.conversationNotFound(id));
  return conversation ?? null;
}

/** POST /v1/conversations `{ items?, metadata? }`. @param {Exchange} ex @param {MockState} state */
export function createConversation(ex, state) {
  const body = ex.body ?? {};
  /** @type {Conversation} */
  const conversation = {
    id: `conv_mock_${ex.n}`,
    created_at: Math.floor(Date.now() / 1000),
    metadata: isObject(body.metadata) ? body.metadata : {},
    items: storedItems(body.items, `mock_${ex.n}`),
  };
  state.conversations.set(conversation.id, conversation);
  ex.sendJson(200, conversationObject(conversation));
}

/** @param {Exchange} ex @param {MockState} state */
export function retrieveConversation(ex, state) {
  const conversation = stored(ex, state);
  if (conversation) ex.sendJson(200, conversationObject(conversation));
}

/** POST /v1/conversations/{id} `{ metadata }` replaces the metadata. @param {Exchange} ex @param {MockState} state */
export function updateConversation(ex, state) {
  const conversation = stored(ex, state);
  if (!conversation) return;
  if (ex.body?.metadata === undefined) return ex.sendJson(400, errors.missingParam('metadata'));
  conversation.metadata = ex.body.metadata;
  ex.sendJson(200, conversationObject(conversation));
}

/** @param {Exchange} ex @param {MockState} state */
export function deleteConversation(ex, state) {
  const conversation = stored(ex, state);
  if (!conversation) return;
  state.conversations.delete(conversation.id);
  ex.sendJson(200, { id: conversation.id, object: 'conversation.deleted', deleted: true });
}

/** @param {Exchange} ex @param {MockState} state */
export function listConversationItems(ex, state) {
  const conversation = stored(ex, state);
  if (conversation) ex.sendJson(200, listPage(conversation.items, ex.url.searchParams));
}

/** POST /v1/conversations/{id}/items `{ items }`: answers the created items as a list. @param {Exchange} ex @param {MockState} state */
export function addConversationItems(ex, state) {
  const conversation = stored(ex, state);
  if (!conversation) return;
  if (!Array.isArray(ex.body?.items)) return ex.sendJson(400, errors.missingParam('items'));
  const created = storedItems(ex.body.items, `mock_${ex.n}`);
  conversation.items.push(...created);
  ex.sendJson(200, itemList(created));
}

/** The item the path names, or null after answering a 404. @param {Exchange} ex @param {Conversation} conversation */
function storedItem(ex, conversation) {
  const id = ex.params.item ?? '';
  const at = conversation.items.findIndex((item) => item.id === id);
  if (at === -1) ex.sendJson(404, errors.itemNotFound(id));
  return at;
}

/** @param {Exchange} ex @param {MockState} state */
export function retrieveConversationItem(ex, state) {
  const conversation = stored(ex, state);
  const at = conversation ? storedItem(ex, conversation) : -1;
  if (conversation && at !== -1) ex.sendJson(200, conversation.items[at]);
}

/** Deleting an item answers the conversation, not the item: OpenAI's shape. @param {Exchange} ex @param {MockState} state */
export function deleteConversationItem(ex, state) {
  const conversation = stored(ex, state);
  const at = conversation ? storedItem(ex, conversation) : -1;
  if (!conversation || at === -1) return;
  conversation.items.splice(at, 1);
  ex.sendJson(200, conversationObject(conversation));
}
