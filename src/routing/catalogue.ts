// The model catalogue: every upstream's list, fetched in parallel and kept briefly, narrowed to
// the models this proxy would route to that upstream, plus the aliases.
import type { Config } from '../config/read';
import type { Upstream } from '../config/upstreams';
import { fetchUpstream } from '../http/upstream';
import { headersFor } from './request';
import { resolveModel } from './resolve';

export interface ModelObject {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
}

/** A catalogue changes rarely; a minute saves every page load a round trip to each provider. */
const LIST_TTL_MS = 60_000;
const lists = new Map<string, { readonly expires: number; readonly models: readonly ModelObject[] }>();

const synthetic = (id: string, owner: string): ModelObject => ({
  id,
  object: 'model',
  created: 0,
  owned_by: owner,
});

function isModelObject(value: unknown): value is ModelObject {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}

/**
 * One upstream's models: Azure's are its configured deployments (its own list names base
 * models, not what this resource serves); others answer `GET /models`. A failure is returned.
 */
async function upstreamModels(
  upstream: Upstream,
  config: Config,
  client: Headers,
): Promise<readonly ModelObject[] | Response> {
  if (upstream.kind === 'azure') {
    const named = [
      ...Object.keys(upstream.deployments),
      ...(upstream.models ?? []).filter((m) => !m.endsWith('*')),
    ];
    return [...new Set(named)].map((id) => synthetic(id, upstream.name));
  }
  // Keyed by the key too: another key may see another catalogue (an organisation's fine-tunes).
  const key = JSON.stringify([upstream.name, upstream.baseUrl, upstream.apiKey ?? '']);
  const cached = lists.get(key);
  if (cached && cached.expires > Date.now()) return cached.models;
  const response = await fetchUpstream({
    url: `${upstream.baseUrl}/models`,
    method: 'GET',
    headers: headersFor(upstream, client, undefined),
    timeoutMs: config.upstreamTimeoutMs,
  });
  if (!response.ok) return response;
  const body = (await response.json().catch(() => ({}))) as { data?: unknown };
  const models = Array.isArray(body.data) ? body.data.filter(isModelObject) : [];
  lists.set(key, { expires: Date.now() + LIST_TTL_MS, models });
  return models;
}

export interface Catalogue {
  readonly models: readonly ModelObject[];
  /** The first upstream failure, returned as the answer when no upstream listed anything. */
  readonly failure?: Response;
}

/** The union of every upstream's catalogue and the aliases; each id once, as it is routed. */
export async function catalogue(config: Config, client: Headers): Promise<Catalogue> {
  const results = await Promise.all(
    config.upstreams.map((upstream) =>
      upstreamModels(upstream, config, client).catch((error: unknown) => {
        if (config.upstreams.length === 1) throw error;
        return [] as const; // One provider down must not empty the list of the others.
      }),
    ),
  );
  const failures = results.filter((result): result is Response => result instanceof Response);
  const seen = new Set<string>();
  const models = config.upstreams.flatMap((upstream, index) => {
    const listed = results[index];
    if (!Array.isArray(listed)) return [];
    return (listed as readonly ModelObject[]).filter((model) => {
      const routed = resolveModel(model.id, config, () => 0)?.targets.some(
        (target) => target.upstream === upstream,
      );
      if (!routed || seen.has(model.id)) return false;
      seen.add(model.id);
      return true;
    });
  });
  const aliases = [...config.aliases.keys()]
    .filter((alias) => !seen.has(alias))
    .map((alias) => synthetic(alias, 'alias'));
  const all = [...models, ...aliases];
  await Promise.all(failures.slice(all.length > 0 ? 0 : 1).map((failure) => failure.body?.cancel()));
  return all.length === 0 && failures[0] ? { models: all, failure: failures[0] } : { models: all };
}
