// Token usage: reserved before a call from the request, settled after it from the answer.
import { outputLimit } from '../access/policy';
import type { RouteName } from '../routes';

/** Output allowance reserved when a request does not bound its own output. */
export const DEFAULT_OUTPUT_RESERVE = 1024;

/**
 * An upper-leaning estimate: prompt text is roughly 4 bytes per token in JSON, plus the output
 * the request may produce (`n` choices each up to the limit).
 */
export function reservation(
  route: RouteName,
  body: Readonly<Record<string, unknown>>,
  bodyBytes: number,
): number {
  const prompt = Math.ceil(bodyBytes / 4);
  if (route === 'embeddings') return prompt;
  const choices = typeof body['n'] === 'number' && body['n'] > 1 ? body['n'] : 1;
  return prompt + choices * (outputLimit(route, body).value ?? DEFAULT_OUTPUT_RESERVE);
}

/** Total tokens from an OpenAI `usage` object (chat/completions/embeddings or Responses style). */
export function totalTokens(usage: unknown): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const fields = usage as Record<string, unknown>;
  const number = (name: string) => (typeof fields[name] === 'number' ? (fields[name] as number) : undefined);
  return (
    number('total_tokens') ??
    sum(number('prompt_tokens'), number('completion_tokens')) ??
    sum(number('input_tokens'), number('output_tokens'))
  );
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

export function usageFromJson(bytes: ArrayBuffer): number | undefined {
  try {
    return totalTokens((JSON.parse(new TextDecoder().decode(bytes)) as { usage?: unknown }).usage);
  } catch {
    return undefined;
  }
}

/**
 * The usage an event stream reported: chat and completions send it in a final chunk (when
 * `stream_options.include_usage` is on); the Responses API in `response.completed`. Scans from
 * the end, where it is, and parses only events that mention usage.
 */
export function usageFromEventStream(bytes: Uint8Array): number | undefined {
  const events = new TextDecoder().decode(bytes).split(/\r\n\r\n|\n\n|\r\r/);
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index] ?? '';
    if (!event.includes('"usage"')) continue;
    const data = event
      .split(/\r\n|\n|\r/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    try {
      const parsed = JSON.parse(data) as { usage?: unknown; response?: { usage?: unknown } };
      const total = totalTokens(parsed.usage) ?? totalTokens(parsed.response?.usage);
      if (total !== undefined) return total;
    } catch {
      /* not JSON: keep looking */
    }
  }
  return undefined;
}
