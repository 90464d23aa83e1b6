// Requests about a stored object (a response the provider keeps, a conversation and its items):
// checked against the record of whose it is, sent to the upstream that holds it and nowhere else,
// and recorded when one is created or forgotten when deleted. They count as requests and cost
// nothing; the cache never holds their answers.
import type { IRequest } from 'itty-router';
import type { Upstream } from '../config/upstreams';
import type { CallerContext } from '../context/context';
import { ProxyError, badRequest } from '../errors';
import { readBytes } from '../http/body';
import { scanJsonBody } from '../http/json-scan';
import { isObject } from '../lib/json';
import { admitCaller, withCallerLimits } from '../quota/admission';
import { answerFromUpstream } from '../relay/answer';
import { upstreamPath, upstreamQuery, type Route } from '../routes';
import { forward, routedError, withRoutingHeaders } from '../routing/forward';
import { isObjectId, itemsNamedInBody, notFound } from '../stored/names';
import { forget } from '../stored/owners';
import { checkItems, holderOf, recordCreated } from '../stored/ownership';

const MAX_BODY_BYTES = 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A JSON object body, or none; forwarded as it came. */
async function jsonBody(
  request: IRequest,
): Promise<{ bytes: Uint8Array; json: Record<string, unknown> } | undefined> {
  const bytes = await readBytes(request, MAX_BODY_BYTES);
  if (bytes.byteLength === 0) return undefined;
  scanJsonBody(bytes);
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw badRequest('invalid_json', 'Request body is not valid UTF-8 JSON.');
  }
  if (!isObject(json)) throw badRequest('invalid_json', 'Request body must be a JSON object.');
  return { bytes, json };
}

/** A new object goes where a request naming no model would: the catch-all, else the first upstream. */
function homeUpstream(upstreams: readonly Upstream[]): Upstream {
  return upstreams.find((upstream) => upstream.models === undefined) ?? upstreams[0]!;
}

export function storedHandler(route: Route) {
  return async function stored(request: IRequest, context: CallerContext): Promise<Response> {
    const { config, record } = context;
    const ticket = await admitCaller(context.env, context.caller, { tokens: 0, micros: 0 });
    if (ticket) context.ctx.waitUntil(ticket.settle({ tokens: 0, micros: 0 }));
    const id = request.params['id'];
    const names = route.stored?.names;
    const item = request.params['item'];
    if ((id !== undefined && !isObjectId(id)) || (item !== undefined && !isObjectId(item))) {
      throw notFound({ id: id ?? '', kind: names ?? 'response', param: 'id' });
    }
    const upstream =
      names && id !== undefined
        ? await holderOf(context, { id, kind: names, param: 'id' })
        : homeUpstream(config.upstreams);
    const body = route.body === 'json' ? await jsonBody(request) : undefined;
    // New conversation items may name stored items by id, as a Responses input can.
    if (body) await checkItems(context, itemsNamedInBody(body.json));
    const query = upstreamQuery(route, new URL(request.url));
    const streamed = new URLSearchParams(query).get('stream') === 'true';
    const upstreamCall = streamed ? new AbortController() : undefined;
    const attempt = await forward({
      config,
      targets: [{ upstream, model: '' }],
      caller: context.caller.id,
      method: route.method,
      path: `${upstreamPath(route, request.params)}${query}`,
      clientHeaders: request.headers,
      body: body && { bytes: body.bytes, model: '', modelSpan: undefined },
      ...(upstreamCall ? { signal: upstreamCall.signal } : {}),
    });
    record.upstream = upstream.name;
    if (!attempt.ok) throw attempt.error;
    record.attempts = attempt.answered.attempts;
    const creates = route.stored?.creates;
    const answering = answerFromUpstream(attempt.answered.response, {
      route,
      config,
      keepBytes: 0,
      stripUsage: false,
      countTools: false,
      creates: creates !== undefined,
      stream: { clientGone: request.signal, stopUpstream: () => upstreamCall?.abort(), piped: false },
    });
    const answer = await answering.catch((error: unknown) => {
      throw routedError(error, attempt.answered);
    });
    const succeeded = attempt.answered.response.ok;
    if (succeeded && creates) await recordCreated(context, { answer, upstream, kind: creates });
    if (succeeded && route.stored?.deletes && id !== undefined) {
      await forget(context.env, id).catch(() => {
        throw new ProxyError(
          503,
          'ownership_unavailable',
          'The object was deleted, but its record could not be; try again.',
        );
      });
    }
    return withCallerLimits(withRoutingHeaders(answer.response, attempt.answered), ticket);
  };
}
