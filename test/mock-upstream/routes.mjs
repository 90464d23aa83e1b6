// @ts-check
// Per-endpoint request reading: what the echo model answers and how many "tokens"
// the prompt had, plus which wire format renders the result.

import { chatCompletion, chatStream, completion, completionStream, countTokens } from './wire.mjs';
import { responseObject, responseStream } from './responses.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */
/** @typedef {Record<string, any>} Body */

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

/** @param {unknown} messages */
function readMessages(messages) {
  const list = Array.isArray(messages) ? messages.filter((m) => m && typeof m === 'object') : [];
  const lastUser = [...list].reverse().find((m) => m.role === 'user');
  return {
    answers: [`You said: ${textOf(lastUser?.content)}`],
    promptTokens: list.reduce((n, m) => n + countTokens(textOf(m.content)), 0),
  };
}

/** @param {unknown} prompt */
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
 *   read: (body: Body) => { answers: string[], promptTokens: number },
 *   json: (t: Turn) => object, stream: (t: Turn) => StreamFormat }} Endpoint
 */

/** @type {Record<string, Endpoint>} */
export const GENERATION_ENDPOINTS = {
  '/v1/chat/completions': {
    idPrefix: 'chatcmpl-mock-',
    required: ['model', 'messages'],
    usageOption: true,
    read: (b) => readMessages(b.messages),
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
  '/v1/responses': {
    idPrefix: 'resp_mock_',
    required: ['model'],
    usageOption: false,
    read: (b) =>
      typeof b.input === 'string'
        ? { answers: [`You said: ${b.input}`], promptTokens: countTokens(b.input) }
        : readMessages(b.input),
    json: (t) => responseObject(t, 'completed'),
    stream: responseStream,
  },
};
