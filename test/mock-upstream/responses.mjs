// @ts-check
// Responses API shapes. Unlike chat, the stream is a sequence of *named* events with
// a global sequence_number, no [DONE], and the full response object is sent several times
// (created/in_progress without output, completed with it).

import { eventFrame } from './sse.mjs';
import { completionTokens } from './wire.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').Piece} Piece */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */
/** @typedef {'queued' | 'in_progress' | 'completed' | 'cancelled'} Status */
/** @typedef {{ type: string, sequence_number: number } & Record<string, unknown>} ResponseEvent */

/**
 * Request fields a response object repeats; what is absent gets OpenAI's default.
 * @typedef {{ background?: boolean, conversation?: { id: string }, instructions?: unknown,
 *   max_output_tokens?: unknown, metadata?: unknown, parallel_tool_calls?: unknown,
 *   previous_response_id?: unknown, store?: boolean, temperature?: unknown,
 *   tool_choice?: unknown, tools?: unknown, top_p?: unknown, user?: unknown }} Echo
 */

/** @param {Turn} t */
const messageId = (t) => t.id.replace(/^resp_/, 'msg_');

/** Responses always carry exactly one answer. @param {Turn} t */
const answerOf = (t) => t.answers[0] ?? '';

/** @param {string} text */
const outputText = (text) => ({ type: 'output_text', annotations: [], logprobs: [], text });

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
    output: done ? [outputItem(t, 'completed')] : [],
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

/**
 * The event objects of one response, in four stages so a background run can pause between
 * them: `start` (created, and queued for background), `open` (in_progress, the item added),
 * one `piece` per delta, and `close` (the item done, completed).
 * @param {Turn} t
 */
export function responseEvents(t) {
  let seq = 0;
  /** @param {string} type @param {object} fields @returns {ResponseEvent} */
  const ev = (type, fields) => ({ type, sequence_number: seq++, ...fields });
  const item = { item_id: t.call?.itemId ?? messageId(t), output_index: 0 };
  const at = { ...item, content_index: 0 };
  /** @param {Status} status */
  const snapshot = (status) => ({ response: responseObject(t, status) });
  return {
    /** @param {'queued' | 'in_progress'} status */
    start: (status) => [
      ev('response.created', snapshot(status)),
      ...(status === 'queued' ? [ev('response.queued', snapshot('queued'))] : []),
    ],
    open: () => [
      ev('response.in_progress', snapshot('in_progress')),
      ev('response.output_item.added', { output_index: 0, item: outputItem(t, 'in_progress') }),
      ...(t.call ? [] : [ev('response.content_part.added', { ...at, part: outputText('') })]),
    ],
    /** @param {Piece} p */
    piece: (p) =>
      t.call
        ? ev('response.function_call_arguments.delta', { ...item, delta: p.text })
        : ev('response.output_text.delta', {
            ...at,
            delta: p.text,
            logprobs: [],
            ...(p.seq === undefined ? {} : { seq: p.seq }),
          }),
    close: () => [
      ...(t.call
        ? [
            ev('response.function_call_arguments.done', {
              ...item,
              name: t.call.name,
              arguments: t.call.arguments,
            }),
          ]
        : [
            ev('response.output_text.done', { ...at, text: answerOf(t), logprobs: [] }),
            ev('response.content_part.done', { ...at, part: outputText(answerOf(t)) }),
          ]),
      ev('response.output_item.done', { output_index: 0, item: outputItem(t, 'completed') }),
      ev('response.completed', snapshot('completed')),
    ],
  };
}

/** @param {ResponseEvent} e */
export const responseFrame = (e) => eventFrame(e.type, e);

/** @param {Turn} t @returns {StreamFormat} */
export function responseStream(t) {
  const events = responseEvents(t);
  return {
    head: () => [...events.start('in_progress'), ...events.open()].map(responseFrame),
    piece: (p) => responseFrame(events.piece(p)),
    tail: () => events.close().map(responseFrame),
  };
}
