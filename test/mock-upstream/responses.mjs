// @ts-check
// Responses API shapes. Unlike chat, the stream is a sequence of *named* events with
// a global sequence_number, no [DONE], and the full response object is sent twice
// (created/in_progress without output, completed with it).

import { eventFrame } from './sse.mjs';
import { countTokens } from './wire.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */

/** @param {Turn} t */
const messageId = (t) => t.id.replace(/^resp_/, 'msg_');

/** Responses always carry exactly one answer. @param {Turn} t */
const answerOf = (t) => t.answers[0] ?? '';

/** @param {string} text */
const outputText = (text) => ({ type: 'output_text', annotations: [], logprobs: [], text });

/** @param {Turn} t @param {'in_progress' | 'completed'} status */
const messageItem = (t, status) => ({
  id: messageId(t),
  type: 'message',
  status,
  content: status === 'completed' ? [outputText(answerOf(t))] : [],
  role: 'assistant',
});

/** @param {Turn} t @param {'in_progress' | 'completed'} status */
export function responseObject(t, status = 'completed') {
  const done = status === 'completed';
  const out = countTokens(answerOf(t));
  return {
    id: t.id,
    object: 'response',
    created_at: t.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: t.model,
    // `output_text` is deliberately absent: it is an SDK convenience, not a wire field.
    output: done ? [messageItem(t, 'completed')] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
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
    user: null,
    metadata: {},
  };
}

/** @param {Turn} t @returns {StreamFormat} */
export function responseStream(t) {
  let seq = 0;
  /** @param {string} type @param {object} fields */
  const ev = (type, fields) => eventFrame(type, { type, sequence_number: seq++, ...fields });
  const at = { item_id: messageId(t), output_index: 0, content_index: 0 };
  return {
    head: () => [
      ev('response.created', { response: responseObject(t, 'in_progress') }),
      ev('response.in_progress', { response: responseObject(t, 'in_progress') }),
      ev('response.output_item.added', { output_index: 0, item: messageItem(t, 'in_progress') }),
      ev('response.content_part.added', { ...at, part: outputText('') }),
    ],
    piece: (p) =>
      ev('response.output_text.delta', {
        ...at,
        delta: p.text,
        logprobs: [],
        ...(p.seq === undefined ? {} : { seq: p.seq }),
      }),
    tail: () => [
      ev('response.output_text.done', { ...at, text: answerOf(t), logprobs: [] }),
      ev('response.content_part.done', { ...at, part: outputText(answerOf(t)) }),
      ev('response.output_item.done', { output_index: 0, item: messageItem(t, 'completed') }),
      ev('response.completed', { response: responseObject(t, 'completed') }),
    ],
  };
}
