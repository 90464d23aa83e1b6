// The rules that keep a stored object its caller's: a request that names one is checked against
// the record first (another caller's id, or one never seen, is OpenAI's 404 and nothing is
// forwarded), goes to the upstream that holds it, and an answer that creates one is recorded
// before it reaches the client.
import type { CallerContext } from '../context/context';
import type { Target, Upstream } from '../config/upstreams';
import { badRequest, logFailure, ProxyError } from '../errors';
import type { Answer } from '../relay/answer';
import { isEventStream } from '../relay/sse';
import { modelNotFound, serves } from '../routing/resolve';
import type { Route, StoredKind } from '../routes';
import type { CacheEntry } from '../cache/store';
import {
  createdIdInJson,
  createdIdInStream,
  isObjectId,
  itemsNamedInBody,
  namedInBody,
  notFound,
  type NamedObject,
} from './names';
import { claim, ownerOf, type Ownership } from './owners';

/** Stored items one request may name by id (`item_reference`s, reasoning items, containers). */
const MAX_CHECKED_ITEMS = 100;
/** OpenAI keeps stored responses and conversations 30 days; so does their record here. */
const KEEP_MS = 30 * 86_400_000;

async function lookUp(context: CallerContext, id: string): Promise<Ownership | undefined> {
  try {
    return await ownerOf(context.env, id);
  } catch (error) {
    logFailure('owner_lookup_failed', error);
    throw new ProxyError(
      503,
      'ownership_unavailable',
      'The record of stored objects is unavailable; try again shortly.',
    );
  }
}

/** The upstream that holds `named` for this caller, or OpenAI's 404. */
export async function holderOf(context: CallerContext, named: NamedObject): Promise<Upstream> {
  const owner = await lookUp(context, named.id);
  const upstream = context.config.upstreams.find((candidate) => candidate.name === owner?.upstream);
  if (!owner || owner.caller !== context.caller.id || owner.kind !== named.kind || !upstream)
    throw notFound(named);
  return upstream;
}

/**
 * OpenAI's 404 for an item or container (named inside the body) recorded as another caller's. An
 * id the proxy never recorded passes: items of a `store: false` response are passed back by id
 * and are nobody's to take.
 */
export async function checkItems(context: CallerContext, named: readonly NamedObject[]): Promise<void> {
  const checked = named.filter((object) => isObjectId(object.id));
  // One lookup each, at once: bounded, so a body of ids cannot fan out into thousands of calls.
  if (checked.length > MAX_CHECKED_ITEMS) {
    throw badRequest(
      'too_many_item_references',
      `A request may refer to at most ${MAX_CHECKED_ITEMS} stored items by id; continue from a previous_response_id or a conversation instead.`,
      checked[0]!.param,
    );
  }
  const owners = await Promise.all(checked.map((object) => lookUp(context, object.id)));
  const foreign = checked.find((_, index) => {
    const owner = owners[index];
    return owner !== undefined && owner.caller !== context.caller.id;
  });
  if (foreign) throw notFound(foreign);
}

/**
 * Where a Responses request goes: where its `previous_response_id` or `conversation` lives, and
 * only there (failover never moves a stateful request); else where its model routes.
 */
export async function storedTargets(
  context: CallerContext,
  body: Readonly<Record<string, unknown>>,
  routed: { readonly model: string; readonly targets: readonly Target[] },
): Promise<readonly Target[]> {
  const items = itemsNamedInBody(body);
  if (items.length > 0) await checkItems(context, items);
  const named = namedInBody(body);
  if (named.length === 0) return routed.targets;
  const holders = await Promise.all(named.map((object) => holderOf(context, object)));
  const holder = holders[0]!;
  if (holders.some((upstream) => upstream !== holder)) throw notFound(named[1]!);
  const onRoute = routed.targets.find((target) => target.upstream === holder);
  if (onRoute) return [onRoute];
  // The model routes elsewhere: the holder takes it only if it serves that model itself (its
  // patterns, Azure's deployment map), like any request by name.
  const model = routed.targets[0]?.model ?? '';
  if (!serves(holder, model)) throw modelNotFound(routed.model);
  return [{ upstream: holder, model }];
}

/** The answer creates a stored object: a stored or background response. */
export function createsStored(route: Route, body: Readonly<Record<string, unknown>>): boolean {
  return route.stored?.creates === 'response' && (body['store'] !== false || body['background'] === true);
}

/**
 * Records the object an answer created as the caller's, before the answer goes out; the items in
 * it once it has ended (an id passed back before then is unknown, so it passes: never refused).
 */
export async function recordCreated(
  context: CallerContext,
  { answer, upstream, kind = 'response' }: { answer: Answer; upstream: Upstream; kind?: StoredKind },
): Promise<void> {
  if (answer.createdItems) context.ctx.waitUntil(recordItems(context, answer.createdItems, upstream));
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

async function recordItems(
  context: CallerContext,
  createdItems: NonNullable<Answer['createdItems']>,
  upstream: Upstream,
): Promise<void> {
  try {
    const created = await createdItems();
    const caller = context.caller.id;
    await Promise.all(
      created.map(({ id, kind }) =>
        claim(context.env, id, { caller, upstream: upstream.name, kind }, KEEP_MS),
      ),
    );
  } catch (error) {
    logFailure('item_record_failed', error);
  }
}

/**
 * Whether a cached answer still names an object this caller holds: a deleted or expired stored
 * response is not replayed (its id would be a 404 on the next call), the request goes upstream.
 */
export function stillStored(context: CallerContext): (entry: CacheEntry) => Promise<boolean> {
  return async (entry) => {
    const head = new TextDecoder().decode(entry.body.slice(0, 4096));
    const id = isEventStream(entry.contentType) ? createdIdInStream(head) : createdIdInJson(head);
    if (id === undefined) return false;
    const owner = await ownerOf(context.env, id).catch(() => undefined);
    return owner?.caller === context.caller.id;
  };
}
