// @ts-check
// Responses API shapes: the response object and its one output item (a message or a
// function call), as a request's fields and the status decide them.

import { completionTokens } from './wire.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {'queued' | 'in_progress' | 'completed' | 'cancelled'} Status */

/**
 * Request fields a response object repeats; what is absent gets OpenAI's default.
 * @typedef {{ background?: boolean, conversation?: { id: string }, instructions?: unknown,
 *   max_output_tokens?: unknown, metadata?: unknown, parallel_tool_calls?: unknown,
 *   previous_response_id?: unknown, store?: boolean, temperature?: unknown,
 *   tool_choice?: unknown, tools?: unknown, top_p?: unknown, user?: unknown }} Echo
 */

/** @param {Turn} t */
export const messageId = (t) => t.id.replace(/^resp_/, 'msg_');

/** Responses always carry exactly one answer. @param {Turn} t */
export const answerOf = (t) => t.answers[0] ?? '';

/** @param {string} text */
export const outputText = (text) => ({ type: 'output_text', annotations: [], logprobs: [], text });

/** The one output item: the answer as a message, or a function call. @param {Turn} t @param {Status} status */
export function outputItem(t, status) {
  const done = status === 'completed';
  if (t.call)
    return {
      id: t.call.itemId,
      type: 'function_call',
      status,
      arguments: done ? t.call.arguments : '',
      call_id: t.call.callId,
      name: t.call.name,
    };
  return {
    id: messageId(t),
    type: 'message',
    status,
    content: done ? [outputText(answerOf(t))] : [],
    role: 'assistant',
  };
}

/** The output item each built-in tool leaves when the provider runs it (billed per call). */
const BUILT_IN_CALLS = /** @type {Record<string, string>} */ ({
  web_search: 'web_search_call',
  web_search_preview: 'web_search_call',
  file_search: 'file_search_call',
  code_interpreter: 'code_interpreter_call',
});

/**
 * One call per built-in tool the request named, as a completed output item before the answer.
 * @param {Turn} t
 */
function builtInCalls(t) {
  const tools = Array.isArray(t.echo?.tools) ? t.echo.tools : [];
  return tools.flatMap((/** @type {{ type?: unknown }} */ tool, index) => {
    const type = typeof tool?.type === 'string' ? BUILT_IN_CALLS[tool.type] : undefined;
    return type ? [{ id: `${type.slice(0, 2)}_mock_${t.id}_${index}`, type, status: 'completed' }] : [];
  });
}

/** @param {Turn} t @param {Status} status */
export function responseObject(t, status = 'completed') {
  const done = status === 'completed';
  const out = completionTokens(t);
  const echo = t.echo ?? {};
  return {
    id: t.id,
    object: 'response',
    created_at: t.created,
    status,
    background: echo.background ?? false,
    ...(echo.conversation ? { conversation: echo.conversation } : {}),
    error: null,
    incomplete_details: null,
    instructions: echo.instructions ?? null,
    max_output_tokens: echo.max_output_tokens ?? null,
    model: t.model,
    // `output_text` is deliberately absent: it is an SDK convenience, not a wire field.
    output: done ? [...builtInCalls(t), outputItem(t, 'completed')] : [],
    parallel_tool_calls: echo.parallel_tool_calls ?? true,
    previous_response_id: echo.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: echo.store ?? true,
    temperature: echo.temperature ?? 1.0,
    text: { format: { type: 'text' } },
    tool_choice: echo.tool_choice ?? 'auto',
    tools: echo.tools ?? [],
    top_p: echo.top_p ?? 1.0,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: t.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: out,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: t.promptTokens + out,
        }
      : null,
    user: echo.user ?? null,
    metadata: echo.metadata ?? {},
  };
}
