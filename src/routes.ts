// The allow-list of OpenAI routes the proxy serves. Anything else never reaches the upstream.

export type RouteName =
  'chat.completions' | 'completions' | 'responses' | 'embeddings' | 'models.list' | 'models.retrieve';

export interface ProxyRoute {
  readonly name: RouteName;
  /** itty-router pattern, matched against the already-normalised URL path. */
  readonly pattern: string;
  readonly method: 'GET' | 'POST';
}

export const ROUTES: readonly ProxyRoute[] = [
  { name: 'chat.completions', pattern: '/v1/chat/completions', method: 'POST' },
  { name: 'completions', pattern: '/v1/completions', method: 'POST' },
  { name: 'responses', pattern: '/v1/responses', method: 'POST' },
  { name: 'embeddings', pattern: '/v1/embeddings', method: 'POST' },
  { name: 'models.list', pattern: '/v1/models', method: 'GET' },
  { name: 'models.retrieve', pattern: '/v1/models/:id', method: 'GET' },
];

/**
 * Model ids as OpenAI and compatible providers spell them (`gpt-4o`, `ft:gpt-4o:org::id`,
 * `llama3.1:8b`). No `%`, no `/` and not a dot segment: the id is put into the upstream URL,
 * and an upstream that decodes `..%2Ffiles` would otherwise be steered to another endpoint.
 */
const MODEL_ID = /^(?!\.{1,2}$)[A-Za-z0-9._:@+-]{1,256}$/;

export function isSafeModelId(id: string): boolean {
  return MODEL_ID.test(id);
}

/** The path to append to the upstream base URL, or `undefined` if a parameter is unsafe. */
export function upstreamPath(
  route: ProxyRoute,
  params: Readonly<Record<string, string>>,
): string | undefined {
  if (route.name !== 'models.retrieve') return route.pattern.slice('/v1'.length);
  const id = params['id'];
  return id !== undefined && MODEL_ID.test(id) ? `/models/${id}` : undefined;
}
