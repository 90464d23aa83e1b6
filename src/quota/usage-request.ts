// Stream usage for token budgets: ask the upstream for it on the client's behalf.
import { isStreamed, type JsonBody } from '../http/body';
import type { RouteName } from '../routes';

function asksForUsage(body: JsonBody): boolean {
  const options = body.json['stream_options'];
  return (
    typeof options === 'object' &&
    options !== null &&
    'include_usage' in options &&
    options.include_usage === true
  );
}

/**
 * Token budgets need real usage, which a chat or completions stream reports only when asked
 * (the Responses API always reports it). The proxy asks on the client's behalf and the relay
 * removes the extra chunk, so the client sees exactly what it requested.
 */
export function needsUsageChunk(route: RouteName, body: JsonBody, countsTokens: boolean): boolean {
  const generation = route === 'chat.completions' || route === 'completions';
  return generation && countsTokens && isStreamed(body) && !asksForUsage(body);
}

/** The request body with `stream_options.include_usage` set; the only body the proxy rewrites. */
export function withUsageRequested(body: JsonBody): Uint8Array {
  const options = body.json['stream_options'];
  const merged = {
    ...body.json,
    stream_options: { ...(typeof options === 'object' ? options : {}), include_usage: true },
  };
  return new TextEncoder().encode(JSON.stringify(merged));
}
