// The allow-list of OpenAI routes the proxy serves, and what differs between them, as data. Code
// asks a route's entry (may it be cached, which fields bound its output, how its stream ends, how
// it is priced, which stored object it names); it never compares route names. Anything not listed
// never reaches an upstream.

export type RouteName =
  | 'chat.completions'
  | 'completions'
  | 'responses'
  | 'embeddings'
  | 'moderations'
  | 'audio.speech'
  | 'audio.transcriptions'
  | 'audio.translations'
  | 'images.generations'
  | 'images.edits'
  | 'images.variations'
  | 'responses.input_tokens'
  | 'responses.retrieve'
  | 'responses.delete'
  | 'responses.cancel'
  | 'responses.input_items'
  | 'conversations.create'
  | 'conversations.retrieve'
  | 'conversations.update'
  | 'conversations.delete'
  | 'conversations.items.list'
  | 'conversations.items.create'
  | 'conversations.items.retrieve'
  | 'conversations.items.delete'
  | 'models.list'
  | 'models.retrieve'
  | 'me';

/** How a streamed answer says it is finished. */
export type StreamFinish =
  /** `data: [DONE]` (chat and legacy completions). */
  | 'done-marker'
  /** A `response.completed` event (the Responses API). */
  | 'completed-event'
  /** A final `….done` or `….completed` event (speech, transcription, images). */
  | 'final-event';

/**
 * What a successful answer's body may be besides Server-Sent Events: JSON; JSON or text
 * (transcripts as `text`, `srt`, `vtt`); or audio (`audio/*`, or `application/octet-stream`),
 * passed through unread. Anything else is not this route's answer, and is refused.
 */
export type AnswerBody = 'json' | 'json-or-text' | 'audio';

/** How a route's requests are priced; see `accounting/`. */
export type Pricing = 'tokens' | 'free' | 'speech' | 'transcription' | 'images';

/** The objects a provider stores for a caller, which the proxy records as that caller's. */
/** What a record of ownership is about: items and containers are named inside request bodies. */
export type StoredKind = 'response' | 'conversation' | 'item' | 'container';

export interface Route {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** itty-router pattern, matched against the already-normalised URL path. */
  readonly pattern: string;
  /**
   * `generation`: a body naming a model, routed by it, proxied and priced; `stored`: a request
   * about a stored object, sent to the upstream that holds it; `catalogue`: the model list;
   * `identity`: the caller's own limits and usage (GET /v1/me), answered by the proxy.
   */
  readonly kind: 'generation' | 'stored' | 'catalogue' | 'identity';
  /** The request body: a JSON object, multipart form data (read whole, forwarded byte for byte), or none. */
  readonly body: 'json' | 'multipart' | 'none';
  /** Identical requests may be answered from the response cache. */
  readonly cacheable: boolean;
  /** Request fields that bound output tokens per choice; none when the route generates no text. */
  readonly outputFields: readonly string[];
  /** Request fields that multiply the output: each choice is generated in full. */
  readonly choiceFields: readonly string[];
  /** How a finished stream ends; `undefined` for routes that do not stream. */
  readonly streamFinish: StreamFinish | undefined;
  /** Stream usage comes only when asked for (`stream_options.include_usage`). */
  readonly usageOnRequest: boolean;
  readonly answerBody: AnswerBody;
  /** The request may name built-in tools the provider bills per call (the Responses API's `tools`). */
  readonly toolFees: boolean;
  readonly pricing: Pricing;
  /** The model a request that names none is served by (moderations). */
  readonly defaultModel?: string;
  /** Query parameters forwarded upstream (OpenAI's for this route); any other is dropped. */
  readonly query?: readonly string[];
  /**
   * The stored object the path's `:id` names, what a success creates (its answer's id, or for
   * `item` the items it lists), or that it deletes it.
   */
  readonly stored?: {
    readonly names?: StoredKind;
    readonly creates?: StoredKind;
    readonly deletes?: boolean;
  };
}

const ANSWER: Omit<Route, 'name' | 'method' | 'pattern' | 'kind'> = {
  body: 'json',
  cacheable: false,
  outputFields: [],
  choiceFields: [],
  streamFinish: undefined,
  usageOnRequest: false,
  answerBody: 'json',
  toolFees: false,
  pricing: 'free',
};

const post = (name: RouteName, pattern: string, rest: Partial<Route> = {}): Route => ({
  ...ANSWER,
  name,
  method: 'POST',
  pattern,
  kind: 'generation',
  ...rest,
});

/** A list's paging, and the fields a caller may ask to include. */
const LIST_QUERY = ['after', 'limit', 'order', 'include', 'include[]'];

const stored = (
  name: RouteName,
  method: Route['method'],
  pattern: string,
  rest: Partial<Route> = {},
): Route => ({
  ...ANSWER,
  name,
  method,
  pattern,
  kind: 'stored',
  body: method === 'POST' ? 'json' : 'none',
  ...rest,
});

