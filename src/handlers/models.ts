// GET /v1/models and /v1/models/{id}: the upstream's catalogue, narrowed to what the caller may use.
import type { IRequest } from 'itty-router';
import { authenticate } from '../access/authenticate';
import { mayUseModel, modelAllowLists } from '../access/model-policy';
import { readConfig } from '../config/read';
import { ProxyError, unknownUrl } from '../errors';
import { answerFromUpstream } from '../http/answer';
import { upstreamRequestHeaders } from '../http/headers';
import { fetchUpstream } from '../http/upstream';
import { upstreamPath, type ProxyRoute } from '../routes';

function modelNotFound(id: string): ProxyError {
  return new ProxyError(
    404,
    'model_not_found',
    `The model '${id}' does not exist or you do not have access to it.`,
    { param: 'model' },
  );
}

/** Keeps only the list entries the caller may use; anything unexpected passes through untouched. */
async function filterList(upstream: Response, lists: readonly (readonly string[])[]): Promise<Response> {
  const text = await upstream.text();
  let list: { data?: unknown };
  try {
    list = JSON.parse(text) as { data?: unknown };
  } catch {
    return new Response(text, upstream);
  }
  if (Array.isArray(list.data)) {
    list.data = list.data.filter(
      (model: unknown) =>
        typeof model === 'object' &&
        model !== null &&
        'id' in model &&
        typeof model.id === 'string' &&
        mayUseModel(model.id, lists),
    );
  }
  return new Response(JSON.stringify(list), upstream);
}

export function modelsHandler(route: ProxyRoute) {
  return async function models(request: IRequest, env: Env): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(request, config);
    const path = upstreamPath(route, request.params);
    if (path === undefined) throw unknownUrl(request);
    const lists = modelAllowLists(caller, config);
    const id = request.params['id'];
    if (id !== undefined && !mayUseModel(id, lists)) throw modelNotFound(id);
    const upstream = await fetchUpstream({
      url: config.upstreamBaseUrl + path,
      method: 'GET',
      headers: upstreamRequestHeaders(request.headers, config.upstreamApiKey, false),
      timeoutMs: config.upstreamTimeoutMs,
    });
    const filtered =
      id === undefined && lists.length > 0 && upstream.ok ? await filterList(upstream, lists) : upstream;
    const answer = await answerFromUpstream(filtered, {
      route: route.name,
      config,
      keepBytes: 0,
      observe: false,
      stripUsage: false,
    });
    return answer.response;
  };
}
