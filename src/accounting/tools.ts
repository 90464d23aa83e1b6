// Built-in tools a request asks the provider to run, whose calls are billed per call on top of
// tokens (web search, file search, code interpreter). A dollar budget must know what they cost.
import { isObject } from '../lib/json';

/** Tools that cost nothing beyond the tokens they take: the client runs them, or they are tokens. */
const TOKEN_ONLY_TOOLS = new Set(['function', 'custom', 'mcp', 'computer_use_preview', 'local_shell']);
/** Calls reserved for when a request does not bound them (`max_tool_calls`). */
export const DEFAULT_TOOL_CALLS = 8;

/** The billed tool types a request's `tools` names, each once. */
export function billedTools(body: Readonly<Record<string, unknown>>): string[] {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return [];
  const types = tools.map((tool) =>
    isObject(tool) && typeof tool['type'] === 'string' ? tool['type'] : 'function',
  );
  return [...new Set(types.filter((type) => !TOKEN_ONLY_TOOLS.has(type)))];
}

/** The most a request's billed tool calls may cost, in USD: its call bound at the dearest fee. */
export function maxToolCost(
  body: Readonly<Record<string, unknown>>,
  tools: readonly string[],
  toolPrices: Readonly<Record<string, number>>,
): number {
  if (tools.length === 0) return 0;
  const bound = body['max_tool_calls'];
  const calls =
    typeof bound === 'number' && Number.isSafeInteger(bound) && bound >= 0 ? bound : DEFAULT_TOOL_CALLS;
  return calls * Math.max(...tools.map((tool) => toolPrices[tool] ?? 0));
}
