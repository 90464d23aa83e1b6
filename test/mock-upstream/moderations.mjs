// @ts-check
// POST /v1/moderations: one result per input, all 13 categories in OpenAI's order, flagged by
// marker words (deterministic stand-ins for the classifier). Moderation is free: no usage.

import { errors } from './errors.mjs';
import { isObject } from './http-util.mjs';
import { rejectUnknownModel } from './generate.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

const CATEGORIES = [
  ...['harassment', 'harassment/threatening', 'sexual', 'hate', 'hate/threatening', 'illicit'],
  ...['illicit/violent', 'self-harm/intent', 'self-harm/instructions', 'self-harm', 'sexual/minors'],
  ...['violence', 'violence/graphic'],
];
/** The categories omni-moderation also scores images for. */
const IMAGE_CATEGORIES = new Set(
  CATEGORIES.filter((c) => /^(sexual|self-harm|violence)/.test(c) && c !== 'sexual/minors'),
);

/** @type {Array<[RegExp, string[]]>} */
const MARKERS = [
  [/\bkill/i, ['harassment', 'harassment/threatening', 'violence']],
  [/\bhate\b/i, ['hate', 'harassment']],
  [/\b(steal|shoplift)/i, ['illicit']],
  [/\bhurt myself\b/i, ['self-harm', 'self-harm/intent']],
];

/**
 * Inputs as the API reads them: a string, an array of strings (one result each), or an array
 * of typed parts (text and image_url) that together are one input.
 * @param {unknown} input @returns {Array<{ text: string, images: number }>}
 */
function inputsOf(input) {
  if (typeof input === 'string') return [{ text: input, images: 0 }];
  if (!Array.isArray(input)) return [];
  if (input.every((i) => typeof i === 'string')) return input.map((text) => ({ text, images: 0 }));
  const parts = input.filter(isObject);
  const text = parts
    .flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : []))
    .join(' ');
  return [{ text, images: parts.filter((p) => p.type === 'image_url').length }];
}

/** @param {{ text: string, images: number }} input @param {boolean} legacy text-moderation-* */
function result({ text, images }, legacy) {
  const hits = new Set(MARKERS.flatMap(([marker, categories]) => (marker.test(text) ? categories : [])));
  /** @param {(c: string) => unknown} f */
  const each = (f) => Object.fromEntries(CATEGORIES.map((c) => [c, f(c)]));
  // The legacy models predate the illicit categories, which they report as null.
  const unscored = (/** @type {string} */ c) => legacy && c.startsWith('illicit');
  return {
    flagged: hits.size > 0,
    categories: each((c) => (unscored(c) ? null : hits.has(c))),
    category_scores: each((c) => (unscored(c) ? 0 : hits.has(c) ? 0.9731 : 0.0000123)),
    category_applied_input_types: each((c) => [
      ...(text !== '' && !unscored(c) ? ['text'] : []),
      ...(images > 0 && IMAGE_CATEGORIES.has(c) ? ['image'] : []),
    ]),
  };
}

/** @param {Exchange} ex @param {MockState} state */
export function moderate(ex, state) {
  const body = ex.body ?? {};
  if (body.input === undefined) return ex.sendJson(400, errors.missingParam('input'));
  const model = typeof body.model === 'string' ? body.model : 'omni-moderation-latest';
  if (rejectUnknownModel(ex, state, model)) return;
  const legacy = model.startsWith('text-moderation');
  ex.sendJson(200, {
    id: `modr-mock-${ex.n}`,
    model,
    results: inputsOf(body.input).map((input) => result(input, legacy)),
  });
}
