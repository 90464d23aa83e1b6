// @ts-check
// Per-endpoint request reading: what the echo model answers (or which tool it calls) and how
// many "tokens" the prompt had, plus which wire format renders the result.

import { chatCompletion, chatStream, completion, completionStream } from './wire.mjs';
import { countTokens } from './tokens.mjs';
import { chosenTool, planCall, toolReply } from './tools.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */
/** @typedef {import('./tools.mjs').PlannedCall} PlannedCall */
/** @typedef {Record<string, any>} Body */
/** @typedef {{ answers: string[], promptTokens: number, call?: PlannedCall | undefined }} Reading */

/**
 * Message content may be a string or an array of typed parts; only text counts.
 * @param {unknown} content
 */
export function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => p && typeof p.text === 'string' && /^(input_|output_)?text$/.test(p.type))
    .map((p) => p.text)
    .join(' ');
}

/**
 * Chat messages: echo the last user message, call a tool when the user spoke last and tools
 * are offered, or quote the tools' results when they came last.
 * @param {Body} body @returns {Reading}
 */
function readMessages(body) {
  const list = Array.isArray(body.messages) ? body.messages.filter((m) => m && typeof m === 'object') : [];
  const lastUser = [...list].reverse().find((m) => m.role === 'user');
  const promptTokens = list.reduce((n, m) => n + countTokens(textOf(m.content)), 0);
  const last = list.at(-1);
  if (last?.role === 'tool') {
    const names = new Map(
      list
        .flatMap((m) => (Array.isArray(m.tool_calls) ? m.tool_calls : []))
        .map((c) => [c?.id, c?.function?.name]),
    );
    const firstResult = list.findLastIndex((m) => m.role !== 'tool') + 1;
    const results = list.slice(firstResult).map((m) => ({
      name: String(names.get(m.tool_call_id) ?? 'unknown'),
      output: textOf(m.content),
    }));
    return { answers: [toolReply(results)], promptTokens };
  }
  const tool = last?.role === 'user' ? chosenTool(body.tools, body.tool_choice) : undefined;
  const text = textOf(lastUser?.content);
  return { answers: [`You said: ${text}`], promptTokens, call: tool && planCall(tool, text) };
}

/** @param {unknown} prompt @returns {Reading} */
function readPrompt(prompt) {
  /** @param {unknown} p */
  const one = (p) => (Array.isArray(p) ? p.join(' ') : String(p));
  // A flat array of token ids is one prompt; an array of strings/arrays is a batch.
  const prompts =
    Array.isArray(prompt) && prompt.some((p) => typeof p !== 'number') ? prompt.map(one) : [one(prompt)];
  return {
    answers: prompts.map((p) => `You said: ${p}`),
    promptTokens: prompts.reduce((n, p) => n + countTokens(p), 0),
  };
}

/**
 * @typedef {{ idPrefix: string, required: string[], usageOption: boolean,
 *   read: (body: Body) => Reading, json: (t: Turn) => object,
 *   stream: (t: Turn) => StreamFormat }} Endpoint
 */

/** @type {Record<string, Endpoint>} */
export const GENERATION_ENDPOINTS = {
  '/v1/chat/completions': {
    idPrefix: 'chatcmpl-mock-',
    required: ['model', 'messages'],
    usageOption: true,
    read: readMessages,
    json: chatCompletion,
    stream: chatStream,
  },
  '/v1/completions': {
    idPrefix: 'cmpl-mock-',
    required: ['model', 'prompt'],
    usageOption: true,
    read: (b) => readPrompt(b.prompt),
    json: completion,
    stream: completionStream,
  },
};
