// @ts-check
// Items as the Responses and Conversations APIs store them: every input typed and given an id,
// its text in typed parts; and what the echo model reads from a list of them.

import { isObject } from './http-util.mjs';
import { textOf } from './routes.mjs';
import { countTokens } from './tokens.mjs';
import { chosenTool, planCall, toolReply } from './tools.mjs';

/** @typedef {Record<string, any> & { id: string, type: string }} Item */
/** @typedef {import('./routes.mjs').Reading} Reading */

/** @param {string} type @param {string} text */
const textPart = (type, text) =>
  type === 'output_text' ? { type, annotations: [], logprobs: [], text } : { type, text };

/** @param {Record<string, any>} item @param {string} fallback */
const idOf = (item, fallback) => (typeof item.id === 'string' ? item.id : fallback);

/** @param {Record<string, any>} item @param {string} suffix */
function storedItem(item, suffix) {
  const type = typeof item.type === 'string' ? item.type : 'message';
  if (type === 'message') {
    const role = typeof item.role === 'string' ? item.role : 'user';
    const part = role === 'assistant' ? 'output_text' : 'input_text';
    const content =
      typeof item.content === 'string'
        ? [textPart(part, item.content)]
        : Array.isArray(item.content)
          ? item.content
          : [];
    return { id: idOf(item, `msg_${suffix}`), type, status: 'completed', content, role };
  }
  if (type === 'function_call')
    return {
      id: idOf(item, `fc_${suffix}`),
      type,
      status: 'completed',
      arguments: item.arguments,
      call_id: item.call_id,
      name: item.name,
    };
  if (type === 'function_call_output')
    return {
      id: idOf(item, `fco_${suffix}`),
      type,
      call_id: item.call_id,
      output: item.output,
      status: 'completed',
    };
  return { ...item, id: idOf(item, `item_${suffix}`), type };
}

/**
 * @param {unknown} input a string (one user message) or an array of items and easy messages
 * @param {string} idBase unique per request (`mock_<n>`), so ids are unique and reproducible
 * @returns {Item[]}
 */
export function storedItems(input, idBase) {
  const list =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];
  return list.filter(isObject).map((item, k) => storedItem(item, `${idBase}_${k}`));
}

/** @param {Item} item */
function itemText(item) {
  if (item.type === 'function_call') return String(item.arguments ?? '');
  if (item.type === 'function_call_output')
    return typeof item.output === 'string' ? item.output : textOf(item.output);
  return textOf(item.content);
}

/** Prompt tokens of the items plus the instructions. @param {Item[]} items @param {unknown} instructions */
export const itemTokens = (items, instructions) =>
  items.reduce((n, item) => n + countTokens(itemText(item)), 0) +
  (typeof instructions === 'string' ? countTokens(instructions) : 0);

/**
 * What the echo model answers to the new `input` after `context` (earlier turns): the tools'
 * results when they came last, a tool call when the user spoke last and tools are offered,
 * else "You said: …" to the last user message.
 * @param {Item[]} context @param {Item[]} input @param {Record<string, any>} body
 * @returns {Reading}
 */
export function readItems(context, input, body) {
  const all = [...context, ...input];
  const promptTokens = itemTokens(all, body.instructions);
  const last = input.at(-1);
  if (last?.type === 'function_call_output') {
    const names = new Map(all.filter((i) => i.type === 'function_call').map((i) => [i.call_id, i.name]));
    const first = input.findLastIndex((i) => i.type !== 'function_call_output') + 1;
    const results = input
      .slice(first)
      .map((i) => ({ name: String(names.get(i.call_id) ?? 'unknown'), output: itemText(i) }));
    return { answers: [toolReply(results)], promptTokens };
  }
  const lastUser = [...all].reverse().find((i) => i.type === 'message' && i.role === 'user');
  const text = lastUser ? itemText(lastUser) : '';
  const tool =
    last?.type === 'message' && last.role === 'user' ? chosenTool(body.tools, body.tool_choice) : undefined;
  return { answers: [`You said: ${text}`], promptTokens, call: tool && planCall(tool, text) };
}
