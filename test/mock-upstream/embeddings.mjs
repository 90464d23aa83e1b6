// @ts-check
// Embeddings: 8 deterministic unit-length float32 values per input.

import { countTokens } from './tokens.mjs';

const DIMENSIONS = 8;

/**
 * FNV-1a: tiny, stable across Node versions, good enough to spread values.
 * @param {string} s
 */
export function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** @param {string} text */
function vector(text) {
  const raw = Array.from({ length: DIMENSIONS }, (_, i) => (fnv1a(`${i}:${text}`) / 0xffffffff) * 2 - 1);
  const norm = Math.hypot(...raw) || 1;
  // Rounded to float32 so the `float` and `base64` encodings decode to identical numbers.
  return raw.map((v) => Math.fround(v / norm));
}

/**
 * OpenAI's base64 form is the raw little-endian float32 array; the openai SDK asks
 * for it by default and decodes it itself.
 * @param {number[]} values
 */
function toBase64(values) {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/**
 * @param {Record<string, any>} body
 */
export function embeddingList(body) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const texts = inputs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  const tokens = texts.reduce((n, s) => n + countTokens(s), 0);
  return {
    object: 'list',
    data: texts.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? toBase64(vector(text)) : vector(text),
    })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
