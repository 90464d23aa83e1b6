// Which upstreams can serve a model, in the order to try them: an alias's targets, an upstream
// named as a prefix, or the upstreams whose patterns claim the model (else the catch-all).
import { modelAllowed } from '../access/model-patterns';
import type { Target, Upstream } from '../config/upstreams';
import { ProxyError, badRequest } from '../errors';
import { isSafeModelId } from '../routes';

export interface Resolution {
  /** How the name was read: an alias, `<upstream>/<model>`, or routed by pattern. */
  readonly via: 'alias' | 'prefix' | 'pattern';
  readonly targets: readonly Target[];
}

export interface Routing {
  readonly upstreams: readonly Upstream[];
  readonly aliases: ReadonlyMap<string, readonly Target[]>;
}

/**
 * Whether `upstream` serves `model` when asked by name: what its patterns claim (the catch-all,
 * with none, serves anything), and for Azure also what its deployment map names. On Azure the
 * model becomes a URL path segment, so it must be a safe one: an unmapped, unclaimed or `..`
 * name must never reach a deployment the owner did not expose.
 */
export function serves(upstream: Upstream, model: string): boolean {
  if (upstream.kind === 'azure') {
    if (Object.hasOwn(upstream.deployments, model)) return true;
    if (!isSafeModelId(model)) return false;
  }
  return upstream.models === undefined || modelAllowed(model, upstream.models);
}

/** `undefined` when nothing serves the model: the caller answers 404 and forwards nothing. */
export function resolveModel(
  model: string,
  routing: Routing,
  random: () => number = Math.random,
): Resolution | undefined {
  const alias = routing.aliases.get(model);
  if (alias) return { via: 'alias', targets: alias };
  const slash = model.indexOf('/');
  // A prefix counts only when it names an upstream that serves the rest: OpenRouter's own ids
  // contain `/` too, and are routed by pattern like any other name.
  const prefixed =
    slash > 0 ? routing.upstreams.find((upstream) => upstream.name === model.slice(0, slash)) : undefined;
  const rest = model.slice(slash + 1);
  if (prefixed && serves(prefixed, rest))
    return { via: 'prefix', targets: [{ upstream: prefixed, model: rest }] };
  const claiming = routing.upstreams.filter(
    (upstream) => upstream.models !== undefined && serves(upstream, model),
  );
  const serving =
    claiming.length > 0
      ? claiming
      : routing.upstreams.filter((upstream) => upstream.models === undefined && serves(upstream, model));
  if (serving.length === 0) return undefined;
  return { via: 'pattern', targets: weightedOrder(serving, random).map((upstream) => ({ upstream, model })) };
}

/** Upstreams in a random order where each comes first in proportion to its weight. */
export function weightedOrder(upstreams: readonly Upstream[], random: () => number): Upstream[] {
  const left = [...upstreams];
  const ordered: Upstream[] = [];
  while (left.length > 0) {
    let pick = random() * left.reduce((sum, upstream) => sum + upstream.weight, 0);
    const index = left.findIndex((upstream) => (pick -= upstream.weight) < 0);
    ordered.push(...left.splice(index === -1 ? left.length - 1 : index, 1));
  }
  return ordered;
}

export function modelNotFound(model: string): ProxyError {
  const message = `The model '${model.slice(0, 256)}' does not exist or you do not have access to it.`;
  return new ProxyError(404, 'model_not_found', message, { param: 'model' });
}

/**
 * Where a generation request goes: its body's model resolved to targets, or a 400 (no model)
 * or 404 (nothing serves it) before anything is reserved or forwarded. `servedAs` is the
 * model name an upstream prefix stripped, for allow-lists.
 */
export function routeModel(
  body: Readonly<Record<string, unknown>>,
  routing: Routing,
): { readonly model: string; readonly targets: readonly Target[]; readonly servedAs: string | undefined } {
  const model = body['model'];
  if (typeof model !== 'string' || model === '') {
    throw badRequest('missing_required_parameter', 'Missing required parameter: model.', 'model');
  }
  const resolution = resolveModel(model, routing);
  if (!resolution) throw modelNotFound(model);
  return {
    model,
    targets: resolution.targets,
    servedAs: resolution.via === 'prefix' ? resolution.targets[0]?.model : undefined,
  };
}
