// Decides whether a captured event stream ended the way a finished answer ends.
import type { RouteName } from '../routes';

/** The last event of an SSE body (events are separated by a blank line; CRLF allowed). */
function lastEvent(text: string): string {
  const events = text.split(/\r\n\r\n|\n\n|\r\r/).filter((event) => event.trim() !== '');
  return events.at(-1) ?? '';
}

/**
 * Chat and legacy completions end with `data: [DONE]`; the Responses API ends with a
 * `response.completed` event. Anything else (a cut connection, an `error` event, a
 * `response.failed`) must never be replayed as if it were the answer.
 */
export function isCompleteEventStream(bytes: Uint8Array, route: RouteName): boolean {
  const event = lastEvent(new TextDecoder().decode(bytes));
  if (route === 'responses') {
    return /^event:\s*response\.completed\s*$/m.test(event) || event.includes('"type":"response.completed"');
  }
  return /^data:\s*\[DONE\]\s*$/m.test(event);
}
