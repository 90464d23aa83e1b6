// The allow-list of OpenAI routes the proxy serves, and what differs between them, as data. Code
// asks a route's entry (may it be cached, which fields bound its output, how its stream ends);
// it never compares route names. Anything not listed never reaches an upstream.

export type RouteName =
  'chat.completions' | 'completions' | 'responses' | 'embeddings' | 'models.list' | 'models.retrieve' | 'me';

/** How a streamed answer says it is finished. */
export type StreamFinish =
  /** `data: [DONE]` (chat and legacy completions). */
  | 'done-marker'
  /** A `response.completed` event (the Responses API). */
  | 'completed-event';

export interface Route {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  /** itty-router pattern, matched against the already-normalised URL path. */
  readonly pattern: string;
  /**
   * `generation`: a JSON body naming a model, proxied and priced; `catalogue`: the model list;
   * `identity`: the caller's own limits and usage (GET /v1/me), answered by the proxy.
   */
  readonly kind: 'generation' | 'catalogue' | 'identity';
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
  /** The request may name built-in tools the provider bills per call (the Responses API's `tools`). */
  readonly toolFees: boolean;
}

const generation = {
  method: 'POST',
  kind: 'generation',
  cacheable: true,
  choiceFields: [],
  usageOnRequest: false,
  toolFees: false,
} as const;

export const ROUTES: readonly Route[] = [
  {
    ...generation,
    name: 'chat.completions',
    pattern: '/v1/chat/completions',
    outputFields: ['max_completion_tokens', 'max_tokens'],
    choiceFields: ['n'],
    streamFinish: 'done-marker',
    usageOnRequest: true,
  },
  {
    ...generation,
    name: 'completions',
    pattern: '/v1/completions',
    outputFields: ['max_tokens'],
    choiceFields: ['n', 'best_of'],
    streamFinish: 'done-marker',
    usageOnRequest: true,
  },
  {
    ...generation,
    name: 'responses',
    pattern: '/v1/responses',
    outputFields: ['max_output_tokens'],
    streamFinish: 'completed-event',
    toolFees: true,
  },
  { ...generation, name: 'embeddings', pattern: '/v1/embeddings', outputFields: [], streamFinish: undefined },
  {
    name: 'models.list',
    method: 'GET',
    pattern: '/v1/models',
    kind: 'catalogue',
    cacheable: false,
    outputFields: [],
    choiceFields: [],
    streamFinish: undefined,
    usageOnRequest: false,
    toolFees: false,
  },
  {
    name: 'models.retrieve',
    method: 'GET',
    pattern: '/v1/models/:id',
    kind: 'catalogue',
    cacheable: false,
    outputFields: [],
    choiceFields: [],
    streamFinish: undefined,
    usageOnRequest: false,
    toolFees: false,
  },
  {
    name: 'me',
    method: 'GET',
    pattern: '/v1/me',
    kind: 'identity',
    cacheable: false,
    outputFields: [],
    choiceFields: [],
    streamFinish: undefined,
    usageOnRequest: false,
    toolFees: false,
  },
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

/** A route's path after `/v1`, as the upstream is asked for it. */
export function upstreamPath(route: Route): string {
  return route.pattern.slice('/v1'.length);
}

/** The route a `/v1` path would have matched, for the hint that a client left out `/v1`. */
export function routeWithoutV1(method: string, path: string): Route | undefined {
  return ROUTES.find(
    (route) =>
      route.method === method &&
      new RegExp(`^${route.pattern.slice('/v1'.length).replace(/:\w+/g, '[^/]+')}$`).test(path),
  );
}
