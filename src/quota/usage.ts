// Token usage: reserved before a call from the request, read after it from the answer.
import { outputBound } from '../access/model-policy';
import type { RouteName } from '../routes';

/** Tokens an answer used, as the upstream reported them. */
export interface Usage {
  readonly input: number;
  readonly output: number;
  /** Of `input`, the tokens the provider's prompt cache served (billed at a lower rate). */
  readonly cachedInput?: number;
}

/** Output allowance reserved when a request does not bound its own output. */
export const DEFAULT_OUTPUT_RESERVE = 1024;

/** Prompt text is roughly 4 bytes per token in JSON: an upper-leaning estimate. */
export function promptEstimate(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 4);
}

/** The most a request may use: its prompt estimate plus all the output it may produce. */
export function reservation(
  route: RouteName,
  body: Readonly<Record<string, unknown>>,
  bodyBytes: number,
): number {
  const prompt = promptEstimate(bodyBytes);
  if (route === 'embeddings') return prompt;
  const bound = outputBound(route, body);
  return prompt + (bound.total ?? bound.choices * DEFAULT_OUTPUT_RESERVE);
}

/**
 * An OpenAI `usage` object in either style: chat, completions and embeddings
 * (`prompt_tokens`, `completion_tokens`, `total_tokens`) or Responses (`input_tokens`,
 * `output_tokens`). `undefined` when it carries no counts at all.
 */
export function parseUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const count = (name: string) => {
    const field = fields[name];
    return typeof field === 'number' && Number.isFinite(field) && field >= 0 ? field : undefined;
  };
  const input = count('prompt_tokens') ?? count('input_tokens');
  const output = count('completion_tokens') ?? count('output_tokens');
  const total = count('total_tokens');
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const details = fields['prompt_tokens_details'] ?? fields['input_tokens_details'];
  const cached = (details as { cached_tokens?: unknown } | null | undefined)?.cached_tokens;
  return {
    input: input ?? 0,
    output: output ?? Math.max(0, (total ?? 0) - (input ?? 0)),
    ...(typeof cached === 'number' && cached > 0 ? { cachedInput: cached } : {}),
  };
}

export function totalTokens(usage: Usage): number {
  return usage.input + usage.output;
}

/** The usage in a JSON answer's body, if it has one. */
export function usageInJson(body: ArrayBuffer): Usage | undefined {
  try {
    return parseUsage((JSON.parse(new TextDecoder().decode(body)) as { usage?: unknown }).usage);
  } catch {
    return undefined;
  }
}
