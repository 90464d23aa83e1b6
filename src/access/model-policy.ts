// What a caller may ask for: which models, and how many output tokens per request.
import { outputBound } from '../accounting/reservation';
import type { Config } from '../config/read';
import { ProxyError, badRequest } from '../errors';
import type { Route } from '../routes';
import { modelAllowed } from './model-patterns';

/** Every allow-list that applies to this caller; empty means any model. */
export function modelAllowLists(
  caller: { readonly models?: readonly string[] },
  config: Pick<Config, 'allowedModels'>,
): (readonly string[])[] {
  return [config.allowedModels, caller.models].filter((list) => list !== undefined);
}

export function mayUseModel(model: string, lists: readonly (readonly string[])[]): boolean {
  return lists.every((list) => modelAllowed(model, list));
}

/**
 * Refuses a request for a model outside the caller's allow-lists. A model addressed as
 * `<upstream>/<model>` is allowed under either name (`servedAs` is the second).
 */
export function checkModel(model: string, lists: readonly (readonly string[])[], servedAs?: string): void {
  if (lists.length === 0) return;
  if (!mayUseModel(model, lists) && (servedAs === undefined || !mayUseModel(servedAs, lists))) {
    throw new ProxyError(
      403,
      'model_not_allowed',
      `The model '${model.slice(0, 256)}' is not available to this client.`,
      {
        param: 'model',
      },
    );
  }
}

/**
 * A caller's `max_tokens` cap bounds the whole request, and is enforced by refusing, not
 * rewriting: every output limit the request sets, times its choices, must be within the cap.
 */
export function checkOutputCap(route: Route, body: Readonly<Record<string, unknown>>, cap?: number): void {
  const first = route.outputFields[0];
  if (cap === undefined || first === undefined) return; // Embeddings produce no output tokens.
  const bound = outputBound(route, body);
  const over = bound.present.find(({ value }) => value * bound.choices > cap);
  if (bound.present.length === 0 || over) {
    const per =
      bound.choices > 1 ? ` (${bound.choices} choices: each at most ${Math.floor(cap / bound.choices)})` : '';
    throw badRequest(
      'max_tokens_over_cap',
      `This client may request at most ${cap} output tokens in all${per}: set ${route.outputFields.join(' or ')} within it.`,
      over?.field ?? first,
    );
  }
}
