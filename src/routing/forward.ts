// Sends a client's request to its targets with failover, each attempt built for its upstream.
import type { Config } from '../config/read';
import { ProxyError } from '../errors';
import type { Target } from '../config/upstreams';
import { fetchUpstream } from '../http/upstream';
import { callWithFailover, type Answered, type Attempted } from './failover';
import { headersFor, upstreamUrl } from './request';
import { withModel, type ForwardBody } from './rewrite-model';

export interface Forward {
  readonly config: Config;
  readonly targets: readonly Target[];
  /** Whose request this is (the upstream's health counts error answers per caller). */
  readonly caller: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The route's path after `/v1`, e.g. `/chat/completions`, and its query string (`?…`) if any. */
  readonly path: string;
  readonly clientHeaders: Headers;
  /**
   * The body as the client sent it (or with usage requested). Only `model` changes per target,
   * and only when the target serves another name (an alias or a prefix): the common case sends
   * the bytes untouched, without scanning them.
   */
  readonly body: ForwardBody | undefined;
  /** Ends the upstream call at any time, its body included (idle streams, client disconnects). */
  readonly signal?: AbortSignal;
}

export function forward(call: Forward): Promise<Attempted> {
  const { config, body } = call;
  return callWithFailover({
    targets: call.targets,
    caller: call.caller,
    deadlineMs: config.upstreamTimeoutMs,
    coolDownMs: config.upstreamCooldownMs,
    send: (target, timeoutMs) =>
      fetchUpstream({
        url: upstreamUrl(target, call.path),
        method: call.method,
        headers: headersFor(
          target.upstream,
          call.clientHeaders,
          body && (body.formType ?? 'application/json'),
        ),
        body: body && withModel(body, target.model),
        timeoutMs,
        signal: call.signal,
      }),
  });
}

/** Who served and how many attempts it took; after a failover that gave up, SDK retries stop. */
export function routingHeaders(answered: Answered): Record<string, string> {
  return {
    'x-upstream': answered.target.upstream.name,
    'x-upstream-attempts': String(answered.attempts),
    ...(answered.gaveUp ? { 'x-should-retry': 'false' } : {}),
  };
}

export function withRoutingHeaders(response: Response, answered: Answered): Response {
  for (const [name, value] of Object.entries(routingHeaders(answered))) response.headers.set(name, value);
  return response;
}

/**
 * The upstream answered, and the proxy refuses its answer (a type the route never returns, a
 * body that broke off, a secret it could not remove): the error still says who answered.
 */
export function routedError(thrown: unknown, answered: Answered): unknown {
  if (!(thrown instanceof ProxyError)) return thrown;
  const headers = { ...Object.fromEntries(new Headers(thrown.details.headers)), ...routingHeaders(answered) };
  return new ProxyError(thrown.status, thrown.code, thrown.message, { ...thrown.details, headers });
}
