// @ts-check
// Function calling, so an app's tool loop runs offline: a request that offers tools and ends
// with the user's turn gets a call to one of them; one that ends with the tools' results gets
// a text answer quoting them, so the loop ends.

import { isObject } from './http-util.mjs';
import { countTokens } from './tokens.mjs';

/** @typedef {{ name: string, arguments: string }} PlannedCall */
/** @typedef {PlannedCall & { callId: string, itemId: string }} ToolCall */
/** @typedef {{ name: string, parameters?: unknown }} FunctionTool */

/**
 * Function tools in either wire form: chat's `{ type, function: { name, parameters } }` or the
 * Responses API's flat `{ type, name, parameters }`. Built-in tools (web_search…) are skipped.
 * @param {unknown} tools @returns {FunctionTool[]}
 */
function functionTools(tools) {
  return (Array.isArray(tools) ? tools : [])
    .filter((tool) => isObject(tool) && tool.type === 'function')
    .map((tool) => (isObject(tool.function) ? tool.function : tool))
    .filter((fn) => typeof fn.name === 'string');
}

/**
 * The tool a request's `tool_choice` picks: the named one (chat's `{ function: { name } }` or
 * the Responses API's `{ name }`), else the first; none when there are none or it says "none".
 * @param {unknown} tools @param {unknown} choice
 */
export function chosenTool(tools, choice) {
  const list = functionTools(tools);
  if (list.length === 0 || choice === 'none') return undefined;
  const named = isObject(choice)
    ? isObject(choice.function)
      ? choice.function.name
      : choice.name
    : undefined;
  return list.find((tool) => tool.name === named) ?? list[0];
}

/** A JSON Schema `type`, which may be a list such as `["string", "null"]`. @param {unknown} type */
const firstType = (type) => (Array.isArray(type) ? type.find((t) => t !== 'null') : type);

/**
 * Arguments filling every required property from the user's words, deterministically:
 * strings get the text (or an enum's first value), numbers its word count.
 * @param {unknown} parameters JSON Schema of the tool @param {string} text
 */
export function argumentsFor(parameters, text) {
  const schema = isObject(parameters) ? parameters : {};
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [];
  /** @type {Record<string, unknown>} */
  const args = {};
  for (const name of required) {
    const prop = isObject(properties[name]) ? properties[name] : {};
    const type = firstType(prop.type);
    if (Array.isArray(prop.enum) && prop.enum.length > 0) args[name] = prop.enum[0];
    else if (type === 'number' || type === 'integer') args[name] = countTokens(text);
    else if (type === 'boolean') args[name] = true;
    else if (type === 'array') args[name] = [];
    else if (type === 'object') args[name] = {};
    else args[name] = text;
  }
  // Compact, the way the model writes them.
  return JSON.stringify(args);
}

/** @param {FunctionTool} tool @param {string} text @returns {PlannedCall} */
export const planCall = (tool, text) => ({ name: tool.name, arguments: argumentsFor(tool.parameters, text) });

/**
 * Streamed arguments arrive in token-like fragments (`{"`, `city`, `":"`, `Paris`, `"}`) that
 * concatenate back to the arguments exactly.
 * @param {string} args
 */
export const argumentPieces = (args) => args.match(/\{"|":"|","|"\}|"[:,]|[^"{}:,]+|[\s\S]/g) ?? [];

/** Tokens a call costs: its name and the words of its arguments. @param {PlannedCall} call */
export const callTokens = (call) => 1 + countTokens(call.arguments.replace(/[{}":,[\]]/g, ' '));

/** The answer once the tools have run. @param {Array<{ name: string, output: string }>} results */
export const toolReply = (results) => results.map((r) => `Tool ${r.name} said: ${r.output}`).join('\n');
