// What a caller may ask for: which models, and how many output tokens per request.
import type { Config } from '../config/read';
import { ProxyError, badRequest } from '../errors';
import type { RouteName } from '../routes';
import type { Caller } from './authenticate';
import { modelAllowed } from './model-patterns';

/** Every allow-list that applies to this caller; empty means any model. */
export function modelAllowLists(caller: Caller, config: Config): (readonly string[])[] {
  return [config.allowedModels, caller.models].filter((list) => list !== undefined);
}

export function mayUseModel(model: string, lists: readonly (readonly string[])[]): boolean {
  return lists.every((list) => modelAllowed(model, list));
}

/** Refuses a generation or embedding request for a model outside the caller's allow-lists. */
export function checkModel(
  body: Readonly<Record<string, unknown>>,
  lists: readonly (readonly string[])[],
): void {
  if (lists.length === 0) return;
  const model = body['model'];
  if (typeof model !== 'string') {
    throw badRequest('missing_required_parameter', 'Missing required parameter: model.', 'model');
  }
  if (!mayUseModel(model, lists)) {
    throw new ProxyError(403, 'model_not_allowed', `The model '${model}' is not available to this client.`, {
      param: 'model',
    });
  }
}

/** The request field that bounds output tokens on each route (chat accepts either name). */
export function outputLimit(route: RouteName, body: Readonly<Record<string, unknown>>) {
  const fields =
    route === 'chat.completions'
      ? ['max_completion_tokens', 'max_tokens']
      : route === 'responses'
        ? ['max_output_tokens']
        : route === 'completions'
          ? ['max_tokens']
          : [];
  const field = fields.find((name) => body[name] !== undefined && body[name] !== null);
  const value = field === undefined ? undefined : body[field];
  return { fields, field, value: typeof value === 'number' ? value : undefined };
}

/**
 * A token's `max_tokens` cap is enforced by refusing, not rewriting: a request must ask for at
 * most the cap, so what the client sent is what the upstream gets.
 */
export function checkOutputCap(
  route: RouteName,
  body: Readonly<Record<string, unknown>>,
  cap?: number,
): void {
  if (cap === undefined) return;
  const limit = outputLimit(route, body);
  const name = limit.fields[0];
  if (name === undefined) return; // Embeddings produce no output tokens.
  if (limit.value === undefined || limit.value > cap) {
    throw badRequest(
      'max_tokens_over_cap',
      `This client may request at most ${cap} output tokens: set ${limit.fields.join(' or ')} to ${cap} or less.`,
      limit.field ?? name,
    );
  }
}
