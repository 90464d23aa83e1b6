// The per-request context, built once before any handler runs (as Hono's `c`): the parsed config,
// the request's record and the platform's handles; API routes add the authenticated caller.
import type { IRequest } from 'itty-router';
import type { Caller } from '../access/caller';
import type { Config } from '../config/read';
import type { RequestRecord } from './record';

export interface RequestContext {
  readonly config: Config;
  readonly record: RequestRecord;
  readonly env: Env;
  readonly ctx: ExecutionContext;
}

/** What an API handler gets: the request context and who is calling. */
export interface CallerContext extends RequestContext {
  readonly caller: Caller;
}

/** A request as it moves through the router: itty lets the first stage attach the context. */
export type ContextRequest = IRequest & { context?: RequestContext };

export function contextOf(request: ContextRequest): RequestContext {
  if (!request.context) throw new Error('the request context is built before any route runs');
  return request.context;
}
