// What a caller may ask for: which models, and how many output tokens per request.
import type { Config } from '../config/read';
import { ProxyError, badRequest } from '../errors';
import type { RouteName } from '../routes';
import { modelAllowed } from './model-patterns';

/** Every allow-list that applies to this caller; empty means any model. */
export function modelAllowLists(
  caller: { readonly models?: readonly string[] },
  config: Config,
): (readonly string[])[] {
  return [config.allowedModels, caller.models].filter((list) => list !== undefined);
}

export function mayUseModel(model: string, lists: readonly (readonly string[])[]): boolean {
  return lists.every((list) => modelAllowed(model, list));
}

/**
 * Refuses a generation or embedding request for a model outside the caller's allow-lists. A
 * model addressed as `<upstream>/<model>` is allowed under either name (`servedAs` is the second).
 */
export function checkModel(
  body: Readonly<Record<string, unknown>>,
  lists: readonly (readonly string[])[],
  servedAs?: string,
): void {
  if (lists.length === 0) return;
  const model = body['model'];
  if (typeof model !== 'string') {
    throw badRequest('missing_required_parameter', 'Missing required parameter: model.', 'model');
  }
  if (!mayUseModel(model, lists) && (servedAs === undefined || !mayUseModel(servedAs, lists))) {
    throw new ProxyError(403, 'model_not_allowed', `The model '${model}' is not available to this client.`, {
      param: 'model',
    });
  }
}

/** The request fields that bound output tokens, per route (chat accepts either name). */
const OUTPUT_FIELDS: Readonly<Record<RouteName, readonly string[]>> = {
  'chat.completions': ['max_completion_tokens', 'max_tokens'],
  completions: ['max_tokens'],
  responses: ['max_output_tokens'],
  embeddings: [],
  'models.list': [],
  'models.retrieve': [],
};

/** A count field as the request gives it: a whole number of at least 1, else `undefined`. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

export interface OutputBound {
  /** The fields this route accepts, and those the request sets. */
  readonly fields: readonly string[];
  readonly present: readonly { readonly field: string; readonly value: unknown }[];
  /** Completions generated per request: `n`, times `best_of` where the route has it. */
  readonly choices: number;
  /** The most output tokens the request may produce, if every limit it sets is a number. */
  readonly total: number | undefined;
}

/** How much output a request may produce: each choice up to the largest limit it sets. */
export function outputBound(route: RouteName, body: Readonly<Record<string, unknown>>): OutputBound {
  const fields = OUTPUT_FIELDS[route];
  const present = fields
    .filter((field) => body[field] !== undefined && body[field] !== null)
    .map((field) => ({ field, value: body[field] }));
  const choices = (count(body['n']) ?? 1) * (route === 'completions' ? (count(body['best_of']) ?? 1) : 1);
  const limits = present.map(({ value }) => count(value));
  const valid = limits.length > 0 && limits.every((limit) => limit !== undefined);
  return { fields, present, choices, total: valid ? choices * Math.max(...(limits as number[])) : undefined };
}

/**
 * A token's `max_tokens` cap bounds the whole request, and is enforced by refusing, not
 * rewriting: every output limit the request sets, times its choices, must be within the cap.
 */
export function checkOutputCap(
  route: RouteName,
  body: Readonly<Record<string, unknown>>,
  cap?: number,
): void {
  if (cap === undefined) return;
  const bound = outputBound(route, body);
  const first = bound.fields[0];
  if (first === undefined) return; // Embeddings produce no output tokens.
  const over = bound.present.find(({ value }) => (count(value) ?? Infinity) * bound.choices > cap);
  if (bound.present.length === 0 || over) {
    const per =
      bound.choices > 1 ? ` (${bound.choices} choices: each at most ${Math.floor(cap / bound.choices)})` : '';
    throw badRequest(
      'max_tokens_over_cap',
      `This client may request at most ${cap} output tokens in all${per}: set ${bound.fields.join(' or ')} within it.`,
      over?.field ?? first,
    );
  }
}