export const ROUTES: readonly Route[] = [
  post('chat.completions', '/v1/chat/completions', {
    cacheable: true,
    outputFields: ['max_completion_tokens', 'max_tokens'],
    choiceFields: ['n'],
    streamFinish: 'done-marker',
    usageOnRequest: true,
    pricing: 'tokens',
  }),
  post('completions', '/v1/completions', {
    cacheable: true,
    outputFields: ['max_tokens'],
    choiceFields: ['n', 'best_of'],
    streamFinish: 'done-marker',
    usageOnRequest: true,
    pricing: 'tokens',
  }),
  post('responses', '/v1/responses', {
    cacheable: true,
    outputFields: ['max_output_tokens'],
    streamFinish: 'completed-event',
    toolFees: true,
    pricing: 'tokens',
    stored: { creates: 'response' },
  }),
  post('embeddings', '/v1/embeddings', { cacheable: true, pricing: 'tokens' }),
  post('moderations', '/v1/moderations', { defaultModel: 'omni-moderation-latest' }),
  post('audio.speech', '/v1/audio/speech', {
    streamFinish: 'final-event',
    answerBody: 'audio',
    pricing: 'speech',
  }),
  post('audio.transcriptions', '/v1/audio/transcriptions', {
    body: 'multipart',
    streamFinish: 'final-event',
    answerBody: 'json-or-text',
    pricing: 'transcription',
  }),
  post('audio.translations', '/v1/audio/translations', {
    body: 'multipart',
    answerBody: 'json-or-text',
    pricing: 'transcription',
  }),
  post('images.generations', '/v1/images/generations', {
    streamFinish: 'final-event',
    choiceFields: ['n'],
    pricing: 'images',
  }),
  post('images.edits', '/v1/images/edits', {
    body: 'multipart',
    streamFinish: 'final-event',
    choiceFields: ['n'],
    pricing: 'images',
  }),
  post('images.variations', '/v1/images/variations', {
    body: 'multipart',
    choiceFields: ['n'],
    pricing: 'images',
  }),
  post('responses.input_tokens', '/v1/responses/input_tokens'),
  stored('responses.retrieve', 'GET', '/v1/responses/:id', {
    streamFinish: 'completed-event',
    query: ['stream', 'starting_after', 'include', 'include[]', 'include_obfuscation'],
    stored: { names: 'response' },
  }),
  stored('responses.delete', 'DELETE', '/v1/responses/:id', { stored: { names: 'response', deletes: true } }),
  stored('responses.cancel', 'POST', '/v1/responses/:id/cancel', {
    body: 'none',
    stored: { names: 'response' },
  }),
  stored('responses.input_items', 'GET', '/v1/responses/:id/input_items', {
    query: LIST_QUERY,
    stored: { names: 'response' },
  }),
  stored('conversations.create', 'POST', '/v1/conversations', { stored: { creates: 'conversation' } }),
  stored('conversations.retrieve', 'GET', '/v1/conversations/:id', { stored: { names: 'conversation' } }),
  stored('conversations.update', 'POST', '/v1/conversations/:id', { stored: { names: 'conversation' } }),
  stored('conversations.delete', 'DELETE', '/v1/conversations/:id', {
    stored: { names: 'conversation', deletes: true },
  }),
  stored('conversations.items.list', 'GET', '/v1/conversations/:id/items', {
    query: LIST_QUERY,
    stored: { names: 'conversation' },
  }),
  stored('conversations.items.create', 'POST', '/v1/conversations/:id/items', {
    query: ['include', 'include[]'],
    stored: { names: 'conversation', creates: 'item' },
  }),
  stored('conversations.items.retrieve', 'GET', '/v1/conversations/:id/items/:item', {
    query: ['include', 'include[]'],
    stored: { names: 'conversation' },
  }),
  stored('conversations.items.delete', 'DELETE', '/v1/conversations/:id/items/:item', {
    stored: { names: 'conversation' },
  }),
  { ...ANSWER, name: 'models.list', method: 'GET', pattern: '/v1/models', kind: 'catalogue', body: 'none' },
  {
    ...ANSWER,
    name: 'models.retrieve',
    method: 'GET',
    pattern: '/v1/models/:id',
    kind: 'catalogue',
    body: 'none',
  },
  { ...ANSWER, name: 'me', method: 'GET', pattern: '/v1/me', kind: 'identity', body: 'none' },
];

/**
 * Model ids as OpenAI and compatible providers spell them (`gpt-4o`, `ft:gpt-4o:org::id`,
 * `llama3.1:8b`). No `%`, no `/` and not a dot segment: the id is put into the upstream URL,
 * and an upstream that decodes `..%2Ffiles` would otherwise be steered to another endpoint.
 */
const SAFE_PATH_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._:@+-]{1,256}$/;

/** True for an id that may be put into an upstream URL as one path segment. */
export function isSafeModelId(id: string): boolean {
  return SAFE_PATH_SEGMENT.test(id);
}

/** A route's path after `/v1`, as the upstream is asked for it, with its parameters filled in. */
export function upstreamPath(route: Route, params: Readonly<Record<string, string>> = {}): string {
  return route.pattern.slice('/v1'.length).replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
}

/** The request's query reduced to the parameters the route forwards: `''` when none are left. */
export function upstreamQuery(route: Route, url: URL): string {
  const allowed = route.query ?? [];
  const kept = new URLSearchParams();
  for (const [name, value] of url.searchParams) if (allowed.includes(name)) kept.append(name, value);
  const query = kept.toString();
  return query === '' ? '' : `?${query}`;
}

/** The route a `/v1` path would have matched, for the hint that a client left out `/v1`. */
export function routeWithoutV1(method: string, path: string): Route | undefined {
  return ROUTES.find(
    (route) =>
      route.method === method &&
      new RegExp(`^${route.pattern.slice('/v1'.length).replace(/:\w+/g, '[^/]+')}$`).test(path),
  );
}
