// GET /v1/models and /v1/models/{id}: the catalogue of every upstream plus the aliases, narrowed
// to what the caller may use. Both are answered from the catalogue each isolate keeps for a
// minute, and count against the caller's request limit: a lookup is never a free upstream call.
import type { IRequest } from 'itty-router';
import { mayUseModel, modelAllowLists } from '../access/model-policy';
import type { Config } from '../config/read';
import type { CallerContext } from '../context/context';
import { unknownUrl } from '../errors';
import { jsonResponse } from '../http/json-response';
import { admitCaller, withCallerLimits } from '../quota/admission';
import { upstreamError } from '../relay/failed-answer';
import { isSafeModelId } from '../routes';
import { catalogue } from '../routing/catalogue';
import { modelNotFound } from '../routing/resolve';

/** An upstream's own failure, passed on with its secrets redacted and its headers filtered. */
const passOn = (upstream: Response, config: Config) => upstreamError(upstream, config.redactor);

/** Built by the proxy from upstream data, so it is redacted like any upstream body. */
function modelsJson(body: unknown, config: Config): Response {
  const text = JSON.stringify(body);
  return jsonResponse(JSON.parse(config.redactor.redact(text)) as unknown, { status: 200 });
}

/** A lookup counts as one request, and uses nothing else: its reservation is released at once. */
async function countRequest(context: CallerContext) {
  const ticket = await admitCaller(context.env, context.caller, { tokens: 0, micros: 0 });
  if (ticket) context.ctx.waitUntil(ticket.settle({ tokens: 0, micros: 0 }));
  return ticket;
}

export async function listModels(request: IRequest, context: CallerContext): Promise<Response> {
  const { config, caller } = context;
  const ticket = await countRequest(context);
  const listed = await catalogue(config, request.headers);
  if (listed.failure) return withCallerLimits(await passOn(listed.failure, config), ticket);
  const lists = modelAllowLists(caller, config);
  const data = listed.models.filter((model) => mayUseModel(model.id, lists));
  return withCallerLimits(modelsJson({ object: 'list', data }, config), ticket);
}

export async function retrieveModel(request: IRequest, context: CallerContext): Promise<Response> {
  const { config, caller } = context;
  const id = request.params['id'] ?? '';
  // Not a model id at all (`..%2Ffiles`): as unknown as any path outside the allow-list.
  if (!isSafeModelId(id)) throw unknownUrl(request);
  if (!mayUseModel(id, modelAllowLists(caller, config))) throw modelNotFound(id);
  const ticket = await countRequest(context);
  const listed = await catalogue(config, request.headers);
  if (listed.failure) return withCallerLimits(await passOn(listed.failure, config), ticket);
  const model = listed.models.find((candidate) => candidate.id === id);
  if (!model) throw modelNotFound(id);
  return withCallerLimits(modelsJson(model, config), ticket);
}
