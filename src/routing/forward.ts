// Sends a client's request to its targets with failover, each attempt built for its upstream.
import type { Config } from '../config/read';
import type { Target } from '../config/upstreams';
import { fetchUpstream } from '../http/upstream';
import { callWithFailover, type Answered } from './failover';
import { headersFor, upstreamUrl } from './request';
import { withModel } from './rewrite-model';

export interface Forward {
  readonly config: Config;
  readonly targets: readonly Target[];
  /** The route's path after `/v1`, e.g. `/chat/completions`. */
  readonly path: string;
  readonly clientHeaders: Headers;
  /**
   * The body as the client sent it (or with usage requested), and the model it names. Only
   * `model` changes per target, and only when the target serves another name (an alias or a
   * prefix): the common case sends the bytes untouched, without scanning them.
   */
  readonly body: { readonly bytes: Uint8Array; readonly model: string } | undefined;
}

export function forward(call: Forward): Promise<Answered> {
  const { config, body } = call;
  return callWithFailover({
    targets: call.targets,
    upstreams: config.upstreams,
    deadlineMs: config.upstreamTimeoutMs,
    coolDownMs: config.upstreamCooldownMs,
    send: (target, upstream, timeoutMs) =>
      fetchUpstream({
        url: upstreamUrl(upstream, target, call.path),
        method: body ? 'POST' : 'GET',
        headers: headersFor(upstream, call.clientHeaders, body !== undefined),
        body: body && (target.model === body.model ? body.bytes : withModel(body.bytes, target.model)),
        timeoutMs,
      }),
  });
}

/** Says who served and how many attempts it took; after a failover that gave up, stops SDK retries. */
export function withRoutingHeaders(response: Response, answered: Answered): Response {
  response.headers.set('x-upstream', answered.upstream.name);
  response.headers.set('x-upstream-attempts', String(answered.attempts));
  if (answered.gaveUp) response.headers.set('x-should-retry', 'false');
  return response;
}
