// @ts-check
// Reads a .dev.vars file the way wrangler does: dotenv syntax, NAME=value, # comments, quotes.
import { existsSync, readFileSync } from 'node:fs';

/**
 * Names and values in a .dev.vars; an empty map when the file does not exist.
 * @param {string} path
 * @returns {Map<string, string>}
 */
export function readDevVars(path) {
  /** @type {Map<string, string>} */
  const vars = new Map();
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || match[1] === undefined) continue;
    vars.set(match[1], (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  return vars;
}

/** The file's text, '' when it does not exist: what a change of .dev.vars is compared by. */
export const snapshot = (/** @type {string} */ path) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
