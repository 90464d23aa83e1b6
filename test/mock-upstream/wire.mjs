// @ts-check
// OpenAI wire shapes: every object here copies a field layout seen from api.openai.com,
// including fields clients ignore (refusal, logprobs, usage: null), so a proxy that
// re-serialises or filters bodies gets caught by byte/shape comparisons.

import { dataFrame, DONE_FRAME } from './sse.mjs';
import { callTokens } from './tools.mjs';
import { countTokens } from './tokens.mjs';

/** @param {number} p @param {number} c */
const chatUsage = (p, c) => ({
  prompt_tokens: p,
  completion_tokens: c,
  total_tokens: p + c,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/**
 * `call` replaces the answer with a tool call; `echo` is what a Responses object repeats
 * from its request.
 * @typedef {{ id: string, created: number, model: string, answers: string[],
 *   promptTokens: number, includeUsage: boolean,
 *   call?: import('./tools.mjs').ToolCall | undefined,
 *   echo?: import('./responses.mjs').Echo | undefined }} Turn
 * @typedef {{ text: string, index?: number, seq?: number }} Piece
 * @typedef {{ head: () => string[], piece: (p: Piece) => string, tail: () => string[] }} StreamFormat
 */

/** @param {Turn} t */
export const completionTokens = (t) =>
  t.call ? callTokens(t.call) : t.answers.reduce((n, a) => n + countTokens(a), 0);

/** @param {import('./tools.mjs').ToolCall} call */
const toolCall = (call) => ({
  id: call.callId,
  type: 'function',
  function: { name: call.name, arguments: call.arguments },
});

/** @param {Turn} t */
export const chatCompletion = (t) => ({
  id: t.id,
  object: 'chat.completion',
  created: t.created,
  model: t.model,
  choices: [
    {
      index: 0,
      message: t.call
        ? { role: 'assistant', content: null, tool_calls: [toolCall(t.call)], refusal: null, annotations: [] }
        : { role: 'assistant', content: t.answers[0], refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: t.call ? 'tool_calls' : 'stop',
    },
  ],
  usage: chatUsage(t.promptTokens, completionTokens(t)),
  service_tier: 'default',
  system_fingerprint: 'fp_mock',
});

/** @param {Turn} t @returns {StreamFormat} */
export function chatStream(t) {
  /** @param {object} delta @param {string | null} finish @param {number} [seq] */
  const chunk = (delta, finish, seq) => ({
    id: t.id,
    object: 'chat.completion.chunk',
    created: t.created,
    model: t.model,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
    ...(seq === undefined ? {} : { seq }),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    // OpenAI adds `usage: null` to every chunk, but only once include_usage is on.
    ...(t.includeUsage ? { usage: null } : {}),
  });
  const { call } = t;
  // A tool call opens with its id and name and empty arguments; the arguments follow in pieces.
  const first = call
    ? { index: 0, id: call.callId, type: 'function', function: { name: call.name, arguments: '' } }
    : undefined;
  return {
    head: () => [
      dataFrame(
        chunk(
          first
            ? { role: 'assistant', content: null, tool_calls: [first], refusal: null }
            : { role: 'assistant', content: '', refusal: null },
          null,
        ),
      ),
    ],
    piece: (p) =>
      dataFrame(
        chunk(
          call ? { tool_calls: [{ index: 0, function: { arguments: p.text } }] } : { content: p.text },
          null,
          p.seq,
        ),
      ),
    tail: () => [
      dataFrame(chunk({}, call ? 'tool_calls' : 'stop')),
      ...(t.includeUsage
        ? [
            dataFrame({
              ...chunk({}, null),
              choices: [],
              usage: chatUsage(t.promptTokens, completionTokens(t)),
            }),
          ]
        : []),
      DONE_FRAME,
    ],
  };
}

/** @param {number} p @param {number} c */
const plainUsage = (p, c) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c });

/** @param {Turn} t @param {Array<{ text: string, index: number, logprobs: null, finish_reason: string | null }>} choices */
const textCompletion = (t, choices) => ({
  id: t.id,
  object: 'text_completion',
  created: t.created,
  model: t.model,
  choices,
  system_fingerprint: 'fp_mock',
});

/** @param {Turn} t */
export const completion = (t) => ({
  ...textCompletion(
    t,
    t.answers.map((text, index) => ({ text, index, logprobs: null, finish_reason: 'stop' })),
  ),
  usage: plainUsage(t.promptTokens, completionTokens(t)),
});

/** @param {Turn} t @returns {StreamFormat} */
export function completionStream(t) {
  return {
    head: () => [],
    piece: (p) =>
      dataFrame({
        ...textCompletion(t, [{ text: p.text, index: p.index ?? 0, logprobs: null, finish_reason: null }]),
        ...(p.seq === undefined ? {} : { seq: p.seq }),
      }),
    tail: () => [
      ...t.answers.map((_, index) =>
        dataFrame(textCompletion(t, [{ text: '', index, logprobs: null, finish_reason: 'stop' }])),
      ),
      ...(t.includeUsage
        ? [dataFrame({ ...textCompletion(t, []), usage: plainUsage(t.promptTokens, completionTokens(t)) })]
        : []),
      DONE_FRAME,
    ],
  };
}
