// GET /v1/models and /v1/models/{id}: the catalogue of every upstream plus the aliases,
// narrowed to what the caller may use.
import type { IRequest } from 'itty-router';
import { authenticate } from '../access/authenticate';
import { mayUseModel, modelAllowLists } from '../access/model-policy';
import { readConfig, type Config } from '../config/read';
import { jsonResponse, unknownUrl } from '../errors';
import { answerFromUpstream } from '../http/answer';
import { isSafeModelId, upstreamPath, type ProxyRoute } from '../routes';
import { catalogue } from '../routing/catalogue';
import { forward, withRoutingHeaders } from '../routing/forward';
import { modelNotFound, resolveModel } from '../routing/resolve';

/** An upstream's own answer, passed on with its secrets redacted and its headers filtered. */
async function passOn(upstream: Response, config: Config): Promise<Response> {
  const options = { route: 'models.list', config, keepBytes: 0, observe: false, stripUsage: false } as const;
  return (await answerFromUpstream(upstream, options)).response;
}

/** Built by the proxy from upstream data, so it is redacted like any upstream body. */
function modelsJson(body: unknown, config: Config): Response {
  const text = JSON.stringify(body);
  return jsonResponse(JSON.parse(config.redactor.redact(text)) as unknown, { status: 200 });
}

export function modelsHandler(route: ProxyRoute) {
  return async function models(request: IRequest, env: Env): Promise<Response> {
    const config = readConfig(env);
    const caller = await authenticate(request, config);
    const lists = modelAllowLists(caller, config);
    if (route.name === 'models.list') {
      const listed = await catalogue(config, request.headers);
      if (listed.failure) return passOn(listed.failure, config);
      const data = listed.models.filter((model) => mayUseModel(model.id, lists));
      return modelsJson({ object: 'list', data }, config);
    }
    if (upstreamPath(route, request.params) === undefined) throw unknownUrl(request);
    const id = request.params['id'] ?? '';
    const resolution = mayUseModel(id, lists) ? resolveModel(id, config) : undefined;
    if (!resolution) throw modelNotFound(id);
    if (resolution.via === 'alias')
      return modelsJson({ id, object: 'model', created: 0, owned_by: 'alias' }, config);
    const [first] = resolution.targets;
    const upstream = config.upstreams.find((candidate) => candidate.name === first?.upstream);
    if (!first || !upstream || !isSafeModelId(first.model)) throw modelNotFound(id);
    if (upstream.kind === 'azure')
      return modelsJson({ id, object: 'model', created: 0, owned_by: upstream.name }, config);
    const path = `/models/${first.model}`;
    const answered = await forward({
      config,
      targets: resolution.targets,
      path,
      clientHeaders: request.headers,
      body: undefined,
    });
    return withRoutingHeaders(await passOn(answered.response, config), answered);
  };
}
