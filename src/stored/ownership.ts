// The rules that keep a stored object its caller's: a request that names one is checked against
// the record first (another caller's id, or one never seen, is OpenAI's 404 and nothing is
// forwarded), goes to the upstream that holds it, and an answer that creates one is recorded
// before it reaches the client.
import type { CallerContext } from '../context/context';
import type { Target, Upstream } from '../config/upstreams';
import { logFailure, ProxyError } from '../errors';
import type { Answer } from '../relay/answer';
import { modelNotFound, serves } from '../routing/resolve';
import type { Route, StoredKind } from '../routes';
import type { CacheEntry } from '../cache/store';
import { createdIdInJson, createdIdInStream, namedInBody, notFound, type NamedObject } from './names';
import { claim, ownerOf, type Ownership } from './owners';

/** OpenAI keeps stored responses and conversations 30 days; so does their record here. */
const KEEP_MS = 30 * 86_400_000;

/** The upstream that holds `named` for this caller, or OpenAI's 404. */
export async function holderOf(context: CallerContext, named: NamedObject): Promise<Upstream> {
  let owner: Ownership | undefined;
  try {
    owner = await ownerOf(context.env, named.id);
  } catch (error) {
    logFailure('owner_lookup_failed', error);
    throw new ProxyError(
      503,
      'ownership_unavailable',
      'The record of stored objects is unavailable; try again shortly.',
    );
  }
  const upstream = context.config.upstreams.find((candidate) => candidate.name === owner?.upstream);
  if (!owner || owner.caller !== context.caller.id || owner.kind !== named.kind || !upstream)
    throw notFound(named);
  return upstream;
}

/**
 * Where a Responses request goes: where its `previous_response_id` or `conversation` lives, and
 * only there (failover never moves a stateful request); else where its model routes.
 */
export async function storedTargets(
  context: CallerContext,
  body: Readonly<Record<string, unknown>>,
  routed: readonly Target[],
): Promise<readonly Target[]> {
  const named = namedInBody(body);
  if (named.length === 0) return routed;
  const holders = await Promise.all(named.map((object) => holderOf(context, object)));
  const holder = holders[0]!;
  if (holders.some((upstream) => upstream !== holder)) throw notFound(named[1]!);
  const onRoute = routed.find((target) => target.upstream === holder);
  if (onRoute) return [onRoute];
  // The model routes elsewhere: the holder takes it only if it serves that model itself (its
  // patterns, Azure's deployment map), like any request by name.
  const model = routed[0]?.model ?? '';
  if (!serves(holder, model)) throw modelNotFound(model);
  return [{ upstream: holder, model }];
}

/** The answer creates a stored object: a stored or background response. */
export function createsStored(route: Route, body: Readonly<Record<string, unknown>>): boolean {
  return route.stored?.creates === 'response' && (body['store'] !== false || body['background'] === true);
}

/** Records the object an answer created as the caller's, before the answer goes out. */
export async function recordCreated(
  context: CallerContext,
  { answer, upstream, kind = 'response' }: { answer: Answer; upstream: Upstream; kind?: StoredKind },
): Promise<void> {
  const id = await answer.created;
  if (id === undefined) return;
  const recorded = await claim(
    context.env,
    id,
    { caller: context.caller.id, upstream: upstream.name, kind },
    KEEP_MS,
  ).catch((error: unknown) => (logFailure('owner_record_failed', error), false));
  if (!recorded) {
    // Without the record the caller could never use the object: say so rather than hand it out.
    await answer.response.body?.cancel();
    throw new ProxyError(
      503,
      'ownership_unavailable',
      'The stored object could not be recorded; try again shortly.',
    );
  }
}

/**
 * Whether a cached answer still names an object this caller holds: a deleted or expired stored
 * response is not replayed (its id would be a 404 on the next call), the request goes upstream.
 */
export function stillStored(context: CallerContext): (entry: CacheEntry) => Promise<boolean> {
  return async (entry) => {
    const head = new TextDecoder().decode(entry.body.slice(0, 4096));
    const id = entry.contentType.startsWith('text/event-stream')
      ? createdIdInStream(head)
      : createdIdInJson(head);
    if (id === undefined) return false;
    const owner = await ownerOf(context.env, id).catch(() => undefined);
    return owner?.caller === context.caller.id;
  };
}
