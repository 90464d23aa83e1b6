// Token usage as an upstream reports it: in a JSON answer's `usage`, in a stream's usage chunk or
// `response.completed` event. The one parser of OpenAI's two usage styles.

/** Tokens an answer used, as the upstream reported them. */
export interface Usage {
  readonly input: number;
  readonly output: number;
  /** Of `input`, the tokens the provider's prompt cache served (billed at a lower rate). */
  readonly cachedInput?: number;
  /** Built-in tool calls the provider ran and bills per call, by tool (`web_search`: 2). */
  readonly toolCalls?: Readonly<Record<string, number>>;
  /** Seconds of audio, where an answer reports its length rather than tokens (whisper-1). */
  readonly seconds?: number;
}

/**
 * The Responses API's output items for the built-in tools that are billed per call, and the
 * tool (as a request's `tools` names it) each belongs to. `usage` does not count them.
 */
const BILLED_CALLS: Readonly<Record<string, string>> = {
  web_search_call: 'web_search',
  file_search_call: 'file_search',
  code_interpreter_call: 'code_interpreter',
};
const BILLED_CALL_TYPE = /"type":\s*"(web_search_call|file_search_call|code_interpreter_call)"/g;

/**
 * Billed tool calls in a Responses answer's text, counted by their output items' `type`: an
 * output item appears once in a response object (a stream's `response.completed` event holds it).
 */
export function toolCallsIn(text: string): Record<string, number> | undefined {
  let calls: Record<string, number> | undefined;
  for (const [, type] of text.matchAll(BILLED_CALL_TYPE)) {
    const tool = BILLED_CALLS[type ?? ''];
    if (tool) (calls ??= {})[tool] = (calls[tool] ?? 0) + 1;
  }
  return calls;
}

/** Counts must be whole, non-negative and below any request's possible size. */
const MAX_COUNT = 1e9;

function count(fields: Record<string, unknown>, name: string): number | undefined {
  const field = fields[name];
  return typeof field === 'number' && Number.isSafeInteger(field) && field >= 0 && field < MAX_COUNT
    ? field
    : undefined;
}

/**
 * An OpenAI `usage` object in either style: chat, completions and embeddings
 * (`prompt_tokens`, `completion_tokens`, `total_tokens`) or Responses (`input_tokens`,
 * `output_tokens`). `undefined` when it carries no plausible counts at all.
 */
export function parseUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const seconds = fields['seconds'];
  if (fields['type'] === 'duration') {
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 && seconds < 1e7
      ? { input: 0, output: 0, seconds }
      : undefined;
  }
  const input = count(fields, 'prompt_tokens') ?? count(fields, 'input_tokens');
  const output = count(fields, 'completion_tokens') ?? count(fields, 'output_tokens');
  const total = count(fields, 'total_tokens');
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const details = fields['prompt_tokens_details'] ?? fields['input_tokens_details'];
  const cached = (details as { cached_tokens?: unknown } | null | undefined)?.cached_tokens;
  return {
    input: input ?? 0,
    output: output ?? Math.max(0, (total ?? 0) - (input ?? 0)),
    ...(typeof cached === 'number' && Number.isSafeInteger(cached) && cached > 0
      ? { cachedInput: Math.min(cached, input ?? 0) }
      : {}),
  };
}

/** Far longer than any usage object; a longer one is not read. */
const MAX_USAGE_CHARS = 4096;
const USAGE_KEY = '"usage":';

/**
 * The usage in a JSON answer, found from the end of its text (OpenAI writes it last) and parsed
 * alone: the whole answer is never parsed for it. A `"usage":` outside a string can only be a key
 * (inside a JSON string its quotes are escaped), so the last one is the answer's own.
 */
export function usageInJsonText(text: string): Usage | undefined {
  const from = text.lastIndexOf(USAGE_KEY);
  if (from === -1) return undefined;
  const start = text.indexOf('{', from + USAGE_KEY.length);
  const end = start === -1 ? -1 : objectEnd(text, start);
  if (end === -1) return undefined;
  try {
    return parseUsage(JSON.parse(text.slice(start, end)));
  } catch {
    return undefined;
  }
}

/** The index just past the JSON object that opens at `start`, or -1 if it does not close. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length && index < start + MAX_USAGE_CHARS; index++) {
    const char = text.charCodeAt(index);
    if (char === 0x22) {
      for (index++; index < text.length && text.charCodeAt(index) !== 0x22; index++) {
        if (text.charCodeAt(index) === 0x5c) index++;
      }
    } else if (char === 0x7b) depth++;
    else if (char === 0x7d && --depth === 0) return index + 1;
  }
  return -1;
}
