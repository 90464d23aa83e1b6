// Stream usage for token budgets: ask the upstream for it on the client's behalf.
import { isStreamed, type JsonBody } from '../http/body';
import { isObject } from '../lib/json';
import type { Route } from '../routes';

function asksForUsage(body: JsonBody): boolean {
  const options = body.json['stream_options'];
  return isObject(options) && options['include_usage'] === true;
}

/**
 * Token budgets need real usage, which chat and completions streams report only when asked (the
 * Responses API always reports it). The proxy asks on the client's behalf and the relay removes
 * the extra chunk, so the client sees exactly what it requested.
 */
export function needsUsageChunk(route: Route, body: JsonBody, countsTokens: boolean): boolean {
  return route.usageOnRequest && countsTokens && isStreamed(body) && !asksForUsage(body);
}

/** The request body with `stream_options.include_usage` set; the only body the proxy rewrites. */
export function withUsageRequested(body: JsonBody): Uint8Array {
  const options = body.json['stream_options'];
  const merged = {
    ...body.json,
    stream_options: { ...(isObject(options) ? options : {}), include_usage: true },
  };
  return new TextEncoder().encode(JSON.stringify(merged));
}
