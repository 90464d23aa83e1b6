// @ts-check
// The mock's stand-in for a tokenizer: deterministic, so usage numbers can be asserted.

/**
 * Whitespace-separated words: a deterministic stand-in for tokens.
 * @param {string} text
 */
export const countTokens = (text) => text.split(/\s+/).filter(Boolean).length;

/**
 * Splits after each whitespace run so the pieces concatenate back to `text`
 * exactly, which is what clients rebuilding a message from deltas rely on.
 * @param {string} text
 */
export const wordPieces = (text) => text.split(/(?<=\s)(?=\S)/).filter(Boolean);
