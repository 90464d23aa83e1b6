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

const MESSAGES: Readonly<Record<string, (id: string) => string>> = {
  response: (id) => `Response with id '${id}' not found.`,
  conversation: (id) => `Conversation with id '${id}' not found.`,
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
