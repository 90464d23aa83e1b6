// Where a request names a stored object, and what an answer says it created: ids read from
// paths, request bodies and the first bytes of answers, without parsing whole answers.
import { ProxyError } from '../errors';
import { isObject } from '../lib/json';
import type { StoredKind } from '../routes';

/** Ids as the API spells them: letters, digits, `_` and `-`, bounded. */
const ID = /^[A-Za-z0-9_-]{1,200}$/;

export interface NamedObject {
  readonly id: string;
  readonly kind: StoredKind;
  /** The request field that names it, or `id` for the path. */
  readonly param: string;
}

/** The stored objects a Responses API request builds on: `previous_response_id` and `conversation`. */
export function namedInBody(body: Readonly<Record<string, unknown>>): NamedObject[] {
  const named: NamedObject[] = [];
  const previous = body['previous_response_id'];
  if (typeof previous === 'string')
    named.push({ id: previous, kind: 'response', param: 'previous_response_id' });
  const conversation = body['conversation'];
  const conversationId = isObject(conversation) ? conversation['id'] : conversation;
  if (typeof conversationId === 'string')
    named.push({ id: conversationId, kind: 'conversation', param: 'conversation' });
  return named;
}

/**
 * Whether the provider would fetch this input item's content from its store by id: an
 * `item_reference`, and a reasoning item passed back without its `encrypted_content`. Any other
 * item carries its own content, which the caller already has, so its `id` reveals nothing.
 */
function fetchedById(item: Readonly<Record<string, unknown>>): boolean {
  return (
    item['type'] === 'item_reference' || (item['type'] === 'reasoning' && item['encrypted_content'] == null)
  );
}

/**
 * Stored items and containers a body refers to by id, where the provider would hand over what
 * they hold: an input item it fetches by id (see `fetchedById`), in a Responses `input` or new
 * conversation `items`, and a code interpreter's `container`. The proxy refuses those it recorded
 * as another caller's; ids it never saw (an item of a response with `store: false`) are the
 * provider's to resolve.
 */
export function itemsNamedInBody(body: Readonly<Record<string, unknown>>): NamedObject[] {
  const named = new Map<string, NamedObject>();
  for (const param of ['input', 'items'] as const) {
    const items = body[param];
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (isObject(item) && typeof item['id'] === 'string' && fetchedById(item))
        named.set(item['id'], { id: item['id'], kind: 'item', param });
    }
  }
  const tools = body['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools) {
      if (isObject(tool) && typeof tool['container'] === 'string')
        named.set(tool['container'], { id: tool['container'], kind: 'container', param: 'tools' });
    }
  }
  return [...named.values()];
}

/** An item or container an answer created, to be recorded as the caller's. */
export interface CreatedObject {
  readonly id: string;
  readonly kind: 'item' | 'container';
}

/**
 * The items (and code interpreter containers) in a Responses object's `output`, or in a list's
 * `data` (a conversation's new items). Anything else (a conversation object) created none.
 */
export function createdInObject(value: unknown): CreatedObject[] {
  if (!isObject(value)) return [];
  const list = value['output'] ?? value['data'];
  return Array.isArray(list) ? list.flatMap(createdByItem) : [];
}

function createdByItem(item: unknown): CreatedObject[] {
  if (!isObject(item)) return [];
  const created: CreatedObject[] = [];
  if (typeof item['id'] === 'string' && ID.test(item['id'])) created.push({ id: item['id'], kind: 'item' });
  const container = item['container_id'];
  if (typeof container === 'string' && ID.test(container)) created.push({ id: container, kind: 'container' });
  return created;
}

/** The items a JSON answer created; nothing for a body that is not JSON. */
export function createdInJson(text: string): CreatedObject[] {
  try {
    return createdInObject(JSON.parse(text));
  } catch {
    return [];
  }
}

const ITEM_DONE = /^data:[ \t]?(.*"response\.output_item\.done".*?)\r?$/gm;

/** The items finished in a batch of a Responses stream's lines. */
export function createdInStreamLines(lines: string): CreatedObject[] {
  if (!lines.includes('response.output_item.done')) return [];
  const created: CreatedObject[] = [];
  for (const [, data] of lines.matchAll(ITEM_DONE)) {
    try {
      const event: unknown = JSON.parse(data!);
      if (isObject(event) && event['type'] === 'response.output_item.done')
        created.push(...createdByItem(event['item']));
    } catch {
      // Not an event a client could read either; nothing to record.
    }
  }
  return created;
}

const MESSAGES: Readonly<Record<string, (id: string) => string>> = {
  response: (id) => `Response with id '${id}' not found.`,
  conversation: (id) => `Conversation with id '${id}' not found.`,
  item: (id) => `Item with id '${id}' not found.`,
  container: (id) => `Container with id '${id}' not found.`,
  previous_response_id: (id) => `Previous response with id '${id}' not found.`,
};

/**
 * The answer for an object that does not exist for this caller: the 404 OpenAI gives for a
 * missing object, whether it was never seen or belongs to someone else. Never a 403: a caller
 * must not learn that another's id exists.
 */
export function notFound(named: NamedObject): ProxyError {
  const shown = ID.test(named.id) ? named.id : named.id.slice(0, 64);
  const message = (MESSAGES[named.param] ?? MESSAGES[named.kind]!)(shown);
  const code = named.param === 'previous_response_id' ? 'previous_response_not_found' : null;
  return new ProxyError(404, code, message, named.param === 'id' ? {} : { param: named.param });
}

/** A well-formed id, or none: anything else cannot name a stored object. */
export const isObjectId = (id: string) => ID.test(id);

const CREATED_ID = /^\s*\{\s*"id"\s*:\s*"([A-Za-z0-9_-]{1,200})"/;
const STREAMED_ID = /"response"\s*:\s*\{\s*"id"\s*:\s*"([A-Za-z0-9_-]{1,200})"/;

/** The id a JSON answer leads with (OpenAI writes `id` first). */
export const createdIdInJson = (text: string) => CREATED_ID.exec(text.slice(0, 512))?.[1];

/** The id a Responses stream's first event (`response.created`) carries. */
export const createdIdInStream = (text: string) => STREAMED_ID.exec(text)?.[1];
